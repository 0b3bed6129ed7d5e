/* stacktab.c: aggregates sampled stacks by content in a hash table with a bound on distinct stacks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "stacktab.h"

#define STACKTAB_MAX_DEFAULT 200000
#define STACKTAB_BYTES_DEFAULT (64u << 20)

struct stack_key {
	uint32_t tgid, pid;
	uint16_t nk, nu;
	const uint64_t *kips, *uips;
};

static bool rec_eq(const void *item, const void *key)
{
	const struct stack_rec *r = item;
	const struct stack_key *k = key;

	return r->tgid == k->tgid && r->pid == k->pid && r->nk == k->nk && r->nu == k->nu &&
	       memcmp(r->ips, k->kips, k->nk * sizeof(uint64_t)) == 0 &&
	       memcmp(r->ips + k->nk, k->uips, k->nu * sizeof(uint64_t)) == 0;
}

static uint64_t key_hash(const struct stack_key *k)
{
	uint64_t h = hash_u64((uint64_t)k->tgid << 32 | k->pid);

	h = hash_bytes(k->kips, k->nk * sizeof(uint64_t), h ^ k->nk);
	return hash_bytes(k->uips, k->nu * sizeof(uint64_t), h ^ ((uint64_t)k->nu << 16));
}

int stacktab_add(struct stacktab *t, uint32_t tgid, uint32_t pid, const uint64_t *kips, unsigned nk,
		 const uint64_t *uips, unsigned nu, uint64_t count)
{
	struct stack_key k = { .tgid = tgid, .pid = pid, .nk = (uint16_t)MIN(nk, STACK_MAX_DEPTH),
			       .nu = (uint16_t)MIN(nu, STACK_MAX_DEPTH), .kips = kips, .uips = uips };
	uint64_t h = key_hash(&k);
	struct stack_rec *r = hashmap_find(&t->map, h, rec_eq, &k);
	size_t size;
	int ret;

	t->samples += count;
	if (r) {
		r->count += count;
		return 0;
	}
	size = sizeof(*r) + (k.nk + k.nu) * sizeof(uint64_t);
	if (t->map.n >= (t->max_stacks ? t->max_stacks : STACKTAB_MAX_DEFAULT) ||
	    t->bytes + size > (t->max_bytes ? t->max_bytes : STACKTAB_BYTES_DEFAULT)) {
		t->dropped += count;
		return -ENOSPC;
	}
	r = malloc(size);
	if (!r) {
		t->dropped += count;
		return -ENOMEM;
	}
	*r = (struct stack_rec){ .count = count, .tgid = tgid, .pid = pid, .nk = k.nk, .nu = k.nu };
	if (k.nk)
		memcpy(r->ips, kips, k.nk * sizeof(uint64_t));
	if (k.nu)
		memcpy(r->ips + k.nk, uips, k.nu * sizeof(uint64_t));
	ret = hashmap_put(&t->map, h, r);
	if (ret < 0) {
		free(r);
		t->dropped += count;
		return ret;
	}
	t->bytes += size;
	return 0;
}

void stacktab_clear(struct stacktab *t)
{
	hashmap_clear(&t->map, free);
	t->samples = t->dropped = 0;
	t->bytes = 0;
}

size_t stacktab_count(const struct stacktab *t)
{
	return t->map.n;
}
