/* test-procstat.c: unit tests for procstat.c (/proc/stat, /proc/softirqs). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "procstat.h"
#include "test-proc.h"

static void test_fixture_stat(void)
{
	_cleanup_free_ char *root = fixture_root("2socket-smt/t1"), *error = NULL;
	struct procstat s = {};

	CHECK_INT_EQ(0, procstat_read(root, &s, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(32, s.nr_cpus);
	CHECK_INT_EQ(10, s.nr_columns);
	/* The total line is the sum of the cpu lines (make-fixtures.sh). */
	CHECK_INT_EQ(3696000 + 16 * 600, s.total.t[CPU_TIME_USER]);
	CHECK_INT_EQ(33760000 + 16 * 1030, s.total.t[CPU_TIME_IDLE]);
	CHECK_INT_EQ(22896 + 16 * 30, s.total.t[CPU_TIME_GUEST]);
	CHECK_INT_EQ(31, s.cpus[31].id);
	CHECK_INT_EQ(131100, s.cpus[31].t[CPU_TIME_USER]);
	CHECK_INT_EQ(1210780, s.cpus[31].t[CPU_TIME_IDLE]);
	CHECK_INT_EQ(91, s.cpus[31].t[CPU_TIME_STEAL]);
	CHECK_INT_EQ(1001234567, s.ctxt);
	CHECK_INT_EQ(5000500000, s.intr);
	CHECK_INT_EQ(1700000000, s.btime);
	CHECK_INT_EQ(251000, s.processes);
	CHECK_INT_EQ(5, s.procs_running);
	CHECK_INT_EQ(1, s.procs_blocked);
	procstat_done(&s);
	procstat_done(&s); /* idempotent */
}

/* A minimal valid file, then variations of it. */
#define STAT_TAIL "intr 10 1 2\nctxt 20\nbtime 30\nprocesses 40\nprocs_running 2\nprocs_blocked 0\n"
#define CPU_ALL "cpu  2 0 2 2 0 0 0 0 0 0\n"

#define check_stat_fails(text, expected, needle) \
	CHECK_PARSE_FAILS(procstat_parse, struct procstat, text, expected, needle)

static void test_stat_parse(void)
{
	_cleanup_free_ char *error = NULL;
	struct procstat s = {};

	CHECK_INT_EQ(0,
		     procstat_parse(CPU_ALL "cpu0 1 0 1 1 0 0 0 0 0 0\ncpu1 1 0 1 1 0 0 0 0 0 0\n" STAT_TAIL,
				    &s, &error));
	CHECK_INT_EQ(2, s.nr_cpus);
	CHECK_INT_EQ(10, s.intr);
	CHECK_INT_EQ(20, s.ctxt);
	procstat_done(&s);
}

