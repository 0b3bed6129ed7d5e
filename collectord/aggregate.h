/* aggregate.h: the steady timer that reads the BPF aggregation maps into the window ring. */
#pragma once

#include <event2/event.h>

#include "schedwin.h"

struct aggregate;
struct schedagg;

/* Reads once now and then every interval_ms on base's loop. */
int aggregate_new(struct schedagg *agg, struct event_base *base, unsigned interval_ms, struct aggregate **ret);
void aggregate_free(struct aggregate *a);
int aggregate_set_interval(struct aggregate *a, unsigned interval_ms);

/* The ring, with at least two reads in it: right after start this takes
 * another read (at least 100 ms after the first, which may block that long,
 * once). -EAGAIN or the read's errno with a message when that fails. */
int aggregate_window(struct aggregate *a, struct schedwin **ret, char **ret_error);
/* The ring as it is (status). */
const struct schedwin *aggregate_peek(const struct aggregate *a);
/* Reads made, failed reads, and how long the last read took. */
void aggregate_stats(const struct aggregate *a, uint64_t *ret_reads, uint64_t *ret_failures,
		     uint64_t *ret_last_read_ns);
