/* test-scx.c: unit tests for scx.c: the events and debugfs parsers and the sched_ext fixture trees. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "json-util.h"
#include "scx.h"
#include "test-util.h"

static json_int_t num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static void test_parse_events(void)
{
	_cleanup_json_ json_t *o = NULL;
	unsigned skipped = 99;

	CHECK_INT_EQ(0, scx_parse_events("SCX_EV_A 1\nbad\nSCX_EV_B x\nSCX_EV_C 18446744073709551615\n"
					 "  SCX_EV_D   5  \n\nSCX-EV 3\nSCX_EV_E -1\n",
					 &o, &skipped));
	CHECK_INT_EQ(2, json_object_size(o));
	CHECK_INT_EQ(1, num(o, "SCX_EV_A"));
	CHECK_INT_EQ(5, num(o, "SCX_EV_D"));
	/* bad, x, beyond int64, a '-' in the name, a negative count */
	CHECK_INT_EQ(5, skipped);
}

static void test_parse_debug(void)
{
	_cleanup_json_ json_t *o = NULL;
	unsigned skipped = 99;

	CHECK_INT_EQ(0, scx_parse_debug("ops                           : rusty\n"
					"enabled                       : 1\n"
					"nocolon\n"
					"   : no key\n"
					"enable_state                  : enabled (2)\n"
					"delta : -3\n"
					"empty :\n",
					&o, &skipped));
	CHECK_STR_EQ("rusty", json_string_value(json_object_get(o, "ops")));
	CHECK(json_is_integer(json_object_get(o, "enabled")));
	CHECK_INT_EQ(1, num(o, "enabled"));
	CHECK_STR_EQ("enabled (2)", json_string_value(json_object_get(o, "enable_state")));
	CHECK_INT_EQ(-3, num(o, "delta"));
	CHECK_STR_EQ("", json_string_value(json_object_get(o, "empty")));
	CHECK_INT_EQ(2, skipped);

	/* Found by fuzz-scx: a byte that is not UTF-8 failed the whole parse as -ENOMEM. */
	json_decref(o);
	o = NULL;
	CHECK_INT_EQ(0, scx_parse_debug("\x8a:$\nok : 1\nname : caf\xe9\n", &o, &skipped));
	CHECK_INT_EQ(1, num(o, "ok"));
	CHECK_STR_EQ("$", json_string_value(json_object_get(o, "?")));
	CHECK_STR_EQ("caf?", json_string_value(json_object_get(o, "name")));
	CHECK_INT_EQ(0, skipped);
}

static json_t *load(const char *name)
{
	char root[512];
	json_t *o = NULL;

	snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	CHECK_INT_EQ(0, scx_stats_read(root, &o));
	if (!o)
		abort();
	return o;
}

static void test_rusty(void)
{
	_cleanup_json_ json_t *o = load("rusty");
	const json_t *ev = json_object_get(o, "events"), *dbg = json_object_get(o, "debug");

	CHECK(json_is_true(json_object_get(o, "available")));
	CHECK_STR_EQ("enabled", json_string_value(json_object_get(o, "state")));
	CHECK_STR_EQ("rusty", json_string_value(json_object_get(o, "ops")));
	CHECK(json_is_true(json_object_get(o, "switch_all")));
	CHECK_INT_EQ(2, num(o, "nr_rejected"));
	CHECK_INT_EQ(3, num(o, "hotplug_seq"));
	CHECK_INT_EQ(7, num(o, "enable_seq"));
	CHECK_INT_EQ(9, json_object_size(ev));
	CHECK_INT_EQ(4521, num(ev, "SCX_EV_DISPATCH_KEEP_LAST"));
	CHECK_INT_EQ(1500000, num(ev, "SCX_EV_BYPASS_DURATION"));
	CHECK_STR_EQ("rusty", json_string_value(json_object_get(dbg, "ops")));
	CHECK_INT_EQ(1, num(dbg, "switched_all"));
	CHECK_STR_EQ("enabled", json_string_value(json_object_get(dbg, "enable_state")));
	CHECK(json_object_get(o, "skipped_lines") == NULL);
	CHECK(json_object_get(o, "debug_reason") == NULL);
}

static void test_disabled(void)
{
	_cleanup_json_ json_t *o = load("disabled");

	CHECK(json_is_true(json_object_get(o, "available")));
	CHECK_STR_EQ("disabled", json_string_value(json_object_get(o, "state")));
	CHECK(json_is_null(json_object_get(o, "ops")));
	CHECK(json_is_false(json_object_get(o, "switch_all")));
	CHECK(json_is_null(json_object_get(o, "events")));
	CHECK_STR_EQ("", json_string_value(json_object_get(json_object_get(o, "debug"), "ops")));
	CHECK_INT_EQ(0, num(json_object_get(o, "debug"), "enabled"));
}

static void test_absent(void)
{
	_cleanup_json_ json_t *o = load("cfs-5.15");
	const char *reason = json_string_value(json_object_get(o, "reason"));

	CHECK(json_is_false(json_object_get(o, "available")));
	CHECK(reason && strstr(reason, "CONFIG_SCHED_CLASS_EXT"));
	CHECK_INT_EQ(2, json_object_size(o));
}

/* Found by fuzz-scx: a state or ops name that is not UTF-8 failed the read as out of memory. */
static void test_not_utf8(void)
{
	char dir[] = "/tmp/test-scx.XXXXXX", path[600];
	const char *dirs[] = { "sys", "sys/kernel", "sys/kernel/sched_ext", "sys/kernel/sched_ext/root" };
	_cleanup_json_ json_t *o = NULL;
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/state", dir);
	f = fopen(path, "we");
	if (!f || fputs("en\xff" "abled\n", f) < 0 || fclose(f) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/root/ops", dir);
	f = fopen(path, "we");
	if (!f || fputs("rus\xe2\x82ty\n", f) < 0 || fclose(f) != 0)
		abort();
	CHECK_INT_EQ(0, scx_stats_read(dir, &o));
	CHECK_STR_EQ("en?abled", json_string_value(json_object_get(o, "state")));
	CHECK_STR_EQ("rus??ty", json_string_value(json_object_get(o, "ops")));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	fixtures_from_args(argc, argv);
	test_parse_events();
	test_parse_debug();
	test_rusty();
	test_disabled();
	test_absent();
	test_not_utf8();
	return test_result("test-scx");
}
