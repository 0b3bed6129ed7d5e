/* feedfilter.h: a live-feed subscriber's filters: parsed from JSON, matched against records,
 * and merged into the one filter the BPF side applies for all subscribers. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "schedagg.h"
#include "topology.h"

#define FEED_FILTER_MAX_PIDS SCHEDAGG_FEED_MAX_PIDS
#define FEED_SAMPLE_MAX 1000000
#define FEED_MIN_LATENCY_MAX_US (60ull * 1000 * 1000)

struct feed_filter {
	uint32_t types; /* SCHED_EVENT_MASK bits */
	uint32_t sample; /* deliver 1 in sample matching events; >= 1 */
	uint64_t min_lat_ns;
	unsigned nr_pids, nr_tgids; /* both 0: every task */
	uint32_t pids[FEED_FILTER_MAX_PIDS], tgids[FEED_FILTER_MAX_PIDS];
	bool has_cpus;
	unsigned long cpus[CPULIST_LONGS(TOPO_MAX_CPUS)];
	char comm[16];
	unsigned comm_len; /* 0: any comm */
};

/* The arguments: types (names, as an array or a comma-separated string;
 * default all), pids, tgids (integers or arrays of them, at most 64 each),
 * cpus (integers, an array, or a cpu list string "0-3,8"), comm (a prefix,
 * at most 15 bytes), min_latency_us, sample_rate (1..1000000). Unknown
 * keys in `known` are refused; NULL accepts exactly these. -EINVAL with a
 * message naming the argument and what is allowed. */
int feed_filter_parse(const json_t *args, const char *const *known, struct feed_filter *ret, char **ret_error);

/* Every filter but sampling. */
bool feed_filter_match(const struct feed_filter *f, const struct sched_event_header *h);

/* The least restrictive filter that passes everything each of fs passes:
 * what the BPF side applies; each subscriber then narrows in user space.
 * n == 0 gives types 0 (feed off). `cpus` is storage for the CPU bitmap. */
void feed_filter_union(const struct feed_filter *const *fs, size_t n, unsigned nr_cpus,
		       unsigned long *cpus, struct schedagg_feed_filter *ret);

/* Whether the union is this one filter exactly (then BPF filtered it all). */
bool feed_filter_equal(const struct feed_filter *a, const struct feed_filter *b);

/* {"types": [...], "pids": [...], ... } as applied. */
json_t *feed_filter_to_json(const struct feed_filter *f);
