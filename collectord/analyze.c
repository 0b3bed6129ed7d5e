/* analyze.c: analyze_waker_wakee (pairs, wake-up latency percentiles, cross-CPU/LLC/node shares) and
 * analyze_softirq (time and counts by vector, CPU or interrupted task) over a window. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "calls.h"
#include "errmsg.h"
#include "events-json.h"
#include "hist.h"
#include "json-util.h"
#include "macro.h"
#include "manager.h"
#include "paging.h"
#include "schedstats.h"
#include "schedwin.h"

#define LIMIT_DEFAULT 20
#define LIMIT_MAX 1000
#define SUMMARY_TOP 10

/* ---- shared ---- */

static int task_pid_cmp(const void *a, const void *b)
{
	const struct agg_task *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Who a pid is, from the newest read of the per-task table. */
static json_t *task_json(const struct agg_read *l, uint32_t pid, uint32_t tgid)
{
	struct agg_task key = { .pid = pid };
	const struct agg_task *t = l && pid ? bsearch(&key, l->tasks, l->nr_tasks, sizeof(*l->tasks), task_pid_cmp) : NULL;

	if (pid == 0)
		return json_pack("{s:i, s:i, s:s}", "pid", 0, "tgid", 0, "comm", "(idle: interrupt)");
	return json_pack("{s:i, s:i, s:s}", "pid", (int)pid, "tgid", (int)(tgid ? tgid : t ? t->tgid : 0), "comm",
			 t ? t->comm : "?");
}

static int parse_common(const json_t *args, const char *const *known, const char *const *modes, int *ret_mode,
			unsigned *ret_window, uint64_t *ret_limit, char **ret_error)
{
	const char *mode = NULL;
	int r;

	r = args_check_known(args, known, ret_error);
	if (r >= 0)
		r = arg_string(args, "mode", 32, &mode, ret_error);
	if (r >= 0)
		r = schedstats_window_arg(args, ret_window, ret_error);
	if (r < 0)
		return r;
	*ret_mode = 0;
	if (mode) {
		*ret_mode = -1;
		for (int i = 0; modes[i]; i++)
			if (strcmp(modes[i], mode) == 0)
				*ret_mode = i;
		if (*ret_mode < 0) {
			char list[128] = "";

			for (int i = 0; modes[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", modes[i]);
			return errmsg_set(ret_error, -EINVAL, "mode must be one of %s", list);
		}
	}
	*ret_limit = LIMIT_DEFAULT;
	r = json_get_uint(args, "limit", LIMIT_MAX, ret_limit);
	if (r == -EINVAL || r == -ERANGE)
		return errmsg_set(ret_error, -EINVAL, "limit must be an integer from 0 to %d", LIMIT_MAX);
	return 0;
}

static json_t *rate(uint64_t n, uint64_t ns)
{
	return ns ? json_real(round_to((double)n * 1e9 / (double)ns, 1000)) : json_null();
}

static json_t *share(uint64_t part, uint64_t whole)
{
	return whole ? json_real(round_to(100.0 * (double)part / (double)whole, 100)) : json_null();
}

/* Answers a call at once with o (or the unavailable body / an error). */
static int answer(struct call *c, json_t *o)
{
	if (!o)
		return -ENOMEM;
	call_reply(c, o);
	return 0;
}

/* ---- waker -> wakee ---- */

enum ww_mode { WW_SUMMARY, WW_PAIRS, WW_CROSS_LLC, WW_CROSS_NODE };
static const char *const ww_modes[] = { "summary", "pairs", "cross_llc", "cross_node", NULL };
static const char *const ww_args[] = { "mode", "pid", "limit", "window", NULL };

static uint64_t cross_llc(const struct pair_delta *p)
{
	return (uint64_t)p->locality[AGG_SAME_NODE] + p->locality[AGG_CROSS_NODE];
}

static uint64_t pair_key(const struct pair_delta *p, enum ww_mode m)
{
	switch (m) {
	case WW_CROSS_LLC:
		return cross_llc(p);
	case WW_CROSS_NODE:
		return p->locality[AGG_CROSS_NODE];
	default:
		return p->count;
	}
}

static int pair_cmp(const void *a, const void *b, void *mode)
{
	uint64_t x = pair_key(a, *(enum ww_mode *)mode), y = pair_key(b, *(enum ww_mode *)mode);

	return x > y ? -1 : x < y;
}

static json_t *locality_json(const uint64_t loc[AGG_LOCALITY_MAX], uint64_t total)
{
	return json_pack("{s:{s:I, s:o}, s:{s:I, s:o}, s:{s:I, s:o}, s:{s:I, s:o}, s:o, s:o, s:o}", "same_cpu", "count",
			 (json_int_t)loc[AGG_SAME_CPU], "pct", share(loc[AGG_SAME_CPU], total), "same_llc", "count",
			 (json_int_t)loc[AGG_SAME_LLC], "pct", share(loc[AGG_SAME_LLC], total), "cross_llc_same_node",
			 "count", (json_int_t)loc[AGG_SAME_NODE], "pct", share(loc[AGG_SAME_NODE], total), "cross_node",
			 "count", (json_int_t)loc[AGG_CROSS_NODE], "pct", share(loc[AGG_CROSS_NODE], total),
			 "cross_cpu_pct", share(total - loc[AGG_SAME_CPU], total), "cross_llc_pct",
			 share(loc[AGG_SAME_NODE] + loc[AGG_CROSS_NODE], total), "cross_node_pct",
			 share(loc[AGG_CROSS_NODE], total));
}

static json_t *pair_json(const struct agg_read *l, const struct pair_delta *p, uint64_t ns)
{
	uint64_t loc[AGG_LOCALITY_MAX];
	struct hist h;

	for (unsigned i = 0; i < AGG_LOCALITY_MAX; i++)
		loc[i] = p->locality[i];
	for (unsigned i = 0; i < HIST_SLOTS; i++)
		h.slot[i] = p->lat_hist[i];
	return json_pack("{s:o, s:o, s:I, s:o, s:o, s:o}", "waker", task_json(l, p->waker, p->waker_tgid), "wakee",
			 task_json(l, p->wakee, p->wakee_tgid), "wakeups", (json_int_t)p->count, "wakeups_per_s",
			 rate(p->count, ns), "latency", hist_to_json(&h, p->lat_sum_ns, 0), "locality",
			 locality_json(loc, p->count));
}

struct who {
	uint32_t pid, tgid;
	uint64_t count, partners;
};

static int who_cmp(const void *a, const void *b)
{
	const struct who *x = a, *y = b;

	return x->count > y->count ? -1 : x->count < y->count;
}

/* The top wakers (by_waker) or wakees over the pairs, which arrive sorted by (waker, wakee). */
static json_t *top_json(const struct agg_read *l, const struct pair_delta *p, size_t n, bool by_waker, uint64_t ns)
{
	_cleanup_free_ struct who *w = calloc(n ? n : 1, sizeof(*w));
	size_t k = 0;
	json_t *a;

	if (!w)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t pid = by_waker ? p[i].waker : p[i].wakee, tgid = by_waker ? p[i].waker_tgid : p[i].wakee_tgid;
		size_t j;

		for (j = 0; j < k && w[j].pid != pid; j++)
			;
		if (j == k)
			w[k++] = (struct who){ .pid = pid, .tgid = tgid };
		w[j].count += p[i].count;
		w[j].partners++;
	}
	qsort(w, k, sizeof(*w), who_cmp);
	a = json_array();
	for (size_t i = 0; a && i < k && i < SUMMARY_TOP; i++) {
		json_t *t = task_json(l, w[i].pid, w[i].tgid);

		json_object_set_new(t, "wakeups", json_integer((json_int_t)w[i].count));
		json_object_set_new(t, "wakeups_per_s", rate(w[i].count, ns));
		json_object_set_new(t, by_waker ? "distinct_wakees" : "distinct_wakers", json_integer((json_int_t)w[i].partners));
		json_array_append_new(a, t);
	}
	return a;
}

int analyze_waker_wakee_start(struct call *c, const json_t *args, char **ret_error)
{
	struct manager *m = call_manager(c);
	_cleanup_free_ struct pair_delta *pairs = NULL;
	_cleanup_json_ json_t *o = NULL, *list = NULL;
	struct schedwin_span span;
	struct schedwin_dropped dropped;
	const struct agg_read *l;
	struct schedwin *w;
	uint64_t limit, pid = 0, total = 0, loc[AGG_LOCALITY_MAX] = { 0 }, lat_sum = 0, ns;
	unsigned window_s;
	struct hist h = { 0 };
	size_t n = 0, k = 0;
	json_t *unavail = NULL;
	int mode, r;

	r = parse_common(args, ww_args, ww_modes, &mode, &window_s, &limit, ret_error);
	if (r < 0)
		return r;
	if (json_get_uint(args, "pid", INT32_MAX, &pid) == -EINVAL)
		return errmsg_set(ret_error, -EINVAL, "pid must be a process id");
	r = schedstats_span(m, window_s, &w, &span, &unavail, ret_error);
	if (r < 0)
		return r;
	if (r > 0)
		return answer(c, unavail);
	r = schedwin_pairs(w, &span, &pairs, &n);
	if (r < 0)
		return r;
	l = schedwin_latest(w);
	ns = span.end_ns - span.start_ns;
	/* the pid filter: pairs where it (thread or process) wakes or is woken */
	for (size_t i = 0; i < n; i++) {
		const struct pair_delta *p = &pairs[i];

		if (pid && p->waker != pid && p->wakee != pid && p->waker_tgid != pid && p->wakee_tgid != pid)
			continue;
		pairs[k++] = *p;
		total += p->count;
		lat_sum += p->lat_sum_ns;
		for (unsigned x = 0; x < AGG_LOCALITY_MAX; x++)
			loc[x] += p->locality[x];
		for (unsigned x = 0; x < HIST_SLOTS; x++)
			h.slot[x] += p->lat_hist[x];
	}
	n = k;
	o = json_pack("{s:s, s:s}", "mode", ww_modes[mode], "source",
		      "BPF: sched_waking names the waker (the task running when the wake-up is issued: for wake-ups "
		      "from interrupts, the interrupted task, pid 0 when the CPU was idle); the wait is the kernel's "
		      "run-queue delay until the wakee ran; the locality is from the waker's CPU to the CPU the "
		      "wakee ran on");
	if (!o || schedstats_window_to_json(w, &span, o) < 0)
		return -ENOMEM;
	if (pid)
		json_object_set_new(o, "pid", json_integer((json_int_t)pid));
	json_object_set_new(o, "wakeups", json_integer((json_int_t)total));
	json_object_set_new(o, "wakeups_per_s", rate(total, ns));
	json_object_set_new(o, "pairs_seen", json_integer((json_int_t)n));
	json_object_set_new(o, "latency", hist_to_json(&h, lat_sum, 0));
	json_object_set_new(o, "locality", locality_json(loc, total));
	if (mode == WW_SUMMARY) {
		json_object_set_new(o, "top_wakers", top_json(l, pairs, n, true, ns));
		json_object_set_new(o, "top_wakees", top_json(l, pairs, n, false, ns));
		limit = MIN(limit, (uint64_t)SUMMARY_TOP);
	}
	qsort_r(pairs, n, sizeof(*pairs), pair_cmp, &(enum ww_mode){ (enum ww_mode)mode });
	list = json_array();
	if (!list)
		return -ENOMEM;
	k = 0;
	for (size_t i = 0; i < n && k < limit; i++) {
		if ((mode == WW_CROSS_LLC || mode == WW_CROSS_NODE) && pair_key(&pairs[i], mode) == 0)
			break;
		json_array_append_new(list, pair_json(l, &pairs[i], ns));
		k++;
	}
	json_object_set_new(o, mode == WW_SUMMARY ? "top_pairs" : "pairs", TAKE_PTR(list));
	json_object_set_new(o, "more", json_integer((json_int_t)(n > k && mode != WW_CROSS_LLC && mode != WW_CROSS_NODE ? n - k : 0)));
	schedwin_dropped(w, &span, &dropped);
	json_object_set_new(o, "note",
			    json_string(dropped.pairs ? "some pairs were left out: more distinct pairs woke than collectord keeps per interval"
						     : "a pair's newest wake-ups are credited at the wakee's first wake-up of a later "
						       "interval or its exit, so the last second of a pair may show up late"));
	return answer(c, TAKE_PTR(o));
}

/* ---- softirqs ---- */

enum si_mode { SI_BY_TYPE, SI_BY_CPU, SI_BY_PROCESS };
static const char *const si_modes[] = { "by_type", "by_cpu", "by_process", NULL };
static const char *const si_args[] = { "mode", "softirq_nr", "limit", "window", NULL };

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* min, p50, p90, max of a value over CPUs. */
static json_t *spread_json(uint64_t *v, size_t n, double scale)
{
	if (!n)
		return json_null();
	qsort(v, n, sizeof(*v), u64_cmp);
	return json_pack("{s:f, s:f, s:f, s:f}", "min", round_to((double)v[0] * scale, 1000), "p50",
			 round_to((double)v[(n - 1) / 2] * scale, 1000), "p90", round_to((double)v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] * scale, 1000),
			 "max", round_to((double)v[n - 1] * scale, 1000));
}

static int parse_vec(const json_t *args, int *ret, char **ret_error)
{
	json_t *v = json_object_get(args, "softirq_nr");

	*ret = -1;
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < SCHEDWIN_NR_SOFTIRQS) {
		*ret = (int)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && (*ret = sched_event_softirq_from_name(json_string_value(v))) >= 0)
		return 0;
	return errmsg_set(ret_error, -EINVAL,
			  "softirq_nr must be 0-9 or a name: hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, "
			  "hrtimer, rcu");
}

