// SPDX-License-Identifier: GPL-2.0
/* stackagg.bpf.c: in-kernel stack sampling: counts (tgid, pid, kernel stack, user stack) per perf sample. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "stackagg.bpf.h"

#define EFAULT 14 /* no errno.h for BPF: a stack that cannot be read */

/* Set by the loader before load: samples beyond it are not counted. */
const volatile __u64 max_samples = 0;
/* A tracepoint program runs for every hit of its tracepoint, whichever
 * perf event attached it: the loader's filters (0 / -1: none) apply here. */
const volatile __u32 filter_tgid = 0;
const volatile __s32 filter_cpu = -1;

/* Atomic across CPUs, so max_samples is exact. */
__u64 total_samples = 0;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, STACKAGG_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, STACKAGG_MAX_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STACKAGG_MAX_KEYS);
	__type(key, struct stackagg_key);
	__type(value, struct stackagg_value);
} counts SEC(".maps");

/* Processes already announced to user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STACKAGG_MAX_TGIDS);
	__type(key, __u32);
	__type(value, __u8);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} new_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stackagg_stats);
} stats SEC(".maps");

static __always_inline void announce(__u32 tgid)
{
	struct stackagg_new_tgid *r;
	__u8 one = 1;

	if (tgid == 0 || bpf_map_lookup_elem(&seen, &tgid))
		return;
	/* BPF_NOEXIST: only the first CPU to insert announces it. */
	if (bpf_map_update_elem(&seen, &tgid, &one, BPF_NOEXIST) < 0)
		return;
	r = bpf_ringbuf_reserve(&new_tgids, sizeof(*r), 0);
	if (!r)
		return;
	r->tgid = tgid;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
}

static __always_inline int count_stack(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	struct stackagg_key key = { .tgid = id >> 32, .pid = (__u32)id };
	struct stackagg_value *v, init = {};
	struct stackagg_stats *s;
	__u32 zero = 0;

	if (filter_tgid && key.tgid != filter_tgid)
		return 0;
	if (filter_cpu >= 0 && bpf_get_smp_processor_id() != (__u32)filter_cpu)
		return 0;
	s = bpf_map_lookup_elem(&stats, &zero);
	if (!s)
		return 0;
	if (max_samples && __sync_fetch_and_add(&total_samples, 1) >= max_samples) {
		s->over_limit++;
		return 0;
	}
	key.kstack = bpf_get_stackid(ctx, &stacks, 0);
	if (key.kstack < 0 && key.kstack != -EFAULT)
		s->kstack_err++;
	/* The idle task and kernel threads have no user stack: -EFAULT, not an error. */
	key.ustack = key.tgid ? bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK) : -EFAULT;
	if (key.ustack < 0 && key.ustack != -EFAULT)
		s->ustack_err++;

	v = bpf_map_lookup_elem(&counts, &key);
	if (!v) {
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		/* Another CPU may insert the same key first: then look it up. */
		bpf_map_update_elem(&counts, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&counts, &key);
		if (!v) {
			s->keys_full++;
			return 0;
		}
	}
	__sync_fetch_and_add(&v->count, 1);
	if (!s->first_ns)
		s->first_ns = now;
	s->last_ns = now;
	s->samples++;
	announce(key.tgid);
	return 0;
}

SEC("perf_event")
int stackagg_perf(struct bpf_perf_event_data *ctx)
{
	return count_stack(ctx);
}

/* Tracepoint perf events take only tracepoint programs. */
SEC("tracepoint")
int stackagg_tp(void *ctx)
{
	return count_stack(ctx);
}

char LICENSE[] SEC("license") = "GPL";
