/* fuzz-psi.c: libFuzzer target for the pressure stall information parser (/proc/pressure/cpu, memory, io,
 * irq).
 *
 * The input, NUL-terminated, is one pressure file. Checked: a failure leaves *ret untouched and
 * gives a message; a success has at least one line, averages of at most 100.00 % and gives JSON
 * (as every resource would show it) that serializes and loads back equal. */
#include "fuzz-util.h"
#include "psi.h"

static void check_line(const struct psi_line *l)
{
	if (l->present)
		FUZZ_CHECK(l->avg10 <= 10000 && l->avg60 <= 10000 && l->avg300 <= 10000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *err = NULL;
	struct psi_stats s, untouched;
	struct psi_all all = {.have_dir = true};
	json_t *j;
	int r;

	memset(&s, 0xa5, sizeof(s));
	untouched = s;
	r = psi_parse(text, &s, &err);
	if (r < 0) {
		FUZZ_CHECK(err && memcmp(&s, &untouched, sizeof(s)) == 0);
		free(err);
		free(text);
		return 0;
	}
	FUZZ_CHECK(!err && (s.some.present || s.full.present));
	check_line(&s.some);
	check_line(&s.full);
	for (unsigned i = 0; i < PSI_RESOURCE_MAX; i++) {
		FUZZ_CHECK(psi_resource_to_string(i));
		all.stats[i] = s;
	}
	j = psi_to_json(&all);
	fuzz_check_json(j);
	json_decref(j);
	free(text);
	return 0;
}
