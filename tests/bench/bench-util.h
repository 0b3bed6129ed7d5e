/* bench-util.h: clocks, percentiles and medians of rounds, shared by the C benchmarks. */
#pragma once

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_ROUNDS_MAX 64

struct bench_series {
	double v[BENCH_ROUNDS_MAX];
	unsigned n;
};

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts `v` in place. */
static inline double bench_percentile(double *v, size_t n, double pct)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp);
	i = (size_t)(pct / 100.0 * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static inline void bench_series_add(struct bench_series *s, double x)
{
	if (s->n < BENCH_ROUNDS_MAX)
		s->v[s->n++] = x;
}

static inline double bench_median(const struct bench_series *s)
{
	double tmp[BENCH_ROUNDS_MAX];

	memcpy(tmp, s->v, s->n * sizeof(double));
	return bench_percentile(tmp, s->n, 50);
}

static inline double bench_min(const struct bench_series *s)
{
	double m = s->n ? s->v[0] : 0;

	for (unsigned i = 1; i < s->n; i++)
		m = s->v[i] < m ? s->v[i] : m;
	return m;
}

static inline double bench_max(const struct bench_series *s)
{
	double m = s->n ? s->v[0] : 0;

	for (unsigned i = 1; i < s->n; i++)
		m = s->v[i] > m ? s->v[i] : m;
	return m;
}
