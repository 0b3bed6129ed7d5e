/* schedfeed.bpf.h: the live event feed's kernel half: one ring buffer, its filters, and the emitters
 * called by schedagg.bpf.c's programs (included there, after the aggregation maps).
 *
 * Off unless a client subscribes: every emitter is behind `if (feed_on)`, one
 * load and a branch. Filters run here, before anything is copied: event
 * types, CPUs, pids or tgids, minimum latency, 1-in-N sampling, and a comm
 * prefix (checked once the record holds the comms). collectord writes the
 * union of its subscribers' filters and narrows per subscriber in user space. */
#pragma once

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* set by the loader */
} events SEC(".maps");

#define FEED_MAX_PIDS 64

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FEED_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} feed_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FEED_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} feed_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* nr possible CPUs */
	__type(key, __u32);
	__type(value, __u8);
} feed_cpus SEC(".maps");

/* Written by collectord through the mmapped .bss; feed_on last. */
bool feed_on;
__u32 feed_types;	 /* SCHED_EVENT_MASK bits */
__u32 feed_sample;	 /* deliver 1 in feed_sample matching events (0 or 1: all) */
__u64 feed_min_lat_ns;	 /* sched_switch rq latency, softirq duration */
bool feed_filter_pids;	 /* feed_pids and/or feed_tgids hold the only tasks wanted */
bool feed_filter_cpus;	 /* feed_cpus[cpu] != 0 for the CPUs wanted */
__u32 feed_comm_len;	 /* 0: no comm filter */
__u64 feed_comm_word[2]; /* the prefix, as the comm's two 8-byte words */
__u64 feed_comm_mask[2]; /* 0xff for each byte of the prefix */
/* Wake the consumer only once this much waits: collectord also polls every
 * few milliseconds. A wake-up per record would make collectord's own context
 * switches feed the feed. */
__u64 feed_wakeup_bytes;

struct scx_dispatch_q___x {
	__u64 id;
} __attribute__((preserve_access_index));

struct sched_ext_entity___x {
	struct scx_dispatch_q___x *dsq;
	__u64 slice;
	__u64 dsq_vtime;
	__u64 ddsp_dsq_id;
} __attribute__((preserve_access_index));

struct task_struct___scx {
	struct sched_ext_entity___x scx;
} __attribute__((preserve_access_index));

static __always_inline bool feed_type(__u32 type)
{
	return feed_types & SCHED_EVENT_MASK(type);
}

static __always_inline bool feed_cpu_ok(__u32 cpu)
{
	__u8 *v;

	if (!feed_filter_cpus)
		return true;
	v = bpf_map_lookup_elem(&feed_cpus, &cpu);
	return v && *v;
}

static __always_inline bool feed_task_ok(__u32 pid_a, __u32 tgid_a, __u32 pid_b, __u32 tgid_b)
{
	if (!feed_filter_pids)
		return true;
	if (bpf_map_lookup_elem(&feed_pids, &pid_a) || bpf_map_lookup_elem(&feed_tgids, &tgid_a))
		return true;
	return bpf_map_lookup_elem(&feed_pids, &pid_b) || bpf_map_lookup_elem(&feed_tgids, &tgid_b);
}

/* Branch-free, so the verifier does not follow one path per character. */
static __always_inline bool comm_has_prefix(const char *comm)
{
	__u64 a, b;

	__builtin_memcpy(&a, comm, 8);
	__builtin_memcpy(&b, comm + 8, 8);
	return !(((a ^ feed_comm_word[0]) & feed_comm_mask[0]) | ((b ^ feed_comm_word[1]) & feed_comm_mask[1]));
}

static __always_inline bool feed_comm_ok(const char *a, const char *b)
{
	return !feed_comm_len || comm_has_prefix(a) || (b && comm_has_prefix(b));
}

/* 1-in-N, counted per CPU over the events that passed every other filter. */
static __always_inline bool feed_sample_ok(struct schedagg_cpu *c)
{
	__u32 n = feed_sample;

	if (n <= 1 || !c)
		return true;
	if (c->feed_countdown == 0) {
		c->feed_countdown = n - 1;
		return true;
	}
	c->feed_countdown--;
	return false;
}

