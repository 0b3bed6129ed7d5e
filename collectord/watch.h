/* watch.h: the watch_events call: collect live-feed events for duration_secs, then answer with
 * the events and a summary. */
#pragma once

#include <jansson.h>

struct call;

#define WATCH_MAX_SECS 300
#define WATCH_MAX_LIMIT 10000

int watch_events_start(struct call *c, const json_t *args, char **ret_error);
void watch_events_cancel(struct call *c);
