/* test-procfs.c: unit tests for procfs.c: bounded reads of kernel files and strict parsing of their text. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "procfs.h"
#include "test-proc.h"

static void test_procfs_read(void)
{
	char *root = tree_new();
	_cleanup_free_ char *text = NULL, *big = NULL, *path = NULL;
	size_t len = 0;

	tree_write(root, "f", "12345");
	CHECK_INT_EQ(0, procfs_read(root, "/f", 5, &text, &len));
	CHECK_INT_EQ(5, len);
	CHECK_STR_EQ("12345", text);
	free(TAKE_PTR(text));
	CHECK_INT_EQ(-EFBIG, procfs_read(root, "/f", 4, &text, &len));
	CHECK(text == NULL);
	CHECK_INT_EQ(-ENOENT, procfs_read(root, "/nope", 4, &text, &len));
	tree_write_n(root, "nul", "a\0b\n", 4);
	CHECK_INT_EQ(-EINVAL, procfs_read(root, "/nul", 100, &text, &len));
	tree_write(root, "empty", "");
	CHECK_INT_EQ(0, procfs_read(root, "/empty", 0, &text, &len));
	CHECK_INT_EQ(0, len);
	free(TAKE_PTR(text));

	/* Larger than the growth step, within the bound. */
	big = malloc(100000);
	memset(big, 'x', 99999);
	big[99999] = 0;
	tree_write(root, "big", big);
	CHECK_INT_EQ(0, procfs_read(root, "/big", 100000, &text, &len));
	CHECK_INT_EQ(99999, len);
	free(TAKE_PTR(text));
	/* Exactly the bound after growing, then one byte over it. */
	CHECK_INT_EQ(0, procfs_read(root, "/big", 99999, &text, &len));
	CHECK_INT_EQ(99999, len);
	free(TAKE_PTR(text));
	CHECK_INT_EQ(-EFBIG, procfs_read(root, "/big", 99998, &text, &len));

	/* A NULL root is the path as it is. */
	if (asprintf(&path, "%s/f", root) < 0)
		abort();
	CHECK_INT_EQ(0, procfs_read(NULL, path, 5, &text, NULL));
	CHECK_STR_EQ("12345", text);
	tree_free(root);
}

static void test_small_files(void)
{
	char *root = tree_new();
	_cleanup_free_ char *f = NULL, *two = NULL, *num = NULL;
	char buf[6];
	uint64_t v = 0;
	int dirfd;

	tree_write(root, "f", "1234\n");
	tree_write(root, "two", "a\n\n");
	tree_write(root, "num", "42\n");
	if (asprintf(&f, "%s/f", root) < 0 || asprintf(&two, "%s/two", root) < 0 ||
	    asprintf(&num, "%s/num", root) < 0)
		abort();

	/* size - 1 bytes fit; one more does not, and is never cut. */
	CHECK_INT_EQ(0, read_file_at(AT_FDCWD, f, buf, 6));
	CHECK_STR_EQ("1234\n", buf);
	CHECK_INT_EQ(-EFBIG, read_file_at(AT_FDCWD, f, buf, 5));
	dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT_EQ(0, read_file_at(dirfd, "f", buf, sizeof(buf)));
	CHECK_INT_EQ(-ENOENT, read_file_at(dirfd, "nope", buf, sizeof(buf)));
	close(dirfd);

	/* One trailing newline goes, not more. */
	CHECK_INT_EQ(0, read_small_file(f, buf, sizeof(buf)));
	CHECK_STR_EQ("1234", buf);
	CHECK_INT_EQ(0, read_small_file(two, buf, sizeof(buf)));
	CHECK_STR_EQ("a\n", buf);
	CHECK_INT_EQ(0, read_u64_file(num, &v));
	CHECK_INT_EQ(42, v);
	CHECK_INT_EQ(-EINVAL, read_u64_file(two, &v));
	tree_free(root);
}