static __always_inline void *feed_reserve(struct schedagg_cpu *c, __u64 size)
{
	void *r = bpf_ringbuf_reserve(&events, size, 0);

	if (!r && c)
		c->feed_lost++;
	return r;
}

static __always_inline void feed_header(struct sched_event_header *h, __u32 type, __u32 size, __u32 cpu, __u64 now)
{
	h->type = (__u16)type;
	h->size = (__u16)size;
	h->cpu = cpu;
	h->ts_ns = now;
}

/* Submits a filled record, or discards it when its comms or the sampling say so. */
static __always_inline void feed_commit(struct schedagg_cpu *c, void *rec, const char *comm_a, const char *comm_b)
{
	if (!feed_comm_ok(comm_a, comm_b) || !feed_sample_ok(c)) {
		bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
		return;
	}
	if (c)
		c->feed_emitted++;
	bpf_ringbuf_submit(rec, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= feed_wakeup_bytes ? BPF_RB_FORCE_WAKEUP
												   : BPF_RB_NO_WAKEUP);
}

static __always_inline void feed_scx(struct sched_event_switch *e, struct task_struct *next)
{
	struct task_struct___scx *t = (void *)next;
	struct scx_dispatch_q___x *dsq;

	if (!bpf_core_type_exists(struct sched_ext_entity___x) || !bpf_core_field_exists(t->scx))
		return;
	e->flags |= SCHED_SWITCH_SCX;
	e->scx_slice_ns = BPF_CORE_READ(t, scx.slice);
	e->scx_vtime = BPF_CORE_READ(t, scx.dsq_vtime);
	e->scx_dsq_lat_ns = e->rq_lat_ns;
	dsq = BPF_CORE_READ(t, scx.dsq);
	if (dsq) {
		e->scx_dsq_id = BPF_CORE_READ(dsq, id);
		e->flags |= SCHED_SWITCH_SCX_DSQ;
	} else if (bpf_core_field_exists(t->scx.ddsp_dsq_id)) {
		e->scx_dsq_id = BPF_CORE_READ(t, scx.ddsp_dsq_id);
		e->flags |= SCHED_SWITCH_SCX_DSQ;
	}
}

static __always_inline void feed_switch(bool btf, struct schedagg_cpu *c, __u64 now, __u32 cpu, bool preempt,
					struct task_struct *prev, struct task_struct *next, __u32 prev_pid,
					__u32 next_pid, bool rq_lat, __u64 lat)
{
	__u32 prev_tgid, next_tgid;
	struct sched_event_switch *e;

	if (!feed_type(SCHED_EVENT_SWITCH) || !feed_cpu_ok(cpu))
		return;
	if (feed_min_lat_ns && (!rq_lat || lat < feed_min_lat_ns))
		return;
	prev_tgid = RD(btf, prev, tgid);
	next_tgid = RD(btf, next, tgid);
	if (!feed_task_ok(prev_pid, prev_tgid, next_pid, next_tgid))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_SWITCH, sizeof(*e), cpu, now);
	e->prev_pid = prev_pid;
	e->prev_tgid = prev_tgid;
	e->next_pid = next_pid;
	e->next_tgid = next_tgid;
	e->prev_prio = RD(btf, prev, prio);
	e->next_prio = RD(btf, next, prio);
	e->prev_state = task_state(btf, prev);
	e->flags = (preempt ? SCHED_SWITCH_PREEMPT : 0) | (rq_lat ? SCHED_SWITCH_RQ_LAT : 0);
	e->rq_lat_ns = rq_lat ? lat : 0;
	bpf_get_current_comm(e->prev_comm, sizeof(e->prev_comm)); /* prev is current */
	bpf_probe_read_kernel(e->next_comm, sizeof(e->next_comm), &next->comm);
	e->scx_dsq_id = 0;
	e->scx_dsq_lat_ns = 0;
	e->scx_slice_ns = 0;
	e->scx_vtime = 0;
	feed_scx(e, next);
	feed_commit(c, e, e->prev_comm, e->next_comm);
}

