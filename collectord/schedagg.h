/* schedagg.h: loader of the scheduler BPF programs (aggregation and feed), and readers of their maps. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schedwin.h"

#define SCHEDAGG_FEED_MAX_PIDS 64 /* FEED_MAX_PIDS in bpf/schedfeed.bpf.h */
#define SCHEDAGG_RING_DEFAULT (8u << 20)
#define SCHEDAGG_MAX_TASKS_DEFAULT 16384

struct schedagg;

struct schedagg_opts {
	bool prefer_btf;     /* tp_btf where it attaches, raw_tp otherwise */
	unsigned max_tasks;  /* entries of the per-task LRU hash */
	size_t ring_bytes;   /* the feed's ring buffer: a power of two, at least a page */
	const char *root;    /* sysfs root for the CPU -> LLC/node map ("" for the running system) */
};

/* Opens, chooses tp_btf or raw_tp per tracepoint (each only where this
 * kernel has it), loads and attaches the aggregation programs. The feed's
 * own programs are attached by schedagg_feed_set(). */
int schedagg_start(const struct schedagg_opts *o, struct schedagg **ret);
/* Detaches and frees everything; accepts NULL. */
void schedagg_stop(struct schedagg *s);

/* The attach flavour of sched_switch: "tp_btf" or "raw_tp". */
const char *schedagg_attach_kind(const struct schedagg *s);
/* Possible CPUs: the size of per-CPU arrays. */
unsigned schedagg_nr_cpus(const struct schedagg *s);
/* Sum and per-CPU context switch counts since attach. */
int schedagg_switches(const struct schedagg *s, uint64_t *ret_total, uint64_t *per_cpu, unsigned nr_cpus);
/* {"attach", "programs": [{"name","id","section"}], "sched_switch_count", "per_cpu": [...], "maps": {...},
 *  "clocks": {"run_queue_waits", "switch_time", "reason"?}} */
json_t *schedagg_to_json(const struct schedagg *s);

/* Every tracepoint this collector can trace:
 * {name: {"available", "attach": "tp_btf"|"raw_tp"|null, "attached", "role", "records", "reason"?}}.
 * `error` (may be NULL) is why BPF is not loaded at all, for s == NULL. */
json_t *schedagg_events_json(const struct schedagg *s, const char *error);
/* Whether a feed record type has a tracepoint that is available here. */
bool schedagg_record_available(const struct schedagg *s, unsigned type, const char **ret_reason);

/* Reads every map into r (cumulative counters, the open segments of running
 * tasks included), closes the rq-latency max interval, and deletes the
 * entries of tasks that exited before the previous read. */
int schedagg_read(struct schedagg *s, struct agg_read *r);

/* The BPF side of the feed: the union of the subscribers' filters. */
struct schedagg_feed_filter {
	uint32_t types; /* SCHED_EVENT_MASK bits; 0 turns the feed off */
	uint32_t sample;
	uint64_t min_lat_ns;
	unsigned nr_pids, nr_tgids; /* both 0: every task */
	uint32_t pids[SCHEDAGG_FEED_MAX_PIDS], tgids[SCHEDAGG_FEED_MAX_PIDS];
	const unsigned long *cpus; /* bitmap of nr_cpus bits, NULL: every CPU */
	char comm[16];
	unsigned comm_len;
};

/* Programs the feed: NULL or types 0 turns it off and detaches the
 * feed-only programs; otherwise attaches them and sets the filters, turning
 * the feed on last. */
int schedagg_feed_set(struct schedagg *s, const struct schedagg_feed_filter *f);
/* The ring buffer map's fd, for ring_buffer__new(). */
int schedagg_feed_map_fd(const struct schedagg *s);
/* Records written and lost (ring full) since load, summed over CPUs. */
int schedagg_feed_counters(const struct schedagg *s, uint64_t *ret_emitted, uint64_t *ret_lost);
size_t schedagg_ring_bytes(const struct schedagg *s);
