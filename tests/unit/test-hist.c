/* test-hist.c: unit tests for hist.c: slots as BPF computes them, percentiles, bounds and the JSON summary. */
#include <math.h>

#include "hist.h"
#include "json-util.h"
#include "test-util.h"

static bool near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

/* The BPF side's log2 (schedagg.bpf.c), redone here: the two must agree. */
static unsigned bpf_slot(uint64_t v)
{
	uint32_t x, r, shift;

	if (v >> 32)
		return HIST_SLOTS - 1;
	x = (uint32_t)v;
	r = (x > 0xFFFF) << 4;
	x >>= r;
	shift = (x > 0xFF) << 3;
	x >>= shift;
	r |= shift;
	shift = (x > 0xF) << 2;
	x >>= shift;
	r |= shift;
	shift = (x > 0x3) << 1;
	x >>= shift;
	r |= shift;
	r |= (x >> 1);
	return r < HIST_SLOTS ? r : HIST_SLOTS - 1;
}

static void test_slots(void)
{
	static const uint64_t values[] = { 0, 1, 2, 3, 4, 1023, 1024, 1025, 999999, 1u << 31, (1ull << 32) - 1,
					   1ull << 32, UINT64_MAX };
	uint64_t lo, hi;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		CHECK_INT_EQ(bpf_slot(values[i]), hist_slot_of(values[i]));
		hist_slot_bounds(hist_slot_of(values[i]), &lo, &hi);
		CHECK(values[i] >= lo && (values[i] < hi || hi == UINT64_MAX || values[i] >> 32));
	}
	CHECK_INT_EQ(0, hist_slot_of(0));
	CHECK_INT_EQ(0, hist_slot_of(1));
	CHECK_INT_EQ(10, hist_slot_of(1024));
	CHECK_INT_EQ(HIST_SLOTS - 1, hist_slot_of(UINT64_MAX));
	hist_slot_bounds(0, &lo, &hi);
	CHECK_INT_EQ(0, lo);
	CHECK_INT_EQ(2, hi);
	hist_slot_bounds(HIST_SLOTS - 1, &lo, &hi);
	CHECK(hi == UINT64_MAX);
}

static void test_percentiles(void)
{
	struct hist h = { 0 };

	CHECK(hist_percentile(&h, 50, 0) == 0);
	CHECK_INT_EQ(0, hist_max_bound(&h));

	/* 100 samples in [1024, 2048): percentiles interpolate through the slot */
	h.slot[10] = 100;
	CHECK(near(hist_percentile(&h, 50, 0), 1024 + 0.5 * 1024, 1e-6));
	CHECK(near(hist_percentile(&h, 99, 0), 1024 + 0.99 * 1024, 1e-6));
	CHECK(near(hist_percentile(&h, 100, 0), 2048, 1e-6));
	CHECK_INT_EQ(2048, hist_max_bound(&h));
	/* a known maximum caps them */
	CHECK(near(hist_percentile(&h, 99, 1500), 1500, 1e-6));

	/* 90 fast, 10 slow: p50 among the fast, p99 among the slow */
	h = (struct hist){ 0 };
	h.slot[10] = 90;
	h.slot[20] = 10;
	CHECK(hist_percentile(&h, 50, 0) < 2048);
	CHECK(hist_percentile(&h, 90, 0) <= 2048);
	CHECK(hist_percentile(&h, 91, 0) >= 1 << 20);
	CHECK(hist_percentile(&h, 99, 0) >= 1 << 20 && hist_percentile(&h, 99, 0) < 1 << 21);
	CHECK_INT_EQ(100, hist_count(&h));

	/* percentiles never go down as p grows */
	h = (struct hist){ 0 };
	for (unsigned i = 3; i < 25; i++)
		h.slot[i] = i * 7 % 13 + 1;
	for (double p = 1, prev = 0; p <= 100; p += 1) {
		double v = hist_percentile(&h, p, 0);

		CHECK(v >= prev);
		prev = v;
	}
	/* the open-ended last slot answers its lower bound */
	h = (struct hist){ 0 };
	h.slot[HIST_SLOTS - 1] = 5;
	CHECK(near(hist_percentile(&h, 50, 0), (double)(1ull << (HIST_SLOTS - 1)), 1));
}

static void test_json(void)
{
	struct hist h = { 0 };
	_cleanup_json_ json_t *empty = hist_to_json(&h, 0, 0), *j = NULL, *k = NULL;

	CHECK_INT_EQ(0, json_integer_value(json_object_get(empty, "count")));
	CHECK(json_is_null(json_object_get(empty, "p50_us")));
	h.slot[10] = 4; /* four samples of about 1.5 us */
	j = hist_to_json(&h, 6000, 1900);
	CHECK_INT_EQ(4, json_integer_value(json_object_get(j, "count")));
	CHECK(near(json_real_value(json_object_get(j, "avg_us")), 1.5, 1e-9));
	CHECK(near(json_real_value(json_object_get(j, "max_us")), 1.9, 1e-9));
	CHECK(json_real_value(json_object_get(j, "p99_us")) <= 1.9);
	k = hist_to_json(&h, 6000, 0);
	CHECK(json_object_get(k, "max_us") == NULL);
	CHECK(near(json_real_value(json_object_get(k, "max_us_le")), 2.048, 1e-9));
	CHECK(near(round_to(1.23456, 1000), 1.235, 1e-12));
	CHECK(near(round_to(-1.23456, 100), -1.23, 1e-12));
}

int main(void)
{
	test_slots();
	test_percentiles();
	test_json();
	return test_result("test-hist");
}
