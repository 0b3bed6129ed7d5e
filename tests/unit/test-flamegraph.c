/* test-flamegraph.c: unit tests for flamegraph.c (folded stacks to SVG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"
#include "macro.h"
#include "test-util.h"

static char *render(const char *const *lines, size_t n, const struct flamegraph_opts *o)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	CHECK_INT_EQ(0, flamegraph_svg(lines, n, o, f));
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_basic(void)
{
	const char *lines[] = { "app;main;work;hot 75", "app;main;work 5", "app;main;idle;read_[k] 20",
				"garbage without count", "app;main;<b>&co 0" };
	_cleanup_free_ char *svg = render(lines, ELEMENTSOF(lines),
					  &(struct flamegraph_opts){ .title = "T <1>", .width = 1000 });

	CHECK(svg != NULL);
	if (!svg)
		return;
	CHECK(strncmp(svg, "<?xml", 5) == 0);
	CHECK(strstr(svg, "</svg>") != NULL);
	/* all, app, main, work, hot, idle, read_[k]: one frame each. */
	CHECK_INT_EQ(7, count(svg, "<g><title>"));
	CHECK(strstr(svg, "T &lt;1&gt;") != NULL);
	CHECK(strstr(svg, "<title>hot (75 samples, 75.00%)</title>") != NULL);
	CHECK(strstr(svg, "<title>work (80 samples, 80.00%)</title>") != NULL);
	CHECK(strstr(svg, "<title>read_[k] (20 samples, 20.00%)</title>") != NULL);
	/* Widths are shares of the 980 drawable pixels. */
	CHECK(strstr(svg, "width=\"980.0\"") != NULL);
	CHECK(strstr(svg, "width=\"735.0\"") != NULL);
	CHECK(strstr(svg, "&amp;co") == NULL); /* zero-count lines are skipped */
}

static void test_escaping_and_empty(void)
{
	const char *lines[] = { "a;f<int>&\"x\" 1" };
	_cleanup_free_ char *svg = render(lines, 1, NULL), *empty = render(NULL, 0, NULL);

	CHECK(svg && strstr(svg, "f&lt;int&gt;&amp;&quot;x&quot;") != NULL);
	CHECK(svg && strstr(svg, "<int>") == NULL);
	CHECK(empty && strstr(empty, "no samples") != NULL);
}

int main(void)
{
	test_basic();
	test_escaping_and_empty();
	return test_result("test-flamegraph");
}
