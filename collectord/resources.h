/* resources.h: the table of what a READ request may name, by URI. */
#pragma once

#include <jansson.h>
#include <stdint.h>

struct manager;
struct peer;

/* Answers a READ of `uri` with `args` (may be NULL). -ENOENT for an unknown
 * URI, with a message listing the known ones. */
int resource_read(struct manager *m, const struct peer *p, const char *uri, const json_t *args,
		  json_t **ret, char **ret_error);

/* Answers a READ of `uri` with `args` (may be NULL): queues the REPLY for
 * request `id` and returns 0, or returns a negative errno (with a message)
 * for the caller's ERROR. Answers computed from the BPF window ring or the
 * topology are printed once and sent again while their source is the same. */
int resource_answer(struct peer *p, uint32_t id, const char *uri, const json_t *args, char **ret_error);

/* [{"uri","description"}] for every resource the collector serves. */
json_t *resource_list(void);
