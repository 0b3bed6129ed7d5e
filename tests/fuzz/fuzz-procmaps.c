/* fuzz-procmaps.c: libFuzzer target for the /proc/PID/maps parser and the mapping set it builds.
 *
 * Input: maps text up to the first NUL byte; then 40-byte operations replayed on the parsed set
 * as perf MMAP2 records would (start, length, pgoff, maj/min, ino: procmaps_add with a fixed
 * path). Checked after parsing and after every operation: mappings sorted, non-overlapping and
 * non-empty, each with a path; procmaps_find() finds the
 * mapping holding an address and nothing in a gap; a copy is equal to the original. */
#include "fuzz-util.h"
#include "procmaps.h"

static void check_maps(const struct proc_maps *pm)
{
	struct proc_maps copy = {0};

	FUZZ_CHECK(pm->n <= pm->cap || (pm->n == 0 && !pm->v));
	for (size_t i = 0; i < pm->n; i++) {
		const struct map_entry *e = &pm->v[i];

		FUZZ_CHECK(e->start < e->end);
		FUZZ_CHECK(i == 0 || pm->v[i - 1].end <= e->start);
		FUZZ_CHECK(e->path);
		FUZZ_CHECK(procmaps_find(pm, e->start) == e && procmaps_find(pm, e->end - 1) == e);
		if (i + 1 < pm->n && e->end < pm->v[i + 1].start)
			FUZZ_CHECK(!procmaps_find(pm, e->end));
		FUZZ_CHECK(map_entry_basename(e));
		(void)map_entry_is_file(e);
	}
	if (pm->n)
		FUZZ_CHECK(!procmaps_find(pm, pm->v[0].start - 1) || pm->v[0].start == 0);
	FUZZ_CHECK(procmaps_copy(pm, &copy) == 0 && copy.n == pm->n);
	for (size_t i = 0; i < pm->n; i++)
		FUZZ_CHECK(copy.v[i].start == pm->v[i].start && copy.v[i].end == pm->v[i].end &&
			   copy.v[i].pgoff == pm->v[i].pgoff && copy.v[i].deleted == pm->v[i].deleted &&
			   strcmp(copy.v[i].path, pm->v[i].path) == 0);
	procmaps_clear(&copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cut(&data, &size, 0);
	struct proc_maps pm = {0};
	int r = procmaps_parse(text, &pm);

	FUZZ_CHECK(r == 0 || r == -E2BIG);
	check_maps(&pm);
	while (size >= 40) {
		uint64_t start = fuzz_take(&data, &size, 8), len = fuzz_take(&data, &size, 8);
		uint64_t pgoff = fuzz_take(&data, &size, 8), ino = fuzz_take(&data, &size, 8);
		uint32_t dev = (uint32_t)fuzz_take(&data, &size, 8);

		r = procmaps_add(&pm, start, start + len, pgoff, dev >> 16, dev & 0xffff, ino,
				 ino & 1 ? "/usr/lib/libfuzz.so (deleted)" : "[anon:fuzz]");
		FUZZ_CHECK(r == 0 || (r == -EINVAL && start + len <= start) || r == -E2BIG);
		check_maps(&pm);
	}
	procmaps_clear(&pm);
	free(text);
	return 0;
}
