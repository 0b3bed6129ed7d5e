/* bpfstats.h: holds BPF_ENABLE_STATS(RUN_TIME) while clients read program statistics, then lets it go. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct event;
struct manager;

/* Counting costs every BPF program two clock reads per run: released after
 * this long without a read that asks for statistics. */
#define BPF_STATS_IDLE_RELEASE_SEC 60

struct bpf_stats_hold {
	bool held;
	int fd;			  /* the BPF_ENABLE_STATS fd while held */
	uint64_t since_ns;	  /* CLOCK_MONOTONIC when enabled */
	struct event *release_ev; /* created on first use */
	char error[160];	  /* why the last attempt failed */
};

/* Enables run-time statistics, or extends the hold. Negative errno when the
 * kernel refuses; the reason is kept for bpfstats_describe(). */
int bpfstats_want(struct manager *m);

/* Sets "stats_enabled", "stats_since_s" (null when off), "stats_release_after_s"
 * and, when off, "stats_reason" on o. */
int bpfstats_describe(const struct manager *m, bool just_enabled, json_t *o);

/* Drops the hold and frees the timer; for manager_free(). */
void bpfstats_free(struct manager *m);
