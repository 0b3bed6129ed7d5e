/* dsqagg.h: sched_ext dispatch-queue (DSQ) figures aggregated from feed records: enqueues,
 * dispatches, depth and queueing latency per DSQ. Pure logic, tested with synthetic records. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "hist.h"

#define DSQAGG_MAX_DSQS 1024 /* beyond it records are counted, not kept */

enum dsq_kind {
	DSQ_ENQUEUE,  /* a task was queued on the DSQ */
	DSQ_DISPATCH, /* a task left the DSQ to run, after lat_ns */
	DSQ_KIND_MAX,
};

struct dsq_record {
	uint64_t dsq_id;
	uint64_t ts_ns;
	enum dsq_kind kind;
	uint64_t lat_ns; /* DSQ_DISPATCH: time spent queued; 0 when unknown */
	bool has_lat;
};

struct dsqagg;

int dsqagg_new(struct dsqagg **ret);
void dsqagg_free(struct dsqagg *d);
void dsqagg_reset(struct dsqagg *d);

/* Counts one record. -ENOSPC when DSQAGG_MAX_DSQS queues are already tracked
 * (the record is counted in `overflow`). */
int dsqagg_add(struct dsqagg *d, const struct dsq_record *r);
/* A sched_switch record of a sched_ext kernel: a dispatch from its DSQ.
 * 0 when the record carries no DSQ (ignored). */
int dsqagg_add_switch(struct dsqagg *d, const struct sched_event_switch *e);

/* {"window_s", "dsqs": [{"dsq_id", "name", "enqueues", "dispatches", "depth",
 * "enqueues_per_s", "dispatches_per_s", "latency": {...}}], "overflow"},
 * DSQs sorted by dispatches, most first; depth is enqueues - dispatches
 * (null while no enqueue of that DSQ was seen). */
json_t *dsqagg_to_json(const struct dsqagg *d);
/* Records counted and the span of their timestamps. */
uint64_t dsqagg_records(const struct dsqagg *d);

/* The name of sched_ext's built-in DSQ ids: "SCX_DSQ_GLOBAL", "SCX_DSQ_LOCAL",
 * "SCX_DSQ_LOCAL_ON|cpu", or NULL for a scheduler's own DSQ. */
const char *dsq_builtin_name(uint64_t id, char *buf, size_t size);