static void test_stat_reordered(void)
{
	_cleanup_free_ char *error = NULL;
	struct procstat s = {};
	const char *text =
		"procs_blocked 0\nnewthing 1 2 3\ncpu3 1 2 3 4 5 6 7 8 \nctxt 5\nintr 1\n"
		"btime 3\nprocesses 4\nprocs_running 1\ncpu  9 9 9 9 9 9 9 9\ncpu0 8 8 8 8 8 8 8 8\n";

	CHECK_INT_EQ(0, procstat_parse(text, &s, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(2, s.nr_cpus);
	CHECK_INT_EQ(8, s.nr_columns);
	CHECK_INT_EQ(0, s.cpus[0].id);
	CHECK_INT_EQ(3, s.cpus[1].id);
	CHECK_INT_EQ(8, s.cpus[1].t[CPU_TIME_STEAL]);
	CHECK_INT_EQ(0, s.cpus[1].t[CPU_TIME_GUEST]);
	CHECK_INT_EQ(5, s.ctxt);
	procstat_done(&s);
}

/* Found by fuzz-procstat: a kernel printing an 11th column gave nr_columns 11 for the 10 slots
 * of t[]; the extra column is checked for consistency and not kept. */
static void test_stat_more_columns(void)
{
	_cleanup_free_ char *error = NULL;
	struct procstat s = {};
	const char *text = "cpu  1 2 3 4 5 6 7 8 9 10 11\ncpu0 1 2 3 4 5 6 7 8 9 10 11\nintr 1\nctxt 2\n"
			   "btime 3\nprocesses 4\nprocs_running 1\nprocs_blocked 0\n";

	CHECK_INT_EQ(0, procstat_parse(text, &s, &error));
	CHECK_INT_EQ(CPU_TIME_MAX, s.nr_columns);
	CHECK_INT_EQ(10, s.cpus[0].t[CPU_TIME_GUEST_NICE]);
	procstat_done(&s);
	text = "cpu  1 2 3 4 5 6 7 8 9 10 11\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1\nctxt 2\n"
	       "btime 3\nprocesses 4\nprocs_running 1\nprocs_blocked 0\n";
	CHECK_INT_EQ(-EINVAL, procstat_parse(text, &s, &error));
	CHECK(error && strstr(error, "earlier cpu lines have 11"));
}

static void test_stat_errors(void)
{
	check_stat_fails("", -EINVAL, "cut off");
	/* Cut mid-line: the last line has no newline. */
	check_stat_fails(CPU_ALL "cpu0 1 0 1 1 0 0 0 0 0 0\nctxt 2", -EINVAL, "cut off");
	/* Cut at a line boundary: required lines missing. */
	check_stat_fails(CPU_ALL "cpu0 1 0 1 1 0 0 0 0 0 0\nintr 1\n", -EINVAL, "ctxt");
	check_stat_fails("cpu0 1 0 1 1 0 0 0 0 0 0\n" STAT_TAIL, -EINVAL, "'cpu'");
	check_stat_fails(CPU_ALL STAT_TAIL, -EINVAL, "cpu<N>");
	/* Short and inconsistent cpu lines. */
	check_stat_fails(CPU_ALL "cpu0 1 0 1 1 0 0 0\n" STAT_TAIL, -EINVAL, "line 2: cpu0 has 7 numbers");
	check_stat_fails(CPU_ALL "cpu0 1 0 1 1 0 0 0 0\n" STAT_TAIL, -EINVAL, "earlier cpu lines have 10");
	/* Numbers: garbage, signs, overflow, hex. */
	check_stat_fails(CPU_ALL "cpu0 1 0 1x 1 0 0 0 0 0 0\n" STAT_TAIL, -EINVAL, "bad number at 'x");
	check_stat_fails(CPU_ALL "cpu0 1 0 -1 1 0 0 0 0 0 0\n" STAT_TAIL, -EINVAL, "bad number");
	check_stat_fails(CPU_ALL "cpu0 1 0 0x1 1 0 0 0 0 0 0\n" STAT_TAIL, -EINVAL, "bad number");
	check_stat_fails(CPU_ALL "cpu0 1 0 18446744073709551616 1 0 0 0 0 0 0\n" STAT_TAIL, -ERANGE,
			 "out-of-range");
	check_stat_fails(CPU_ALL "cpu0 1 0 1 1 0 0 0 0 0 0\n"
				 "ctxt 5 6\n" STAT_TAIL,
			 -EINVAL, "ctxt");
	check_stat_fails(CPU_ALL "cpu0 1 0 1 1 0 0 0 0 0 0\nintr\nctxt 20\nbtime 30\nprocesses 40\n"
				 "procs_running 2\nprocs_blocked 0\n",
			 -EINVAL, "intr: expected at least one number");
	check_stat_fails(CPU_ALL "cpu0 1 0 1 1 0 0 0 0 0 0\nintr 1 2 z\nctxt 20\nbtime 30\nprocesses 40\n"
				 "procs_running 2\nprocs_blocked 0\n",
			 -EINVAL, "intr: bad number");
	/* Duplicates and bad names. */
	check_stat_fails(CPU_ALL "cpu0 1 0 1 1 0 0 0 0 0 0\nctxt 1\n" STAT_TAIL, -EINVAL, "a second 'ctxt'");
	check_stat_fails(CPU_ALL CPU_ALL "cpu0 1 0 1 1 0 0 0 0 0 0\n" STAT_TAIL, -EINVAL, "a second 'cpu'");
	check_stat_fails(CPU_ALL "cpu0 1 0 1 1 0 0 0 0 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\n" STAT_TAIL, -EINVAL,
			 "cpu0 appears twice");
	check_stat_fails(CPU_ALL "cpux 1 0 1 1 0 0 0 0 0 0\n" STAT_TAIL, -EINVAL, "not cpu<N>");
	check_stat_fails(CPU_ALL "cpu99999 1 0 1 1 0 0 0 0 0 0\n" STAT_TAIL, -EINVAL, "not cpu<N>");
}

static void test_fixture_softirqs(void)
{
	_cleanup_free_ char *r0 = fixture_root("2socket-smt/t0"), *r1 = fixture_root("2socket-smt/t1"),
			    *error = NULL;
	struct softirq_counts a, b;

	CHECK_INT_EQ(0, softirqs_read(r0, &a, &error));
	CHECK_INT_EQ(0, softirqs_read(r1, &b, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(10, a.nr);
	CHECK_INT_EQ(32, a.nr_cpus);
	CHECK_STR_EQ("HI", a.name[0]);
	CHECK_STR_EQ("TIMER", a.name[1]);
	CHECK_STR_EQ("RCU", a.name[9]);
	CHECK_INT_EQ(32 * 1000000 + 496, a.sum[1]);
	CHECK_INT_EQ(32000, softirq_delta(a.sum[1], b.sum[1]));
	CHECK_INT_EQ(4960, softirq_delta(a.sum[3], b.sum[3]));
	/* cpu 3's 32-bit RCU count wrapped: 31 * 500 + 496. */
	CHECK(b.sum[9] < a.sum[9]);
	CHECK_INT_EQ(31 * 500 + 496, softirq_delta(a.sum[9], b.sum[9]));
	CHECK_INT_EQ(0, softirq_delta(a.sum[0], b.sum[0]));
}

#define check_softirqs_fails(text, expected, needle) \
	CHECK_PARSE_FAILS(softirqs_parse, struct softirq_counts, text, expected, needle)

static void test_softirqs_errors(void)
{
	_cleanup_free_ char *error = NULL, *many = NULL;
	struct softirq_counts s;
	size_t size = 0;
	FILE *f;

	CHECK_INT_EQ(0, softirqs_parse("  CPU0 CPU2\n HI: 1 2\nRCU:3 4 \n", &s, &error));
	CHECK_INT_EQ(2, s.nr);
	CHECK_INT_EQ(3, s.sum[0]);
	CHECK_INT_EQ(7, s.sum[1]);

	check_softirqs_fails("", -EINVAL, "cut off");
	check_softirqs_fails("  CPU0 CPU1\n HI: 1 2\n RCU: 3", -EINVAL, "cut off");
	check_softirqs_fails("  CPU0 CPU1\n", -EINVAL, "no softirq rows");
	check_softirqs_fails(" \n HI: 1 2\n", -EINVAL, "no CPU columns");
	check_softirqs_fails(" HI: 1 2\n", -EINVAL, "CPU<n>");
	check_softirqs_fails("  CPU0 CPU1\n HI: 1 2 3\n", -EINVAL, "3 numbers for 2 CPU columns");
	check_softirqs_fails("  CPU0 CPU1\n HI: 1\n", -EINVAL, "1 numbers for 2");
	check_softirqs_fails("  CPU0 CPU1\n HI: 1 x\n", -EINVAL, "bad number");
	check_softirqs_fails("  CPU0 CPU1\n HI: 1 99999999999999999999\n", -ERANGE, "out-of-range");
	check_softirqs_fails("  CPU0 CPU1\n HI: 1 2\n HI: 1 2\n", -EINVAL, "HI appears twice");
	check_softirqs_fails("  CPU0 CPU1\n HI 1 2\n", -EINVAL, "NAME:");
	check_softirqs_fails("  CPU0\n A_VERY_LONG_SOFTIRQ_NAME: 1\n", -EINVAL, "NAME:");

	f = open_memstream(&many, &size);
	fprintf(f, " CPU0\n");
	for (int i = 0; i < SOFTIRQ_MAX_TYPES + 1; i++)
		fprintf(f, " T%d: 1\n", i);
	fclose(f);
	check_softirqs_fails(many, -E2BIG, "more than 16");
}

/* A /proc/stat above 1 MiB is refused, never cut; a missing file is named. */
static void test_bounded_reads(void)
{
	char *root = tree_new();
	_cleanup_free_ char *error = NULL;
	struct procstat s;

	tree_write_filled(root, "proc/stat", ' ', PROCSTAT_MAX_BYTES + 1);
	CHECK_INT_EQ(-EFBIG, procstat_read(root, &s, &error));
	CHECK_MSG("File too large", error);
	free(TAKE_PTR(error));
	CHECK_INT_EQ(-ENOENT, softirqs_read(root, &(struct softirq_counts){}, &error));
	CHECK_MSG("/proc/softirqs: No such file", error);
	tree_free(root);
}

int main(int argc, char *argv[])
{
	fixtures_from_args(argc, argv);
	test_fixture_stat();
	test_stat_parse();
	test_stat_reordered();
	test_stat_more_columns();
	test_stat_errors();
	test_fixture_softirqs();
	test_softirqs_errors();
	test_bounded_reads();
	return test_result("test-procstat");
}
