/* hashmap.h: a small open-addressing table of (hash, item) for the profiler's indexes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashmap_slot {
	uint64_t hash;
	void *item; /* NULL: empty */
};

struct hashmap {
	struct hashmap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

typedef bool (*hashmap_eq_fn)(const void *item, const void *key);

/* The item with this hash for which eq(item, key) holds, or NULL. */
void *hashmap_find(const struct hashmap *h, uint64_t hash, hashmap_eq_fn eq, const void *key);
/* Adds an item (duplicates are the caller's business). -ENOMEM. */
int hashmap_put(struct hashmap *h, uint64_t hash, void *item);
/* Frees the slots, and each item with free_item when given. */
void hashmap_clear(struct hashmap *h, void (*free_item)(void *item));

#define hashmap_foreach(h, i, it)                                                                  \
	for ((i) = 0; (i) < (h)->cap; (i)++)                                                       \
		if (((it) = (h)->slots[(i)].item) != NULL)

/* FNV-1a over bytes, and a mixer for integers. */
uint64_t hash_bytes(const void *p, size_t len, uint64_t seed);
static inline uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}
