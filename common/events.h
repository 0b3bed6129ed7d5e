/* events.h: the live feed's records: one fixed binary struct per event type, shared by bpf/ and common/.
 *
 * BPF writes these into its ring buffer; collectord forwards them unchanged in
 * WIRE_EVENTS batches; events-json.c turns them into JSON. Fixed widths and
 * explicit padding, so the layout is the same on every ABI the BPF side and
 * user space agree on. Every record starts with struct sched_event_header,
 * whose `size` is the record's full size: a reader checks it against the
 * type's size before reading further. Changing a record changes WIRE_VERSION. */
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SCHED_EVENT_COMM_LEN 16
#define SCHED_EVENT_PATH_LEN 64

/* Numbered from 1 so a zeroed record is never valid; at most 31 types (the
 * filter's type mask is a __u32 with bit N for type N). */
enum sched_event_type {
	SCHED_EVENT_SWITCH = 1,
	SCHED_EVENT_WAKEUP,
	SCHED_EVENT_WAKING,
	SCHED_EVENT_WAKEUP_NEW,
	SCHED_EVENT_MIGRATE,
	SCHED_EVENT_FORK,
	SCHED_EVENT_EXEC,
	SCHED_EVENT_EXIT,
	SCHED_EVENT_WAIT,
	SCHED_EVENT_SOFTIRQ,
	SCHED_EVENT_IPI,
	SCHED_EVENT_CPUHP_ENTER,
	SCHED_EVENT_CPUHP_EXIT,
	SCHED_EVENT_HW_PRESSURE,
	SCHED_EVENT_HANG,
	SCHED_EVENT_CPU_FREQUENCY,
	SCHED_EVENT_TYPE_MAX,
};

#define SCHED_EVENT_MASK(type) (1u << (type))
#define SCHED_EVENT_MASK_ALL (((1u << SCHED_EVENT_TYPE_MAX) - 1) & ~1u)

