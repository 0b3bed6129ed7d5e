/* hist.h: log2 histograms of nanoseconds (the BPF side's layout) and percentiles read from them. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#define HIST_SLOTS 32 /* SCHEDAGG_HIST_SLOTS: slot i holds [2^i, 2^(i+1)) ns, slot 0 also 0 */

struct hist {
	uint64_t slot[HIST_SLOTS];
};

static inline void hist_add(struct hist *h, const struct hist *o)
{
	for (unsigned i = 0; i < HIST_SLOTS; i++)
		h->slot[i] += o->slot[i];
}

uint64_t hist_count(const struct hist *h);
/* The slot a value falls in, as BPF computes it. */
unsigned hist_slot_of(uint64_t ns);
/* Bounds of slot i in ns: [lo, hi); the last slot's hi is UINT64_MAX. */
void hist_slot_bounds(unsigned i, uint64_t *ret_lo, uint64_t *ret_hi);

/* The p-th percentile (0 < p <= 100) in ns, interpolated linearly inside
 * its slot, and never above max_ns when max_ns is known (non-zero). 0 for
 * an empty histogram. */
double hist_percentile(const struct hist *h, double p, uint64_t max_ns);
/* The upper bound of the highest non-empty slot (what the histogram knows of
 * the maximum); 0 for an empty one. */
uint64_t hist_max_bound(const struct hist *h);

/* {"count", "avg_us", "p50_us", "p90_us", "p99_us", "max_us"} with max_us the
 * exact maximum when max_ns is given, else "max_us_le" (the histogram's bound).
 * avg from sum_ns; all null when count is 0. */
json_t *hist_to_json(const struct hist *h, uint64_t sum_ns, uint64_t max_ns);

/* Rounds v to `scale` (e.g. 1000 keeps three decimals). */
double round_to(double v, double scale);
