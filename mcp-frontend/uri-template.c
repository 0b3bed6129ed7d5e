/* uri-template.c: parse and match the resource templates of the MCP core ({var} segments, a {?a,b} query). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "macro.h"
#include "uri-template.h"

#define MAX_PARTS      32
#define MAX_QUERY_VARS 16

enum part_kind {
	PART_LITERAL,
	PART_VAR,
	PART_KIND_MAX,
};

struct part {
	enum part_kind kind;
	char *text; /* the literal, or the variable's name */
};

struct uri_template {
	struct part parts[MAX_PARTS];
	size_t n_parts;
	char *query[MAX_QUERY_VARS]; /* names in {?...} */
	size_t n_query;
};

static bool var_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

void uri_template_free(struct uri_template *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_parts; i++)
		free(t->parts[i].text);
	for (size_t i = 0; i < t->n_query; i++)
		free(t->query[i]);
	free(t);
}

static int add_part(struct uri_template *t, enum part_kind kind, const char *s, size_t n)
{
	if (t->n_parts >= MAX_PARTS)
		return -E2BIG;
	t->parts[t->n_parts].text = strndup(s, n);
	if (!t->parts[t->n_parts].text)
		return -ENOMEM;
	t->parts[t->n_parts++].kind = kind;
	return 0;
}

static int parse_query(struct uri_template *t, const char *s, size_t n, char *err, size_t err_size)
{
	const char *end = s + n;

	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		size_t len = comma ? (size_t)(comma - s) : (size_t)(end - s);

		if (!var_name_ok(s, len) || t->n_query >= MAX_QUERY_VARS) {
			snprintf(err, err_size, "bad query variable list");
			return -EINVAL;
		}
		t->query[t->n_query] = strndup(s, len);
		if (!t->query[t->n_query])
			return -ENOMEM;
		t->n_query++;
		s += len + (comma ? 1 : 0);
	}
	return 0;
}

int uri_template_parse(const char *text, struct uri_template **ret, char *err, size_t err_size)
{
	struct uri_template *t = calloc(1, sizeof(*t));
	const char *p = text;
	int r = 0;

	if (!t)
		return -ENOMEM;
	while (*p && r >= 0) {
		const char *open = strchr(p, '{'), *close;

		if (!open) {
			r = add_part(t, PART_LITERAL, p, strlen(p));
			break;
		}
		if (open > p)
			r = add_part(t, PART_LITERAL, p, (size_t)(open - p));
		if (r < 0)
			break;
		close = strchr(open, '}');
		if (!close) {
			snprintf(err, err_size, "unclosed '{'");
			r = -EINVAL;
			break;
		}
		if (open[1] == '?') {
			/* The query expression ends the template. */
			if (close[1] != '\0') {
				snprintf(err, err_size, "{?...} must end the template");
				r = -EINVAL;
				break;
			}
			r = parse_query(t, open + 2, (size_t)(close - open - 2), err, err_size);
			break;
		}
		if (!var_name_ok(open + 1, (size_t)(close - open - 1))) {
			snprintf(err, err_size, "only {name} and a final {?a,b} are supported");
			r = -EINVAL;
			break;
		}
		/* Two variables in a row could not be told apart. */
		if (t->n_parts && t->parts[t->n_parts - 1].kind == PART_VAR) {
			snprintf(err, err_size, "two variables need a literal between them");
			r = -EINVAL;
			break;
		}
		r = add_part(t, PART_VAR, open + 1, (size_t)(close - open - 1));
		p = close + 1;
	}
	if (r >= 0 && t->n_parts == 0) {
		snprintf(err, err_size, "empty template");
		r = -EINVAL;
	}
	if (r < 0) {
		if (r != -EINVAL)
			snprintf(err, err_size, "%s", strerror(-r));
		uri_template_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) into a new JSON string; NULL when malformed. In
 * a query, '+' is a space (form encoding). */
static json_t *decode(const char *s, size_t n, bool form)
{
	_cleanup_free_ char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1, lo = i + 2 < n ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return NULL;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			out[o++] = form && s[i] == '+' ? ' ' : s[i];
	}
	if (memchr(out, '\0', o))
		return NULL;
	return json_stringn(out, o);
}

