/* schedwin.h: a bounded ring of aggregation windows built from periodic reads of the BPF maps.
 *
 * Every interval collectord reads the cumulative BPF counters (struct
 * agg_read) and hands them to schedwin_add(): per-CPU figures are kept as
 * cumulative samples, per-task, waker->wakee and softirq-by-task figures as
 * the deltas since the previous read (only what changed, capped per read so
 * memory stays bounded). An answer over a window of N seconds subtracts or
 * sums the samples that span it. Pure logic: tests feed synthetic reads. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "macro.h"

#define SCHEDWIN_MAX_WINDOW_S 60
#define SCHEDWIN_DEFAULT_WINDOW_S 10
#define SCHEDWIN_NR_SOFTIRQS 10
#define SCHEDWIN_COMM_LEN 16
/* Bytes of per-task, pair and softirq-task deltas the ring may hold, shared
 * out per read: at 1 s intervals about 2700 task deltas per read. */
#define SCHEDWIN_DELTA_BUDGET (32u << 20)

enum agg_locality {
	AGG_SAME_CPU,
	AGG_SAME_LLC,
	AGG_SAME_NODE,
	AGG_CROSS_NODE,
	AGG_LOCALITY_MAX,
};

/* ---- one read of the BPF maps (cumulative since attach) ---- */

struct agg_cpu {
	uint64_t switches, voluntary, involuntary, wakeups, wakeups_sent;
	uint64_t busy_ns, idle_ns; /* the open segment included, up to the read */
	uint64_t rq_lat_sum_ns, rq_lat_count;
	uint64_t rq_lat_max_ns; /* largest in the interval that ended with this read; 0: none */
	uint64_t migrations_in, migrations_out;
	uint32_t freq_khz;      /* from power:cpu_frequency; 0: none seen */
	uint32_t cur_pid;       /* running at the read */
	uint64_t open_ns;       /* how long it had been running then (included in busy or idle) */
	struct hist rq_lat;
	uint64_t sirq_ns[SCHEDWIN_NR_SOFTIRQS];
	uint64_t sirq_count[SCHEDWIN_NR_SOFTIRQS];
};

struct agg_task {
	uint32_t pid, tgid;
	uint64_t created_ns; /* with pid, identifies one life of the entry */
	uint64_t cgroup_id;
	uint32_t last_cpu;
	bool exited;
	char comm[SCHEDWIN_COMM_LEN];
	uint64_t runtime_ns; /* the open segment included when it runs at the read */
	uint32_t switches, involuntary, wakeups, migrations; /* wrap: deltas are modulo 2^32 */
	uint64_t rq_lat_sum_ns;
	uint32_t rq_lat_hist[HIST_SLOTS];
};

struct agg_pair {
	uint32_t waker, wakee, waker_tgid, wakee_tgid;
	uint64_t created_ns;
	uint32_t count;
	uint64_t lat_sum_ns;
	uint32_t locality[AGG_LOCALITY_MAX];
	uint32_t lat_hist[HIST_SLOTS];
};

struct agg_sirq_task {
	uint32_t pid, vec, tgid;
	uint64_t created_ns;
	uint64_t ns, count;
};

struct agg_read {
	uint64_t mono_ns;
	unsigned nr_cpus;
	struct agg_cpu *cpus;
	struct hist sirq_hist[SCHEDWIN_NR_SOFTIRQS]; /* summed over CPUs */
	struct agg_task *tasks;
	size_t nr_tasks;
	struct agg_pair *pairs;
	size_t nr_pairs;
	struct agg_sirq_task *sirq;
	size_t nr_sirq;
	/* map bookkeeping, cumulative */
	uint64_t task_inserts, task_deletes, pair_inserts, sirq_inserts, insert_failures;
	uint64_t feed_emitted, feed_lost;
};

void agg_read_done(struct agg_read *r);

/* ---- deltas kept in the ring ---- */

