/* render-cache.c: a small LRU of printed READ answers, each valid while its stamp matches. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "render-cache.h"

struct render_entry {
	char *key; /* NULL: a free slot */
	struct render_stamp stamp;
	char *text;
	size_t len;
	uint64_t used; /* the cache's clock when last read or stored */
};

struct render_cache {
	struct render_entry *entries;
	size_t max_entries, max_bytes, bytes;
	uint64_t clock, hits, misses;
};

int render_cache_new(size_t max_entries, size_t max_bytes, struct render_cache **ret)
{
	struct render_cache *c;

	if (max_entries == 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->entries = calloc(max_entries, sizeof(*c->entries));
	if (!c->entries) {
		free(c);
		return -ENOMEM;
	}
	c->max_entries = max_entries;
	c->max_bytes = max_bytes;
	*ret = c;
	return 0;
}

static void entry_clear(struct render_cache *c, struct render_entry *e)
{
	c->bytes -= e->len;
	free(e->key);
	free(e->text);
	*e = (struct render_entry){0};
}

void render_cache_free(struct render_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->max_entries; i++)
		entry_clear(c, &c->entries[i]);
	free(c->entries);
	free(c);
}

static struct render_entry *find(struct render_cache *c, const char *key)
{
	for (size_t i = 0; i < c->max_entries; i++)
		if (c->entries[i].key && strcmp(c->entries[i].key, key) == 0)
			return &c->entries[i];
	return NULL;
}

const char *render_cache_get(struct render_cache *c, const char *key, const struct render_stamp *stamp,
			     uint64_t now_ns, size_t *ret_len)
{
	struct render_entry *e = find(c, key);

	if (!e || memcmp(e->stamp.source, stamp->source, sizeof(stamp->source)) != 0 ||
	    (e->stamp.expires_ns && now_ns >= e->stamp.expires_ns)) {
		c->misses++;
		return NULL;
	}
	c->hits++;
	e->used = ++c->clock;
	*ret_len = e->len;
	return e->text;
}

/* The least recently used entry other than `keep`; NULL when there is none. */
static struct render_entry *oldest(struct render_cache *c, const struct render_entry *keep)
{
	struct render_entry *best = NULL;

	for (size_t i = 0; i < c->max_entries; i++) {
		struct render_entry *e = &c->entries[i];

		if (e != keep && e->key && (!best || e->used < best->used))
			best = e;
	}
	return best;
}

/* A free slot, else the least recently used entry, emptied. */
static struct render_entry *slot_take(struct render_cache *c)
{
	struct render_entry *e;

	for (size_t i = 0; i < c->max_entries; i++)
		if (!c->entries[i].key)
			return &c->entries[i];
	e = oldest(c, NULL); /* max_entries > 0: never NULL here */
	entry_clear(c, e);
	return e;
}

int render_cache_put(struct render_cache *c, const char *key, const struct render_stamp *stamp, char *text,
		     size_t len)
{
	struct render_entry *e = find(c, key);

	if (len > c->max_bytes) {
		free(text);
		return 1;
	}
	if (e) {
		c->bytes -= e->len;
		free(e->text);
		e->text = NULL;
		e->len = 0;
	} else {
		char *k = strdup(key);

		if (!k) {
			free(text);
			return -ENOMEM;
		}
		e = slot_take(c);
		e->key = k;
	}
	/* Room for the new text: the oldest others go. */
	while (c->bytes + len > c->max_bytes) {
		struct render_entry *v = oldest(c, e);

		if (!v)
			break;
		entry_clear(c, v);
	}
	e->stamp = *stamp;
	e->text = text;
	e->len = len;
	e->used = ++c->clock;
	c->bytes += len;
	return 0;
}

void render_cache_stats(const struct render_cache *c, size_t *ret_entries, size_t *ret_bytes,
			uint64_t *ret_hits, uint64_t *ret_misses)
{
	size_t n = 0;

	for (size_t i = 0; i < c->max_entries; i++)
		n += c->entries[i].key != NULL;
	*ret_entries = n;
	*ret_bytes = c->bytes;
	*ret_hits = c->hits;
	*ret_misses = c->misses;
}
