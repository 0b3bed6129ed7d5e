/* hist.c: percentiles and summaries of log2 nanosecond histograms. */

#include "hist.h"
#include "macro.h"

double round_to(double v, double scale)
{
	return (double)(long long)(v * scale + (v >= 0 ? 0.5 : -0.5)) / scale;
}

uint64_t hist_count(const struct hist *h)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < HIST_SLOTS; i++)
		n += h->slot[i];
	return n;
}

unsigned hist_slot_of(uint64_t ns)
{
	unsigned s = 0;

	if (ns >> 32)
		return HIST_SLOTS - 1;
	while (ns >>= 1)
		s++;
	return MIN(s, HIST_SLOTS - 1);
}

void hist_slot_bounds(unsigned i, uint64_t *ret_lo, uint64_t *ret_hi)
{
	*ret_lo = i == 0 ? 0 : UINT64_C(1) << i;
	*ret_hi = i >= HIST_SLOTS - 1 ? UINT64_MAX : UINT64_C(1) << (i + 1);
}

double hist_percentile(const struct hist *h, double p, uint64_t max_ns)
{
	uint64_t n = hist_count(h), seen = 0;
	double rank, v = 0;

	if (n == 0)
		return 0;
	if (p > 100)
		p = 100;
	/* the value below which p percent of the samples fall: rank in [1, n] */
	rank = p / 100.0 * (double)n;
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_SLOTS; i++) {
		uint64_t lo, hi;

		if (!h->slot[i])
			continue;
		if ((double)(seen + h->slot[i]) + 1e-9 < rank) {
			seen += h->slot[i];
			continue;
		}
		hist_slot_bounds(i, &lo, &hi);
		if (hi == UINT64_MAX) {
			v = (double)lo; /* open-ended: the bound is all we know */
		} else {
			double frac = (rank - (double)seen) / (double)h->slot[i];

			v = (double)lo + frac * (double)(hi - lo);
		}
		break;
	}
	if (max_ns && v > (double)max_ns)
		v = (double)max_ns;
	return v;
}

uint64_t hist_max_bound(const struct hist *h)
{
	for (unsigned i = HIST_SLOTS; i-- > 0;)
		if (h->slot[i]) {
			uint64_t lo, hi;

			hist_slot_bounds(i, &lo, &hi);
			return hi == UINT64_MAX ? lo : hi;
		}
	return 0;
}

static json_t *us_or_null(double ns, uint64_t n)
{
	return n ? json_real(round_to(ns / 1000.0, 1000)) : json_null();
}

json_t *hist_to_json(const struct hist *h, uint64_t sum_ns, uint64_t max_ns)
{
	uint64_t n = hist_count(h);
	json_t *o = json_pack("{s:I}", "count", (json_int_t)n);

	if (!o)
		return NULL;
	if (json_object_set_new(o, "avg_us", us_or_null(n ? (double)sum_ns / (double)n : 0, n)) < 0 ||
	    json_object_set_new(o, "p50_us", us_or_null(hist_percentile(h, 50, max_ns), n)) < 0 ||
	    json_object_set_new(o, "p90_us", us_or_null(hist_percentile(h, 90, max_ns), n)) < 0 ||
	    json_object_set_new(o, "p99_us", us_or_null(hist_percentile(h, 99, max_ns), n)) < 0 ||
	    json_object_set_new(o, max_ns ? "max_us" : "max_us_le",
				us_or_null(max_ns ? (double)max_ns : (double)hist_max_bound(h), n)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