static void test_numbers(void)
{
	const char *p;
	uint64_t v;
	int64_t i;

	p = "18446744073709551615 ";
	CHECK_INT_EQ(0, parse_u64_at(&p, &v));
	CHECK(v == UINT64_MAX);
	CHECK_STR_EQ(" ", p);
	p = "18446744073709551616";
	CHECK_INT_EQ(-ERANGE, parse_u64_at(&p, &v));
	p = "+1";
	CHECK_INT_EQ(-EINVAL, parse_u64_at(&p, &v));
	p = " 1";
	CHECK_INT_EQ(-EINVAL, parse_u64_at(&p, &v));
	p = "";
	CHECK_INT_EQ(-EINVAL, parse_u64_at(&p, &v));

	/* Whole strings. */
	CHECK_INT_EQ(0, parse_u64("7", &v));
	CHECK_INT_EQ(7, v);
	CHECK_INT_EQ(-EINVAL, parse_u64("7 ", &v));
	CHECK_INT_EQ(-EINVAL, parse_u64("-7", &v));
	CHECK_INT_EQ(-ERANGE, parse_u64("18446744073709551616", &v));
	CHECK_INT_EQ(0, parse_i64("-9223372036854775808", &i));
	CHECK(i == INT64_MIN);
	CHECK_INT_EQ(0, parse_i64("9223372036854775807", &i));
	CHECK(i == INT64_MAX);
	CHECK_INT_EQ(-ERANGE, parse_i64("9223372036854775808", &i));
	CHECK_INT_EQ(-ERANGE, parse_i64("-9223372036854775809", &i));
	CHECK_INT_EQ(-EINVAL, parse_i64("-", &i));
	CHECK_INT_EQ(-EINVAL, parse_i64("--1", &i));
	CHECK_INT_EQ(-EINVAL, parse_i64("1x", &i));
}

static void test_lists_and_labels(void)
{
	const char *line = "  eth0: 1\t2 3  \n", *eol = strchr(line, '\n'), *bad = NULL, *rest;
	uint64_t v[2] = { 0, 0 };
	unsigned at = 99;
	char name[5];

	rest = parse_label(line, eol, name, sizeof(name));
	CHECK(rest == line + 7);
	CHECK_STR_EQ("eth0", name);
	/* Three numbers, two stored. */
	CHECK_INT_EQ(3, parse_u64_list(rest, eol, v, 2, &bad, &at));
	CHECK_INT_EQ(1, v[0]);
	CHECK_INT_EQ(2, v[1]);
	/* One array per input: the end pointer must point into the same string. */
	static const char s_bad[] = " 1 2x 3", s_big[] = "99999999999999999999", s_blank[] = "  ";
	static const char l_noc[] = " eth0 1\n", l_empty[] = " : 1\n", l_blank[] = "a b: 1\n";

	CHECK_INT_EQ(-EINVAL, parse_u64_list(s_bad, s_bad + 7, v, 2, &bad, &at));
	CHECK_STR_EQ("x 3", bad);
	CHECK_INT_EQ(1, at);
	CHECK_INT_EQ(-ERANGE,
		     parse_u64_list(s_big, s_big + 20, v, 2, &bad, NULL));
	CHECK_INT_EQ(0, parse_u64_list(s_blank, s_blank + 2, v, 2, &bad, NULL));

	/* Too long for name, no colon, an empty name, a blank inside. */
	CHECK(parse_label(line, eol, name, 4) == NULL);
	CHECK(parse_label(l_noc, l_noc + 7, name, sizeof(name)) == NULL);
	CHECK(parse_label(l_empty, l_empty + 4, name, sizeof(name)) == NULL);
	CHECK(parse_label(l_blank, l_blank + 6, name, sizeof(name)) == NULL);

	CHECK_INT_EQ(0, text_check_lines("a\n", NULL));
	CHECK_INT_EQ(-EINVAL, text_check_lines("", NULL));
	{
		_cleanup_free_ char *error = NULL;

		CHECK_INT_EQ(-EINVAL, text_check_lines("a\nb", &error));
		CHECK_MSG("the last line is cut off", error);
	}
	CHECK_STR_EQ("x \n", skip_blanks(" \t x \n"));
	CHECK_INT_EQ(16, snippet_len("0123456789abcdefghij"));
	CHECK_INT_EQ(3, snippet_len("abc\ndef"));
}

int main(void)
{
	test_procfs_read();
	test_small_files();
	test_numbers();
	test_lists_and_labels();
	return test_result("test-procfs");
}