bool uri_template_has_var(const struct uri_template *t, const char *name)
{
	for (size_t i = 0; i < t->n_parts; i++)
		if (t->parts[i].kind == PART_VAR && strcmp(t->parts[i].text, name) == 0)
			return true;
	for (size_t i = 0; i < t->n_query; i++)
		if (strcmp(t->query[i], name) == 0)
			return true;
	return false;
}

/* An unknown parameter: the error names it and the ones the template has. */
static int unknown_query_var(const struct uri_template *t, const char *name, char *err, size_t err_size)
{
	size_t n = (size_t)snprintf(err, err_size, "unknown query parameter '%.64s'; the parameters are ", name);

	for (size_t i = 0; i < t->n_query && n < err_size; i++)
		n += (size_t)snprintf(err + n, err_size - n, "%s%s", i ? ", " : "", t->query[i]);
	return -EINVAL;
}

static int match_query(const struct uri_template *t, const char *q, json_t *vars, char *err, size_t err_size)
{
	while (*q) {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);
		size_t klen = eq ? (size_t)(eq - q) : len;
		json_t *key = decode(q, klen, true), *val;
		bool known = false;

		if (!key) {
			snprintf(err, err_size, "malformed query");
			return -EINVAL;
		}
		for (size_t i = 0; i < t->n_query; i++)
			if (strcmp(t->query[i], json_string_value(key)) == 0)
				known = true;
		if (!known) {
			unknown_query_var(t, json_string_value(key), err, err_size);
			json_decref(key);
			return -EINVAL;
		}
		if (json_object_get(vars, json_string_value(key))) {
			snprintf(err, err_size, "repeated query parameter '%.64s'", json_string_value(key));
			json_decref(key);
			return -EINVAL;
		}
		val = eq ? decode(eq + 1, len - klen - 1, true) : json_string("");
		if (!val) {
			snprintf(err, err_size, "malformed value of '%.64s'", json_string_value(key));
			json_decref(key);
			return -EINVAL;
		}
		json_object_set_new(vars, json_string_value(key), val);
		json_decref(key);
		q += len + (q[len] == '&');
	}
	return 0;
}

int uri_template_match(const struct uri_template *t, const char *uri, json_t **ret_vars, char *err,
		       size_t err_size)
{
	_cleanup_json_ json_t *vars = json_object();
	const char *p = uri;
	int r;

	if (!vars)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_parts; i++) {
		const struct part *part = &t->parts[i];
		size_t len;
		json_t *v;

		if (part->kind == PART_LITERAL) {
			len = strlen(part->text);
			if (strncmp(p, part->text, len) != 0)
				return 0;
			p += len;
			continue;
		}
		/* A variable is one path segment: up to '/', '?' or '#', and
		 * then the next literal must follow. */
		len = strcspn(p, "/?#");
		if (i + 1 < t->n_parts) {
			const char *next = t->parts[i + 1].text;
			const char *found = NULL;

			for (size_t k = 1; k <= len; k++)
				if (strncmp(p + k, next, strlen(next)) == 0) {
					found = p + k;
					break;
				}
			if (!found && strncmp(p + len, next, strlen(next)) != 0)
				return 0;
			if (found)
				len = (size_t)(found - p);
		}
		if (len == 0)
			return 0;
		v = decode(p, len, false);
		if (!v)
			return 0;
		json_object_set_new(vars, part->text, v);
		p += len;
	}
	if (*p == '\0') {
		*ret_vars = TAKE_PTR(vars);
		return 1;
	}
	if (*p != '?' || t->n_query == 0)
		return 0;
	r = match_query(t, p + 1, vars, err, err_size);
	if (r < 0)
		return r;
	*ret_vars = TAKE_PTR(vars);
	return 1;
}
