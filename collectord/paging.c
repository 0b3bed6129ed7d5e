/* paging.c: parses offset/limit arguments and writes the page fields of paged answers. */
#include <errno.h>
#include <string.h>

#include "errmsg.h"
#include "json-util.h"
#include "paging.h"

int page_parse(const json_t *args, struct page *ret, char **ret_error)
{
	struct page p = { .offset = 0, .limit = PAGE_LIMIT_DEFAULT };
	int r;

	r = json_get_uint(args, "offset", PAGE_OFFSET_MAX, &p.offset);
	if (r < 0 && r != -ENOENT)
		return errmsg_set(ret_error, -EINVAL, "offset must be an integer from 0 to %llu",
				  (unsigned long long)PAGE_OFFSET_MAX);
	r = json_get_uint(args, "limit", PAGE_LIMIT_MAX, &p.limit);
	if (r < 0 && r != -ENOENT)
		return errmsg_set(ret_error, -EINVAL, "limit must be an integer from 0 (counts only) to %d",
				  PAGE_LIMIT_MAX);
	*ret = p;
	return 0;
}

int arg_string(const json_t *args, const char *key, size_t max_len, const char **ret, char **ret_error)
{
	const char *s;
	int r;

	r = json_get_string(args, key, &s);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return errmsg_set(ret_error, -EINVAL, "%s must be a string", key);
	if (strlen(s) > max_len)
		return errmsg_set(ret_error, -EINVAL, "%s is longer than %zu characters", key, max_len);
	*ret = s;
	return 0;
}

int page_to_json(const struct page *p, uint64_t total, json_t *o)
{
	uint64_t end = p->offset + p->limit;
	int r = 0;

	r |= json_object_set_new(o, "total", json_integer((json_int_t)total));
	r |= json_object_set_new(o, "offset", json_integer((json_int_t)p->offset));
	r |= json_object_set_new(o, "limit", json_integer((json_int_t)p->limit));
	r |= json_object_set_new(o, "next_offset",
				 p->limit > 0 && end < total ? json_integer((json_int_t)end) : json_null());
	return r ? -ENOMEM : 0;
}

int args_check_known(const json_t *args, const char *const *known, char **ret_error)
{
	const char *key;
	json_t *v;

	json_object_foreach ((json_t *)args, key, v) {
		size_t i;

		for (i = 0; known[i]; i++)
			if (strcmp(known[i], key) == 0)
				break;
		if (!known[i]) {
			_cleanup_free_ char *list = NULL;
			size_t size = 0;
			FILE *f = open_memstream(&list, &size);

			if (!f)
				return -ENOMEM;
			for (i = 0; known[i]; i++)
				fprintf(f, "%s%s", i ? ", " : "", known[i]);
			if (fclose(f) != 0)
				return -ENOMEM;
			return errmsg_set(ret_error, -EINVAL,
					  "unknown argument '%s'; this resource takes: %s", key,
					  list[0] ? list : "no arguments");
		}
	}
	return 0;
}
