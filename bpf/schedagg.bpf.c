// SPDX-License-Identifier: GPL-2.0
/* schedagg.bpf.c: always-on scheduler aggregation in the kernel (per CPU, per task, waker->wakee,
 * softirq) and the live event feed, one tp_btf program and one raw_tp fallback per tracepoint. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"
#include "schedagg.bpf.h"

#define TASK_RUNNING 0
#define EEXIST 17
/* Switch-outs between two reads of comm and cgroup (prctl renames, cgroup moves). */
#define TASK_REFRESH_SWITCHES 256

/* ---- maps; sizes are set by the loader before load ---- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct schedagg_cpu);
} cpu_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* nr possible CPUs */
	__type(key, __u32);
	__type(value, struct schedagg_cpu_shared);
} cpu_shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct schedagg_task);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct schedagg_pair_key);
	__type(value, struct schedagg_pair);
} wake_pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct schedagg_softirq);
} softirq_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct schedagg_sirq_key);
	__type(value, struct schedagg_sirq_task);
} softirq_tasks SEC(".maps");

/* User space bumps this once per aggregation interval (see rq_lat_max_ns). */
__u32 agg_epoch;

/* Set by the loader where the kernel counts run-queue waits in
 * task_struct.sched_info and its run queue's clock is reachable (rq_clock()),
 * so that neither sched_switch nor sched_waking reads a clock (a
 * bpf_ktime_get_ns() is about a third of either): the waits are the kernel's
 * own, as /proc/PID/schedstat counts them, and with tp_btf "now" at
 * sched_switch is the run queue's clock, which __schedule() has just updated.
 * Otherwise a wait runs from sched_waking's bpf_ktime_get_ns() to the switch's. */
const volatile bool use_sched_info;

static const struct schedagg_task zero_task;
static const struct schedagg_pair zero_pair;
static const struct schedagg_sirq_task zero_sirq_task;

/* ---- small helpers ---- */

/* Reads a field directly from a BTF-typed pointer (tp_btf) or with a probe
 * read (raw_tp); `btf` is a constant after inlining, so one side vanishes. */
#define RD(btf, p, field) ((btf) ? (p)->field : BPF_CORE_READ(p, field))

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(bool btf, struct task_struct *t)
{
	struct task_struct___old *o = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return RD(btf, t, __state);
	return (__u32)RD(btf, o, state);
}

struct task_struct___cpu {
	unsigned int cpu;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_cpu(struct task_struct *t)
{
	struct task_struct___cpu *o = (void *)t;

	if (bpf_core_field_exists(t->thread_info.cpu))
		return BPF_CORE_READ(t, thread_info.cpu);
	return BPF_CORE_READ(o, cpu);
}

static __always_inline bool task_on_cpu(bool btf, struct task_struct *t)
{
	if (bpf_core_field_exists(t->on_cpu))
		return RD(btf, t, on_cpu);
	return false;
}

static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/* A global function: the verifier checks it once and sees an unknown result,
 * instead of following each of its 32 outcomes through the caller. */
__noinline int hist_slot_of(__u64 v)
{
	__u32 hi = v >> 32;

	if (hi)
		return SCHEDAGG_HIST_SLOTS - 1;
	v = log2_u32((__u32)v);
	return v < SCHEDAGG_HIST_SLOTS ? (int)v : SCHEDAGG_HIST_SLOTS - 1;
}

static __always_inline __u32 hist_slot(__u64 v)
{
	return (__u32)hist_slot_of(v) & (SCHEDAGG_HIST_SLOTS - 1);
}

/* CONFIG_FAIR_GROUP_SCHED: a task's cfs_rq says which CPU's rq it is on. */
struct cfs_rq___grp {
	struct rq *rq;
} __attribute__((preserve_access_index));

/* The clock of the run queue next is on, this CPU's: reached through next
 * since the runqueues per-CPU symbol is not in every kallsyms. */
static __always_inline __u64 rq_clock(bool btf, struct task_struct *next)
{
	struct cfs_rq___grp *cfs;

	if (btf) {
		cfs = (void *)next->se.cfs_rq;
		return cfs->rq->clock;
	}
	cfs = (void *)BPF_CORE_READ(next, se.cfs_rq);
	return BPF_CORE_READ(cfs, rq, clock);
}

/* Whether "now" at sched_switch is rq_clock(): three plain loads with tp_btf,
 * three probe reads with raw_tp (which then reads bpf_ktime_get_ns()). */
static __always_inline bool switch_on_rq_clock(bool btf)
{
	return btf && use_sched_info;
}

static __always_inline struct schedagg_cpu *cpu_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_stats, &zero);
}

