/* test-schedwin.c: unit tests for schedwin.c: windows over synthetic reads, per-CPU differences and
 * maxima, per-task deltas across pid reuse and wraps, pairs and softirq tasks, the delta budget. */
#include <stdlib.h>
#include <string.h>

#include "schedwin.h"
#include "test-util.h"

#define SEC 1000000000ull
#define NCPU 2

/* A read at t seconds where every counter grows linearly with t. */
static struct agg_read make_read(uint64_t t, size_t ntasks)
{
	struct agg_read r = { .mono_ns = t * SEC, .nr_cpus = NCPU };

	r.cpus = calloc(NCPU, sizeof(*r.cpus));
	r.tasks = calloc(ntasks ? ntasks : 1, sizeof(*r.tasks));
	r.pairs = calloc(1, sizeof(*r.pairs));
	r.sirq = calloc(1, sizeof(*r.sirq));
	if (!r.cpus || !r.tasks || !r.pairs || !r.sirq)
		abort();
	for (unsigned c = 0; c < NCPU; c++) {
		r.cpus[c].switches = 1000 * t * (c + 1);
		r.cpus[c].busy_ns = t * SEC / 2;
		r.cpus[c].idle_ns = t * SEC / 2;
		r.cpus[c].rq_lat.slot[10] = 100 * t;
		r.cpus[c].rq_lat_sum_ns = 100 * t * 1500;
		r.cpus[c].rq_lat_max_ns = 1000 + t; /* the interval's max */
		r.cpus[c].sirq_count[1] = 10 * t;
		r.cpus[c].sirq_ns[1] = 10 * t * 5000;
	}
	r.sirq_hist[1].slot[12] = 20 * t;
	return r;
}

static void set_task(struct agg_read *r, size_t i, uint32_t pid, uint64_t created, uint64_t runtime_ms, uint32_t switches)
{
	struct agg_task *t = &r->tasks[i];

	t->pid = pid;
	t->tgid = pid;
	t->created_ns = created;
	snprintf(t->comm, sizeof(t->comm), "task%u", pid);
	t->runtime_ns = runtime_ms * 1000000;
	t->switches = switches;
	t->rq_lat_hist[8] = switches;
	r->nr_tasks = i + 1;
}

static void add(struct schedwin *w, struct agg_read r)
{
	CHECK_INT_EQ(0, schedwin_add(w, &r));
	CHECK(r.cpus == NULL && r.tasks == NULL); /* taken */
}

static void test_windows(void)
{
	_cleanup_(schedwin_freep) struct schedwin *w = NULL;
	struct schedwin_span s;
	struct cpu_window *c = NULL;
	struct hist sh[SCHEDWIN_NR_SOFTIRQS];

	CHECK_INT_EQ(0, schedwin_new(1000, &w));
	CHECK_INT_EQ(-EAGAIN, schedwin_span(w, 10, &s));
	add(w, make_read(100, 0));
	CHECK_INT_EQ(-EAGAIN, schedwin_span(w, 10, &s));
	for (uint64_t t = 101; t <= 200; t++)
		add(w, make_read(t, 0));
	/* the ring keeps 60 s and a little more */
	CHECK(schedwin_count(w) >= 61 && schedwin_count(w) <= 62);

	CHECK_INT_EQ(0, schedwin_span(w, 10, &s));
	CHECK_INT_EQ(10 * SEC, s.end_ns - s.start_ns);
	CHECK_INT_EQ(200 * SEC, s.end_ns);
	CHECK_INT_EQ(10, s.nr_reads);
	CHECK_INT_EQ(NCPU, schedwin_cpus(w, &s, &c));
	CHECK_INT_EQ(10000, c[0].switches);
	CHECK_INT_EQ(20000, c[1].switches);
	CHECK_INT_EQ(5 * SEC, c[0].busy_ns);
	CHECK_INT_EQ(1000, c[0].rq_lat.slot[10]);
	CHECK_INT_EQ(1000 * 1500, c[0].rq_lat_sum_ns);
	CHECK_INT_EQ(1200, c[0].rq_lat_max_ns); /* the largest interval max inside the window */
	CHECK_INT_EQ(100, c[1].sirq_count[1]);
	CHECK(c[0].present);
	free(c);
	schedwin_softirq_hist(w, &s, sh);
	CHECK_INT_EQ(200, sh[1].slot[12]);

	CHECK_INT_EQ(0, schedwin_span(w, 1, &s));
	CHECK_INT_EQ(1 * SEC, s.end_ns - s.start_ns);
	CHECK_INT_EQ(0, schedwin_span(w, 60, &s));
	CHECK_INT_EQ(60 * SEC, s.end_ns - s.start_ns);

	/* a new interval empties the ring */
	CHECK_INT_EQ(0, schedwin_set_interval(w, 500));
	CHECK_INT_EQ(0, schedwin_count(w));
	CHECK_INT_EQ(500, schedwin_interval_ms(w));
}

