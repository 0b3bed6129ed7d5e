/* test-psi.c: unit tests for psi.c (/proc/pressure files, and PSI switched off). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "macro.h"
#include "psi.h"
#include "test-proc.h"

static void test_fixture(void)
{
	_cleanup_free_ char *root = fixture_root("2socket-smt/t0");
	_cleanup_json_ json_t *j = NULL;
	struct psi_all p;

	CHECK_INT_EQ(0, psi_read_all(root, &p));
	CHECK(p.have_dir);
	CHECK_INT_EQ(0, p.error[PSI_CPU]);
	CHECK_INT_EQ(-ENOENT, p.error[PSI_IRQ]);
	CHECK_INT_EQ(1648, p.stats[PSI_CPU].some.avg10);
	CHECK_INT_EQ(422, p.stats[PSI_CPU].some.avg300);
	CHECK_INT_EQ(19509674, p.stats[PSI_CPU].some.total_us);
	CHECK(p.stats[PSI_CPU].full.present);
	CHECK_INT_EQ(10000, p.stats[PSI_IO].some.avg10);
	CHECK(p.stats[PSI_IO].some.total_us == UINT64_MAX);

	j = psi_to_json(&p);
	psi_all_done(&p);
	CHECK(json_is_true(jpath(j, "available")));
	CHECK_JNUM(16.48, j, "cpu.some.avg10_pct");
	CHECK_JNUM(10.12, j, "cpu.some.avg60_pct");
	CHECK_JNUM(19509674, j, "cpu.some.total_us");
	CHECK_JNUM(1.73, j, "memory.full.avg10_pct");
	CHECK_JNUM(100, j, "io.some.avg10_pct");
	CHECK_JNUM(0.01, j, "io.some.avg300_pct");
	/* No irq file on this machine: not mentioned. */
	CHECK(jpath(j, "irq") == NULL);
}

static void test_no_psi(void)
{
	_cleanup_free_ char *root = fixture_root("no-psi");
	_cleanup_json_ json_t *j = NULL;
	struct psi_all p;

	CHECK_INT_EQ(0, psi_read_all(root, &p));
	CHECK(!p.have_dir);
	j = psi_to_json(&p);
	psi_all_done(&p);
	CHECK(json_is_false(jpath(j, "available")));
	CHECK_JSTR_CONTAINS("CONFIG_PSI", j, "reason");
	CHECK_JSTR_CONTAINS("psi=0", j, "reason");
	CHECK(jpath(j, "cpu") == NULL);
}

/* One bad file spoils only its own resource. */
static void test_one_bad_file(void)
{
	char *root = tree_new();
	_cleanup_json_ json_t *j = NULL;
	struct psi_all p;

	tree_write(root, "proc/pressure/cpu", "some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n");
	tree_write(root, "proc/pressure/memory", "some avg10=1.00 avg60=2.00\n");
	tree_write(root, "proc/pressure/irq", "full avg10=0.50 avg60=0.25 avg300=0.00 total=77\n");
	CHECK_INT_EQ(0, psi_read_all(root, &p));
	j = psi_to_json(&p);
	psi_all_done(&p);
	CHECK(json_is_true(jpath(j, "available")));
	/* A kernel before 5.13 has no cpu "full" line. */
	CHECK_JNUM(1, j, "cpu.some.avg10_pct");
	CHECK(jpath(j, "cpu.full") == NULL);
	CHECK(json_is_false(jpath(j, "memory.available")));
	CHECK_JSTR_CONTAINS("expected avg10, avg60, avg300 and total", j, "memory.reason");
	CHECK(json_is_false(jpath(j, "io.available")));
	CHECK_JSTR_CONTAINS("No such file", j, "io.reason");
	CHECK_JNUM(77, j, "irq.full.total_us");
	CHECK(jpath(j, "irq.some") == NULL);
	tree_free(root);
}

#define check_psi_fails(text, expected, needle) \
	CHECK_PARSE_FAILS(psi_parse, struct psi_stats, text, expected, needle)

#define SOME "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"

static void test_parse(void)
{
	_cleanup_free_ char *error = NULL;
	struct psi_stats s;

	/* Fields in any order, full before some. */
	CHECK_INT_EQ(0, psi_parse("full total=5 avg300=0.03 avg10=0.01 avg60=0.02\n" SOME, &s, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(1, s.full.avg10);
	CHECK_INT_EQ(3, s.full.avg300);
	CHECK_INT_EQ(5, s.full.total_us);
	CHECK(s.some.present);

	check_psi_fails("", -EINVAL, "cut off");
	check_psi_fails("some avg10=0.00 avg60=0.00 avg300=0.00 tot", -EINVAL, "cut off");
	check_psi_fails("some avg10=0.00 avg60=0.00 avg300=0.00\n", -EINVAL,
			"expected avg10, avg60, avg300 and total");
	check_psi_fails("some avg10=0.0 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, "avg10: bad number");
	check_psi_fails("some avg10=1 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, "avg10: bad number");
	check_psi_fails("some avg10=0.00x avg60=0.00 avg300=0.00 total=0\n", -EINVAL, "avg10: bad number");
	check_psi_fails("some avg10=-1.00 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, "avg10: bad number");
	check_psi_fails("some avg10=100.01 avg60=0.00 avg300=0.00 total=0\n", -ERANGE, "at most 100.00");
	check_psi_fails("some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n", -ERANGE,
			"total: out of range");
	check_psi_fails("some avg10=0.00 avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EINVAL,
			"avg10 appears twice");
	check_psi_fails("some avg10=0.00 avg60=0.00 avg300=0.00 total=0 avg3=1\n", -EINVAL,
			"unknown field 'avg3'");
	check_psi_fails("some avg10=0.00 avg60 avg300=0.00 total=0\n", -EINVAL, "expected key=value");
	check_psi_fails(SOME SOME, -EINVAL, "line 2: a second 'some'");
	check_psi_fails("half avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, "'some' or 'full'");
}

int main(int argc, char *argv[])
{
	fixtures_from_args(argc, argv);
	test_fixture();
	test_no_psi();
	test_one_bad_file();
	test_parse();
	return test_result("test-psi");
}
