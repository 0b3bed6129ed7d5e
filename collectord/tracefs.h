/* tracefs.h: the tracepoint and kprobe catalogs of tracefs (events://perf, events://kprobe). */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "paging.h"

/* The files are streamed; bigger ones are refused rather than half-read. */
#define TRACEFS_MAX_BYTES (64u << 20)
/* A longer line is not an event or a function name: it is skipped and counted. */
#define TRACEFS_MAX_LINE 4096

struct tracefs_query {
	const char *subsystem; /* events only; NULL: every subsystem, with counts */
	const char *filter;    /* NULL: all; else a case-insensitive substring */
	struct page page;
	uint64_t max_bytes; /* 0: TRACEFS_MAX_BYTES */
};

/* available_events ("subsys:event" lines) under ROOT/sys/kernel/tracing, or
 * ROOT/sys/kernel/debug/tracing when the first has none:
 * {"available": true, "source", "total", "offset", "limit", "next_offset",
 *  "subsystems": {"name": count}   (only without q->subsystem),
 *  "events": [{"subsystem", "event"}], "skipped_lines"}
 * or {"available": false, "reason"} without tracefs. An unknown subsystem is
 * -EINVAL with a message that lists the known ones; a file over max_bytes
 * -EFBIG. Malformed lines are skipped and counted in skipped_lines. */
int tracefs_events(const char *root, const struct tracefs_query *q, json_t **ret, char **ret_error);

/* available_filter_functions ("name" or "name [module]" lines), paged and
 * filtered on name or module: {"available": true, "source", "total", ...,
 * "functions": [{"name", "module"?}], "skipped_lines"}, or
 * {"available": false, "reason"} when the file cannot be read or when
 * kprobe_unavailable (the reason kprobes cannot attach) is not NULL. */
int tracefs_functions(const char *root, const char *kprobe_unavailable, const struct tracefs_query *q,
		      json_t **ret, char **ret_error);
