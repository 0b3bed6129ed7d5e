/* stacktab.h: unique (process, thread, kernel stack, user stack) -> sample count, bounded. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

#define STACK_MAX_DEPTH 127

struct stack_rec {
	uint64_t count;
	uint32_t tgid, pid;
	uint16_t nk, nu;
	uint64_t ips[]; /* nk kernel addresses then nu user addresses, innermost first */
};

struct stacktab {
	struct hashmap map;
	size_t max_stacks; /* 0: the default (200000) */
	size_t max_bytes;  /* 0: the default (64 MiB) */
	uint64_t samples;  /* every sample added, stored or not */
	uint64_t dropped;  /* samples of new stacks refused because the table was full */
	size_t bytes;
};

int stacktab_add(struct stacktab *t, uint32_t tgid, uint32_t pid, const uint64_t *kips, unsigned nk,
		 const uint64_t *uips, unsigned nu, uint64_t count);
void stacktab_clear(struct stacktab *t);
size_t stacktab_count(const struct stacktab *t);