#include "schedfeed.bpf.h"

/* ---- per-task entries ---- */

/* Fills what only changes at exec, rename or cgroup move. Probe reads work
 * on BTF and raw pointers alike, and this runs rarely. */
static __always_inline void task_fill(struct schedagg_task *e, struct task_struct *t)
{
	e->tgid = BPF_CORE_READ(t, tgid);
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), &t->comm);
	e->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	e->refresh = TASK_REFRESH_SWITCHES;
}

/* A new entry (or a pid's new life, from fork). Not inlined: it runs once
 * per task, and keeps the hot path small. */
static __noinline struct schedagg_task *task_create(struct task_struct *t, __u32 pid, __u64 now, bool reset)
{
	struct schedagg_cpu *c = cpu_get();
	struct schedagg_task *e;
	long r;

	/* a pid's new life reuses its old entry in place: not an insert, so
	 * evictions (inserts - deletions - entries) stay exact */
	if (reset && (e = bpf_map_lookup_elem(&tasks, &pid))) {
		__builtin_memset(e, 0, sizeof(*e));
		r = 0;
		goto fill;
	}
	r = bpf_map_update_elem(&tasks, &pid, &zero_task, BPF_NOEXIST);
	if (c) {
		if (r == 0)
			c->task_inserts++;
		else if (r != -EEXIST)
			c->insert_failures++;
	}
	e = bpf_map_lookup_elem(&tasks, &pid);
	if (!e)
		return NULL;
fill:
	if (r == 0) {
		e->created_ns = now;
		e->last_cpu = (__u32)-1;
		if (use_sched_info) {
			/* waits are counted from here on (a forked child's are all 0) */
			e->run_delay_ns = BPF_CORE_READ(t, sched_info.run_delay);
			e->pcount = BPF_CORE_READ(t, sched_info.pcount);
		}
		task_fill(e, t);
	}
	return e;
}

static __always_inline struct schedagg_task *task_get(struct task_struct *t, __u32 pid, __u64 now)
{
	struct schedagg_task *e = bpf_map_lookup_elem(&tasks, &pid);

	return e ? e : task_create(t, pid, now, false);
}

static __always_inline __u32 locality(__u32 from, __u32 to)
{
	struct schedagg_cpu_shared *a, *b;

	if (from == to)
		return SCHEDAGG_SAME_CPU;
	a = bpf_map_lookup_elem(&cpu_shared, &from);
	b = bpf_map_lookup_elem(&cpu_shared, &to);
	if (!a || !b)
		return SCHEDAGG_CROSS_NODE;
	if (a->llc == b->llc)
		return SCHEDAGG_SAME_LLC;
	return a->node == b->node ? SCHEDAGG_SAME_NODE : SCHEDAGG_CROSS_NODE;
}

