/* scx.h: the kernel's own sched_ext counters, parsed into fields (stats://scheduler/scx). */
#pragma once

#include <jansson.h>

/* {"available": true, "state", "switch_all", "nr_rejected", "hotplug_seq",
 *  "enable_seq", "ops", "events": {"SCX_EV_...": n} | null, "debug": {...} | null,
 *  "debug_reason"?, "skipped_lines"?} or {"available": false, "reason"},
 * read under `root` ("" for the running system). Fields a kernel does not
 * offer are null. */
int scx_stats_read(const char *root, json_t **ret);

/* "NAME VALUE" lines of /sys/kernel/sched_ext/root/events into {"NAME": VALUE}.
 * Lines that are not a name and an unsigned number are skipped and counted. */
int scx_parse_events(const char *text, json_t **ret, unsigned *ret_skipped);

/* "key : value" lines of /sys/kernel/debug/sched/ext into {"key": value}, the
 * value an integer when it is one, else a string. Lines without ':' or with an
 * empty key are skipped and counted. */
int scx_parse_debug(const char *text, json_t **ret, unsigned *ret_skipped);
