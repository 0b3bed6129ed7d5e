// SPDX-License-Identifier: GPL-2.0
/* schedagg.bpf.c: always-on in-kernel scheduler aggregation: per-CPU context switch counts. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "schedagg.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct schedagg_cpu);
} cpu_stats SEC(".maps");

static __always_inline int count_switch(void)
{
	__u32 zero = 0;
	struct schedagg_cpu *s = bpf_map_lookup_elem(&cpu_stats, &zero);

	if (s)
		s->switches++; /* per-CPU slot: no atomic needed */
	return 0;
}

/* tp_btf is cheaper (direct BTF args); raw_tp is the fallback for kernels
 * where tp_btf cannot attach. The loader picks one with set_autoload. */
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return count_switch();
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw)
{
	return count_switch();
}

char LICENSE[] SEC("license") = "GPL";
