/* stackagg.h: loader of the in-kernel stack counting program (kernel_aggregate profiling mode). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct stackagg;
struct stacktab;
struct proctab;

struct stackagg_totals {
	uint64_t samples, over_limit, kstack_err, ustack_err, keys_full;
	uint64_t first_ns, last_ns; /* CLOCK_MONOTONIC of the first and last sample counted */
};

/* Loads the program for sampling perf events (tracepoint: for tracepoint
 * perf events); samples past max_samples (0: none) are not counted. A
 * tracepoint program sees every hit of the tracepoint once attached to one
 * event, so it filters on tgid (0: any) and cpu (-1: any) itself. */
int stackagg_load(bool tracepoint, uint64_t max_samples, uint32_t tgid, int cpu, struct stackagg **ret);
/* Attaches the program to one perf event (a tracepoint program to one only);
 * the link is kept until stackagg_free(). */
int stackagg_attach(struct stackagg *sa, int perf_fd);
/* Detaches the program from every event; the maps stay readable. */
void stackagg_detach(struct stackagg *sa);
/* The ring announcing processes seen for the first time; poll it, then stackagg_poll_new(). */
int stackagg_new_tgids_fd(const struct stackagg *sa);
/* Calls fn for each process announced since the last call. */
int stackagg_poll_new(struct stackagg *sa, void (*fn)(void *userdata, uint32_t tgid), void *userdata);
int stackagg_totals(const struct stackagg *sa, struct stackagg_totals *ret);
/* Adds every counted (process, thread, kernel stack, user stack) to tab,
 * thread names to procs. */
int stackagg_collect(const struct stackagg *sa, struct stacktab *tab, struct proctab *procs);
/* Detaches and frees every link, map and program. Accepts NULL. */
void stackagg_free(struct stackagg *sa);