/* Credits the wakee's accumulated wake-ups to its waker->wakee pair. */
static __noinline void pair_flush(struct schedagg_task *t, __u32 wakee, __u64 now)
{
	struct schedagg_pair_key key = { .waker = t->acc_waker, .wakee = wakee };
	struct schedagg_pair *p = bpf_map_lookup_elem(&wake_pairs, &key);
	struct schedagg_task *w;

	if (!p) {
		struct schedagg_cpu *c = cpu_get();
		long r = bpf_map_update_elem(&wake_pairs, &key, &zero_pair, BPF_NOEXIST);

		if (c) {
			if (r == 0)
				c->pair_inserts++;
			else if (r != -EEXIST)
				c->insert_failures++;
		}
		p = bpf_map_lookup_elem(&wake_pairs, &key);
		if (p && r == 0) {
			p->created_ns = now;
			p->wakee_tgid = t->tgid;
			w = bpf_map_lookup_elem(&tasks, &key.waker);
			p->waker_tgid = w ? w->tgid : 0;
		}
	}
	if (p) {
		p->count += t->acc_count;
		p->lat_sum_ns += t->acc_lat_sum_ns;
#pragma unroll
		for (int i = 0; i < SCHEDAGG_LOCALITY_MAX; i++)
			p->locality[i] += t->acc_locality[i];
#pragma unroll
		for (int i = 0; i < SCHEDAGG_HIST_SLOTS; i++)
			p->lat_hist[i] += t->acc_hist[i];
	}
	t->acc_count = 0;
	t->acc_lat_sum_ns = 0;
	__builtin_memset(t->acc_locality, 0, sizeof(t->acc_locality));
	__builtin_memset(t->acc_hist, 0, sizeof(t->acc_hist));
}

/* One finished wake-up (the wakee ran and now leaves the CPU). */
static __always_inline void pair_account(struct schedagg_task *t, __u32 pid, __u64 lat, __u32 slot, __u32 where,
					 __u64 now)
{
	__u32 ep = agg_epoch;

	if (t->acc_count &&
	    (t->acc_waker != t->waker || t->acc_epoch != ep || t->acc_count >= SCHEDAGG_ACC_MAX))
		pair_flush(t, pid, now);
	if (!t->acc_count) {
		t->acc_waker = t->waker;
		t->acc_epoch = ep;
	}
	t->acc_count++;
	t->acc_lat_sum_ns += lat;
	t->acc_locality[where & (SCHEDAGG_LOCALITY_MAX - 1)]++;
	t->acc_hist[slot & (SCHEDAGG_HIST_SLOTS - 1)]++;
}

static __always_inline void cpu_lat(struct schedagg_cpu *c, __u64 lat, __u32 slot)
{
	__u32 ep = agg_epoch, m = ep & 1;

	c->rq_lat_sum_ns += lat;
	c->rq_lat_count++;
	c->rq_lat_hist[slot & (SCHEDAGG_HIST_SLOTS - 1)]++;
	if (c->max_epoch[m] != ep) {
		c->max_epoch[m] = ep;
		c->rq_lat_max_ns[m] = lat;
	} else if (lat > c->rq_lat_max_ns[m]) {
		c->rq_lat_max_ns[m] = lat;
	}
}

/* ---- sched_switch: the hot path ---- */

/* The run-queue wait that ended when prev's current run began, or false.
 * use_sched_info: the kernel's sched_info counted it (one arrival since the
 * snapshot taken at the previous switch-out); otherwise from the enqueue
 * time sched_waking or the previous switch-out wrote. */
static __always_inline bool prev_wait(bool btf, struct task_struct *prev, struct schedagg_task *t, __u64 in,
				      __u64 *ret_wait)
{
	if (use_sched_info) {
		__u64 delay = RD(btf, prev, sched_info.run_delay);
		__u32 pc = RD(btf, prev, sched_info.pcount);
		bool one = pc - t->pcount == 1 && delay >= t->run_delay_ns;

		*ret_wait = delay - t->run_delay_ns;
		t->run_delay_ns = delay;
		t->pcount = pc;
		return one;
	}
	if (!t->enq_ns || in < t->enq_ns)
		return false;
	*ret_wait = in - t->enq_ns;
	return true;
}

/* How long next waited, for the feed's record. */
static __always_inline bool next_wait(bool btf, struct task_struct *next, __u32 next_pid, __u64 now, __u64 *ret_lat)
{
	struct schedagg_task *t;
	__u64 q;

	if (use_sched_info) {
		/* still set: sched_info_arrive() runs after this tracepoint; in the
		 * run queue clock's time */
		q = RD(btf, next, sched_info.last_queued);
		if (!switch_on_rq_clock(btf))
			now = rq_clock(btf, next);
	} else {
		t = bpf_map_lookup_elem(&tasks, &next_pid);
		q = t ? t->enq_ns : 0;
	}
	if (!q || now < q)
		return false;
	*ret_lat = now - q;
	return true;
}

