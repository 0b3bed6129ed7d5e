/* json-schema.c: a small JSON Schema validator: exactly the keywords tool schemas use. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json-schema.h"
#include "macro.h"

#define PATH_MAX_LEN 128
#define REF_DEPTH_MAX 32 /* $ref chains deeper than this (or cycles) are refused */

/* What a nested check needs: the root schema, where "#/$defs/..." points. */
static const json_t *root_schema;
static unsigned ref_depth;

static int fail(char *err, size_t size, const char *path, const char *fmt, ...) _printf_(4, 5);
static int fail(char *err, size_t size, const char *path, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, size, "%s%s%s", path, *path ? ": " : "", msg);
	return -EINVAL;
}

static bool type_matches(const char *type, const json_t *v)
{
	if (strcmp(type, "object") == 0)
		return json_is_object(v);
	if (strcmp(type, "array") == 0)
		return json_is_array(v);
	if (strcmp(type, "string") == 0)
		return json_is_string(v);
	if (strcmp(type, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(type, "number") == 0)
		return json_is_number(v);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(type, "null") == 0)
		return json_is_null(v);
	return false;
}

static int check_type(const json_t *schema, const json_t *v, const char *path, char *err, size_t size)
{
	const json_t *t = json_object_get(schema, "type");
	const json_t *e;
	size_t i;

	if (!t)
		return 0;
	if (json_is_string(t)) {
		if (type_matches(json_string_value(t), v))
			return 0;
		return fail(err, size, path, "must be %s %s", strchr("aeiou", json_string_value(t)[0]) ? "an" : "a",
			    json_string_value(t));
	}
	json_array_foreach(t, i, e)
		if (json_is_string(e) && type_matches(json_string_value(e), v))
			return 0;
	return fail(err, size, path, "has the wrong type");
}

static int check_enum(const json_t *schema, const json_t *v, const char *path, char *err, size_t size)
{
	const json_t *list = json_object_get(schema, "enum"), *e;
	char allowed[128] = "";
	size_t i;

	if (!list)
		return 0;
	json_array_foreach(list, i, e) {
		if (json_equal(e, v))
			return 0;
		if (json_is_string(e) && strlen(allowed) + json_string_length(e) + 4 < sizeof(allowed)) {
			strcat(allowed, i ? ", " : "");
			strcat(allowed, json_string_value(e));
		}
	}
	return fail(err, size, path, "must be one of: %s", allowed);
}

static int check_number(const json_t *schema, const json_t *v, const char *path, char *err, size_t size)
{
	const json_t *min = json_object_get(schema, "minimum"), *max = json_object_get(schema, "maximum");
	double x = json_number_value(v);

	if (!json_is_number(v))
		return 0;
	if (min && x < json_number_value(min))
		return fail(err, size, path, "must be >= %g", json_number_value(min));
	if (max && x > json_number_value(max))
		return fail(err, size, path, "must be <= %g", json_number_value(max));
	return 0;
}

static int check_string(const json_t *schema, const json_t *v, const char *path, char *err, size_t size)
{
	const json_t *min = json_object_get(schema, "minLength"), *max = json_object_get(schema, "maxLength");
	size_t len;

	if (!json_is_string(v))
		return 0;
	len = json_string_length(v);
	if (min && (json_int_t)len < json_integer_value(min))
		return fail(err, size, path, "must be at least %lld characters",
			    (long long)json_integer_value(min));
	if (max && (json_int_t)len > json_integer_value(max))
		return fail(err, size, path, "must be at most %lld characters",
			    (long long)json_integer_value(max));
	return 0;
}

static int validate(const json_t *schema, const json_t *v, const char *path, char *err, size_t size);