static void test_short_history(void)
{
	_cleanup_(schedwin_freep) struct schedwin *w = NULL;
	struct schedwin_span s;

	CHECK_INT_EQ(0, schedwin_new(1000, &w));
	add(w, make_read(10, 0));
	add(w, make_read(11, 0));
	add(w, make_read(12, 0));
	/* 60 s asked, 2 s held: the span says what it covers */
	CHECK_INT_EQ(0, schedwin_span(w, 60, &s));
	CHECK_INT_EQ(2 * SEC, s.end_ns - s.start_ns);
	CHECK_INT_EQ(60, s.requested_s);
}

static void test_tasks(void)
{
	_cleanup_(schedwin_freep) struct schedwin *w = NULL;
	struct schedwin_span s;
	struct task_delta *d = NULL;
	size_t n = 0;
	struct agg_read r;

	CHECK_INT_EQ(0, schedwin_new(1000, &w));
	r = make_read(1, 3);
	set_task(&r, 0, 10, 5, 100, 10);
	set_task(&r, 1, 20, 5, 0, 0);
	set_task(&r, 2, 30, 5, 50, 4294967290u); /* about to wrap */
	add(w, r);

	r = make_read(2, 3);
	set_task(&r, 0, 10, 5, 300, 30);	/* +200 ms, +20 */
	set_task(&r, 1, 20, 5, 0, 0);		/* idle: no delta kept */
	set_task(&r, 2, 30, 5, 60, 4);		/* wrapped: +10 switches */
	add(w, r);

	r = make_read(3, 3);
	set_task(&r, 0, 10, 5, 400, 35);
	set_task(&r, 1, 20, 77, 70, 7);		/* pid 20 reused: a new life counts from zero */
	set_task(&r, 2, 30, 5, 60, 4);
	r.tasks[2].exited = true;		/* exited, nothing else changed: still reported */
	add(w, r);

	CHECK_INT_EQ(0, schedwin_span(w, 2, &s));
	CHECK_INT_EQ(0, schedwin_tasks(w, &s, &d, &n));
	CHECK_INT_EQ(3, n);
	for (size_t i = 0; i < n; i++) {
		if (d[i].pid == 10) {
			CHECK_INT_EQ(300 * 1000000ull, d[i].runtime_ns);
			CHECK_INT_EQ(25, d[i].switches);
			CHECK_INT_EQ(25, d[i].rq_lat_hist[8]);
			CHECK_STR_EQ("task10", d[i].comm);
		} else if (d[i].pid == 20) {
			CHECK_INT_EQ(77, d[i].created_ns);
			CHECK_INT_EQ(70 * 1000000ull, d[i].runtime_ns);
			CHECK_INT_EQ(7, d[i].switches);
		} else if (d[i].pid == 30) {
			CHECK_INT_EQ(10, d[i].switches);
			CHECK_INT_EQ(10 * 1000000ull, d[i].runtime_ns);
			CHECK(d[i].exited);
		} else {
			CHECK(!"unexpected pid");
		}
	}
	free(d);
	/* the newest read stays available for identities */
	CHECK(schedwin_latest(w) != NULL);
	CHECK_INT_EQ(3, schedwin_latest(w)->nr_tasks);
}

