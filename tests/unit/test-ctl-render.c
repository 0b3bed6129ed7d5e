/* test-ctl-render.c: collectorctl's human form of small documents, compared line by line. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl-render.h"
#include "macro.h"
#include "test-util.h"

/* What ctl_render() writes for the JSON text doc; NULL when doc does not parse or rendering fails. */
static char *render(const char *doc)
{
	json_t *j = json_loads(doc, JSON_DECODE_ANY, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int r;

	if (!j)
		return NULL;
	m = open_memstream(&buf, &len);
	if (!m)
		abort();
	r = ctl_render(m, j);
	fclose(m);
	json_decref(j);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

#define CHECK_RENDER(expected, doc)                                    \
	do {                                                           \
		_cleanup_free_ char *_out = render(doc);               \
		check_str_eq(__FILE__, __LINE__, doc, expected, _out); \
	} while (0)

static void test_scalars(void)
{
	/* Values line up after the longest key; strings bare, null "-", reals with 12 digits. */
	CHECK_RENDER("name        rusty\n"
		     "enable_seq  7\n"
		     "ratio       0.0186\n"
		     "on          true\n"
		     "swap        -\n",
		     "{\"name\":\"rusty\",\"enable_seq\":7,\"ratio\":0.0186,\"on\":true,\"swap\":null}");
	CHECK_RENDER("42\n", "42");
	CHECK_RENDER("plain text\n", "\"plain text\"");
	/* A control character cannot break the line. */
	CHECK_RENDER("reason  two?lines\n", "{\"reason\":\"two\\nlines\"}");
}

static void test_sections(void)
{
	/* Inline members first, then sections in document order, each indented by two. */
	CHECK_RENDER("kernel  6.12\n"
		     "online  0-3,16-19, 4-7\n"
		     "empty   (none)\n"
		     "none    (none)\n"
		     "sched_ext:\n"
		     "  available  true\n"
		     "  ops        rusty\n"
		     "  seq:\n"
		     "    enable  7\n"
		     "total:\n"
		     "  user_pct  30.5\n",
		     "{\"sched_ext\":{\"available\":true,\"ops\":\"rusty\",\"seq\":{\"enable\":7}},"
		     "\"kernel\":\"6.12\",\"total\":{\"user_pct\":30.5},\"online\":[\"0-3,16-19\",\"4-7\"],"
		     "\"empty\":[],\"none\":{}}");
}

static void test_table(void)
{
	/* Header from the union of keys in first-seen order, numbers right-aligned,
	 * nested members dotted, arrays of scalars comma-joined, missing cells "-". */
	CHECK_RENDER("total  2\n"
		     "programs:\n"
		     "    ID  NAME              RUN_CNT  ATTACH.KIND  ATTACH.TARGET  CPUS  EXTRA\n"
		     "   519  sched_switch_btf   473301  tp_btf       sched_switch   0,16  -\n"
		     "  1184  x                       4  -            -              -     yes\n",
		     "{\"total\":2,\"programs\":["
		     "{\"id\":519,\"name\":\"sched_switch_btf\",\"run_cnt\":473301,"
		     "\"attach\":{\"kind\":\"tp_btf\",\"target\":\"sched_switch\"},\"cpus\":[0,16]},"
		     "{\"id\":1184,\"name\":\"x\",\"run_cnt\":4,\"extra\":\"yes\"}]}");
	/* A column is numeric while its cells are numbers or null; one string makes it text. */
	CHECK_RENDER(" A  B\n"
		     " 1  2\n"
		     " -  x\n"
		     "10  3\n",
		     "[{\"a\":1,\"b\":2},{\"a\":null,\"b\":\"x\"},{\"a\":10,\"b\":3}]");
}

static void test_limits(void)
{
	/* A cell is cut to CTL_RENDER_CELL_MAX characters; a key/value line is not. */
	CHECK_RENDER("NAME                              N\n"
		     "abcdefghijklmnopqrstuvwxyzabc...  1\n",
		     "[{\"name\":\"abcdefghijklmnopqrstuvwxyzabcdefghij\",\"n\":1}]");
	CHECK_RENDER("name  abcdefghijklmnopqrstuvwxyzabcdefghij\n",
		     "{\"name\":\"abcdefghijklmnopqrstuvwxyzabcdefghij\"}");
	/* Widths count characters, not bytes, and a cut keeps characters whole. */
	CHECK_RENDER("K" "                                 " "N\n"
		     "\xc3\xa9t\xc3\xa9" "                               " "1\n"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...  2\n",
		     "[{\"k\":\"\xc3\xa9t\xc3\xa9\",\"n\":1},{\"k\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\",\"n\":2}]");
	/* Arrays of arrays inside a row, and mixed arrays, stay readable. */
	CHECK_RENDER("ID  PAIRS\n"
		     " 1  [[1,2],[3,4]]\n",
		     "[{\"id\":1,\"pairs\":[[1,2],[3,4]]}]");
	CHECK_RENDER("items:\n"
		     "  - 1\n"
		     "  -\n"
		     "    a  2\n"
		     "  - 3, 4\n",
		     "{\"items\":[1,{\"a\":2},[3,4]]}");
}

int main(void)
{
	test_scalars();
	test_sections();
	test_table();
	test_limits();
	return test_result("test-ctl-render");
}