struct sirq_who {
	uint32_t pid, tgid;
	uint64_t ns, count;
	uint64_t vec_ns[SCHEDWIN_NR_SOFTIRQS], vec_count[SCHEDWIN_NR_SOFTIRQS];
};

static int sirq_who_cmp(const void *a, const void *b)
{
	const struct sirq_who *x = a, *y = b;

	return x->ns > y->ns ? -1 : x->ns < y->ns;
}

static json_t *vec_breakdown(const uint64_t *ns, const uint64_t *count, int only)
{
	json_t *o = json_object();

	for (unsigned v = 0; o && v < SCHEDWIN_NR_SOFTIRQS; v++)
		if ((only < 0 || (int)v == only) && count[v])
			json_object_set_new(o, sched_event_softirq_name(v),
					    json_pack("{s:I, s:f}", "count", (json_int_t)count[v], "time_ms",
						      round_to((double)ns[v] / 1e6, 1000)));
	return o;
}

static json_t *by_process(const struct agg_read *l, struct sirq_task_delta *d, size_t n, int only, uint64_t limit,
			  uint64_t ns, size_t *ret_total)
{
	_cleanup_free_ struct sirq_who *w = calloc(n ? n : 1, sizeof(*w));
	size_t k = 0;
	json_t *a;

	if (!w)
		return NULL;
	/* deltas come sorted by (pid, vec) */
	for (size_t i = 0; i < n; i++) {
		if (only >= 0 && (int)d[i].vec != only)
			continue;
		if (d[i].vec >= SCHEDWIN_NR_SOFTIRQS)
			continue;
		if (!k || w[k - 1].pid != d[i].pid)
			w[k++] = (struct sirq_who){ .pid = d[i].pid, .tgid = d[i].tgid };
		w[k - 1].ns += d[i].ns;
		w[k - 1].count += d[i].count;
		w[k - 1].vec_ns[d[i].vec] += d[i].ns;
		w[k - 1].vec_count[d[i].vec] += d[i].count;
	}
	qsort(w, k, sizeof(*w), sirq_who_cmp);
	*ret_total = k;
	a = json_array();
	for (size_t i = 0; a && i < k && i < limit; i++) {
		json_t *t = task_json(l, w[i].pid, w[i].tgid);

		json_object_set_new(t, "time_ms", json_real(round_to((double)w[i].ns / 1e6, 1000)));
		json_object_set_new(t, "count", json_integer((json_int_t)w[i].count));
		json_object_set_new(t, "count_per_s", rate(w[i].count, ns));
		json_object_set_new(t, "by_type", vec_breakdown(w[i].vec_ns, w[i].vec_count, only));
		json_array_append_new(a, t);
	}
	return a;
}

