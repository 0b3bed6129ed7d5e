/* test-json-util.c: unit tests for json-util.c: typed getters, the lossy string and the JSON text check. */
#include <errno.h>
#include <stdint.h>

#include "json-util.h"
#include "test-util.h"

static void check_lossy(const char *in, const char *want)
{
	json_t *j = json_string_lossy(in);

	CHECK(j != NULL);
	CHECK_STR_EQ(want, json_string_value(j));
	json_decref(j);
}

/* Added with fuzz-schedmcp's finding: a message cut through a UTF-8 sequence lost its answer. */
static void test_string_lossy(void)
{
	check_lossy("plain", "plain");
	check_lossy("caf\xc3\xa9", "caf\xc3\xa9");
	check_lossy("cut \xc3", "cut ?");
	check_lossy("\xff\xfe ok", "?? ok");
	check_lossy("overlong \xc0\xaf", "overlong ??");
	check_lossy("surrogate \xed\xa0\x80", "surrogate ???");
	check_lossy("past max \xf4\x90\x80\x80", "past max ????");
	check_lossy("four \xf0\x9f\x98\x80 bytes", "four \xf0\x9f\x98\x80 bytes");
	check_lossy("short \xe2\x82", "short ??");
}

static void test_getters(void)
{
	json_t *o = json_pack("{s:s, s:b, s:i, s:i, s:n}", "s", "x", "b", 1, "u", 7, "neg", -1, "null");
	const char *s = NULL;
	uint64_t u = 0;
	bool b = false;

	CHECK_INT_EQ(0, json_get_string(o, "s", &s));
	CHECK_STR_EQ("x", s);
	CHECK_INT_EQ(-EINVAL, json_get_string(o, "b", &s));
	CHECK_INT_EQ(-ENOENT, json_get_string(o, "null", &s));
	CHECK_INT_EQ(0, json_get_bool(o, "b", &b));
	CHECK(b);
	CHECK_INT_EQ(0, json_get_uint(o, "u", 7, &u));
	CHECK_INT_EQ(7, u);
	CHECK_INT_EQ(-ERANGE, json_get_uint(o, "u", 6, &u));
	CHECK_INT_EQ(-ERANGE, json_get_uint(o, "neg", 100, &u));
	CHECK_INT_EQ(-ENOENT, json_get_uint(NULL, "u", 7, &u));
	json_decref(o);
}

static void check_text(bool valid, const char *text)
{
	int r = json_text_check(text, strlen(text));

	if ((r == 0) != valid)
		fprintf(stderr, "json_text_check(%s): expected %s\n", text, valid ? "valid" : "invalid");
	CHECK_INT_EQ(valid ? 0 : -EINVAL, r);
}

static void test_text_check_cases(void)
{
	static const char *const valid[] = {
		"{}", "[]", " \t\r\n{ } ", "[1,-0,0.5,-1.25e+10,2E-3,1e5]", "{\"a\":{\"b\":[true,false,null]}}",
		"[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\ude00\"]", "[\"caf\xc3\xa9 \xf0\x9f\x98\x80\"]",
		"{\"\":\"\"}", "[[],[[]],{}]", "[\"\x7f\"]",
	};
	static const char *const invalid[] = {
		"", " ", "1", "\"s\"", "null", "{", "[", "[1,]", "{\"a\":1,}", "{\"a\"}", "{1:2}", "[01]", "[1.]",
		"[.5]", "[+1]", "[-]", "[1e]", "[1e+]", "[tru]", "[truex]", "[nul]", "{} x", "[] []", "[\"a]",
		"[\"\\x\"]", "[\"\\u12\"]", "[\"\\u0000\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]",
		"[\"\x01\"]", "[\"\xc3\"]", "[\"\xc0\xaf\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]", "[\xff]",
		"[1 2]", "{\"a\" 1}", "[,]", "[1}", "{\"a\":1]",
	};

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		check_text(true, valid[i]);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		check_text(false, invalid[i]);
	/* the length bounds the text: a NUL inside, or a cut sequence at the end */
	CHECK_INT_EQ(-EINVAL, json_text_check("[\"a\0\"]", 6));
	CHECK_INT_EQ(-EINVAL, json_text_check("[\"\xc3\xa9\"]", 3));
	CHECK_INT_EQ(0, json_text_check("[1]xyz", 3));
	/* a NUL byte between tokens is not white space (RFC 8259), though jansson skips it: found by
	 * fuzz-json-text, which now knows the difference */
	CHECK_INT_EQ(-EINVAL, json_text_check("[0.0\0,1]", 8));
}