static void test_budget(void)
{
	_cleanup_(schedwin_freep) struct schedwin *w = NULL;
	struct schedwin_dropped dr;
	struct schedwin_span s;
	struct task_delta *d = NULL;
	const size_t many = 20000;
	struct agg_read r;
	size_t n = 0;

	CHECK_INT_EQ(0, schedwin_new(1000, &w));
	r = make_read(1, many);
	for (size_t i = 0; i < many; i++)
		set_task(&r, i, (uint32_t)i + 1, 1, 0, 0);
	add(w, r);
	r = make_read(2, many);
	for (size_t i = 0; i < many; i++)
		set_task(&r, i, (uint32_t)i + 1, 1, i + 1, 1); /* every task ran; pid p ran p ms */
	add(w, r);
	CHECK_INT_EQ(0, schedwin_span(w, 1, &s));
	CHECK_INT_EQ(0, schedwin_tasks(w, &s, &d, &n));
	schedwin_dropped(w, &s, &dr);
	/* more than a read's share: the busiest are kept, the rest counted */
	CHECK(n < many);
	CHECK_INT_EQ(many, n + dr.tasks);
	CHECK(dr.tasks_runtime_ns > 0);
	for (size_t i = 0; i < n; i++)
		CHECK(d[i].pid > dr.tasks); /* the smallest runtimes went */
	free(d);
	/* memory stays bounded: the ring is well under its budget plus the base read */
	CHECK(schedwin_bytes(w) < SCHEDWIN_DELTA_BUDGET + many * sizeof(struct agg_task) + (1u << 20));
}

static void test_pairs_sirq(void)
{
	_cleanup_(schedwin_freep) struct schedwin *w = NULL;
	struct schedwin_span s;
	struct pair_delta *p = NULL;
	struct sirq_task_delta *q = NULL;
	size_t n = 0;
	struct agg_read r;

	CHECK_INT_EQ(0, schedwin_new(1000, &w));
	for (uint64_t t = 1; t <= 3; t++) {
		r = make_read(t, 0);
		r.pairs = realloc(r.pairs, 2 * sizeof(*r.pairs));
		r.sirq = realloc(r.sirq, 2 * sizeof(*r.sirq));
		memset(r.pairs, 0, 2 * sizeof(*r.pairs));
		memset(r.sirq, 0, 2 * sizeof(*r.sirq));
		r.pairs[0] = (struct agg_pair){ .waker = 5, .wakee = 6, .created_ns = 1, .count = (uint32_t)(10 * t),
						.lat_sum_ns = 1000 * t };
		r.pairs[0].locality[AGG_SAME_LLC] = (uint32_t)(10 * t);
		r.pairs[0].lat_hist[7] = (uint32_t)(10 * t);
		r.pairs[1] = (struct agg_pair){ .waker = 1, .wakee = 6, .created_ns = 1, .count = 3 };
		r.nr_pairs = 2;
		r.sirq[0] = (struct agg_sirq_task){ .pid = 0, .vec = 1, .created_ns = 1, .ns = 100 * t, .count = t };
		r.sirq[1] = (struct agg_sirq_task){ .pid = 9, .vec = 3, .created_ns = 1, .ns = 7, .count = 1 };
		r.nr_sirq = 2;
		add(w, r);
	}
	CHECK_INT_EQ(0, schedwin_span(w, 2, &s));
	CHECK_INT_EQ(0, schedwin_pairs(w, &s, &p, &n));
	CHECK_INT_EQ(1, n); /* the constant pair changed nothing */
	CHECK_INT_EQ(5, p[0].waker);
	CHECK_INT_EQ(20, p[0].count);
	CHECK_INT_EQ(2000, p[0].lat_sum_ns);
	CHECK_INT_EQ(20, p[0].locality[AGG_SAME_LLC]);
	CHECK_INT_EQ(20, p[0].lat_hist[7]);
	free(p);
	CHECK_INT_EQ(0, schedwin_sirq_tasks(w, &s, &q, &n));
	CHECK_INT_EQ(1, n);
	CHECK_INT_EQ(0, q[0].pid);
	CHECK_INT_EQ(200, q[0].ns);
	CHECK_INT_EQ(2, q[0].count);
	free(q);
}

int main(void)
{
	test_windows();
	test_short_history();
	test_tasks();
	test_budget();
	test_pairs_sirq();
	return test_result("test-schedwin");
}
