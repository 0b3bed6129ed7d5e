/* resources.h: the table of what a READ request may name, by URI. */
#pragma once

#include <jansson.h>

struct manager;
struct peer;

/* Answers a READ of `uri` with `args` (may be NULL). -ENOENT for an unknown
 * URI, with a message listing the known ones. */
int resource_read(struct manager *m, const struct peer *p, const char *uri, const json_t *args,
		  json_t **ret, char **ret_error);

/* [{"uri","description"}] for every resource the collector serves. */
json_t *resource_list(void);
