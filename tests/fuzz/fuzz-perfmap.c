/* fuzz-perfmap.c: libFuzzer target for the perf-PID.map parser (JIT symbols, "START SIZE name" lines).
 *
 * The input, NUL-terminated, is one map file (written by any process the profiled user runs).
 * Checked: symbols sorted by start, sizes non-zero, names NUL-terminated without a newline;
 * whatever perfmap_lookup() finds, at symbol edges and elsewhere, holds the address. */
#include "fuzz-util.h"
#include "perfmap.h"

static void check_lookup(const struct perfmap *pm, uint64_t addr)
{
	const struct perfmap_sym *s = perfmap_lookup(pm, addr);

	if (s)
		FUZZ_CHECK(s >= pm->v && s < pm->v + pm->n && addr - s->start < s->size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct perfmap pm = {0};

	FUZZ_CHECK(perfmap_parse(text, &pm) == 0);
	for (size_t i = 0; i < pm.n; i++) {
		const struct perfmap_sym *s = &pm.v[i];

		FUZZ_CHECK(s->size > 0 && s->name && !strchr(s->name, '\n'));
		FUZZ_CHECK(i == 0 || pm.v[i - 1].start <= s->start);
		check_lookup(&pm, s->start);
		check_lookup(&pm, s->start + s->size - 1);
		check_lookup(&pm, s->start + s->size);
		check_lookup(&pm, s->start - 1);
	}
	check_lookup(&pm, 0);
	check_lookup(&pm, UINT64_MAX);
	perfmap_clear(&pm);
	free(text);
	return 0;
}
