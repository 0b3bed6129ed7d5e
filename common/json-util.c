/* json-util.c: typed, bounds-checked access to jansson objects. */
#include <string.h>

#include "json-util.h"

int json_get_string(const json_t *obj, const char *key, const char **ret)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return -ENOENT;
	if (!json_is_string(v))
		return -EINVAL;
	*ret = json_string_value(v);
	return 0;
}

int json_get_bool(const json_t *obj, const char *key, bool *ret)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return -ENOENT;
	if (!json_is_boolean(v))
		return -EINVAL;
	*ret = json_is_true(v);
	return 0;
}

int json_get_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *ret)
{
	json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!v || json_is_null(v))
		return -ENOENT;
	if (!json_is_integer(v))
		return -EINVAL;
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return -ERANGE;
	*ret = (uint64_t)i;
	return 0;
}

char *json_dump_compact(const json_t *j, size_t *ret_len)
{
	/* 12 significant digits: 41.38, not 41.380000000000003, in every answer. */
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));

	if (s && ret_len)
		*ret_len = strlen(s);
	return s;
}
