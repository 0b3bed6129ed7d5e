/* test-tracefs.c: unit tests for tracefs.c: paging, filters, subsystems, fallbacks and malformed catalogs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "test-util.h"
#include "tracefs.h"

static char basic[512], debugfs_only[512], malformed[512];

static json_int_t num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *events(const char *root, const char *subsystem, const char *filter, uint64_t offset,
		      uint64_t limit)
{
	struct tracefs_query q = { .subsystem = subsystem, .filter = filter, .page = { offset, limit } };
	_cleanup_free_ char *error = NULL;
	json_t *o = NULL;
	int r = tracefs_events(root, &q, &o, &error);

	if (r < 0)
		fprintf(stderr, "tracefs_events: %s\n", error ? error : strerror(-r));
	CHECK_INT_EQ(0, r);
	if (!o)
		abort();
	return o;
}

static void test_summary(void)
{
	_cleanup_json_ json_t *o = events(basic, NULL, NULL, 0, PAGE_LIMIT_DEFAULT);
	const json_t *subs = json_object_get(o, "subsystems");
	const char *first_key = json_object_iter_key(json_object_iter(o));

	CHECK(json_is_true(json_object_get(o, "available")));
	CHECK_STR_EQ("available", first_key);
	CHECK_INT_EQ(24, num(o, "total"));
	CHECK_INT_EQ(24, json_array_size(json_object_get(o, "events")));
	CHECK(json_is_null(json_object_get(o, "next_offset")));
	CHECK_INT_EQ(6, json_object_size(subs));
	CHECK_INT_EQ(8, num(subs, "sched"));
	CHECK_INT_EQ(6, num(subs, "syscalls"));
	CHECK_INT_EQ(1, num(subs, "sched_ext"));
	CHECK_INT_EQ(0, num(o, "skipped_lines"));
	/* Sorted, so a reader can scan them. */
	CHECK_STR_EQ("irq", json_object_iter_key(json_object_iter((json_t *)subs)));
	CHECK_STR_EQ("sched_ext", str(json_array_get(json_object_get(o, "events"), 0), "subsystem"));
	CHECK_STR_EQ("sched_ext_dump", str(json_array_get(json_object_get(o, "events"), 0), "event"));
	CHECK(strstr(str(o, "source"), "/sys/kernel/tracing/available_events") != NULL);
}

/* Following next_offset visits every event once, in file order. */
static void test_paging(void)
{
	_cleanup_json_ json_t *all = events(basic, NULL, NULL, 0, 1000);
	uint64_t offset = 0, seen = 0;
	int pages = 0;

	for (;;) {
		_cleanup_json_ json_t *o = events(basic, NULL, NULL, offset, 5);
		const json_t *next = json_object_get(o, "next_offset"), *e;
		size_t i;

		CHECK_INT_EQ(24, num(o, "total"));
		json_array_foreach (json_object_get(o, "events"), i, e)
			CHECK(json_equal(e, json_array_get(json_object_get(all, "events"), seen + i)));
		seen += json_array_size(json_object_get(o, "events"));
		pages++;
		if (json_is_null(next))
			break;
		CHECK_INT_EQ(offset + 5, json_integer_value(next));
		offset = (uint64_t)json_integer_value(next);
		if (pages > 10)
			break;
	}
	CHECK_INT_EQ(24, seen);
	CHECK_INT_EQ(5, pages);

	{
		_cleanup_json_ json_t *o = events(basic, NULL, NULL, 0, 0);

		CHECK_INT_EQ(24, num(o, "total"));
		CHECK_INT_EQ(0, json_array_size(json_object_get(o, "events")));
		CHECK_INT_EQ(8, num(json_object_get(o, "subsystems"), "sched"));
	}
	{
		_cleanup_json_ json_t *o = events(basic, NULL, NULL, 100, 10);

		CHECK_INT_EQ(24, num(o, "total"));
		CHECK_INT_EQ(0, json_array_size(json_object_get(o, "events")));
		CHECK(json_is_null(json_object_get(o, "next_offset")));
	}
}

static void test_subsystem_and_filter(void)
{
	_cleanup_json_ json_t *sched = events(basic, "sched", NULL, 0, 100);
	_cleanup_json_ json_t *wake = events(basic, NULL, "WAKE", 0, 100);
	_cleanup_json_ json_t *both = events(basic, "sched", "switch", 0, 100);
	_cleanup_json_ json_t *none = events(basic, "irq", "nothing-matches", 0, 100);

	CHECK_INT_EQ(8, num(sched, "total"));
	CHECK(json_object_get(sched, "subsystems") == NULL);
	CHECK_STR_EQ("sched", str(sched, "subsystem"));
	CHECK_INT_EQ(2, num(wake, "total")); /* sched_wakeup, sched_wakeup_new */
	CHECK_INT_EQ(1, json_object_size(json_object_get(wake, "subsystems")));
	CHECK_INT_EQ(2, num(json_object_get(wake, "subsystems"), "sched"));
	CHECK_INT_EQ(1, num(both, "total"));
	CHECK_STR_EQ("sched_switch", str(json_array_get(json_object_get(both, "events"), 0), "event"));
	CHECK_INT_EQ(0, num(none, "total"));
}

static void test_unknown_subsystem(void)
{
	struct tracefs_query q = { .subsystem = "nosuch", .page = { 0, 10 } };
	_cleanup_free_ char *error = NULL;
	json_t *o = NULL;

	CHECK_INT_EQ(-EINVAL, tracefs_events(basic, &q, &o, &error));
	CHECK(o == NULL);
	CHECK(error && strstr(error, "unknown subsystem 'nosuch'"));
	CHECK(error && strstr(error, "irq, power, sched, sched_ext, syscalls, timer"));
}

