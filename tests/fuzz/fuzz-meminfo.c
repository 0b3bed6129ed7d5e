/* fuzz-meminfo.c: libFuzzer target for the /proc/meminfo and /proc/vmstat parsers.
 *
 * The input, NUL-terminated, is parsed as both files. Checked: a failure leaves *ret untouched
 * and gives a message; a meminfo success has MemTotal (non-zero) and MemAvailable and gives JSON
 * that serializes and loads back equal; only known bits are set in `present`. */
#include "fuzz-util.h"
#include "meminfo.h"

static void check_meminfo(const char *text)
{
	struct meminfo mi, untouched;
	char *err = NULL;
	json_t *j;
	int r;

	memset(&mi, 0xa5, sizeof(mi));
	untouched = mi;
	r = meminfo_parse(text, &mi, &err);
	if (r < 0) {
		FUZZ_CHECK(err && memcmp(&mi, &untouched, sizeof(mi)) == 0);
		free(err);
		return;
	}
	FUZZ_CHECK(!err && meminfo_has(&mi, MEMINFO_MEM_TOTAL) && meminfo_has(&mi, MEMINFO_MEM_AVAILABLE));
	FUZZ_CHECK(mi.v[MEMINFO_MEM_TOTAL] != 0 && !(mi.present >> MEMINFO_MAX));
	for (unsigned f = 0; f < MEMINFO_MAX; f++)
		FUZZ_CHECK(meminfo_field_json_name(f));
	j = meminfo_to_json(&mi);
	fuzz_check_json(j);
	json_decref(j);
}

static void check_vmstat(const char *text)
{
	struct vmstat vs, untouched;
	char *err = NULL;
	int r;

	memset(&vs, 0xa5, sizeof(vs));
	untouched = vs;
	r = vmstat_parse(text, &vs, &err);
	if (r < 0) {
		FUZZ_CHECK(err && memcmp(&vs, &untouched, sizeof(vs)) == 0);
		free(err);
		return;
	}
	FUZZ_CHECK(!err && !(vs.present >> VMSTAT_MAX));
	for (unsigned c = 0; c < VMSTAT_MAX; c++)
		FUZZ_CHECK(vmstat_counter_to_string(c));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);

	check_meminfo(text);
	check_vmstat(text);
	free(text);
	return 0;
}