static int check_object(const json_t *schema, const json_t *v, const char *path, char *err, size_t size)
{
	const json_t *props = json_object_get(schema, "properties"), *req = json_object_get(schema, "required");
	const json_t *extra = json_object_get(schema, "additionalProperties"), *e;
	const char *key;
	json_t *val;
	size_t i;

	if (!json_is_object(v))
		return 0;
	json_array_foreach(req, i, e)
		if (json_is_string(e) && !json_object_get(v, json_string_value(e)))
			return fail(err, size, path, "missing required property '%s'", json_string_value(e));
	json_object_foreach((json_t *)v, key, val) {
		const json_t *sub = json_object_get(props, key);
		char subpath[PATH_MAX_LEN];
		int r;

		snprintf(subpath, sizeof(subpath), "%s%s%.60s", path, *path ? "." : "", key);
		if (!sub) {
			if (json_is_false(extra))
				return fail(err, size, path, "unknown property '%.60s'", key);
			continue;
		}
		r = validate(sub, val, subpath, err, size);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_array(const json_t *schema, const json_t *v, const char *path, char *err, size_t size)
{
	const json_t *items = json_object_get(schema, "items"), *max = json_object_get(schema, "maxItems");
	const json_t *e;
	size_t i;

	if (!json_is_array(v))
		return 0;
	if (max && (json_int_t)json_array_size(v) > json_integer_value(max))
		return fail(err, size, path, "must have at most %lld items", (long long)json_integer_value(max));
	if (!items)
		return 0;
	json_array_foreach(v, i, e) {
		char subpath[PATH_MAX_LEN];
		int r;

		snprintf(subpath, sizeof(subpath), "%s[%zu]", path, i);
		r = validate(items, e, subpath, err, size);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "#/$defs/name" in root, or NULL. */
static const json_t *resolve_ref(const json_t *root, const json_t *ref)
{
	const char *s = json_string_value(ref);

	if (!s || strncmp(s, "#/$defs/", 8) != 0 || strchr(s + 8, '/') || strchr(s + 8, '~'))
		return NULL;
	return json_object_get(json_object_get(root, "$defs"), s + 8);
}

static int check_ref(const json_t *schema, const json_t *v, const char *path, char *err, size_t size)
{
	const json_t *ref = json_object_get(schema, "$ref"), *target;
	int r;

	if (!ref)
		return 0;
	target = resolve_ref(root_schema, ref);
	if (!target || ref_depth >= REF_DEPTH_MAX)
		return fail(err, size, path, "schema reference %s cannot be followed", json_string_value(ref) ?: "?");
	ref_depth++;
	r = validate(target, v, path, err, size);
	ref_depth--;
	return r;
}

static int validate(const json_t *schema, const json_t *v, const char *path, char *err, size_t size)
{
	int r;

	r = check_ref(schema, v, path, err, size);
	if (r >= 0)
		r = check_type(schema, v, path, err, size);
	if (r >= 0)
		r = check_enum(schema, v, path, err, size);
	if (r >= 0)
		r = check_number(schema, v, path, err, size);
	if (r >= 0)
		r = check_string(schema, v, path, err, size);
	if (r >= 0)
		r = check_object(schema, v, path, err, size);
	if (r >= 0)
		r = check_array(schema, v, path, err, size);
	return r;
}

int json_schema_validate(const json_t *schema, const json_t *value, char *err, size_t err_size)
{
	const json_t *saved = root_schema;
	int r;

	root_schema = schema;
	r = validate(schema, value, "", err, err_size);
	root_schema = saved;
	return r;
}

static const char *const known_keywords[] = {
	"type",    "properties", "required",  "additionalProperties", "enum",     "minimum", "maximum",
	"minLength", "maxLength", "items",   "maxItems",            "description", "default", "title",
	"$schema",   "$defs",     "$ref",
};

static int check_schema(const json_t *root, const json_t *schema, char *err, size_t err_size);

int json_schema_check(const json_t *schema, char *err, size_t err_size)
{
	return check_schema(schema, schema, err, err_size);
}

static int check_schema(const json_t *root, const json_t *schema, char *err, size_t err_size)
{
	const char *key;
	json_t *val;

	if (!json_is_object(schema))
		return fail(err, err_size, "", "a schema must be an object");
	json_object_foreach((json_t *)schema, key, val) {
		bool known = false;

		for (size_t i = 0; i < ELEMENTSOF(known_keywords); i++)
			known = known || strcmp(key, known_keywords[i]) == 0;
		if (!known) {
			snprintf(err, err_size, "unsupported schema keyword '%s'", key);
			return -EOPNOTSUPP;
		}
		if (strcmp(key, "properties") == 0 || strcmp(key, "$defs") == 0) {
			const char *pk;
			json_t *pv;

			/* $defs only at the root, where "#/$defs/..." finds them. */
			if (strcmp(key, "$defs") == 0 && schema != root)
				return fail(err, err_size, "", "$defs only at the top of a schema");
			json_object_foreach(val, pk, pv) {
				int r = check_schema(root, pv, err, err_size);

				if (r < 0)
					return r;
			}
		} else if (strcmp(key, "items") == 0) {
			int r = check_schema(root, val, err, err_size);

			if (r < 0)
				return r;
		} else if (strcmp(key, "$ref") == 0 && !resolve_ref(root, val))
			return fail(err, err_size, "", "$ref must be \"#/$defs/NAME\" of a definition in this schema");
	}
	return 0;
}
