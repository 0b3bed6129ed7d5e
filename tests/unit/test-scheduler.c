/* test-scheduler.c: unit tests for scheduler.c against the sched_ext fixture trees and the running machine.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "json-util.h"
#include "scheduler.h"
#include "test-util.h"

static json_t *load(const char *name)
{
	char root[512];
	json_t *o = NULL;
	int r;

	snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	r = scheduler_current(root, &o);
	CHECK_INT_EQ(0, r);
	if (!o)
		abort();
	return o;
}

static const char *str(const json_t *o, const char *path)
{
	char key[64];
	const char *dot = strchr(path, '.');

	if (!dot)
		return json_string_value(json_object_get(o, path));
	snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
	return str(json_object_get(o, key), dot + 1);
}

static void test_policy(void)
{
	CHECK_STR_EQ("EEVDF", fair_policy_for_release("6.6.0"));
	CHECK_STR_EQ("EEVDF", fair_policy_for_release("6.18.44-fc-v657"));
	CHECK_STR_EQ("EEVDF", fair_policy_for_release("7.0.1"));
	CHECK_STR_EQ("CFS", fair_policy_for_release("6.5.13"));
	CHECK_STR_EQ("CFS", fair_policy_for_release("5.15.0-91-generic"));
	CHECK_STR_EQ("CFS", fair_policy_for_release("4.19"));
	CHECK_STR_EQ("unknown", fair_policy_for_release("garbage"));
	CHECK_STR_EQ("unknown", fair_policy_for_release("6"));
}

static void test_rusty(void)
{
	_cleanup_json_ json_t *o = load("rusty");
	const json_t *scx = json_object_get(o, "sched_ext");

	CHECK_STR_EQ("sched_ext", str(o, "class"));
	CHECK_STR_EQ("rusty", str(o, "name"));
	CHECK_STR_EQ("EEVDF", str(o, "fair_policy"));
	CHECK_STR_EQ("6.12.8-scx", str(o, "kernel"));
	CHECK(json_is_true(json_object_get(scx, "available")));
	CHECK_STR_EQ("enabled", str(o, "sched_ext.state"));
	CHECK_STR_EQ("rusty", str(o, "sched_ext.ops"));
	CHECK_INT_EQ(7, json_integer_value(json_object_get(scx, "enable_seq")));
	CHECK(json_is_true(json_object_get(scx, "switch_all")));
	CHECK(strstr(str(o, "description"), "'rusty' is loaded and runs all normal tasks") != NULL);
}

static void test_disabled(void)
{
	_cleanup_json_ json_t *o = load("disabled");
	const json_t *scx = json_object_get(o, "sched_ext");

	CHECK_STR_EQ("fair", str(o, "class"));
	CHECK_STR_EQ("EEVDF", str(o, "name"));
	CHECK(json_is_true(json_object_get(scx, "available")));
	CHECK_STR_EQ("disabled", str(o, "sched_ext.state"));
	CHECK(json_is_null(json_object_get(scx, "ops")));
	CHECK(json_is_false(json_object_get(scx, "switch_all")));
	CHECK(strstr(str(o, "description"), "no sched_ext scheduler is loaded") != NULL);
}

static void test_old_kernel(void)
{
	_cleanup_json_ json_t *o = load("cfs-5.15");
	const json_t *scx = json_object_get(o, "sched_ext");

	CHECK_STR_EQ("fair", str(o, "class"));
	CHECK_STR_EQ("CFS", str(o, "name"));
	CHECK_STR_EQ("CFS", str(o, "fair_policy"));
	CHECK_STR_EQ("5.15.0-91-generic", str(o, "kernel"));
	CHECK(json_is_false(json_object_get(scx, "available")));
	CHECK(str(o, "sched_ext.reason") && strstr(str(o, "sched_ext.reason"), "CONFIG_SCHED_CLASS_EXT"));
	CHECK(json_object_get(scx, "state") == NULL);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

/* A scheduler without SCX_OPS_SWITCH_PARTIAL's opposite: only SCHED_EXT tasks. */
static void test_partial(void)
{
	char dir[] = "/tmp/test-scheduler.XXXXXX", sub[600];
	_cleanup_json_ json_t *o = NULL;
	const char *dirs[] = { "sys", "sys/kernel", "sys/kernel/sched_ext", "sys/kernel/sched_ext/root",
			       "proc", "proc/sys", "proc/sys/kernel" };

	if (!mkdtemp(dir))
		abort();
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, dirs[i]);
		mkdir(sub, 0755);
	}
	put(dir, "proc/sys/kernel/osrelease", "6.13.0\n");
	put(dir, "sys/kernel/sched_ext/state", "enabled\n");
	put(dir, "sys/kernel/sched_ext/switch_all", "0\n");
	put(dir, "sys/kernel/sched_ext/root/ops", "lavd\n");
	CHECK_INT_EQ(0, scheduler_current(dir, &o));
	CHECK_STR_EQ("sched_ext", str(o, "class"));
	CHECK_STR_EQ("lavd", str(o, "name"));
	CHECK(json_is_null(json_object_get(json_object_get(o, "sched_ext"), "enable_seq")));
	CHECK(strstr(str(o, "description"), "policy SCHED_EXT") != NULL);
	snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
	if (system(sub) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Found by fuzz-scx: a release or ops name that is not UTF-8 failed the read as out of memory. */
static void test_not_utf8(void)
{
	char dir[] = "/tmp/test-scheduler.XXXXXX", sub[600];
	_cleanup_json_ json_t *o = NULL;
	const char *dirs[] = { "sys", "sys/kernel", "sys/kernel/sched_ext", "sys/kernel/sched_ext/root",
			       "proc", "proc/sys", "proc/sys/kernel" };

	if (!mkdtemp(dir))
		abort();
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, dirs[i]);
		mkdir(sub, 0755);
	}
	put(dir, "proc/sys/kernel/osrelease", "5.15.0-\xff\xfe-generic\n");
	put(dir, "sys/kernel/sched_ext/state", "enabled\n");
	put(dir, "sys/kernel/sched_ext/switch_all", "1\n");
	put(dir, "sys/kernel/sched_ext/root/ops", "la\xc3vd\n");
	CHECK_INT_EQ(0, scheduler_current(dir, &o));
	CHECK_STR_EQ("5.15.0-?" "?-generic", str(o, "kernel"));
	CHECK_STR_EQ("la?vd", str(o, "name"));
	CHECK_STR_EQ("la?vd", str(o, "sched_ext.ops"));
	CHECK_STR_EQ("CFS", str(o, "fair_policy"));
	snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
	if (system(sub) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void test_running_system(void)
{
	_cleanup_json_ json_t *o = NULL;
	bool has_scx = access("/sys/kernel/sched_ext/state", F_OK) == 0;
	struct utsname u;

	CHECK_INT_EQ(0, scheduler_current("", &o));
	uname(&u);
	CHECK_STR_EQ(u.release, str(o, "kernel"));
	CHECK_INT_EQ(has_scx, json_is_true(json_object_get(json_object_get(o, "sched_ext"), "available")));
	if (!has_scx)
		CHECK_STR_EQ("fair", str(o, "class"));
}

int main(int argc, char **argv)
{
	fixtures_from_args(argc, argv);
	test_policy();
	test_rusty();
	test_disabled();
	test_old_kernel();
	test_partial();
	test_not_utf8();
	test_running_system();
	return test_result("test-scheduler");
}
