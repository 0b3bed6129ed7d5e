/* test-util.h: the CHECK macros and fixture paths unit tests share; a failure prints what was expected and what came. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* meson treats this exit code as "skipped". */
#define EXIT_TEST_SKIP 77

/* Counted rather than aborting, so one run reports every broken check. */
static int test_failures;

static inline void check_true(const char *file, int line, const char *what, bool ok)
{
	if (ok)
		return;
	fprintf(stderr, "%s:%d: expected %s, got false\n", file, line, what);
	test_failures++;
}

static inline void check_int_eq(const char *file, int line, const char *what, long long expected, long long got)
{
	if (expected == got)
		return;
	fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", file, line, what, expected, got);
	test_failures++;
}

static inline void check_str_eq(const char *file, int line, const char *what, const char *expected,
				const char *got)
{
	if (got && strcmp(expected, got) == 0)
		return;
	if (got)
		fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", file, line, what, expected, got);
	else
		fprintf(stderr, "%s:%d: %s: expected \"%s\", got NULL\n", file, line, what, expected);
	test_failures++;
}

#define CHECK(cond) check_true(__FILE__, __LINE__, #cond, (cond))
#define CHECK_INT_EQ(expected, got) \
	check_int_eq(__FILE__, __LINE__, #got, (long long)(expected), (long long)(got))
#define CHECK_STR_EQ(expected, got) check_str_eq(__FILE__, __LINE__, #got, (expected), (got))

/* The fixture directory main() is given, e.g. tests/fixtures/proc. */
static const char *fixtures __attribute__((unused));

/* Takes main()'s one argument, the fixture directory; exits with the usage otherwise. */
static inline void fixtures_from_args(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE-DIR\n", argv[0]);
		exit(EXIT_FAILURE);
	}
	fixtures = argv[1];
}

/* FIXTURES/NAME, to be freed; aborts when out of memory. */
static inline char *fixture_root(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", fixtures, name) < 0)
		abort();
	return p;
}

/* Ends main(): 0 when every check passed. */
static inline int test_result(const char *name)
{
	if (test_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name, test_failures);
		return EXIT_FAILURE;
	}
	printf("%s: all checks passed\n", name);
	return EXIT_SUCCESS;
}