struct sched_event_header {
	__u16 type; /* enum sched_event_type */
	__u16 size; /* bytes of the whole record, header included */
	__u32 cpu;  /* the CPU the event happened on */
	__u64 ts_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

enum sched_switch_flags {
	SCHED_SWITCH_PREEMPT = 1u << 0,  /* prev was preempted (still runnable) */
	SCHED_SWITCH_RQ_LAT = 1u << 1,   /* rq_lat_ns is known for next */
	SCHED_SWITCH_SCX = 1u << 2,      /* the scx_* fields are valid (sched_ext kernel) */
	SCHED_SWITCH_SCX_DSQ = 1u << 3,  /* scx_dsq_id is valid */
};

struct sched_event_switch {
	struct sched_event_header h;
	__u32 prev_pid, prev_tgid;
	__u32 next_pid, next_tgid;
	__s32 prev_prio, next_prio;
	__u32 prev_state; /* the task state prev switched out in; 0 is TASK_RUNNING */
	__u32 flags;      /* enum sched_switch_flags */
	__u64 rq_lat_ns;  /* how long next waited runnable before it ran */
	char prev_comm[SCHED_EVENT_COMM_LEN];
	char next_comm[SCHED_EVENT_COMM_LEN];
	/* sched_ext only (SCHED_SWITCH_SCX): next's dispatch queue, slice and vtime */
	__u64 scx_dsq_id;
	__u64 scx_dsq_lat_ns;
	__u64 scx_slice_ns;
	__u64 scx_vtime;
};

/* sched_wakeup, sched_waking and sched_wakeup_new */
struct sched_event_wakeup {
	struct sched_event_header h;
	__u32 pid, tgid; /* the task woken */
	__s32 prio;
	__u32 target_cpu; /* the task's CPU when the event fired */
	__u32 waker_pid, waker_tgid; /* the task running when it fired (may be an interrupted one) */
	char comm[SCHED_EVENT_COMM_LEN];
	char waker_comm[SCHED_EVENT_COMM_LEN];
};

struct sched_event_migrate {
	struct sched_event_header h;
	__u32 pid, tgid;
	__s32 prio;
	__u32 orig_cpu, dest_cpu;
	__u32 pad;
	char comm[SCHED_EVENT_COMM_LEN];
};

struct sched_event_fork {
	struct sched_event_header h;
	__u32 parent_pid, parent_tgid;
	__u32 child_pid, child_tgid;
	char parent_comm[SCHED_EVENT_COMM_LEN];
	char child_comm[SCHED_EVENT_COMM_LEN];
};

struct sched_event_exec {
	struct sched_event_header h;
	__u32 pid, tgid;
	__u32 old_pid; /* the thread id before exec (a non-leader thread that execs) */
	__u32 pad;
	char comm[SCHED_EVENT_COMM_LEN];
	char filename[SCHED_EVENT_PATH_LEN]; /* cut to fit, always NUL-terminated */
};

struct sched_event_exit {
	struct sched_event_header h;
	__u32 pid, tgid;
	__s32 prio;
	__s32 exit_code;
	__u64 runtime_ns; /* on-CPU time counted in BPF over the task's tracked life; 0 if unknown */
	char comm[SCHED_EVENT_COMM_LEN];
};

/* sched_process_wait: pid waits for target_pid (0: any child). */
struct sched_event_wait {
	struct sched_event_header h;
	__u32 pid, tgid;
	__u32 target_pid;
	__u32 pad;
	char comm[SCHED_EVENT_COMM_LEN];
};

/* One softirq run, emitted when it ends. */
struct sched_event_softirq {
	struct sched_event_header h;
	__u32 vec;       /* HI=0, TIMER, NET_TX, NET_RX, BLOCK, IRQ_POLL, TASKLET, SCHED, HRTIMER, RCU=9 */
	__u32 pid, tgid; /* the task it interrupted (0: idle) */
	__u32 pad;
	__u64 duration_ns;
	char comm[SCHED_EVENT_COMM_LEN];
};

/* ipi_send_cpu and ipi_send_cpumask; call sites are kernel addresses and are not recorded. */
struct sched_event_ipi {
	struct sched_event_header h;
	__u32 pid, tgid;   /* the sender */
	__u32 target_cpu;  /* the single target, or the first CPU of the mask */
	__u32 nr_targets;  /* 1 for ipi_send_cpu; CPUs in the mask (first 64 CPUs counted) */
	__u64 mask_low64;  /* the first 64 CPUs of the mask */
	char comm[SCHED_EVENT_COMM_LEN];
};

/* cpuhp_enter (idx: the step) and cpuhp_exit (ret: its result). */
struct sched_event_cpuhp {
	struct sched_event_header h;
	__u32 target_cpu;
	__s32 state;
	__s32 idx_or_ret;
	__u32 pad;
};

struct sched_event_hw_pressure {
	struct sched_event_header h;
	__u32 target_cpu;
	__u32 pad;
	__u64 pressure; /* capacity lost to hardware limits */
};

/* sched_process_hang: the hung task detector fired for a task. */
struct sched_event_hang {
	struct sched_event_header h;
	__u32 pid, tgid;
	char comm[SCHED_EVENT_COMM_LEN];
};

struct sched_event_cpu_frequency {
	struct sched_event_header h;
	__u32 target_cpu;
	__u32 freq_khz;
};

/* The largest record: what a consumer must be able to hold. */
#define SCHED_EVENT_MAX_SIZE (sizeof(struct sched_event_switch))

/* A WIRE_EVENTS payload: this header, then `count` records back to back. */
struct sched_event_batch {
	__u32 count;        /* records that follow */
	__u32 sample_rate;  /* 1 in sample_rate matching events is delivered */
	__u64 dropped;      /* events this subscriber lost since the previous batch: its queue was full */
	__u64 lost_kernel;  /* events the BPF ring buffer had no room for since the previous batch (all subscribers) */
};