static __always_inline void feed_wakeup(bool btf, struct schedagg_cpu *c, __u64 now, __u32 cpu, __u32 type,
					struct task_struct *p, __u32 pid)
{
	__u64 cur = bpf_get_current_pid_tgid();
	struct sched_event_wakeup *e;
	__u32 tgid;

	if (!feed_type(type) || !feed_cpu_ok(cpu))
		return;
	tgid = RD(btf, p, tgid);
	if (!feed_task_ok(pid, tgid, (__u32)cur, cur >> 32))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, type, sizeof(*e), cpu, now);
	e->pid = pid;
	e->tgid = tgid;
	e->prio = RD(btf, p, prio);
	e->target_cpu = task_cpu(p);
	e->waker_pid = (__u32)cur;
	e->waker_tgid = cur >> 32;
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), &p->comm);
	bpf_get_current_comm(e->waker_comm, sizeof(e->waker_comm));
	feed_commit(c, e, e->comm, e->waker_comm);
}

static __always_inline void feed_migrate(bool btf, struct task_struct *p, __u32 pid, __u32 orig, __u32 dest)
{
	__u32 cpu = bpf_get_smp_processor_id(), tgid;
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_migrate *e;

	if (!feed_type(SCHED_EVENT_MIGRATE) || !feed_cpu_ok(cpu))
		return;
	tgid = RD(btf, p, tgid);
	if (!feed_task_ok(pid, tgid, pid, tgid))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_MIGRATE, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->pid = pid;
	e->tgid = tgid;
	e->prio = RD(btf, p, prio);
	e->orig_cpu = orig;
	e->dest_cpu = dest;
	e->pad = 0;
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), &p->comm);
	feed_commit(c, e, e->comm, NULL);
}

static __always_inline void feed_fork(bool btf, struct task_struct *parent, struct task_struct *child)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 ppid = RD(btf, parent, pid), ptgid = RD(btf, parent, tgid);
	__u32 cpid = RD(btf, child, pid), ctgid = RD(btf, child, tgid);
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_fork *e;

	if (!feed_type(SCHED_EVENT_FORK) || !feed_cpu_ok(cpu) || !feed_task_ok(ppid, ptgid, cpid, ctgid))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_FORK, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->parent_pid = ppid;
	e->parent_tgid = ptgid;
	e->child_pid = cpid;
	e->child_tgid = ctgid;
	bpf_probe_read_kernel(e->parent_comm, sizeof(e->parent_comm), &parent->comm);
	bpf_probe_read_kernel(e->child_comm, sizeof(e->child_comm), &child->comm);
	feed_commit(c, e, e->parent_comm, e->child_comm);
}

static __always_inline void feed_exec(bool btf, struct task_struct *p, __u32 pid, __u32 old_pid,
				      struct linux_binprm *bprm)
{
	__u32 cpu = bpf_get_smp_processor_id(), tgid = RD(btf, p, tgid);
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_exec *e;
	const char *fn;

	if (!feed_type(SCHED_EVENT_EXEC) || !feed_cpu_ok(cpu) || !feed_task_ok(pid, tgid, old_pid, tgid))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_EXEC, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->pid = pid;
	e->tgid = tgid;
	e->old_pid = old_pid;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	fn = BPF_CORE_READ(bprm, filename);
	if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), fn) < 0)
		e->filename[0] = 0;
	feed_commit(c, e, e->comm, NULL);
}

static __always_inline void feed_exit(bool btf, struct task_struct *p, __u32 pid, struct schedagg_task *t)
{
	__u32 cpu = bpf_get_smp_processor_id(), tgid = RD(btf, p, tgid);
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_exit *e;

	if (!feed_type(SCHED_EVENT_EXIT) || !feed_cpu_ok(cpu) || !feed_task_ok(pid, tgid, pid, tgid))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_EXIT, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->pid = pid;
	e->tgid = tgid;
	e->prio = RD(btf, p, prio);
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->runtime_ns = t ? t->runtime_ns : 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	feed_commit(c, e, e->comm, NULL);
}

