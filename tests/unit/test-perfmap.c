/* test-perfmap.c: unit tests for perfmap.c (perf-PID.map files of JIT compilers). */
#include <stdio.h>
#include <string.h>

#include "perfmap.h"
#include "test-util.h"

static void test_parse(void)
{
	struct perfmap pm = { 0 };
	const struct perfmap_sym *s;

	CHECK_INT_EQ(0, perfmap_parse("7f0000001000 40 LazyCompile:~foo bar.js:1\n"
				      "0x7f0000000000 0x100 Interpreter stub\r\n"
				      "garbage\n"
				      "7f0000002000 0 empty\n"
				      "7f0000003000 10\n"
				      "7f0000004000 20 last-without-newline",
				      &pm));
	CHECK_INT_EQ(3, pm.n);
	s = perfmap_lookup(&pm, 0x7f0000001010);
	CHECK(s && strcmp(s->name, "LazyCompile:~foo bar.js:1") == 0);
	s = perfmap_lookup(&pm, 0x7f00000000ff);
	CHECK(s && strcmp(s->name, "Interpreter stub") == 0);
	CHECK(perfmap_lookup(&pm, 0x7f0000000100) == NULL);
	CHECK(perfmap_lookup(&pm, 0x7f0000001040) == NULL);
	s = perfmap_lookup(&pm, 0x7f000000401f);
	CHECK(s && strcmp(s->name, "last-without-newline") == 0);
	CHECK(perfmap_lookup(&pm, 0x10) == NULL);
	/* Parsing again replaces. */
	CHECK_INT_EQ(0, perfmap_parse("", &pm));
	CHECK_INT_EQ(0, pm.n);
	perfmap_clear(&pm);
}

static void test_overlapping(void)
{
	struct perfmap pm = { 0 };
	const struct perfmap_sym *s;

	/* A large region with a smaller one inside it (re-compiled code). */
	CHECK_INT_EQ(0, perfmap_parse("1000 1000 outer\n1800 10 inner\n", &pm));
	s = perfmap_lookup(&pm, 0x1805);
	CHECK(s && strcmp(s->name, "inner") == 0);
	s = perfmap_lookup(&pm, 0x1900);
	CHECK(s && strcmp(s->name, "outer") == 0);
	perfmap_clear(&pm);
}

int main(void)
{
	test_parse();
	test_overlapping();
	return test_result("test-perfmap");
}
