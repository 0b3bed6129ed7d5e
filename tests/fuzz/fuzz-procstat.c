/* fuzz-procstat.c: libFuzzer target for the /proc/stat and /proc/softirqs parsers.
 *
 * The input, NUL-terminated, is parsed as both files. Checked: a failure leaves *ret untouched
 * and gives a message; a success has at least one cpu, cpu ids strictly ascending and in range,
 * a column count the kernel can print, softirq names unique and NUL-terminated, and parsing the
 * same text again gives the same result. */
#include "fuzz-util.h"
#include "procstat.h"

static void check_procstat(const char *text)
{
	struct procstat s, again, untouched;
	char *err = NULL;
	int r;

	memset(&s, 0xa5, sizeof(s));
	untouched = s;
	r = procstat_parse(text, &s, &err);
	if (r < 0) {
		FUZZ_CHECK(err && memcmp(&s, &untouched, sizeof(s)) == 0);
		free(err);
		return;
	}
	FUZZ_CHECK(!err && s.nr_cpus >= 1 && s.cpus);
	FUZZ_CHECK(s.nr_columns >= CPU_TIME_REQUIRED && s.nr_columns <= CPU_TIME_MAX);
	for (unsigned i = 0; i < s.nr_cpus; i++) {
		FUZZ_CHECK(s.cpus[i].id <= PROCSTAT_MAX_CPU_ID);
		FUZZ_CHECK(i == 0 || s.cpus[i].id > s.cpus[i - 1].id);
		for (unsigned c = s.nr_columns; c < CPU_TIME_MAX; c++)
			FUZZ_CHECK(s.cpus[i].t[c] == 0);
	}
	FUZZ_CHECK(procstat_parse(text, &again, NULL) == 0);
	FUZZ_CHECK(again.nr_cpus == s.nr_cpus && again.ctxt == s.ctxt &&
		   memcmp(again.cpus, s.cpus, s.nr_cpus * sizeof(*s.cpus)) == 0);
	procstat_done(&again);
	procstat_done(&s);
}

static void check_softirqs(const char *text)
{
	struct softirq_counts s, untouched;
	char *err = NULL;
	int r;

	memset(&s, 0xa5, sizeof(s));
	untouched = s;
	r = softirqs_parse(text, &s, &err);
	if (r < 0) {
		FUZZ_CHECK(err && memcmp(&s, &untouched, sizeof(s)) == 0);
		free(err);
		return;
	}
	FUZZ_CHECK(!err && s.nr >= 1 && s.nr <= SOFTIRQ_MAX_TYPES && s.nr_cpus >= 1);
	for (unsigned i = 0; i < s.nr; i++) {
		FUZZ_CHECK(memchr(s.name[i], 0, SOFTIRQ_NAME_MAX) && s.name[i][0]);
		for (unsigned j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(s.name[i], s.name[j]) != 0);
		/* The wrap-safe delta of a value against itself is nothing. */
		FUZZ_CHECK(softirq_delta(s.sum[i], s.sum[i]) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);

	check_procstat(text);
	check_softirqs(text);
	free(text);
	return 0;
}
