/* fuzz-procfs.c: libFuzzer target for the procfs text helpers every /proc and /sys parser is built on.
 *
 * The input, NUL-terminated, goes to each helper: parse_u64, parse_i64, parse_u64_at,
 * parse_u64_list, parse_label, skip_blanks, text_check_lines. Checked: the numbers round-trip
 * (printed and parsed back, the same value; the text accepted is digits only); list and label
 * parsers stay inside their line and say where they stopped; a label has no blank or ':'. */
#include <inttypes.h>

#include "fuzz-util.h"
#include "procfs.h"

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static void check_numbers(const char *s)
{
	char buf[32];
	uint64_t u, u2;
	int64_t i, i2;
	const char *p = s;
	int r;

	r = parse_u64(s, &u);
	if (r == 0) {
		FUZZ_CHECK(all_digits(s, strlen(s)));
		snprintf(buf, sizeof(buf), "%" PRIu64, u);
		FUZZ_CHECK(parse_u64(buf, &u2) == 0 && u2 == u);
	} else {
		FUZZ_CHECK(r == -EINVAL || r == -ERANGE);
	}
	r = parse_i64(s, &i);
	if (r == 0) {
		FUZZ_CHECK(all_digits(s + (s[0] == '-'), strlen(s) - (s[0] == '-')));
		snprintf(buf, sizeof(buf), "%" PRId64, i);
		FUZZ_CHECK(parse_i64(buf, &i2) == 0 && i2 == i);
	} else {
		FUZZ_CHECK(r == -EINVAL || r == -ERANGE);
	}
	r = parse_u64_at(&p, &u);
	if (r == 0)
		FUZZ_CHECK(p > s && all_digits(s, (size_t)(p - s)) && (*p < '0' || *p > '9'));
	else
		FUZZ_CHECK(p == s);
}

static void check_line(const char *line, const char *eol)
{
	uint64_t v[8];
	const char *bad = NULL, *after;
	unsigned at = UINT32_MAX;
	char name[16];
	int n;

	n = parse_u64_list(line, eol, v, 8, &bad, &at);
	if (n < 0)
		FUZZ_CHECK(bad && bad >= line && bad <= eol && at != UINT32_MAX);
	after = parse_label(line, eol, name, sizeof(name));
	if (after) {
		FUZZ_CHECK(after > line && after <= eol && after[-1] == ':');
		FUZZ_CHECK(name[0] && strlen(name) < sizeof(name) && !strpbrk(name, ": \t"));
	}
	FUZZ_CHECK(skip_blanks(line) >= line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *err = NULL;
	int r;

	check_numbers(text);
	/* Line by line, as the parsers walk their files. */
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		check_line(p, eol);
		p = *eol ? eol + 1 : eol;
	}
	r = text_check_lines(text, &err);
	size = strlen(text);
	FUZZ_CHECK(r == 0 ? !err && size && text[size - 1] == '\n' : r == -EINVAL && err);
	free(err);
	free(text);
	return 0;
}
