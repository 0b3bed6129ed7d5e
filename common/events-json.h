/* events-json.h: the live feed's binary records (events.h) checked and turned into JSON,
 * shared by collectord, schedmcp and collectorctl. */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

/* "sched_switch", "fork", ...; NULL for a type this version does not know. */
const char *sched_event_type_name(unsigned type);
/* The type of a name (the tracepoint names sched_process_fork, ... are
 * accepted too), or -EINVAL. */
int sched_event_type_from_name(const char *name);
/* The fixed size of a type's record, 0 for an unknown type. */
size_t sched_event_type_size(unsigned type);
/* A one-line description of what the type is, for catalogs. */
const char *sched_event_type_description(unsigned type);
/* "hi", "timer", ... for a softirq vector; NULL past the last. */
const char *sched_event_softirq_name(unsigned vec);
int sched_event_softirq_from_name(const char *name);

/* Checks the record at p, with `avail` bytes from p on: the header fits, the
 * type is known and the size is the type's. Returns the record's size, or
 * -EBADMSG. */
int sched_event_check(const void *p, size_t avail);

/* One record as a flat JSON object: {"type", "cpu", "ts_ns", ...fields}.
 * The record must have passed sched_event_check(). */
json_t *sched_event_to_json(const struct sched_event_header *h);

/* The same object printed as sched_event_to_json() followed by json_dumps() with
 * JSON_COMPACT | JSON_REAL_PRECISION(12) prints it, byte for byte, but written
 * straight into buf: no allocation, for the live feed's per-record path. Returns
 * the length without the terminating NUL, or -ENOBUFS when `size` is too small;
 * SCHED_EVENT_JSON_MAX always suffices. The record must have passed
 * sched_event_check(). */
#define SCHED_EVENT_JSON_MAX 1024
int sched_event_format_json(const struct sched_event_header *h, char *buf, size_t size);

/* The pids a record concerns (at most 2 pairs of pid and tgid, repeated when
 * it concerns one task); returns how many tasks, 0 for task-less events. */
unsigned sched_event_tasks(const struct sched_event_header *h, uint32_t pids[2], uint32_t tgids[2]);
/* The comms of those tasks (NULL when none); not NUL-terminated, 16 bytes. */
unsigned sched_event_comms(const struct sched_event_header *h, const char *comms[2]);
/* The latency a record carries (sched_switch rq latency, softirq duration):
 * 1 with the value, 0 when it carries none. */
int sched_event_latency(const struct sched_event_header *h, uint64_t *ret_ns);

/* Walks a WIRE_EVENTS payload: the batch header, then each record, all
 * checked against the payload length first. cb returning < 0 stops the walk
 * with that value. -EBADMSG for a short payload, a bad record, or a count
 * that does not match the records present. */
typedef int (*sched_event_fn)(void *userdata, const struct sched_event_header *h);
int sched_event_batch_parse(const void *payload, size_t len, struct sched_event_batch *ret_batch,
			    sched_event_fn cb, void *userdata);
