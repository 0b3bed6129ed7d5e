/* hashmap.c: linear probing over a power-of-two slot array, grown at 70% load. */
#include <errno.h>
#include <stdlib.h>

#include "hashmap.h"

void *hashmap_find(const struct hashmap *h, uint64_t hash, hashmap_eq_fn eq, const void *key)
{
	if (!h->cap)
		return NULL;
	for (size_t i = hash & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		const struct hashmap_slot *s = &h->slots[i];

		if (!s->item)
			return NULL;
		if (s->hash == hash && eq(s->item, key))
			return s->item;
	}
}

static void place(struct hashmap_slot *slots, size_t cap, uint64_t hash, void *item)
{
	size_t i = hash & (cap - 1);

	while (slots[i].item)
		i = (i + 1) & (cap - 1);
	slots[i].hash = hash;
	slots[i].item = item;
}

static int grow(struct hashmap *h)
{
	size_t cap = h->cap ? h->cap * 2 : 16;
	struct hashmap_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < h->cap; i++)
		if (h->slots[i].item)
			place(slots, cap, h->slots[i].hash, h->slots[i].item);
	free(h->slots);
	h->slots = slots;
	h->cap = cap;
	return 0;
}

int hashmap_put(struct hashmap *h, uint64_t hash, void *item)
{
	if ((h->n + 1) * 10 > h->cap * 7) {
		int r = grow(h);

		if (r < 0)
			return r;
	}
	place(h->slots, h->cap, hash, item);
	h->n++;
	return 0;
}

void hashmap_clear(struct hashmap *h, void (*free_item)(void *item))
{
	if (free_item)
		for (size_t i = 0; i < h->cap; i++)
			if (h->slots[i].item)
				free_item(h->slots[i].item);
	free(h->slots);
	*h = (struct hashmap){ 0 };
}

uint64_t hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}