static void test_fallback_and_absent(void)
{
	_cleanup_json_ json_t *o = events(debugfs_only, NULL, NULL, 0, 100);
	_cleanup_json_ json_t *gone = events("/nonexistent", NULL, NULL, 0, 100);

	CHECK(strstr(str(o, "source"), "/sys/kernel/debug/tracing/available_events") != NULL);
	CHECK_INT_EQ(3, num(o, "total"));
	CHECK(json_is_false(json_object_get(gone, "available")));
	CHECK(str(gone, "reason") && strstr(str(gone, "reason"), "tracefs is not mounted"));
}

/* Decision: malformed lines are skipped and counted, never fatal: one odd
 * line from a new kernel must not hide the whole catalog. */
static void test_malformed(void)
{
	_cleanup_json_ json_t *o = events(malformed, NULL, NULL, 0, 100);

	CHECK_INT_EQ(3, num(o, "total"));
	CHECK_INT_EQ(5, num(o, "skipped_lines"));
	CHECK_INT_EQ(2, num(json_object_get(o, "subsystems"), "sched"));
}

static void test_size_bound(void)
{
	struct tracefs_query q = { .page = { 0, 10 }, .max_bytes = 100 };
	_cleanup_free_ char *error = NULL;
	json_t *o = NULL;

	CHECK_INT_EQ(-EFBIG, tracefs_events(basic, &q, &o, &error));
	CHECK(error && strstr(error, "larger than"));
	CHECK(o == NULL);
}

static json_t *functions(const char *root, const char *kprobe_reason, const char *filter, uint64_t offset,
			 uint64_t limit)
{
	struct tracefs_query q = { .filter = filter, .page = { offset, limit } };
	_cleanup_free_ char *error = NULL;
	json_t *o = NULL;
	int r = tracefs_functions(root, kprobe_reason, &q, &o, &error);

	if (r < 0)
		fprintf(stderr, "tracefs_functions: %s\n", error ? error : strerror(-r));
	CHECK_INT_EQ(0, r);
	if (!o)
		abort();
	return o;
}

static void test_functions(void)
{
	_cleanup_json_ json_t *all = functions(basic, NULL, NULL, 0, 100);
	_cleanup_json_ json_t *kvm = functions(basic, NULL, "kvm", 0, 100);
	_cleanup_json_ json_t *sched = functions(basic, NULL, "SCHED", 0, 100);
	const json_t *f;
	uint64_t offset = 0, seen = 0;
	size_t i;

	CHECK(json_is_true(json_object_get(all, "available")));
	CHECK_INT_EQ(22, num(all, "total"));
	CHECK_INT_EQ(0, num(all, "skipped_lines"));
	CHECK_STR_EQ("schedule", str(json_array_get(json_object_get(all, "functions"), 0), "name"));
	CHECK(json_object_get(json_array_get(json_object_get(all, "functions"), 0), "module") == NULL);
	/* kvm_vcpu_ioctl, kvm_arch_vcpu_ioctl_run, and vmx_vcpu_run by its module kvm_intel */
	CHECK_INT_EQ(3, num(kvm, "total"));
	json_array_foreach (json_object_get(kvm, "functions"), i, f)
		CHECK(strncmp(str(f, "module"), "kvm", 3) == 0);
	CHECK_INT_EQ(3, num(sched, "total"));

	for (int pages = 0; pages < 10; pages++) {
		_cleanup_json_ json_t *o = functions(basic, NULL, NULL, offset, 7);

		seen += json_array_size(json_object_get(o, "functions"));
		if (json_is_null(json_object_get(o, "next_offset")))
			break;
		offset = (uint64_t)num(o, "next_offset");
	}
	CHECK_INT_EQ(22, seen);
}

static void test_functions_unavailable(void)
{
	_cleanup_json_ json_t *no_kprobe = functions(basic, "no kprobe PMU", NULL, 0, 100);
	_cleanup_json_ json_t *no_file = functions(debugfs_only, NULL, NULL, 0, 100);
	_cleanup_json_ json_t *bad = functions(malformed, NULL, NULL, 0, 100);

	CHECK(json_is_false(json_object_get(no_kprobe, "available")));
	CHECK(strstr(str(no_kprobe, "reason"), "kprobes cannot be attached on this kernel: no kprobe PMU") !=
	      NULL);
	CHECK(json_is_true(json_object_get(no_kprobe, "source_readable")));
	CHECK(json_object_get(no_kprobe, "functions") == NULL);
	CHECK(json_is_false(json_object_get(no_file, "available")));
	CHECK(strstr(str(no_file, "reason"), "CONFIG_DYNAMIC_FTRACE") != NULL);
	CHECK_INT_EQ(3, num(bad, "total"));
	CHECK_INT_EQ(2, num(bad, "skipped_lines"));
	CHECK_STR_EQ("ok_mod", str(json_array_get(json_object_get(bad, "functions"), 1), "module"));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURES/tracefs\n", argv[0]);
		return 2;
	}
	snprintf(basic, sizeof(basic), "%s/basic", argv[1]);
	snprintf(debugfs_only, sizeof(debugfs_only), "%s/debugfs-only", argv[1]);
	snprintf(malformed, sizeof(malformed), "%s/malformed", argv[1]);
	test_summary();
	test_paging();
	test_subsystem_and_filter();
	test_unknown_subsystem();
	test_fallback_and_absent();
	test_malformed();
	test_size_bound();
	test_functions();
	test_functions_unavailable();
	return test_result("test-tracefs");
}
