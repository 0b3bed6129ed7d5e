/* stackagg.bpf.h: records shared by stackagg.bpf.c and its loader (fixed widths, explicit padding). */
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* perf_event_max_stack's default: the deepest chain a stack map slot holds. */
#define STACKAGG_MAX_DEPTH 127
#define STACKAGG_MAX_STACKS 8192
#define STACKAGG_MAX_KEYS 65536
#define STACKAGG_MAX_TGIDS 16384
#define STACKAGG_COMM_LEN 16

/* One row of the counts hash: who ran and the two stack ids (negative: no stack). */
struct stackagg_key {
	__u32 tgid;
	__u32 pid;
	__s32 kstack;
	__s32 ustack;
};

struct stackagg_value {
	__u64 count;
	char comm[STACKAGG_COMM_LEN];
};

/* Per-CPU counters of the program itself; user space sums them. */
struct stackagg_stats {
	__u64 samples;      /* counted in the hash */
	__u64 over_limit;   /* past max_samples: not counted */
	__u64 kstack_err;   /* bpf_get_stackid failed for the kernel stack (map full, collision) */
	__u64 ustack_err;   /* ... for the user stack (no user stack is not an error) */
	__u64 keys_full;    /* the counts hash was full */
	__u64 first_ns, last_ns;
	__u64 pad;
};

/* A ring record: the first sample of a process, so user space captures its
 * memory map while it still lives. */
struct stackagg_new_tgid {
	__u32 tgid;
	__u32 pad;
};
