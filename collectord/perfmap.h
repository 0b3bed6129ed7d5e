/* perfmap.h: JIT symbols from /tmp/perf-PID.map ("START SIZE name" per line, hexadecimal). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct perfmap_sym {
	uint64_t start, size;
	char *name;
};

struct perfmap {
	struct perfmap_sym *v; /* sorted by start */
	size_t n;
};

/* Lines that do not parse are skipped, as perf does. */
int perfmap_parse(const char *text, struct perfmap *ret);
void perfmap_clear(struct perfmap *pm);
const struct perfmap_sym *perfmap_lookup(const struct perfmap *pm, uint64_t addr);