static void test_text_check_depth(void)
{
	size_t n = JSON_TEXT_MAX_DEPTH;
	char *s = malloc(2 * n + 3);

	CHECK(s != NULL);
	if (!s)
		return;
	memset(s, '[', n);
	memset(s + n, ']', n);
	CHECK_INT_EQ(0, json_text_check(s, 2 * n));
	s[0] = '{'; /* {[[...]]] is not closed right */
	CHECK_INT_EQ(-EINVAL, json_text_check(s, 2 * n));
	memset(s, '[', n + 1);
	memset(s + n + 1, ']', n + 1);
	CHECK_INT_EQ(-EINVAL, json_text_check(s, 2 * n + 2));
	free(s);
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* The check agrees with jansson's parser on mutations of real answers:
 * bytes replaced, inserted, deleted and the text cut. jansson's refusals of
 * numbers too large for it are the one known difference. */
static void test_text_check_agrees_with_jansson(void)
{
	static const char *const seeds[] = {
		"{\"source\":\"BPF\",\"nr_cpus\":2,\"window_s\":1.006,\"note\":null,\"cpus\":[{\"cpu\":0,\"online\":true,"
		"\"rq_latency\":{\"p50_us\":1.054,\"max_us\":159983.514},\"llc\":0}],\"next_offset\":null}",
		"[{\"name\":\"caf\xc3\xa9\\u00e9\\ud83d\\ude00\",\"v\":[-0,1e-3,2E+5,[],{}],\"t\":true,\"f\":false}]",
		"{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"b\":[[[[1]]]], \"c\" : { } }",
		/* long strings: checked eight bytes at a time */
		"{\"source\":\"BPF in the kernel (sched_switch, sched_waking), read by collectord every interval\","
		"\"note\":\"a window of 1.006 s, caf\xc3\xa9 and \\u00e9 and \\\" quoted \\\\ too, then more plain text\"}",
	};
	static const char alphabet[] = "{}[]\",:\\u0123456789.eE+-tfnrl \t\xc3\xa9\xed\xa0\xf0\x9f\x98\x80\x01\x7f";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned disagreements = 0, checked = 0;
	char buf[512];

	for (unsigned round = 0; round < 30000; round++) {
		const char *seed = seeds[round % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t len = strlen(seed), edits = 1 + rng_next(&x) % 3;
		json_error_t err;
		json_t *j;
		bool want;

		memcpy(buf, seed, len);
		for (size_t e = 0; e < edits && len > 0; e++) {
			size_t at = rng_next(&x) % len;
			char c = alphabet[rng_next(&x) % (sizeof(alphabet) - 1)];

			switch (rng_next(&x) % 4) {
			case 0:
				buf[at] = c;
				break;
			case 1:
				if (len + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = c;
					len++;
				}
				break;
			case 2:
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			default:
				len = at;
				break;
			}
		}
		j = json_loadb(buf, len, 0, &err);
		want = j != NULL;
		json_decref(j);
		if (!want && (strstr(err.text, "too big") || strstr(err.text, "overflow")))
			continue;
		checked++;
		if ((json_text_check(buf, len) == 0) != want && disagreements++ < 5)
			fprintf(stderr, "json_text_check disagrees with jansson (%s) on %.*s\n",
				want ? "valid" : err.text, (int)len, buf);
	}
	CHECK_INT_EQ(0, disagreements);
	CHECK(checked > 20000);
}

/* Printed strings are byte for byte what jansson prints, sizes included. */
static void test_string_print_agrees_with_jansson(void)
{
	static const char *const pieces[] = { "a", "Z", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x01",
					      "\x1f", "\x7f", "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "{\"k\":1.5}" };
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned mismatches = 0;
	char in[256];

	for (unsigned round = 0; round < 3000; round++) {
		size_t len = 0, n = rng_next(&x) % 40;
		char *want, *end, *out;
		json_t *j;

		for (size_t k = 0; k < n; k++) {
			const char *piece = pieces[rng_next(&x) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t pl = strlen(piece);

			if (len + pl + 1 > sizeof(in))
				break;
			memcpy(in + len, piece, pl);
			len += pl;
		}
		if (round % 7 == 0 && len + 1 < sizeof(in)) /* an embedded NUL: \u0000 */
			in[len++] = '\0';
		j = json_stringn(in, len);
		want = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		CHECK(want != NULL);
		/* exactly the size it says, so that a sanitizer sees any write past it */
		out = malloc(json_string_printed_size(in, len));
		if (!out)
			abort();
		end = json_string_print(out, in, len);
		if (want && ((size_t)(end - out) != strlen(want) || memcmp(out, want, strlen(want)) != 0 ||
			     json_string_printed_size(in, len) != strlen(want)) &&
		    mismatches++ < 5)
			fprintf(stderr, "json_string_print: expected %s, got %.*s\n", want, (int)(end - out), out);
		free(out);
		free(want);
		json_decref(j);
	}
	CHECK_INT_EQ(0, mismatches);
}

int main(void)
{
	test_string_lossy();
	test_getters();
	test_text_check_cases();
	test_text_check_depth();
	test_text_check_agrees_with_jansson();
	test_string_print_agrees_with_jansson();
	return test_result("test-json-util");
}
