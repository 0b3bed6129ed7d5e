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

/* Length of the UTF-8 sequence at s as jansson accepts it (no overlong forms,
 * surrogates or code points past U+10FFFF), or 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

json_t *json_string_lossy(const char *s)
{
	json_t *j = json_string(s);
	_cleanup_free_ char *copy = NULL;

	if (j)
		return j;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (unsigned char *p = (unsigned char *)copy; *p;) {
		size_t n = utf8_sequence(p);

		if (n == 0)
			*p++ = '?';
		else
			p += n;
	}
	return json_string(copy);
}

char *json_dump_compact(const json_t *j, size_t *ret_len)
{
	/* 12 significant digits: 41.38, not 41.380000000000003, in every answer. */
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));

	if (s && ret_len)
		*ret_len = strlen(s);
	return s;
}
