/* test-json-util.c: unit tests for json-util.c: typed getters and the lossy string. */
#include <errno.h>

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

int main(void)
{
	test_string_lossy();
	test_getters();
	return test_result("test-json-util");
}
