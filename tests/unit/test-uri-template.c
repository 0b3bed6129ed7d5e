/* test-uri-template.c: unit tests for uri-template.c: parsing, matching, decoding, query variables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "test-util.h"
#include "uri-template.h"

static struct uri_template *parse(const char *text)
{
	struct uri_template *t = NULL;
	char err[128];

	if (uri_template_parse(text, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", text, err);
		abort();
	}
	return t;
}

/* The match as "name=value,..." (sorted as the template lists them), "" for
 * no match, "!" for an error. */
static void check_match(const char *tmpl, const char *uri, const char *expected)
{
	struct uri_template *t = parse(tmpl);
	json_t *vars = NULL;
	char err[128], got[256] = "";
	int r = uri_template_match(t, uri, &vars, err, sizeof(err));

	if (r < 0)
		snprintf(got, sizeof(got), "!");
	else if (r > 0) {
		const char *key;
		json_t *v;

		json_object_foreach (vars, key, v) {
			strncat(got, *got ? "," : "", sizeof(got) - strlen(got) - 1);
			strncat(got, key, sizeof(got) - strlen(got) - 1);
			strncat(got, "=", sizeof(got) - strlen(got) - 1);
			strncat(got, json_string_value(v), sizeof(got) - strlen(got) - 1);
		}
		if (!*got)
			snprintf(got, sizeof(got), "(match)");
	}
	CHECK_STR_EQ(expected, got);
	json_decref(vars);
	uri_template_free(t);
}

static void test_parse(void)
{
	static const char *const bad[] = {"",	       "a{b",	   "a{b}{c}",	  "x://{?a}/more",
					  "x://{a b}", "x://{+a}", "x://{?a,,b}", NULL};
	struct uri_template *t;
	char err[128];

	for (const char *const *b = bad; *b; b++) {
		t = NULL;
		CHECK_INT_EQ(-EINVAL, uri_template_parse(*b, &t, err, sizeof(err)));
		CHECK(t == NULL);
		CHECK(strlen(err) > 0);
	}
	t = parse("stats://aggregated/process/{pid}{?window,limit}");
	CHECK(uri_template_has_var(t, "pid"));
	CHECK(uri_template_has_var(t, "limit"));
	CHECK(!uri_template_has_var(t, "offset"));
	uri_template_free(t);
}

static void test_match(void)
{
	check_match("stats://aggregated/process/{pid}", "stats://aggregated/process/42", "pid=42");
	check_match("stats://aggregated/process/{pid}", "stats://aggregated/process/", "");
	check_match("stats://aggregated/process/{pid}", "stats://aggregated/process/4/2", "");
	check_match("stats://aggregated/process/{pid}", "stats://aggregated/proc/42", "");
	check_match("test://template/{id}/data", "test://template/123/data", "id=123");
	check_match("test://template/{id}/data", "test://template/123/other", "");
	check_match("a://{x}.json", "a://name.json", "x=name");
	check_match("a://{x}", "a://dark%20red", "x=dark red");
	check_match("a://{x}", "a://bad%2", "");
	check_match("a://{x}", "a://nul%00", "");
	/* Query variables: any subset, any order; + is a space there. */
	check_match("topology://info{?detail,include_offline}", "topology://info", "(match)");
	check_match("topology://info{?detail,include_offline}", "topology://info?detail=full", "detail=full");
	check_match("topology://info{?detail,include_offline}",
		    "topology://info?include_offline=true&detail=a+b", "include_offline=true,detail=a b");
	check_match("topology://info{?detail,include_offline}", "topology://info?", "(match)");
	check_match("topology://info{?detail,include_offline}", "topology://info?colour=red", "!");
	check_match("topology://info{?detail,include_offline}", "topology://info?detail=a&detail=b", "!");
	check_match("topology://info{?detail,include_offline}", "topology://infox", "");
	check_match("topology://info", "topology://info?detail=full", "");
	check_match("e://p/{id}{?limit}", "e://p/7?limit=3", "id=7,limit=3");
}

/* The error of a query the template refuses. */
static void check_error(const char *tmpl, const char *uri, const char *expected)
{
	struct uri_template *t = parse(tmpl);
	json_t *vars = NULL;
	char err[128] = "";

	CHECK_INT_EQ(-EINVAL, uri_template_match(t, uri, &vars, err, sizeof(err)));
	CHECK(vars == NULL);
	CHECK_STR_EQ(expected, err);
	uri_template_free(t);
}

/* A list of parameters longer than the error's room is cut, never overrun. */
static void test_error_cut(void)
{
	char tmpl[600], err[100];
	struct uri_template *t;
	json_t *vars = NULL;
	size_t n;

	n = (size_t)snprintf(tmpl, sizeof(tmpl), "x://y{?");
	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(tmpl + n, sizeof(tmpl) - n, "%sparameter_%02d", i ? "," : "", i);
	snprintf(tmpl + n, sizeof(tmpl) - n, "}");
	t = parse(tmpl);
	CHECK_INT_EQ(-EINVAL, uri_template_match(t, "x://y?nope=1", &vars, err, sizeof(err)));
	CHECK_INT_EQ(99, strlen(err));
	CHECK(strncmp(err, "unknown query parameter 'nope'; the parameters are parameter_00, ", 64) == 0);
	uri_template_free(t);
}

static void test_errors(void)
{
	/* An unknown parameter is named, with the ones there are. */
	check_error("events://stream{?types,pids,sample_rate}", "events://stream?pid=1",
		    "unknown query parameter 'pid'; the parameters are types, pids, sample_rate");
	check_error("events://stream{?types,pids}", "events://stream?types=a&types=b",
		    "repeated query parameter 'types'");
	check_error("events://stream{?types}", "events://stream?types=%zz", "malformed value of 'types'");
	test_error_cut();
}

int main(void)
{
	test_parse();
	test_match();
	test_errors();
	return test_result("test-uri-template");
}
