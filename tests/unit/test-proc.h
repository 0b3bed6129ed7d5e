/* test-proc.h: what the /proc parser tests share: throwaway file trees, JSON paths, failing parses. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "test-util.h"

/* A fresh directory under $TMPDIR (or /tmp); aborts on failure. */
static inline char *tree_new(void)
{
	const char *tmp = getenv("TMPDIR");
	char *d;

	if (asprintf(&d, "%s/schedmcp-test.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 || !mkdtemp(d))
		abort();
	return d;
}

/* Writes ROOT/PATH (parents created) with len bytes of text. */
static inline void tree_write_n(const char *root, const char *path, const char *text, size_t len)
{
	char *full, *slash;
	FILE *f;

	if (asprintf(&full, "%s/%s", root, path) < 0)
		abort();
	for (slash = strchr(full + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		if (mkdir(full, 0755) < 0 && errno != EEXIST)
			abort();
		*slash = '/';
	}
	f = fopen(full, "we");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		abort();
	free(full);
}

static inline void tree_write(const char *root, const char *path, const char *text)
{
	tree_write_n(root, path, text, strlen(text));
}

/* Writes ROOT/PATH as len copies of c: a file just over a size bound. */
static inline void tree_write_filled(const char *root, const char *path, char c, size_t len)
{
	char *text = malloc(len + 1);

	if (!text)
		abort();
	memset(text, c, len);
	tree_write_n(root, path, text, len);
	free(text);
}

static inline int tree_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static inline void tree_free(char *root)
{
	if (root)
		nftw(root, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

/* The member at a dotted path ("per_cpu.cpus.1.user_pct"; numbers index arrays), or NULL. */
static inline json_t *jpath(json_t *o, const char *path)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); o && tok; tok = strtok_r(NULL, ".", &save))
		o = json_is_array(o) ? json_array_get(o, strtoul(tok, NULL, 10)) : json_object_get(o, tok);
	return o;
}

/* A number at path, NAN when absent or not a number. */
static inline double jnum(json_t *o, const char *path)
{
	json_t *v = jpath(o, path);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static inline void check_dbl_eq(const char *file, int line, const char *what, double expected, double got)
{
	double d = expected > got ? expected - got : got - expected;
	double scale = expected < 0 ? -expected : expected;

	if (d <= 1e-9 * (scale > 1 ? scale : 1))
		return;
	fprintf(stderr, "%s:%d: %s: expected %.6f, got %.6f\n", file, line, what, expected, got);
	test_failures++;
}

/* A number at a JSON path, compared within 1e-9 (relative). */
#define CHECK_JNUM(expected, o, path) check_dbl_eq(__FILE__, __LINE__, path, (expected), jnum((o), (path)))
#define CHECK_JNULL(o, path) check_true(__FILE__, __LINE__, path " is null", json_is_null(jpath((o), (path))))
#define CHECK_JSTR_CONTAINS(needle, o, path)                            \
	check_true(__FILE__, __LINE__, path " contains \"" needle "\"", \
		   json_string_value(jpath((o), (path))) &&             \
			   strstr(json_string_value(jpath((o), (path))), (needle)))

static inline void check_msg(const char *file, int line, const char *needle, const char *msg)
{
	if (msg && strstr(msg, needle))
		return;
	fprintf(stderr, "%s:%d: expected a message containing \"%s\", got %s%s%s\n", file, line, needle,
		msg ? "\"" : "", msg ? msg : "none", msg ? "\"" : "");
	test_failures++;
}

/* A message that names what went wrong: contains needle. */
#define CHECK_MSG(needle, msg) check_msg(__FILE__, __LINE__, (needle), (msg))

static inline void check_parse_fails(const char *file, int line, const char *call, int expected, int got,
				     const char *needle, const char *msg, bool untouched)
{
	if (expected != got)
		fprintf(stderr, "%s:%d: %s:\n", file, line, call);
	check_int_eq(file, line, "the result", expected, got);
	check_msg(file, line, needle, msg);
	check_true(file, line, "the output untouched on failure", untouched);
}

/* PARSE(TEXT, &out, &error), with out a TYPE filled with 0x5a bytes, must
 * fail with EXPECTED and a message containing NEEDLE, and leave out as it was. */
#define CHECK_PARSE_FAILS(parse, type, text, expected, needle)                                        \
	do {                                                                                          \
		_cleanup_free_ char *_error = NULL;                                                   \
		type _out, _before;                                                                   \
		int _r;                                                                               \
                                                                                                      \
		memset(&_out, 0x5a, sizeof(_out));                                                    \
		memcpy(&_before, &_out, sizeof(_out));                                                \
		_r = parse((text), &_out, &_error);                                                   \
		check_parse_fails(__FILE__, __LINE__, #parse "(" #text ")", (expected), _r, (needle), \
				  _error, memcmp(&_out, &_before, sizeof(_out)) == 0);                \
	} while (0)
