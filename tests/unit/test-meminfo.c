/* test-meminfo.c: unit tests for meminfo.c (/proc/meminfo totals and ratios, /proc/vmstat counters). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "macro.h"
#include "meminfo.h"
#include "test-proc.h"

static void test_fixture_meminfo(void)
{
	_cleanup_free_ char *root = fixture_root("2socket-smt/t0"), *nopsi = fixture_root("no-psi"),
			    *error = NULL;
	_cleanup_json_ json_t *j = NULL, *k = NULL;
	struct meminfo mi;

	CHECK_INT_EQ(0, meminfo_read(root, &mi, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(263000000, mi.v[MEMINFO_MEM_TOTAL]);
	CHECK_INT_EQ(197250000, mi.v[MEMINFO_MEM_AVAILABLE]);
	CHECK_INT_EQ(16, mi.v[MEMINFO_HUGEPAGES_TOTAL]);
	CHECK_INT_EQ(2048, mi.v[MEMINFO_HUGEPAGESIZE]);
	CHECK(meminfo_has(&mi, MEMINFO_COMMITTED_AS));

	j = meminfo_to_json(&mi);
	CHECK_JNUM(263000000, j, "mem_total_kb");
	CHECK_JNUM(197250000, j, "mem_available_kb");
	CHECK_JNUM(3000000, j, "slab_reclaimable_kb");
	CHECK_JNUM(16, j, "hugepages_total");
	CHECK_JNUM(0.25, j, "used_ratio");
	CHECK_JNUM(0.75, j, "available_ratio");
	CHECK_JNUM(0.25, j, "swap_used_ratio");
	CHECK(jpath(j, "swap_note") == NULL);

	CHECK_INT_EQ(0, meminfo_read(nopsi, &mi, &error));
	k = meminfo_to_json(&mi);
	CHECK_JNULL(k, "swap_used_ratio");
	CHECK_JSTR_CONTAINS("no swap", k, "swap_note");
	CHECK_JNUM(0, k, "swap_total_kb");
}

#define check_meminfo_fails(text, expected, needle) \
	CHECK_PARSE_FAILS(meminfo_parse, struct meminfo, text, expected, needle)

#define TOTAL "MemTotal:  1000 kB\n"
#define AVAIL "MemAvailable:  250 kB\n"

static void test_meminfo_parse(void)
{
	_cleanup_free_ char *error = NULL;
	_cleanup_json_ json_t *j = NULL;
	struct meminfo mi;

	/* Reordered, unknown fields, a unitless one, tabs. */
	CHECK_INT_EQ(0, meminfo_parse("NewThing:  7 kB\nHugePages_Free:\t3\n" AVAIL "Weird(x):  1\n" TOTAL
				      "SwapTotal: 100 kB\nSwapFree: 100 kB\n",
				      &mi, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(1000, mi.v[MEMINFO_MEM_TOTAL]);
	CHECK_INT_EQ(3, mi.v[MEMINFO_HUGEPAGES_FREE]);
	CHECK(!meminfo_has(&mi, MEMINFO_MEM_FREE));
	j = meminfo_to_json(&mi);
	CHECK_JNUM(0.75, j, "used_ratio");
	CHECK_JNUM(0, j, "swap_used_ratio");
	CHECK(jpath(j, "mem_free_kb") == NULL); /* absent, not 0 */

	/* MemAvailable above MemTotal (an estimate): ratios stay within 0..1. */
	json_decref(j);
	CHECK_INT_EQ(0, meminfo_parse("MemTotal: 100 kB\nMemAvailable: 120 kB\n", &mi, &error));
	j = meminfo_to_json(&mi);
	CHECK_JNUM(0, j, "used_ratio");
	CHECK_JNUM(1, j, "available_ratio");
	CHECK_JNULL(j, "swap_used_ratio");
	CHECK_JSTR_CONTAINS("SwapTotal", j, "swap_note");
}

static void test_meminfo_errors(void)
{
	check_meminfo_fails("", -EINVAL, "cut off");
	check_meminfo_fails(TOTAL "MemAvailable:  25", -EINVAL, "cut off");
	check_meminfo_fails(TOTAL "MemFree: 3 kB\n", -EINVAL, "MemAvailable missing");
	check_meminfo_fails(AVAIL, -EINVAL, "MemTotal missing");
	check_meminfo_fails("MemTotal: 0 kB\n" AVAIL, -EINVAL, "MemTotal is 0");
	check_meminfo_fails(TOTAL AVAIL "MemTotal: 1000 kB\n", -EINVAL, "line 3: MemTotal appears twice");
	check_meminfo_fails(TOTAL "MemAvailable: abc kB\n", -EINVAL, "MemAvailable: bad number");
	check_meminfo_fails(TOTAL "MemAvailable: -5 kB\n", -EINVAL, "bad number");
	check_meminfo_fails(TOTAL "MemAvailable: 99999999999999999999 kB\n", -ERANGE, "out-of-range");
	check_meminfo_fails(TOTAL "MemAvailable: 5 MB\n", -EINVAL, "expected a value in kB");
	check_meminfo_fails(TOTAL "MemAvailable: 5\n", -EINVAL, "expected a value in kB");
	check_meminfo_fails(TOTAL AVAIL "HugePages_Total: 5 kB\n", -EINVAL, "unexpected 'kB'");
	check_meminfo_fails(TOTAL "MemAvailable: 5 kB extra\n", -EINVAL, "unexpected 'extra'");
	check_meminfo_fails(TOTAL "no colon here\n" AVAIL, -EINVAL, "line 2: expected 'Key: value'");
	check_meminfo_fails(TOTAL ": 5 kB\n" AVAIL, -EINVAL, "line 2");
}

static void test_fixture_vmstat(void)
{
	_cleanup_free_ char *r0 = fixture_root("2socket-smt/t0"), *r1 = fixture_root("2socket-smt/t1"),
			    *error = NULL;
	struct vmstat a, b;

	CHECK_INT_EQ(0, vmstat_read(r0, &a, &error));
	CHECK_INT_EQ(0, vmstat_read(r1, &b, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ((1u << VMSTAT_MAX) - 1, a.present);
	CHECK_INT_EQ(3000000000, a.v[VMSTAT_PGFAULT]);
	CHECK_INT_EQ(1000000, b.v[VMSTAT_PGFAULT] - a.v[VMSTAT_PGFAULT]);
	/* Reclaim by origin only: not the anon/file split, not the throttle count. */
	CHECK_INT_EQ(900000 + 100000, a.v[VMSTAT_PGSCAN]);
	CHECK_INT_EQ(10000, b.v[VMSTAT_PGSCAN] - a.v[VMSTAT_PGSCAN]);
	CHECK_INT_EQ(600000 + 70000, a.v[VMSTAT_PGSTEAL]);
	CHECK_INT_EQ(6000, b.v[VMSTAT_PGSTEAL] - a.v[VMSTAT_PGSTEAL]);
	CHECK_INT_EQ(40000, b.v[VMSTAT_PGPGIN] - a.v[VMSTAT_PGPGIN]);
}

#define check_vmstat_fails(text, expected, needle) \
	CHECK_PARSE_FAILS(vmstat_parse, struct vmstat, text, expected, needle)

static void test_vmstat_parse(void)
{
	_cleanup_free_ char *error = NULL;
	struct vmstat vm;

	/* Old per-zone reclaim lines sum; unknown lines need not be numbers. */
	CHECK_INT_EQ(0, vmstat_parse("pgscan_kswapd_normal 5\npgscan_kswapd_dma 1\nfuture_thing n/a\n"
				     "pgfault 9\npgsteal_direct_movable 2\n",
				     &vm, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(6, vm.v[VMSTAT_PGSCAN]);
	CHECK_INT_EQ(2, vm.v[VMSTAT_PGSTEAL]);
	CHECK_INT_EQ(9, vm.v[VMSTAT_PGFAULT]);
	/* A kernel without some counters: absent, not zero. */
	CHECK(!(vm.present & (1u << VMSTAT_PSWPIN)));

	check_vmstat_fails("", -EINVAL, "cut off");
	check_vmstat_fails("pgfault 1\npgmajfault 2", -EINVAL, "cut off");
	check_vmstat_fails("pgfault 1x\n", -EINVAL, "pgfault: bad number");
	check_vmstat_fails("pgfault 1 2\n", -EINVAL, "pgfault: bad number");
	check_vmstat_fails("pgfault 99999999999999999999\n", -ERANGE, "out-of-range");
	check_vmstat_fails("pgfault 1\npgfault 2\n", -EINVAL, "line 2: pgfault appears twice");
	check_vmstat_fails("pgfault\n", -EINVAL, "expected 'name value'");
	check_vmstat_fails(" 5\n", -EINVAL, "expected 'name value'");
	check_vmstat_fails("pgscan_kswapd 18446744073709551615\npgscan_direct 1\n", -ERANGE,
			   "pgscan sum overflows");
}

static void test_oversized(void)
{
	char *root = tree_new();
	_cleanup_free_ char *error = NULL;
	struct meminfo mi;

	tree_write_filled(root, "proc/meminfo", 'x', MEMINFO_MAX_BYTES + 1);
	CHECK_INT_EQ(-EFBIG, meminfo_read(root, &mi, &error));
	CHECK_MSG("File too large", error);
	tree_free(root);
}

int main(int argc, char *argv[])
{
	fixtures_from_args(argc, argv);
	test_fixture_meminfo();
	test_meminfo_parse();
	test_meminfo_errors();
	test_fixture_vmstat();
	test_vmstat_parse();
	test_oversized();
	return test_result("test-meminfo");
}
