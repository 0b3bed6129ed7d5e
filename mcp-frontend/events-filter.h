/* events-filter.h: the filters of an events://stream URI, checked with the watch_events tool's limits and
 * turned into collectord's SUBSCRIBE filters (docs/protocol.md, "The event plane"). */
#pragma once

#include <jansson.h>
#include <stddef.h>

#define EVENTS_FILTER_MAX_IDS	     64 /* pids, tgids: as many as collectord's BPF filter holds */
#define EVENTS_FILTER_MAX_CPU	     8191
#define EVENTS_FILTER_MAX_COMM	     15 /* a task name is 15 bytes and a NUL */
#define EVENTS_FILTER_MAX_LATENCY_US 60000000
#define EVENTS_FILTER_MAX_SAMPLE     1000000

/* vars: the URI's query parameters, an object of strings (types, pids,
 * tgids and cpus comma-separated, as RFC 6570 expands lists). 0 with the
 * filters for SUBSCRIBE, in a fixed order ({"types": [names], "pids": [ids],
 * "tgids": [ids], "cpus": "0-3,8", "comm": "...", "min_latency_us": x,
 * "sample_rate": n}, each only when given); or -EINVAL with a sentence in
 * err naming the parameter and what it takes. */
int events_filter_from_vars(const json_t *vars, json_t **ret_filters, char *err, size_t err_size);
