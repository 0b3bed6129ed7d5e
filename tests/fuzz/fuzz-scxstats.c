/* fuzz-scxstats.c: libFuzzer target for the scx_stats reply parser (one reply line from a sched_ext
 * scheduler).
 *
 * The input is a reply line as scxstats_query() receives it (the scheduler's process is not
 * trusted: it is whatever listens on the stats socket). Checked: success gives a JSON value that
 * serializes and loads back equal and no message; failure gives a negative errno in range with a
 * message naming the request; the parse reads only the `len` bytes it is given. */
#include "fuzz-util.h"
#include "scxstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact size and not NUL-terminated: the parser must stop at len. */
	char *line = malloc(size ? size : 1);
	json_t *resp = NULL;
	char *err = NULL;
	int r;

	FUZZ_CHECK(line);
	memcpy(line, data, size);
	r = scxstats_parse_reply(size % 2 ? "stats" : "stats_meta", line, size, &resp, &err);
	if (r == 0) {
		FUZZ_CHECK(!err);
		fuzz_check_json(resp);
		json_decref(resp);
	} else {
		FUZZ_CHECK(r < 0 && r >= -4095 && !resp && err && strstr(err, "stats"));
		free(err);
	}
	free(line);
	return 0;
}
