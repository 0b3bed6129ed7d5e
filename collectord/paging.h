/* paging.h: the offset/limit arguments of paged resources and the page fields of their answers. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define PAGE_LIMIT_DEFAULT 100
#define PAGE_LIMIT_MAX	   1000
#define PAGE_OFFSET_MAX	   (UINT64_C(1) << 40)

struct page {
	uint64_t offset;
	uint64_t limit; /* 0 asks for the counts only */
};

/* Reads "offset" (default 0) and "limit" (default PAGE_LIMIT_DEFAULT, at most
 * PAGE_LIMIT_MAX) from args, which may be NULL. -EINVAL with a message. */
int page_parse(const json_t *args, struct page *ret, char **ret_error);

/* Reads an optional string argument; NULL when absent. -EINVAL with a message
 * when it is not a string or longer than max_len. */
int arg_string(const json_t *args, const char *key, size_t max_len, const char **ret, char **ret_error);

static inline bool page_contains(const struct page *p, uint64_t index)
{
	return index >= p->offset && index - p->offset < p->limit;
}

/* Sets "total", "offset", "limit" and "next_offset" (null on the last page) on o. */
int page_to_json(const struct page *p, uint64_t total, json_t *o);

/* -EINVAL with a message naming the first member of args not in `known`
 * (a NULL-terminated list), so a misspelt argument is not silently ignored. */
int args_check_known(const json_t *args, const char *const *known, char **ret_error);
