/* budget.c: cut a JSON document to a byte budget at JSON boundaries (array tails, then long strings). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "json-util.h"
#include "macro.h"

#define DUMP_FLAGS     (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(12))
#define MAX_ROUNDS     256
#define MIN_STRING_CUT 64 /* shorter strings are left whole */

size_t budget_json_size(const json_t *j)
{
	/* The same flags as json_dump_compact(), so sizes match what is sent. */
	return json_dumpb(j, NULL, 0, DUMP_FLAGS);
}

struct candidate {
	json_t *node;
	size_t size;
	char path[512];
};

/* Appends one JSON Pointer token (RFC 6901: ~ and / escaped). */
static void path_push(char *path, size_t size, const char *token)
{
	size_t len = strlen(path);

	if (len + 2 >= size)
		return;
	path[len++] = '/';
	for (; *token && len + 3 < size; token++) {
		if (*token == '~' || *token == '/') {
			path[len++] = '~';
			path[len++] = *token == '~' ? '0' : '1';
		} else
			path[len++] = *token;
	}
	path[len] = '\0';
}

/* What is cut, in this order: list tails, then the tail members of nested
 * objects (never the top level's: totals and offsets live there), then the
 * longest string. */
enum cut_kind {
	CUT_ARRAY,
	CUT_OBJECT,
	CUT_STRING,
	CUT_KIND_MAX,
};

static void consider(struct candidate *best, json_t *node, size_t size, const char *path)
{
	if (size <= best->size)
		return;
	best->node = node;
	best->size = size;
	snprintf(best->path, sizeof(best->path), "%s", path);
}

/* The largest candidate of this kind under node, by serialized size. */
static void find_largest(json_t *node, char *path, size_t path_size, enum cut_kind kind, struct candidate *best)
{
	size_t len = strlen(path);

	if (json_is_array(node)) {
		json_t *v;
		size_t i;

		if (kind == CUT_ARRAY && json_array_size(node) > 0)
			consider(best, node, budget_json_size(node), path);
		json_array_foreach (node, i, v) {
			char idx[24];

			snprintf(idx, sizeof(idx), "%zu", i);
			path_push(path, path_size, idx);
			find_largest(v, path, path_size, kind, best);
			path[len] = '\0';
		}
	} else if (json_is_object(node)) {
		const char *key;
		json_t *v;

		if (kind == CUT_OBJECT && len > 0 && json_object_size(node) > 0)
			consider(best, node, budget_json_size(node), path);
		json_object_foreach (node, key, v) {
			path_push(path, path_size, key);
			find_largest(v, path, path_size, kind, best);
			path[len] = '\0';
		}
	} else if (kind == CUT_STRING && json_is_string(node) && json_string_length(node) > MIN_STRING_CUT)
		consider(best, node, json_string_length(node), path);
}

/* Records a cut; a place cut again keeps its first total. */
static int record(json_t *cuts, const char *path, size_t kept, size_t total, const char *unit)
{
	size_t i;
	json_t *c;

	json_array_foreach (cuts, i, c)
		if (strcmp(json_string_value(json_object_get(c, "path")), path) == 0) {
			json_object_set_new(c, "kept", json_integer((json_int_t)kept));
			return 0;
		}
	return json_array_append_new(cuts,
				     json_pack("{s:s, s:I, s:I, s:s}", "path", path, "kept", (json_int_t)kept,
					       "total", (json_int_t)total, "unit", unit));
}

static int cut_array(struct candidate *c, size_t excess, json_t *cuts)
{
	size_t n = json_array_size(c->node), total = n, removed = 0;
	size_t i;
	json_t *prev;

	/* The original length, when this array was cut before. */
	json_array_foreach (cuts, i, prev)
		if (strcmp(json_string_value(json_object_get(prev, "path")), c->path) == 0)
			total = (size_t)json_integer_value(json_object_get(prev, "total"));
	while (n > 0 && removed < excess) {
		removed += budget_json_size(json_array_get(c->node, n - 1)) + 1; /* and its comma */
		json_array_remove(c->node, --n);
	}
	return record(cuts, c->path, n, total, "items");
}

/* Drops the last members of an object (jansson keeps their order). */
static int cut_object(struct candidate *c, size_t excess, json_t *cuts)
{
	size_t n = json_object_size(c->node), total = n, removed = 0, i = 0;
	_cleanup_free_ const char **keys = calloc(n, sizeof(*keys));
	json_t *prev, *v;
	const char *key;

	if (!keys)
		return -ENOMEM;
	json_array_foreach (cuts, i, prev)
		if (strcmp(json_string_value(json_object_get(prev, "path")), c->path) == 0)
			total = (size_t)json_integer_value(json_object_get(prev, "total"));
	i = 0;
	json_object_foreach (c->node, key, v)
		keys[i++] = key;
	while (n > 0 && removed < excess) {
		removed += strlen(keys[n - 1]) + 4 + budget_json_size(json_object_get(c->node, keys[n - 1]));
		json_object_del(c->node, keys[--n]);
	}
	return record(cuts, c->path, n, total, "members");
}

/* Cuts a string at a UTF-8 character boundary and marks the cut. */
static int cut_string(struct candidate *c, size_t excess, json_t *cuts)
{
	const char *s = json_string_value(c->node);
	size_t len = json_string_length(c->node), keep;
	_cleanup_free_ char *buf = NULL;

	keep = len > excess + 3 + 16 ? len - excess - 3 : 16;
	while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
		keep--;
	buf = malloc(keep + 4);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, s, keep);
	memcpy(buf + keep, "\xe2\x80\xa6", 4); /* … */
	if (record(cuts, c->path, keep, len, "bytes") < 0)
		return -ENOMEM;
	return json_string_set(c->node, buf);
}

int budget_fit(json_t *doc, size_t max_bytes, json_t **ret_cuts)
{
	_cleanup_json_ json_t *cuts = json_array();
	int r;

	if (!cuts)
		return -ENOMEM;
	for (int round = 0; round < MAX_ROUNDS; round++) {
		size_t size = budget_json_size(doc);
		struct candidate best = {0};
		char path[512] = "";
		enum cut_kind kind;

		if (size <= max_bytes) {
			if (json_array_size(cuts) == 0)
				return 0;
			*ret_cuts = TAKE_PTR(cuts);
			return 1;
		}
		for (kind = 0; kind < CUT_KIND_MAX && !best.node; kind++)
			find_largest(doc, path, sizeof(path), kind, &best);
		if (!best.node)
			return -E2BIG;
		kind--;
		r = kind == CUT_ARRAY    ? cut_array(&best, size - max_bytes, cuts)
		    : kind == CUT_OBJECT ? cut_object(&best, size - max_bytes, cuts)
					 : cut_string(&best, size - max_bytes, cuts);
		if (r < 0)
			return -ENOMEM;
	}
	return -E2BIG;
}
