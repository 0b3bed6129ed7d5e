/* unwind.h: user stacks of call_graph dwarf samples: libunwind over a copied stack and .eh_frame. */
#pragma once

#include <stdint.h>

#include "symbolize.h"

/* Registers sampled with PERF_SAMPLE_REGS_USER: every general-purpose one
 * (perf's x86_64 numbering: AX..DI, BP, SP, IP, then R8..R15). */
#define UNWIND_REGS_MASK (UINT64_C(0x1ff) | (UINT64_C(0xff) << 16))
#define UNWIND_PERF_REG_BP 6
#define UNWIND_PERF_REG_SP 7
#define UNWIND_PERF_REG_IP 8
#define UNWIND_PERF_REGS 24

struct unwinder;

struct unwind_input {
	const struct sym_process *proc;
	uint64_t regs[UNWIND_PERF_REGS]; /* indexed by perf register number */
	uint64_t regs_mask;              /* which of them were sampled */
	const uint8_t *stack;            /* the copy of the user stack, starting at SP */
	uint64_t stack_size;
};

int unwinder_new(struct symbolizer *s, struct unwinder **ret);
void unwinder_free(struct unwinder *u);

/* Instruction pointers, innermost first (the sampled IP, then return
 * addresses). Returns how many; 0 when not even the first could be had. */
unsigned unwind_user(struct unwinder *u, const struct unwind_input *in, uint64_t *ips, unsigned max);

/* Fills regs/regs_mask from the sample's register block (values in mask bit order). */
void unwind_regs_from_sample(struct unwind_input *in, uint64_t mask, const uint64_t *values, unsigned n);

struct unwind_stats {
	uint64_t stacks, frames, no_info, truncated;
};
void unwinder_stats(const struct unwinder *u, struct unwind_stats *ret);