static __always_inline int on_switch(bool btf, void *ctx, bool preempt, struct task_struct *prev,
				     struct task_struct *next)
{
	__u64 now = switch_on_rq_clock(btf) ? rq_clock(btf, next) : bpf_ktime_get_ns();
	__u64 lat = 0, seg = 0, in = 0, wait;
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 prev_pid = RD(btf, prev, pid), next_pid = RD(btf, next, pid);
	struct schedagg_cpu *c = cpu_get();
	bool runnable, rq_lat = false;
	struct schedagg_task *t;

	if (!c)
		return 0;
	runnable = preempt || task_state(btf, prev) == TASK_RUNNING;
	c->switches++;
	if (c->last_switch_ns && now >= c->last_switch_ns) {
		in = c->last_switch_ns; /* the previous switch on this CPU switched prev in */
		seg = now - in;
		if (prev_pid)
			c->busy_ns += seg;
		else
			c->idle_ns += seg;
	}
	/* user space adds the open segment with CLOCK_MONOTONIC: keep the offset
	 * between the two clocks, refreshed now and then */
	if (switch_on_rq_clock(btf) && (!c->last_switch_ns || !(c->switches & 63)))
		c->mono_off_ns = bpf_ktime_get_ns() - now;
	c->last_switch_ns = now;
	c->cur_pid = next_pid;

