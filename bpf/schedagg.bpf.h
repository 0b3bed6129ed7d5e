/* schedagg.bpf.h: records shared by schedagg.bpf.c and its loader (fixed widths, explicit padding). */
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Per-CPU counters, one slot of a BPF_MAP_TYPE_PERCPU_ARRAY. */
struct schedagg_cpu {
	__u64 switches;
	__u64 pad[7]; /* a cache line per CPU slot; room for the counters to come */
};
