/* test-procmaps.c: unit tests for procmaps.c (/proc/PID/maps text, MMAP2 overlaps). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "procmaps.h"
#include "test-util.h"

static const char maps_text[] =
	"55d4a6c00000-55d4a6c02000 r--p 00000000 08:01 1234                       /usr/bin/cat\n"
	"55d4a6c02000-55d4a6c07000 r-xp 00002000 08:01 1234                       /usr/bin/cat\n"
	"55d4a6c07000-55d4a6c0a000 r--p 00007000 08:01 1234                       /usr/bin/cat\n"
	"55d4a7000000-55d4a7021000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f0000000000-7f0000001000 rwxp 00000000 00:00 0 \n"
	"7f1000001000-7f1000100000 r-xp 00028000 fd:02 99                         /opt/my app/lib x.so (deleted)\n"
	"7ffd3b8c1000-7ffd3b8c3000 r-xp 00000000 00:00 0                          [vdso]\n"
	"this is not a mapping line\n";

static void test_parse(void)
{
	struct proc_maps pm = { 0 };
	const struct map_entry *e;

	CHECK_INT_EQ(0, procmaps_parse(maps_text, &pm));
	/* Executable mappings only. */
	CHECK_INT_EQ(4, pm.n);
	e = procmaps_find(&pm, 0x55d4a6c03000);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR_EQ("/usr/bin/cat", e->path);
		CHECK_INT_EQ(0x2000, e->pgoff);
		CHECK_INT_EQ(8, e->maj);
		CHECK_INT_EQ(1, e->min);
		CHECK_INT_EQ(1234, e->ino);
		CHECK_STR_EQ("cat", map_entry_basename(e));
		CHECK(map_entry_is_file(e));
	}
	CHECK(procmaps_find(&pm, 0x55d4a6c01000) == NULL); /* r--: not kept */
	CHECK(procmaps_find(&pm, 0x55d4a6c07000) == NULL); /* end is exclusive */
	e = procmaps_find(&pm, 0x7f0000000010);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR_EQ("", e->path);
		CHECK_STR_EQ("[anon]", map_entry_basename(e));
		CHECK(!map_entry_is_file(e));
	}
	/* Spaces in the path, and the kernel's " (deleted)" taken off. */
	e = procmaps_find(&pm, 0x7f1000001000);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR_EQ("/opt/my app/lib x.so", e->path);
		CHECK(e->deleted);
		CHECK_INT_EQ(0xfd, e->maj);
	}
	e = procmaps_find(&pm, 0x7ffd3b8c1100);
	CHECK(e && !map_entry_is_file(e) && strcmp(map_entry_basename(e), "[vdso]") == 0);
	procmaps_clear(&pm);
}

static void test_overlaps(void)
{
	struct proc_maps pm = { 0 }, copy = { 0 };
	const struct map_entry *e;

	CHECK_INT_EQ(0, procmaps_add(&pm, 0x1000, 0x9000, 0, 1, 2, 10, "/a"));
	/* Punches a hole: /a keeps both sides, the tail with its offset moved. */
	CHECK_INT_EQ(0, procmaps_add(&pm, 0x3000, 0x4000, 0x100000, 1, 2, 11, "/b"));
	CHECK_INT_EQ(3, pm.n);
	e = procmaps_find(&pm, 0x5000);
	CHECK(e && strcmp(e->path, "/a") == 0 && e->start == 0x4000 && e->pgoff == 0x3000);
	e = procmaps_find(&pm, 0x3800);
	CHECK(e && strcmp(e->path, "/b") == 0);
	e = procmaps_find(&pm, 0x2000);
	CHECK(e && e->end == 0x3000);
	/* Covers everything: one mapping left. */
	CHECK_INT_EQ(0, procmaps_add(&pm, 0x0, 0x10000, 0, 1, 2, 12, "/c"));
	CHECK_INT_EQ(1, pm.n);
	CHECK_INT_EQ(-EINVAL, procmaps_add(&pm, 0x5000, 0x5000, 0, 0, 0, 0, ""));
	CHECK_INT_EQ(0, procmaps_copy(&pm, &copy));
	CHECK_INT_EQ(1, copy.n);
	CHECK_STR_EQ("/c", copy.v[0].path);
	procmaps_clear(&pm);
	procmaps_clear(&copy);
}

/* Found by fuzz-procmaps: a file named "x (deleted)", deleted, is "x (deleted) (deleted)" in
 * the maps; the copy a fork makes stripped the suffix again and named another file, "x". */
static void test_copy_deleted_name(void)
{
	struct proc_maps pm = { 0 }, copy = { 0 };

	CHECK_INT_EQ(0, procmaps_parse("7f1c2a100000-7f1c2a180000 r-xp 00000000 08:01 99 "
				       "/lib/libx.so (deleted) (deleted)\n",
				       &pm));
	CHECK_INT_EQ(1, pm.n);
	CHECK_STR_EQ("/lib/libx.so (deleted)", pm.v[0].path);
	CHECK(pm.v[0].deleted);
	CHECK_INT_EQ(0, procmaps_copy(&pm, &copy));
	CHECK_INT_EQ(1, copy.n);
	CHECK_STR_EQ("/lib/libx.so (deleted)", copy.v[0].path);
	CHECK(copy.v[0].deleted);
	CHECK(copy.v[0].start == pm.v[0].start && copy.v[0].end == pm.v[0].end && copy.v[0].ino == 99);
	procmaps_clear(&pm);
	procmaps_clear(&copy);
}

/* Found by fuzz-procmaps: a line whose range is empty or reversed failed the whole parse
 * (-EINVAL from procmaps_add) instead of being skipped like any malformed line. */
static void test_bad_range_skipped(void)
{
	struct proc_maps pm = { 0 };

	CHECK_INT_EQ(0, procmaps_parse("7f0000002000-7f0000001000 r-xp 00000000 08:01 7 /lib/a.so\n"
				       "7f0000003000-7f0000003000 r-xp 00000000 08:01 7 /lib/b.so\n"
				       "7f0000004000-7f0000005000 r-xp 00000000 08:01 7 /lib/c.so\n",
				       &pm));
	CHECK_INT_EQ(1, pm.n);
	CHECK_STR_EQ("/lib/c.so", pm.v[0].path);
	procmaps_clear(&pm);
}

static void test_self(void)
{
	struct proc_maps pm = { 0 };

	/* Our own maps: the code of this very function is in one. */
	CHECK_INT_EQ(0, procmaps_load("", getpid(), &pm));
	CHECK(procmaps_find(&pm, (uint64_t)(uintptr_t)&test_self) != NULL);
	CHECK(procmaps_load("", 0x7ffffff0, &pm) < 0);
	procmaps_clear(&pm);
}

int main(void)
{
	test_parse();
	test_overlaps();
	test_copy_deleted_name();
	test_bad_range_skipped();
	test_self();
	return test_result("test-procmaps");
}
