/* config.h: collectord.conf: the daemon's tunables, parsed from an INI file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct config {
	char admin_group[64]; /* empty: no admin group, only root is admin */
	gid_t admin_gid;
	unsigned max_clients;
	unsigned max_requests_in_flight;
	size_t max_queued_bytes;
	size_t max_message_bytes;
	unsigned interval_msec;
	unsigned history_seconds;
	unsigned max_subscriptions; /* live-feed subscriptions per client */
	size_t ring_buffer_bytes;   /* the BPF feed ring buffer; read at start only */
	unsigned max_tasks;         /* entries of the per-task BPF table; read at start only */
};

void config_defaults(struct config *c);

/* Parses `path` on top of the defaults. A missing file is not an error (the
 * defaults apply). On a bad file returns -EINVAL and, in ret_error,
 * "FILE:LINE: reason"; *ret is untouched on failure. */
int config_load(const char *path, struct config *ret, char **ret_error);

/* Parses the text of a configuration; `name` is used in messages. */
int config_parse(const char *name, const char *text, struct config *ret, char **ret_error);
