/* schedagg.bpf.h: the always-on aggregation's map values, shared by schedagg.bpf.c and its loader
 * (fixed widths, explicit padding). */
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Log2 histograms of nanoseconds: slot i counts values in [2^i, 2^(i+1)),
 * slot 0 also counts 0, the last slot everything from 2^31 ns (2.1 s) up. */
#define SCHEDAGG_HIST_SLOTS 32
#define SCHEDAGG_NR_SOFTIRQS 10 /* NR_SOFTIRQS since Linux 2.6.37 */
/* Wake-up locality, from the waker's CPU to the CPU the wakee ran on. */
enum schedagg_locality {
	SCHEDAGG_SAME_CPU,
	SCHEDAGG_SAME_LLC,
	SCHEDAGG_SAME_NODE,
	SCHEDAGG_CROSS_NODE,
	SCHEDAGG_LOCALITY_MAX,
};

/* Per CPU, one slot of a BPF_MAP_TYPE_PERCPU_ARRAY: written only by its own
 * CPU, so plain increments, no atomics. */
struct schedagg_cpu {
	__u64 switches;     /* every sched_switch, as /proc/stat ctxt counts them */
	__u64 voluntary;    /* a non-idle prev blocked */
	__u64 involuntary;  /* a non-idle prev was preempted, still runnable */
	__u64 wakeups;      /* woken tasks that started running on this CPU */
	__u64 wakeups_sent; /* sched_waking fired on this CPU */
	__u64 busy_ns;      /* time a non-idle task ran, closed at each switch */
	__u64 idle_ns;      /* time the idle task ran */
	__u64 last_switch_ns; /* start of the open segment; 0 before the first switch */
	__u64 mono_off_ns;  /* CLOCK_MONOTONIC - the switch clock (mod 2^64), see use_sched_info */
	__u32 cur_pid;      /* the task of the open segment (0: idle) */
	__u32 pad0;
	__u64 rq_lat_sum_ns;
	__u64 rq_lat_count;
	/* Window maximum without a reset from user space: slot epoch&1 holds the
	 * max seen while agg_epoch was max_epoch[slot]. */
	__u64 rq_lat_max_ns[2];
	__u32 max_epoch[2];
	__u64 task_inserts;    /* new entries in `tasks` made on this CPU */
	__u64 pair_inserts;    /* new entries in `wake_pairs` */
	__u64 sirq_task_inserts; /* new entries in `softirq_tasks` */
	__u64 insert_failures; /* an insert that failed (memory) */
	__u64 feed_emitted;    /* records written to the ring buffer */
	__u64 feed_lost;       /* records the ring buffer had no room for */
	__u32 feed_countdown;  /* 1-in-N sampling */
	__u32 pad1;
	__u64 rq_lat_hist[SCHEDAGG_HIST_SLOTS];
};

/* Per CPU, in a plain BPF_MAP_TYPE_ARRAY indexed by CPU: what other CPUs
 * write (migrations, atomically) or user space sets (topology). */
struct schedagg_cpu_shared {
	__u64 migrations_in;
	__u64 migrations_out;
	__u32 freq_khz; /* last power:cpu_frequency; 0 when none seen */
	__u32 llc;      /* dense LLC index, set by the loader */
	__u32 node;     /* NUMA node id, set by the loader */
	__u32 pad;
};

enum schedagg_task_flags {
	SCHEDAGG_TASK_WOKEN = 1u << 0,  /* woken while off-CPU: its next run follows a wake-up */
	SCHEDAGG_TASK_EXITED = 1u << 1, /* sched_process_exit seen: user space may delete it */
};

/* Wake-ups of one task by one waker, accumulated in the wakee's entry and
 * credited to the pair map when the waker changes, at the first wake-up of a
 * new aggregation interval, or at exit: no pair lookup per wake-up. */
#define SCHEDAGG_ACC_MAX 60000 /* credited before the 16-bit slots can wrap */

/* Per task (thread), BPF_MAP_TYPE_LRU_HASH keyed by pid: bounded; the LRU
 * evicts silently, so inserts are counted per CPU and user space derives
 * evictions = inserts - its own deletions - entries present. Everything is
 * updated when the task switches out (one lookup per context switch: the
 * wait that preceded the run is the growth of the kernel's sched_info since
 * the previous switch-out, or ends where the CPU's previous switch was) and
 * when it is woken. */
struct schedagg_task {
	__u64 created_ns;   /* identifies this life of the entry: a reused pid gets a new one */
	__u64 runtime_ns;   /* on-CPU time, closed at each switch-out */
	__u64 enq_ns;       /* without use_sched_info: when it became runnable (woken, or preempted); 0 while not waiting */
	__u64 run_delay_ns; /* with use_sched_info: task_struct.sched_info.run_delay at the last switch-out */
	__u64 rq_lat_sum_ns;
	__u64 cgroup_id;
	__u32 switches;     /* switch-outs */
	__u32 involuntary;  /* switch-outs while still runnable */
	__u32 wakeups;      /* times woken (sched_waking) */
	__u32 migrations;   /* sched_migrate_task */
	__u32 rq_lat_count; /* waits measured */
	__u32 tgid;
	__u32 last_cpu;
	__u32 waker;        /* pid that woke it last, until its next switch-out */
	__u32 waker_cpu;
	__u32 flags;        /* enum schedagg_task_flags */
	__u32 refresh;      /* switch-outs until comm and cgroup are read again */
	__u32 acc_waker;    /* the pair being accumulated, while acc_count > 0 */
	__u32 acc_epoch;
	__u32 acc_count;
	__u32 pcount;       /* with use_sched_info: sched_info.pcount at the last switch-out */
	__u32 pad;
	__u64 acc_lat_sum_ns;
	__u32 acc_locality[SCHEDAGG_LOCALITY_MAX];
	char comm[16];
	__u32 rq_lat_hist[SCHEDAGG_HIST_SLOTS];
	__u16 acc_hist[SCHEDAGG_HIST_SLOTS];
};

/* Waker -> wakee, BPF_MAP_TYPE_LRU_HASH, credited from the wakee's
 * accumulator (see SCHEDAGG_ACC_MAX): a pair's newest wake-ups show up at
 * the wakee's first wake-up of a later interval, or at its exit. */
struct schedagg_pair_key {
	__u32 waker;
	__u32 wakee;
};

struct schedagg_pair {
	__u64 created_ns;
	__u64 lat_sum_ns;
	__u32 count;
	__u32 waker_tgid;
	__u32 wakee_tgid;
	__u32 pad;
	__u32 locality[SCHEDAGG_LOCALITY_MAX];
	__u32 lat_hist[SCHEDAGG_HIST_SLOTS];
};

/* Softirq time per vector, per CPU (BPF_MAP_TYPE_PERCPU_ARRAY, one slot). */
struct schedagg_softirq {
	__u64 entry_ns; /* of the softirq running now; 0 when none */
	__u32 entry_vec;
	__u32 pad;
	__u64 ns[SCHEDAGG_NR_SOFTIRQS];
	__u64 count[SCHEDAGG_NR_SOFTIRQS];
	__u32 hist[SCHEDAGG_NR_SOFTIRQS][SCHEDAGG_HIST_SLOTS];
};

/* Softirq time by the task it interrupted and vector (BPF_MAP_TYPE_LRU_HASH). */
struct schedagg_sirq_key {
	__u32 pid; /* 0: the CPU was idle */
	__u32 vec;
};

struct schedagg_sirq_task {
	__u64 created_ns;
	__u64 ns;
	__u64 count;
	__u32 tgid;
	__u32 pad;
};
