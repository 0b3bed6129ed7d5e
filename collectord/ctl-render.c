/* ctl-render.c: collectorctl's human form of a JSON document: aligned key/value lines, sections, tables. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "ctl-render.h"
#include "json-util.h"
#include "macro.h"

struct column {
	const char *key; /* dotted name, owned by the union of the rows' keys */
	size_t width;
	bool numeric;
};

static int render_value(FILE *f, const json_t *v, int indent);

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* How many items of the array a are objects, and how many are scalars. */
static size_t count_items(const json_t *a, size_t *ret_scalars)
{
	size_t i, objects = 0, scalars = 0;
	const json_t *v;

	json_array_foreach(a, i, v) {
		objects += json_is_object(v);
		scalars += is_scalar(v);
	}
	if (ret_scalars)
		*ret_scalars = scalars;
	return objects;
}

static bool all_scalars(const json_t *a)
{
	size_t scalars;

	count_items(a, &scalars);
	return scalars == json_array_size(a);
}

static bool all_objects(const json_t *a)
{
	return json_array_size(a) > 0 && count_items(a, NULL) == json_array_size(a);
}

/* What fits on one line: a scalar, an array of scalars, an empty container. */
static bool is_inline(const json_t *v)
{
	return is_scalar(v) || (json_is_array(v) && all_scalars(v)) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

/* Characters of UTF-8 text: the bytes that do not continue a sequence. */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Cuts s to at most max (> 3) characters, the last three "..." when cut. */
static void text_fit(char *s, size_t max)
{
	size_t chars = 0;
	char *p;

	if (text_width(s) <= max)
		return;
	for (p = s; *p; p++)
		if (((unsigned char)*p & 0xc0) != 0x80 && chars++ == max - 3)
			break;
	strcpy(p, "...");
}

/* Strings bare, with control characters as '?' so that a line stays a line;
 * numbers and booleans as JSON writes them; null as "-". */
static char *scalar_text(const json_t *v)
{
	char *s;

	if (json_is_null(v))
		return strdup("-");
	if (!json_is_string(v))
		return json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
	s = strdup(json_string_value(v));
	for (char *p = s; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

/* An inline value as text (array items joined by sep; "(none)" when empty);
 * anything else as compact JSON. */
static char *value_text(const json_t *v, const char *sep)
{
	char *buf = NULL;
	size_t len = 0, i;
	const json_t *e;
	FILE *m;

	if (is_scalar(v))
		return scalar_text(v);
	if (!is_inline(v))
		return json_dump_compact(v, NULL);
	if (json_is_object(v) || json_array_size(v) == 0)
		return strdup("(none)");
	m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	json_array_foreach(v, i, e) {
		_cleanup_free_ char *s = scalar_text(e);

		if (!s) {
			fclose(m);
			free(buf);
			return NULL;
		}
		fprintf(m, "%s%s", i ? sep : "", s);
	}
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void put_padded(FILE *f, const char *s, size_t width, bool right, bool last)
{
	size_t n = text_width(s), pad = width > n ? width - n : 0;

	if (right)
		fprintf(f, "%*s%s", (int)pad, "", s);
	else
		fprintf(f, "%s%*s", s, last ? 0 : (int)pad, "");
}

/* Nested objects become dotted names; everything else is a cell as it is. */
static int flatten(const char *prefix, const json_t *o, json_t *out)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		_cleanup_free_ char *name = NULL;
		int r;

		if (prefix ? asprintf(&name, "%s.%s", prefix, key) < 0 : !(name = strdup(key)))
			return -ENOMEM;
		if (json_is_object(v) && json_object_size(v) > 0)
			r = flatten(name, v, out);
		else
			r = json_object_set(out, name, v);
		if (r < 0)
			return -ENOMEM;
	}
	return 0;
}

static char *cell_text(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);
	char *s = v ? value_text(v, ",") : strdup("-");

	if (s)
		text_fit(s, CTL_RENDER_CELL_MAX);
	return s;
}

static char *header_text(const char *key)
{
	char *s = strdup(key);

	for (char *p = s; p && *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (s)
		text_fit(s, CTL_RENDER_CELL_MAX);
	return s;
}

static int print_row(FILE *f, const json_t *row, const struct column *cols, size_t n, int indent)
{
	fprintf(f, "%*s", indent, "");
	for (size_t c = 0; c < n; c++) {
		_cleanup_free_ char *s = row ? cell_text(row, cols[c].key) : header_text(cols[c].key);

		if (!s)
			return -ENOMEM;
		put_padded(f, s, cols[c].width, cols[c].numeric, c + 1 == n);
		fputs(c + 1 == n ? "\n" : "  ", f);
	}
	return 0;
}

/* An array of objects as a table, one row each. */
static int render_table(FILE *f, const json_t *a, int indent)
{
	_cleanup_json_ json_t *rows = json_array(), *names = json_object();
	_cleanup_free_ struct column *cols = NULL;
	const char *key;
	const json_t *e;
	json_t *row, *v;
	size_t i, n = 0;
	int r;

	if (!rows || !names)
		return -ENOMEM;
	json_array_foreach(a, i, e) {
		row = json_object();
		if (!row || json_array_append_new(rows, row) < 0)
			return -ENOMEM;
		r = flatten(NULL, e, row);
		if (r < 0)
			return r;
		json_object_foreach(row, key, v)
			if (!json_object_get(names, key) && json_object_set_new(names, key, json_null()) < 0)
				return -ENOMEM;
	}
	cols = calloc(json_object_size(names), sizeof(*cols));
	if (!cols)
		return -ENOMEM;
	json_object_foreach(names, key, v) {
		struct column *c = &cols[n++];
		_cleanup_free_ char *h = header_text(key);

		if (!h)
			return -ENOMEM;
		*c = (struct column){ .key = key, .width = text_width(h), .numeric = true };
		json_array_foreach(rows, i, row) {
			_cleanup_free_ char *s = cell_text(row, key);
			const json_t *cell = json_object_get(row, key);

			if (!s)
				return -ENOMEM;
			c->width = MAX(c->width, text_width(s));
			if (cell && !json_is_number(cell) && !json_is_null(cell))
				c->numeric = false;
		}
	}
	r = print_row(f, NULL, cols, n, indent);
	json_array_foreach(rows, i, row)
		if (r == 0)
			r = print_row(f, row, cols, n, indent);
	return r;
}

static int render_object(FILE *f, const json_t *o, int indent)
{
	size_t width = 0;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v)
		if (is_inline(v))
			width = MAX(width, text_width(key));
	json_object_foreach((json_t *)o, key, v) {
		_cleanup_free_ char *s = NULL;

		if (!is_inline(v))
			continue;
		s = value_text(v, ", ");
		if (!s)
			return -ENOMEM;
		fprintf(f, "%*s", indent, "");
		put_padded(f, key, width, false, false);
		fprintf(f, "  %s\n", s);
	}
	json_object_foreach((json_t *)o, key, v) {
		int r;

		if (is_inline(v))
			continue;
		fprintf(f, "%*s%s:\n", indent, "", key);
		r = render_value(f, v, indent + 2);
		if (r < 0)
			return r;
	}
	return 0;
}

/* An array that is neither a table nor inline: one "- " item each. */
static int render_list(FILE *f, const json_t *a, int indent)
{
	const json_t *e;
	size_t i;

	json_array_foreach(a, i, e) {
		int r = 0;

		if (is_inline(e)) {
			_cleanup_free_ char *s = value_text(e, ", ");

			if (!s)
				return -ENOMEM;
			fprintf(f, "%*s- %s\n", indent, "", s);
			continue;
		}
		fprintf(f, "%*s-\n", indent, "");
		r = render_value(f, e, indent + 2);
		if (r < 0)
			return r;
	}
	return 0;
}

static int render_value(FILE *f, const json_t *v, int indent)
{
	if (json_is_object(v))
		return render_object(f, v, indent);
	if (json_is_array(v) && all_objects(v))
		return render_table(f, v, indent);
	if (json_is_array(v) && !is_inline(v))
		return render_list(f, v, indent);
	{
		_cleanup_free_ char *s = value_text(v, ", ");

		if (!s)
			return -ENOMEM;
		fprintf(f, "%*s%s\n", indent, "", s);
	}
	return 0;
}

int ctl_render(FILE *f, const json_t *doc)
{
	return render_value(f, doc, 0);
}