int analyze_softirq_start(struct call *c, const json_t *args, char **ret_error)
{
	struct manager *m = call_manager(c);
	_cleanup_free_ struct cpu_window *cpus = NULL;
	_cleanup_free_ struct sirq_task_delta *d = NULL;
	_cleanup_free_ uint64_t *scratch = NULL;
	_cleanup_json_ json_t *o = NULL;
	struct hist hists[SCHEDWIN_NR_SOFTIRQS];
	struct schedwin_span span;
	struct schedwin *w;
	json_t *unavail = NULL, *list;
	uint64_t limit, ns, all_ns = 0, all_count = 0;
	unsigned window_s;
	int mode, only, nr_cpus, r;
	size_t n = 0, total = 0;

	r = parse_common(args, si_args, si_modes, &mode, &window_s, &limit, ret_error);
	if (r >= 0)
		r = parse_vec(args, &only, ret_error);
	if (r < 0)
		return r;
	r = schedstats_span(m, window_s, &w, &span, &unavail, ret_error);
	if (r < 0)
		return r;
	if (r > 0)
		return answer(c, unavail);
	nr_cpus = schedwin_cpus(w, &span, &cpus);
	if (nr_cpus < 0)
		return nr_cpus;
	ns = span.end_ns - span.start_ns;
	schedwin_softirq_hist(w, &span, hists);
	scratch = calloc((size_t)nr_cpus + 1, sizeof(*scratch));
	if (!scratch)
		return -ENOMEM;
	o = json_pack("{s:s, s:s}", "mode", si_modes[mode], "source",
		      "BPF: softirq_entry/softirq_exit per CPU, and the task each softirq interrupted");
	if (!o || schedstats_window_to_json(w, &span, o) < 0)
		return -ENOMEM;
	for (int i = 0; i < nr_cpus; i++)
		for (unsigned v = 0; v < SCHEDWIN_NR_SOFTIRQS; v++)
			if (only < 0 || (int)v == only) {
				all_ns += cpus[i].sirq_ns[v];
				all_count += cpus[i].sirq_count[v];
			}
	json_object_set_new(o, "softirqs", json_integer((json_int_t)all_count));
	json_object_set_new(o, "softirqs_per_s", rate(all_count, ns));
	json_object_set_new(o, "time_ms", json_real(round_to((double)all_ns / 1e6, 1000)));
	json_object_set_new(o, "cpu_pct", json_real(ns && nr_cpus ? round_to(100.0 * (double)all_ns / ((double)ns * nr_cpus), 1000) : 0));
	list = json_array();
	if (!list)
		return -ENOMEM;
	if (mode == SI_BY_TYPE) {
		for (unsigned v = 0; v < SCHEDWIN_NR_SOFTIRQS; v++) {
			uint64_t cnt = 0, t = 0;
			size_t k = 0;
			json_t *e;

			if (only >= 0 && (int)v != only)
				continue;
			for (int i = 0; i < nr_cpus; i++) {
				cnt += cpus[i].sirq_count[v];
				t += cpus[i].sirq_ns[v];
			}
			e = json_pack("{s:i, s:s, s:I, s:o, s:f, s:o, s:o}", "softirq_nr", (int)v, "name",
				      sched_event_softirq_name(v), "count", (json_int_t)cnt, "count_per_s", rate(cnt, ns),
				      "time_ms", round_to((double)t / 1e6, 1000), "share_of_softirq_time_pct", share(t, all_ns),
				      "duration", hist_to_json(&hists[v], t, 0));
			if (!e)
				continue;
			/* how the count and the time spread over CPUs */
			for (int i = 0; i < nr_cpus; i++)
				if (cpus[i].present)
					scratch[k++] = cpus[i].sirq_count[v];
			json_object_set_new(e, "per_cpu_count", spread_json(scratch, k, 1));
			k = 0;
			for (int i = 0; i < nr_cpus; i++)
				if (cpus[i].present)
					scratch[k++] = cpus[i].sirq_ns[v];
			json_object_set_new(e, "per_cpu_time_ms", spread_json(scratch, k, 1e-6));
			json_array_append_new(list, e);
		}
		total = json_array_size(list);
		json_object_set_new(o, "types", list);
	} else if (mode == SI_BY_CPU) {
		for (int i = 0; i < nr_cpus; i++) {
			uint64_t cnt = 0, t = 0;

			if (!cpus[i].present)
				continue;
			for (unsigned v = 0; v < SCHEDWIN_NR_SOFTIRQS; v++)
				if (only < 0 || (int)v == only) {
					cnt += cpus[i].sirq_count[v];
					t += cpus[i].sirq_ns[v];
				}
			total++;
			if (json_array_size(list) < limit)
				json_array_append_new(list, json_pack("{s:i, s:I, s:o, s:f, s:o, s:o}", "cpu", i, "count",
								      (json_int_t)cnt, "count_per_s", rate(cnt, ns), "time_ms",
								      round_to((double)t / 1e6, 1000), "cpu_pct",
								      share(t, ns), "by_type",
								      vec_breakdown(cpus[i].sirq_ns, cpus[i].sirq_count, only)));
		}
		json_object_set_new(o, "cpus", list);
	} else {
		json_decref(list);
		r = schedwin_sirq_tasks(w, &span, &d, &n);
		if (r < 0)
			return r;
		list = by_process(schedwin_latest(w), d, n, only, limit, ns, &total);
		if (!list)
			return -ENOMEM;
		json_object_set_new(o, "tasks", list);
		json_object_set_new(o, "note", json_string("a softirq is counted against the task it interrupted (or "
							   "ksoftirqd when it ran there); pid 0 is the idle CPU"));
	}
	if (only >= 0)
		json_object_set_new(o, "softirq_nr", json_integer(only));
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	json_object_set_new(o, "more", json_integer((json_int_t)(mode != SI_BY_TYPE && total > limit ? total - limit : 0)));
	return answer(c, TAKE_PTR(o));
}