struct task_delta {
	uint32_t pid, tgid;
	uint64_t created_ns;
	uint64_t cgroup_id;
	uint32_t last_cpu;
	bool exited;
	char comm[SCHEDWIN_COMM_LEN];
	uint64_t runtime_ns, rq_lat_sum_ns;
	uint32_t switches, involuntary, wakeups, migrations;
	uint32_t rq_lat_hist[HIST_SLOTS];
};

struct pair_delta {
	uint32_t waker, wakee, waker_tgid, wakee_tgid;
	uint32_t count;
	uint64_t lat_sum_ns;
	uint32_t locality[AGG_LOCALITY_MAX];
	uint32_t lat_hist[HIST_SLOTS];
};

struct sirq_task_delta {
	uint32_t pid, vec, tgid;
	uint64_t ns, count;
};

struct schedwin;

int schedwin_new(unsigned interval_ms, struct schedwin **ret);
void schedwin_free(struct schedwin *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct schedwin *, schedwin_free);
/* A new interval: the ring is rebuilt empty (windows restart). */
int schedwin_set_interval(struct schedwin *w, unsigned interval_ms);
unsigned schedwin_interval_ms(const struct schedwin *w);

/* Takes the read (its arrays are owned by the ring afterwards, *r is
 * cleared). The first read only sets the base for deltas. */
int schedwin_add(struct schedwin *w, struct agg_read *r);

/* Samples held, and bytes they take (for status). */
size_t schedwin_count(const struct schedwin *w);
size_t schedwin_bytes(const struct schedwin *w);

/* The stretch of the ring an answer covers: from sample `first` to `last`
 * (logical indices, 0 the oldest), start and end times. */
struct schedwin_span {
	size_t first, last;
	uint64_t start_ns, end_ns;
	unsigned requested_s;
	unsigned nr_reads;
};

/* The span ending at the newest read whose start is nearest window_s
 * seconds before it. -EAGAIN when fewer than two reads were made. */
int schedwin_span(const struct schedwin *w, unsigned window_s, struct schedwin_span *ret);

/* ---- figures over a span ---- */

/* Per CPU: the difference of the cumulative counters, the max of interval maxima. */
struct cpu_window {
	bool present; /* the CPU was in both reads */
	uint64_t switches, voluntary, involuntary, wakeups, wakeups_sent;
	uint64_t busy_ns, idle_ns;
	uint64_t rq_lat_sum_ns, rq_lat_max_ns;
	uint64_t migrations_in, migrations_out;
	uint32_t freq_khz; /* at the end */
	struct hist rq_lat;
	uint64_t sirq_ns[SCHEDWIN_NR_SOFTIRQS], sirq_count[SCHEDWIN_NR_SOFTIRQS];
};

/* Fills nr_cpus entries (the newest read's CPU count); returns that count. */
int schedwin_cpus(const struct schedwin *w, const struct schedwin_span *s, struct cpu_window **ret);
/* Softirq duration histograms over the span, per vector. */
void schedwin_softirq_hist(const struct schedwin *w, const struct schedwin_span *s,
			   struct hist ret[SCHEDWIN_NR_SOFTIRQS]);

/* Tasks with activity in the span, one entry per task life, deltas summed,
 * identity from their newest delta. */
int schedwin_tasks(const struct schedwin *w, const struct schedwin_span *s, struct task_delta **ret,
		   size_t *ret_n);
int schedwin_pairs(const struct schedwin *w, const struct schedwin_span *s, struct pair_delta **ret,
		   size_t *ret_n);
int schedwin_sirq_tasks(const struct schedwin *w, const struct schedwin_span *s,
			struct sirq_task_delta **ret, size_t *ret_n);

/* Records left out of the span because a read had more than its share of
 * the delta budget (reported beside the answer), and the per-read caps. */
struct schedwin_dropped {
	uint64_t tasks, pairs, sirq_tasks;
	uint64_t tasks_runtime_ns; /* runtime of the tasks left out */
};
void schedwin_dropped(const struct schedwin *w, const struct schedwin_span *s, struct schedwin_dropped *ret);

/* The newest read's bookkeeping counters and per-task table (for status,
 * evictions and task identities). NULL before the first read. */
const struct agg_read *schedwin_latest(const struct schedwin *w);