	if (prev_pid) {
		if (runnable)
			c->involuntary++;
		else
			c->voluntary++;
		t = task_get(prev, prev_pid, now);
		if (t) {
			t->runtime_ns += seg;
			t->switches++;
			t->last_cpu = cpu;
			if (runnable)
				t->involuntary++;
			/* the wait that ended when this run began: one lookup per switch */
			if (prev_wait(btf, prev, t, in, &wait)) {
				__u32 slot = hist_slot(wait);

				t->rq_lat_sum_ns += wait;
				t->rq_lat_count++;
				t->rq_lat_hist[slot]++;
				cpu_lat(c, wait, slot);
				if (t->flags & SCHEDAGG_TASK_WOKEN) {
					c->wakeups++;
					pair_account(t, prev_pid, wait, slot, locality(t->waker_cpu, cpu), now);
				}
			}
			t->flags &= ~SCHEDAGG_TASK_WOKEN;
			/* preempted: it waits again from now */
			if (!use_sched_info)
				t->enq_ns = runnable ? now : 0;
			if (--t->refresh == 0) {
				/* prev is current here: the cheap helpers read it */
				bpf_get_current_comm(t->comm, sizeof(t->comm));
				t->cgroup_id = bpf_get_current_cgroup_id();
				t->refresh = TASK_REFRESH_SWITCHES;
			}
		}
	}
	if (feed_on) {
		/* the feed's record says how long next waited */
		if (next_pid)
			rq_lat = next_wait(btf, next, next_pid, now, &lat);
		/* records carry CLOCK_MONOTONIC */
		feed_switch(btf, c, switch_on_rq_clock(btf) ? bpf_ktime_get_ns() : now, cpu, preempt, prev, next,
			    prev_pid, next_pid, rq_lat, lat);
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(true, ctx, preempt, prev, next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(false, ctx, preempt, prev, next);
}

/* ---- wakeups ---- */

static __always_inline int on_waking(bool btf, struct task_struct *p, __u32 type)
{
	__u32 pid = RD(btf, p, pid), cpu = bpf_get_smp_processor_id();
	struct schedagg_cpu *c = cpu_get();
	struct schedagg_task *t;
	__u64 now = 0;

	if (!pid || !c)
		return 0;
	c->wakeups_sent++;
	t = bpf_map_lookup_elem(&tasks, &pid);
	if (!t)
		t = task_create(p, pid, now = bpf_ktime_get_ns(), false);
	if (t) {
		t->wakeups++;
		/* a task woken while still on its CPU does not wait for this wake-up */
		if (!task_on_cpu(btf, p)) {
			if (!use_sched_info)
				t->enq_ns = now ? now : (now = bpf_ktime_get_ns());
			t->waker = (__u32)bpf_get_current_pid_tgid();
			t->waker_cpu = cpu;
			t->flags |= SCHEDAGG_TASK_WOKEN;
		}
	}
	if (feed_on)
		feed_wakeup(btf, c, now ? now : bpf_ktime_get_ns(), cpu, type, p, pid);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(sched_waking_btf, struct task_struct *p)
{
	return on_waking(true, p, SCHED_EVENT_WAKING);
}

SEC("raw_tp/sched_waking")
int BPF_PROG(sched_waking_raw, struct task_struct *p)
{
	return on_waking(false, p, SCHED_EVENT_WAKING);
}

/* A new task is runnable from here: its first run-queue wait starts now. */
static __always_inline int on_wakeup_new(bool btf, struct task_struct *p)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 pid = RD(btf, p, pid);
	struct schedagg_task *t;

	if (!pid)
		return 0;
	t = task_get(p, pid, now);
	if (t && !use_sched_info)
		t->enq_ns = now;
	if (feed_on)
		feed_wakeup(btf, cpu_get(), now, bpf_get_smp_processor_id(), SCHED_EVENT_WAKEUP_NEW, p, pid);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_btf, struct task_struct *p)
{
	return on_wakeup_new(true, p);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_raw, struct task_struct *p)
{
	return on_wakeup_new(false, p);
}

/* sched_wakeup: the feed only (aggregation starts the wait at sched_waking). */
static __always_inline int on_wakeup(bool btf, struct task_struct *p)
{
	if (!feed_on)
		return 0;
	feed_wakeup(btf, cpu_get(), bpf_ktime_get_ns(), bpf_get_smp_processor_id(), SCHED_EVENT_WAKEUP, p,
		    RD(btf, p, pid));
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup_btf, struct task_struct *p)
{
	return on_wakeup(true, p);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(sched_wakeup_raw, struct task_struct *p)
{
	return on_wakeup(false, p);
}

/* ---- migrations: other CPUs' counters, so atomics (off the switch path) ---- */

static __always_inline int on_migrate(bool btf, struct task_struct *p, int dest)
{
	__u32 pid = RD(btf, p, pid), orig = task_cpu(p), d = (__u32)dest;
	struct schedagg_cpu_shared *s;
	struct schedagg_task *t;

	s = bpf_map_lookup_elem(&cpu_shared, &orig);
	if (s)
		__sync_fetch_and_add(&s->migrations_out, 1);
	s = bpf_map_lookup_elem(&cpu_shared, &d);
	if (s)
		__sync_fetch_and_add(&s->migrations_in, 1);
	t = pid ? bpf_map_lookup_elem(&tasks, &pid) : NULL;
	if (t)
		t->migrations++;
	if (feed_on)
		feed_migrate(btf, p, pid, orig, d);
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_task_btf, struct task_struct *p, int dest_cpu)
{
	return on_migrate(true, p, dest_cpu);
}

SEC("raw_tp/sched_migrate_task")
int BPF_PROG(sched_migrate_task_raw, struct task_struct *p, int dest_cpu)
{
	return on_migrate(false, p, dest_cpu);
}

/* ---- process life ---- */

/* A pid's new life starts with fresh counters, whatever an old entry held. */
static __always_inline int on_fork(bool btf, struct task_struct *parent, struct task_struct *child)
{
	__u32 pid = RD(btf, child, pid);

	if (pid)
		task_create(child, pid, bpf_ktime_get_ns(), true);
	if (feed_on)
		feed_fork(btf, parent, child);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(true, parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(sched_process_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(false, parent, child);
}

static __always_inline int on_exec(bool btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 pid = RD(btf, p, pid);
	struct schedagg_task *t = pid ? bpf_map_lookup_elem(&tasks, &pid) : NULL;

	if (t)
		task_fill(t, p);
	if (feed_on)
		feed_exec(btf, p, pid, (__u32)old_pid, bprm);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(true, p, old_pid, bprm);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(sched_process_exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(false, p, old_pid, bprm);
}

static __always_inline int on_exit(bool btf, struct task_struct *p)
{
	__u32 pid = RD(btf, p, pid);
	struct schedagg_task *t = pid ? bpf_map_lookup_elem(&tasks, &pid) : NULL;

	if (t) {
		if (t->acc_count)
			pair_flush(t, pid, bpf_ktime_get_ns());
		t->flags |= SCHEDAGG_TASK_EXITED;
	}
	if (feed_on)
		feed_exit(btf, p, pid, t);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit_btf, struct task_struct *p)
{
	return on_exit(true, p);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(sched_process_exit_raw, struct task_struct *p)
{
	return on_exit(false, p);
}

/* sched_process_wait, sched_process_hang: the feed only. */
SEC("tp_btf/sched_process_wait")
int BPF_PROG(sched_process_wait_btf, struct pid *pid)
{
	if (feed_on)
		feed_wait(pid);
	return 0;
}

SEC("raw_tp/sched_process_wait")
int BPF_PROG(sched_process_wait_raw, struct pid *pid)
{
	if (feed_on)
		feed_wait(pid);
	return 0;
}

SEC("tp_btf/sched_process_hang")
int BPF_PROG(sched_process_hang_btf, struct task_struct *p)
{
	if (feed_on)
		feed_hang(true, p);
	return 0;
}

SEC("raw_tp/sched_process_hang")
int BPF_PROG(sched_process_hang_raw, struct task_struct *p)
{
	if (feed_on)
		feed_hang(false, p);
	return 0;
}

/* ---- softirqs: per CPU, and by the task they interrupted ---- */

static __always_inline int on_softirq_entry(unsigned int vec)
{
	__u32 zero = 0;
	struct schedagg_softirq *s = bpf_map_lookup_elem(&softirq_cpu, &zero);

	if (s) {
		s->entry_ns = bpf_ktime_get_ns();
		s->entry_vec = vec;
	}
	return 0;
}

static __always_inline int on_softirq_exit(unsigned int vec)
{
	__u64 now = bpf_ktime_get_ns(), d, cur;
	__u32 zero = 0, v = vec;
	struct schedagg_softirq *s = bpf_map_lookup_elem(&softirq_cpu, &zero);
	struct schedagg_sirq_key key;
	struct schedagg_sirq_task *t;

	if (!s || !s->entry_ns || s->entry_vec != v || v >= SCHEDAGG_NR_SOFTIRQS)
		return 0;
	d = now - s->entry_ns;
	s->entry_ns = 0;
	s->ns[v] += d;
	s->count[v]++;
	s->hist[v][hist_slot(d)]++;

	cur = bpf_get_current_pid_tgid();
	key.pid = (__u32)cur;
	key.vec = v;
	t = bpf_map_lookup_elem(&softirq_tasks, &key);
	if (!t) {
		struct schedagg_cpu *c = cpu_get();
		long r = bpf_map_update_elem(&softirq_tasks, &key, &zero_sirq_task, BPF_NOEXIST);

		if (c && r == 0)
			c->sirq_task_inserts++;
		t = bpf_map_lookup_elem(&softirq_tasks, &key);
		if (t && r == 0) {
			t->created_ns = now;
			t->tgid = cur >> 32;
		}
	}
	if (t) {
		t->ns += d;
		t->count++;
	}
	if (feed_on)
		feed_softirq(now, v, d, cur);
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry_btf, unsigned int vec)
{
	return on_softirq_entry(vec);
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(softirq_entry_raw, unsigned int vec)
{
	return on_softirq_entry(vec);
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit_btf, unsigned int vec)
{
	return on_softirq_exit(vec);
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(softirq_exit_raw, unsigned int vec)
{
	return on_softirq_exit(vec);
}

/* ---- CPU frequency, hotplug, pressure, IPIs ---- */

static __always_inline int on_cpu_frequency(unsigned int freq, unsigned int cpu)
{
	struct schedagg_cpu_shared *s = bpf_map_lookup_elem(&cpu_shared, &cpu);

	if (s)
		s->freq_khz = freq;
	if (feed_on)
		feed_cpu_frequency(cpu, freq);
	return 0;
}

SEC("tp_btf/cpu_frequency")
int BPF_PROG(cpu_frequency_btf, unsigned int state, unsigned int cpu_id)
{
	return on_cpu_frequency(state, cpu_id);
}

SEC("raw_tp/cpu_frequency")
int BPF_PROG(cpu_frequency_raw, unsigned int state, unsigned int cpu_id)
{
	return on_cpu_frequency(state, cpu_id);
}

SEC("tp_btf/cpuhp_enter")
int BPF_PROG(cpuhp_enter_btf, unsigned int cpu, int target, int idx)
{
	if (feed_on)
		feed_cpuhp(SCHED_EVENT_CPUHP_ENTER, cpu, target, idx);
	return 0;
}

SEC("raw_tp/cpuhp_enter")
int BPF_PROG(cpuhp_enter_raw, unsigned int cpu, int target, int idx)
{
	if (feed_on)
		feed_cpuhp(SCHED_EVENT_CPUHP_ENTER, cpu, target, idx);
	return 0;
}

SEC("tp_btf/cpuhp_exit")
int BPF_PROG(cpuhp_exit_btf, unsigned int cpu, int state, int idx, int ret)
{
	if (feed_on)
		feed_cpuhp(SCHED_EVENT_CPUHP_EXIT, cpu, state, ret);
	return 0;
}

SEC("raw_tp/cpuhp_exit")
int BPF_PROG(cpuhp_exit_raw, unsigned int cpu, int state, int idx, int ret)
{
	if (feed_on)
		feed_cpuhp(SCHED_EVENT_CPUHP_EXIT, cpu, state, ret);
	return 0;
}

/* hw_pressure_update(int cpu, unsigned long hw_pressure): no BTF type is
 * needed for the arguments, so this builds on kernels without it too. */
SEC("tp_btf/hw_pressure_update")
int BPF_PROG(hw_pressure_update_btf, int cpu, unsigned long pressure)
{
	if (feed_on)
		feed_hw_pressure((__u32)cpu, pressure);
	return 0;
}

SEC("raw_tp/hw_pressure_update")
int BPF_PROG(hw_pressure_update_raw, int cpu, unsigned long pressure)
{
	if (feed_on)
		feed_hw_pressure((__u32)cpu, pressure);
	return 0;
}

SEC("tp_btf/ipi_send_cpu")
int BPF_PROG(ipi_send_cpu_btf, unsigned int cpu, unsigned long callsite, void *callback)
{
	if (feed_on)
		feed_ipi(cpu, 1, cpu < 64 ? 1ull << cpu : 0);
	return 0;
}

SEC("raw_tp/ipi_send_cpu")
int BPF_PROG(ipi_send_cpu_raw, unsigned int cpu, unsigned long callsite, void *callback)
{
	if (feed_on)
		feed_ipi(cpu, 1, cpu < 64 ? 1ull << cpu : 0);
	return 0;
}

static __always_inline __u32 popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (__u32)((x * 0x0101010101010101ull) >> 56);
}

static __always_inline int on_ipi_mask(const struct cpumask *mask)
{
	__u64 low = 0, bit;
	__u32 first;

	bpf_probe_read_kernel(&low, sizeof(low), mask);
	bit = low & -low;
	first = !bit ? (__u32)-1 : (bit >> 32) ? 32 + log2_u32((__u32)(bit >> 32)) : log2_u32((__u32)bit);
	feed_ipi(first, popcount64(low), low);
	return 0;
}

SEC("tp_btf/ipi_send_cpumask")
int BPF_PROG(ipi_send_cpumask_btf, const struct cpumask *mask, unsigned long callsite, void *callback)
{
	return feed_on ? on_ipi_mask(mask) : 0;
}

SEC("raw_tp/ipi_send_cpumask")
int BPF_PROG(ipi_send_cpumask_raw, const struct cpumask *mask, unsigned long callsite, void *callback)
{
	return feed_on ? on_ipi_mask(mask) : 0;
}

char LICENSE[] SEC("license") = "GPL";
