/* test-budget.c: unit tests for budget.c: documents cut to a byte budget at JSON boundaries, each cut
 * reported. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "json-util.h"
#include "test-util.h"

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	if (!j)
		abort();
	return j;
}

static json_t *numbers(int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_integer(1000 + i));
	return a;
}

static void test_fits(void)
{
	json_t *doc = load("{\"a\":[1,2,3]}"), *cuts = NULL;

	CHECK_INT_EQ(13, budget_json_size(doc));
	CHECK_INT_EQ(0, budget_fit(doc, 13, &cuts));
	CHECK(cuts == NULL);
	CHECK_INT_EQ(3, json_array_size(json_object_get(doc, "a")));
	json_decref(doc);
}

static void test_array_tail(void)
{
	json_t *doc = json_pack("{s:s, s:o}", "name", "x", "list", numbers(1000)), *cuts = NULL, *c;

	CHECK_INT_EQ(1, budget_fit(doc, 500, &cuts));
	CHECK(budget_json_size(doc) <= 500);
	/* The head is kept, in order; the tail goes. */
	CHECK_INT_EQ(1000, json_integer_value(json_array_get(json_object_get(doc, "list"), 0)));
	CHECK_STR_EQ("x", json_string_value(json_object_get(doc, "name")));
	CHECK_INT_EQ(1, json_array_size(cuts));
	c = json_array_get(cuts, 0);
	CHECK_STR_EQ("/list", json_string_value(json_object_get(c, "path")));
	CHECK_STR_EQ("items", json_string_value(json_object_get(c, "unit")));
	CHECK_INT_EQ(1000, json_integer_value(json_object_get(c, "total")));
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "list")),
		     json_integer_value(json_object_get(c, "kept")));
	/* As many as fit: one more would not. */
	CHECK(budget_json_size(doc) + 5 > 500);
	json_decref(cuts);
	json_decref(doc);
}

static void test_largest_first(void)
{
	json_t *doc = json_pack("{s:o, s:{s:o}}", "small", numbers(10), "deep", "big~/x", numbers(500)),
	       *cuts = NULL;

	CHECK_INT_EQ(1, budget_fit(doc, 600, &cuts));
	CHECK_INT_EQ(10, json_array_size(json_object_get(doc, "small")));
	/* JSON Pointer escapes ~ and /. */
	CHECK_STR_EQ("/deep/big~0~1x", json_string_value(json_object_get(json_array_get(cuts, 0), "path")));
	json_decref(cuts);
	json_decref(doc);

	/* Arrays inside arrays: the outer one is the largest. */
	doc = json_array();
	for (int i = 0; i < 50; i++)
		json_array_append_new(doc, numbers(20));
	CHECK_INT_EQ(1, budget_fit(doc, 1000, &cuts));
	CHECK(budget_json_size(doc) <= 1000);
	CHECK_STR_EQ("", json_string_value(json_object_get(json_array_get(cuts, 0), "path")));
	CHECK_INT_EQ(50, json_integer_value(json_object_get(json_array_get(cuts, 0), "total")));
	json_decref(cuts);
	json_decref(doc);
}

static void test_strings(void)
{
	char big[2001];
	json_t *doc, *cuts = NULL;
	const char *s;

	memset(big, 'a', 2000);
	big[2000] = '\0';
	/* No array to cut: the longest string, marked with an ellipsis. */
	doc = json_pack("{s:s, s:s}", "text", big, "id", "keep");
	CHECK_INT_EQ(1, budget_fit(doc, 300, &cuts));
	CHECK(budget_json_size(doc) <= 300);
	s = json_string_value(json_object_get(doc, "text"));
	CHECK(s && strcmp(s + strlen(s) - 3, "\xe2\x80\xa6") == 0);
	CHECK_STR_EQ("bytes", json_string_value(json_object_get(json_array_get(cuts, 0), "unit")));
	CHECK_STR_EQ("keep", json_string_value(json_object_get(doc, "id")));
	json_decref(cuts);
	json_decref(doc);

	/* UTF-8 is cut between characters. */
	for (int i = 0; i < 1998; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[1998] = '\0';
	doc = json_pack("{s:s}", "t", big);
	CHECK_INT_EQ(1, budget_fit(doc, 201, &cuts));
	CHECK(json_is_string(json_object_get(doc, "t"))); /* jansson refuses invalid UTF-8 */
	json_decref(cuts);
	json_decref(doc);
}

static void test_objects(void)
{
	json_t *doc = json_pack("{s:i, s:{}}", "total", 500, "counts"), *cuts = NULL, *c;
	char key[16];

	for (int i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "k%03d", i);
		json_object_set_new(json_object_get(doc, "counts"), key, json_integer(i));
	}
	/* No list: the nested object loses its last members; the top level
	 * keeps its own. */
	CHECK_INT_EQ(1, budget_fit(doc, 400, &cuts));
	CHECK(budget_json_size(doc) <= 400);
	CHECK_INT_EQ(500, json_integer_value(json_object_get(doc, "total")));
	CHECK(json_object_get(json_object_get(doc, "counts"), "k000") != NULL);
	CHECK(json_object_get(json_object_get(doc, "counts"), "k499") == NULL);
	c = json_array_get(cuts, 0);
	CHECK_STR_EQ("/counts", json_string_value(json_object_get(c, "path")));
	CHECK_STR_EQ("members", json_string_value(json_object_get(c, "unit")));
	CHECK_INT_EQ(500, json_integer_value(json_object_get(c, "total")));
	json_decref(cuts);
	json_decref(doc);
}

static void test_impossible(void)
{
	json_t *doc = load("{\"a\":1,\"b\":2,\"c\":3}"), *cuts = NULL;

	CHECK_INT_EQ(-E2BIG, budget_fit(doc, 5, &cuts));
	json_decref(doc);
}

int main(void)
{
	test_fits();
	test_array_tail();
	test_largest_first();
	test_strings();
	test_objects();
	test_impossible();
	return test_result("test-budget");
}
