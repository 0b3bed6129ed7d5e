/* fuzz-json-text.c: libFuzzer target for json-util's JSON text checker and string printer, the two
 * pieces schedmcp uses to pass collectord's answers on without parsing and printing them again.
 *
 * Input: any bytes. Checked: json_text_check() accepts what jansson's json_loadb() (flags 0: one
 * object or array) accepts, except a NUL byte between tokens (jansson skips it, RFC 8259 does not
 * allow it), and refuses what jansson refuses, except numbers jansson refuses for their size; it
 * reads only the `len` bytes it is given. When the bytes are a string jansson takes (valid UTF-8),
 * json_string_print() writes exactly json_string_printed_size() bytes, the ones jansson prints. */
#include "fuzz-util.h"
#include "json-util.h"

static void check_string(const char *text, size_t size)
{
	json_t *s = json_stringn(text, size);
	char *want, *got;
	size_t n;

	if (!s)
		return; /* not UTF-8: the printer's caller never gives it such bytes */
	want = json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT);
	n = json_string_printed_size(text, size);
	got = malloc(n ? n : 1);
	FUZZ_CHECK(want && got && strlen(want) == n);
	FUZZ_CHECK(json_string_print(got, text, size) == got + n);
	FUZZ_CHECK(memcmp(got, want, n) == 0);
	free(got);
	free(want);
	json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact size and not NUL-terminated: ASan sees a read past the text. */
	char *text = malloc(size ? size : 1);
	json_error_t err;
	json_t *j;
	int r;

	FUZZ_CHECK(text);
	memcpy(text, data, size);
	r = json_text_check(text, size);
	j = json_loadb(text, size, 0, &err);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	/* jansson skips a NUL byte between tokens; RFC 8259 and the checker do not */
	if (j && !memchr(text, '\0', size))
		FUZZ_CHECK(r == 0);
	else if (r == 0)
		FUZZ_CHECK(json_error_code(&err) == json_error_numeric_overflow);
	json_decref(j);
	check_string(text, size);
	free(text);
	return 0;
}