static __always_inline void feed_wait(struct pid *target)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 cur = bpf_get_current_pid_tgid();
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_wait *e;

	if (!feed_type(SCHED_EVENT_WAIT) || !feed_cpu_ok(cpu) ||
	    !feed_task_ok((__u32)cur, cur >> 32, (__u32)cur, cur >> 32))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_WAIT, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->pid = (__u32)cur;
	e->tgid = cur >> 32;
	/* the global pid number: numbers[0] is the initial namespace's */
	e->target_pid = target ? BPF_CORE_READ(target, numbers[0].nr) : 0;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	feed_commit(c, e, e->comm, NULL);
}

static __always_inline void feed_hang(bool btf, struct task_struct *p)
{
	__u32 cpu = bpf_get_smp_processor_id(), pid = RD(btf, p, pid), tgid = RD(btf, p, tgid);
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_hang *e;

	if (!feed_type(SCHED_EVENT_HANG) || !feed_cpu_ok(cpu) || !feed_task_ok(pid, tgid, pid, tgid))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_HANG, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->pid = pid;
	e->tgid = tgid;
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), &p->comm);
	feed_commit(c, e, e->comm, NULL);
}

static __always_inline void feed_softirq(__u64 now, __u32 vec, __u64 d, __u64 cur)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_softirq *e;

	if (!feed_type(SCHED_EVENT_SOFTIRQ) || !feed_cpu_ok(cpu) || d < feed_min_lat_ns ||
	    !feed_task_ok((__u32)cur, cur >> 32, (__u32)cur, cur >> 32))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_SOFTIRQ, sizeof(*e), cpu, now);
	e->vec = vec;
	e->pid = (__u32)cur;
	e->tgid = cur >> 32;
	e->pad = 0;
	e->duration_ns = d;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	feed_commit(c, e, e->comm, NULL);
}

/* Events without a task: a pid or tgid filter excludes them. */
static __always_inline bool feed_taskless_ok(__u32 type, __u32 cpu)
{
	return feed_type(type) && feed_cpu_ok(cpu) && !feed_filter_pids && !feed_comm_len;
}

static __always_inline void feed_cpu_frequency(__u32 target, __u32 freq)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_cpu_frequency *e;

	if (!feed_taskless_ok(SCHED_EVENT_CPU_FREQUENCY, cpu))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_CPU_FREQUENCY, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->target_cpu = target;
	e->freq_khz = freq;
	feed_commit(c, e, NULL, NULL);
}

static __always_inline void feed_cpuhp(__u32 type, __u32 target, int state, int v)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_cpuhp *e;

	if (!feed_taskless_ok(type, cpu))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, type, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->target_cpu = target;
	e->state = state;
	e->idx_or_ret = v;
	e->pad = 0;
	feed_commit(c, e, NULL, NULL);
}

static __always_inline void feed_hw_pressure(__u32 target, __u64 pressure)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_hw_pressure *e;

	if (!feed_taskless_ok(SCHED_EVENT_HW_PRESSURE, cpu))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_HW_PRESSURE, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->target_cpu = target;
	e->pad = 0;
	e->pressure = pressure;
	feed_commit(c, e, NULL, NULL);
}

static __always_inline void feed_ipi(__u32 target, __u32 n, __u64 mask)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 cur = bpf_get_current_pid_tgid();
	struct schedagg_cpu *c = cpu_get();
	struct sched_event_ipi *e;

	if (!feed_type(SCHED_EVENT_IPI) || !feed_cpu_ok(cpu) ||
	    !feed_task_ok((__u32)cur, cur >> 32, (__u32)cur, cur >> 32))
		return;
	e = feed_reserve(c, sizeof(*e));
	if (!e)
		return;
	feed_header(&e->h, SCHED_EVENT_IPI, sizeof(*e), cpu, bpf_ktime_get_ns());
	e->pid = (__u32)cur;
	e->tgid = cur >> 32;
	e->target_cpu = target;
	e->nr_targets = n;
	e->mask_low64 = mask;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	feed_commit(c, e, e->comm, NULL);
}
