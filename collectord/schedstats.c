/* schedstats.c: stats://aggregated/{cpu,llc,node,dsq,process}: figures over a window of the BPF
 * aggregation ring, grouped by the CPU topology, with the window stated. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "cgroupname.h"
#include "dsqagg.h"
#include "errmsg.h"
#include "feed.h"
#include "hist.h"
#include "json-util.h"
#include "macro.h"
#include "manager.h"
#include "paging.h"
#include "schedstats.h"
#include "schedwin.h"
#include "topology.h"

#define NSEC_PER_SEC 1000000000.0

/* ---- arguments and the window ---- */

int schedstats_window_arg(const json_t *args, unsigned *ret, char **ret_error)
{
	uint64_t v = SCHEDWIN_DEFAULT_WINDOW_S;
	int r = json_get_uint(args, "window", SCHEDWIN_MAX_WINDOW_S, &v);

	if (r == 0 && v == 0)
		r = -ERANGE;
	if (r == -EINVAL || r == -ERANGE)
		return errmsg_set(ret_error, -EINVAL,
				  "window must be a whole number of seconds from 1 to %d (e.g. 1, 10 or 60)",
				  SCHEDWIN_MAX_WINDOW_S);
	*ret = (unsigned)v;
	return 0;
}

static json_t *unavailable(const char *reason)
{
	return json_pack("{s:b, s:s}", "available", 0, "reason", reason);
}

int schedstats_span(struct manager *m, unsigned window_s, struct schedwin **ret_w, struct schedwin_span *ret_span,
		    json_t **ret_unavailable, char **ret_error)
{
	char reason[256];
	int r;

	if (!m->aggregate) {
		snprintf(reason, sizeof(reason), "the scheduler BPF programs are not loaded: %s",
			 m->schedagg_error[0] ? m->schedagg_error : "not started");
		*ret_unavailable = unavailable(reason);
		return *ret_unavailable ? 1 : -ENOMEM;
	}
	r = aggregate_window(m->aggregate, ret_w, ret_error);
	if (r < 0)
		return r;
	r = schedwin_span(*ret_w, window_s, ret_span);
	if (r < 0)
		return errmsg_set(ret_error, r, "no two aggregation reads at different times yet; try again in a second");
	return 0;
}

int schedstats_window_to_json(const struct schedwin *w, const struct schedwin_span *s, json_t *o)
{
	double got = (double)(s->end_ns - s->start_ns) / NSEC_PER_SEC, slack = schedwin_interval_ms(w) / 2000.0;
	json_t *h = json_pack("{s:i, s:i, s:f, s:I, s:I, s:i}", "interval_ms", (int)schedwin_interval_ms(w),
			      "requested_window_s", (int)s->requested_s, "window_s", round_to(got, 1000),
			      "window_start_ns", (json_int_t)s->start_ns, "window_end_ns", (json_int_t)s->end_ns,
			      "reads", (int)s->nr_reads);
	char note[200];

	if (!h)
		return -ENOMEM;
	if (got + slack < s->requested_s) {
		snprintf(note, sizeof(note),
			 "collectord has aggregated for only %.3f s so far: the window covers that, not the %u s asked for",
			 got, s->requested_s);
		json_object_set_new(h, "note", json_string(note));
	}
	if (json_object_update(o, h) < 0) {
		json_decref(h);
		return -ENOMEM;
	}
	json_decref(h);
	return 0;
}

static json_t *rate(uint64_t n, uint64_t ns)
{
	return ns ? json_real(round_to((double)n * NSEC_PER_SEC / (double)ns, 1000)) : json_null();
}

static json_t *pct(uint64_t part, uint64_t whole)
{
	return whole ? json_real(round_to(100.0 * (double)part / (double)whole, 100)) : json_null();
}

/* ---- per CPU, and groups of CPUs ---- */

/* One CPU's or one group's figures, summed. */
struct cpu_sum {
	unsigned nr;
	uint64_t switches, voluntary, involuntary, wakeups, busy_ns, idle_ns, rq_sum_ns, rq_max_ns;
	uint64_t mig_in, mig_out, sirq_ns;
	struct hist rq;
	double freq_sum_khz;
	unsigned nr_freq;
};

static void sum_cpu(struct cpu_sum *s, const struct cpu_window *c, long freq_khz)
{
	s->nr++;
	s->switches += c->switches;
	s->voluntary += c->voluntary;
	s->involuntary += c->involuntary;
	s->wakeups += c->wakeups;
	s->busy_ns += c->busy_ns;
	s->idle_ns += c->idle_ns;
	s->rq_sum_ns += c->rq_lat_sum_ns;
	s->rq_max_ns = MAX(s->rq_max_ns, c->rq_lat_max_ns);
	s->mig_in += c->migrations_in;
	s->mig_out += c->migrations_out;
	for (unsigned v = 0; v < SCHEDWIN_NR_SOFTIRQS; v++)
		s->sirq_ns += c->sirq_ns[v];
	hist_add(&s->rq, &c->rq_lat);
	if (freq_khz > 0) {
		s->freq_sum_khz += (double)freq_khz;
		s->nr_freq++;
	}
}

/* What a CPU or group did over ns of wall time. */
static int sum_to_json(const struct cpu_sum *s, uint64_t ns, json_t *o)
{
	int r = 0;

	r |= json_object_set_new(o, "utilization_pct", pct(s->busy_ns, s->busy_ns + s->idle_ns));
	r |= json_object_set_new(o, "frequency_mhz",
				 s->nr_freq ? json_real(round_to(s->freq_sum_khz / s->nr_freq / 1000.0, 10)) : json_null());
	r |= json_object_set_new(o, "switches_per_s", rate(s->switches, ns));
	r |= json_object_set_new(o, "voluntary_per_s", rate(s->voluntary, ns));
	r |= json_object_set_new(o, "involuntary_per_s", rate(s->involuntary, ns));
	r |= json_object_set_new(o, "wakeups_per_s", rate(s->wakeups, ns));
	r |= json_object_set_new(o, "migrations_in_per_s", rate(s->mig_in, ns));
	r |= json_object_set_new(o, "migrations_out_per_s", rate(s->mig_out, ns));
	r |= json_object_set_new(o, "softirq_pct", pct(s->sirq_ns, s->busy_ns + s->idle_ns));
	r |= json_object_set_new(o, "rq_latency", hist_to_json(&s->rq, s->rq_sum_ns, s->rq_max_ns));
	r |= json_object_set_new(o, "context_switches", json_integer((json_int_t)s->switches));
	return r ? -ENOMEM : 0;
}

/* The frequency of a CPU: the power:cpu_frequency tracepoint's last value,
 * else cpufreq's scaling_cur_freq now. */
static long cpu_freq(const struct cpu_window *c, const struct topology *t, unsigned cpu, const char **ret_source)
{
	if (c->freq_khz) {
		*ret_source = "power:cpu_frequency";
		return c->freq_khz;
	}
	if (t && (int)cpu < t->nr_cpus && t->cpus[cpu].cur_khz > 0) {
		*ret_source = "cpufreq scaling_cur_freq";
		return t->cpus[cpu].cur_khz;
	}
	*ret_source = NULL;
	return -1;
}

static const char *const cpu_args[] = { "window", "offset", "limit", NULL };

struct cpu_query {
	struct schedwin *w;
	struct schedwin_span span;
	struct cpu_window *cpus;
	int nr_cpus;
	struct topology *topo;
	uint64_t ns;
};

static void cpu_query_done(struct cpu_query *q)
{
	free(q->cpus);
	topology_free(q->topo);
}

/* 0 with q filled; 1 with *ret an "unavailable" answer; < 0 on error. */
static int cpu_query(struct manager *m, const json_t *args, const char *const *known, struct page *page,
		     struct cpu_query *q, json_t **ret, char **ret_error)
{
	unsigned window_s;
	int r;

	memset(q, 0, sizeof(*q));
	r = args_check_known(args, known, ret_error);
	if (r >= 0)
		r = schedstats_window_arg(args, &window_s, ret_error);
	if (r >= 0 && page)
		r = page_parse(args, page, ret_error);
	if (r < 0)
		return r;
	r = schedstats_span(m, window_s, &q->w, &q->span, ret, ret_error);
	if (r != 0)
		return r;
	r = schedwin_cpus(q->w, &q->span, &q->cpus);
	if (r < 0)
		return r;
	q->nr_cpus = r;
	q->ns = q->span.end_ns - q->span.start_ns;
	if (topology_load(m->opt.sysfs_root[0] ? m->opt.sysfs_root : "/", &q->topo) < 0)
		q->topo = NULL;
	return 0;
}

static const char cpu_source[] =
	"BPF in the kernel (sched_switch, sched_waking, sched_migrate_task, softirq_entry/exit, cpu_frequency), "
	"read by collectord every interval";

int schedstats_cpu_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	_cleanup_json_ json_t *o = NULL, *list = NULL, *all = NULL;
	struct cpu_sum total = { 0 };
	struct cpu_query q;
	struct page page;
	int r;

	r = cpu_query(m, args, cpu_args, &page, &q, ret, ret_error);
	if (r != 0)
		return r < 0 ? r : 0;
	o = json_pack("{s:s, s:i}", "source", cpu_source, "nr_cpus", q.nr_cpus);
	list = json_array();
	all = json_object();
	if (!o || !list || !all || schedstats_window_to_json(q.w, &q.span, o) < 0) {
		cpu_query_done(&q);
		return -ENOMEM;
	}
	for (int i = 0; i < q.nr_cpus; i++) {
		const struct cpu_window *c = &q.cpus[i];
		const char *src = NULL;
		long f = cpu_freq(c, q.topo, (unsigned)i, &src);
		struct cpu_sum one = { 0 };
		bool online = !q.topo || i >= q.topo->nr_cpus || q.topo->cpus[i].online;
		json_t *e;

		if (!c->present)
			continue;
		sum_cpu(&total, c, f);
		if (!page_contains(&page, (uint64_t)i))
			continue;
		sum_cpu(&one, c, f);
		e = json_pack("{s:i, s:b}", "cpu", i, "online", online);
		if (!e || sum_to_json(&one, q.ns, e) < 0 || json_array_append_new(list, e) < 0) {
			cpu_query_done(&q);
			return -ENOMEM;
		}
		json_object_set_new(e, "frequency_source", src ? json_string(src) : json_null());
		if (q.topo && i < q.topo->nr_cpus) {
			json_object_set_new(e, "llc", json_integer(q.topo->cpus[i].llc_id));
			json_object_set_new(e, "node", json_integer(q.topo->cpus[i].node_id));
		}
	}
	r = sum_to_json(&total, q.ns, all);
	if (r >= 0)
		r = page_to_json(&page, (uint64_t)q.nr_cpus, o);
	if (r >= 0 && (json_object_set_new(o, "all_cpus", TAKE_PTR(all)) < 0 ||
		       json_object_set_new(o, "cpus", TAKE_PTR(list)) < 0))
		r = -ENOMEM;
	cpu_query_done(&q);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(o);
	return 0;
}

/* LLC or node groups: same figures, summed over the group's CPUs. */
static int groups_json(struct manager *m, const json_t *args, bool by_node, json_t **ret, char **ret_error)
{
	static const char *const known[] = { "window", NULL };
	_cleanup_json_ json_t *o = NULL, *list = NULL;
	struct cpu_query q;
	int r, n;

	r = cpu_query(m, args, known, NULL, &q, ret, ret_error);
	if (r != 0)
		return r < 0 ? r : 0;
	if (!q.topo) {
		cpu_query_done(&q);
		return errmsg_set(ret_error, -EIO, "the CPU topology cannot be read; the per-CPU figures are in stats://aggregated/cpu");
	}
	o = json_pack("{s:s}", "source", cpu_source);
	list = json_array();
	if (!o || !list || schedstats_window_to_json(q.w, &q.span, o) < 0) {
		cpu_query_done(&q);
		return -ENOMEM;
	}
	n = by_node ? q.topo->nr_nodes : q.topo->nr_llcs;
	for (int g = 0; g < n; g++) {
		const int *cpus = by_node ? q.topo->nodes[g].cpus : q.topo->llcs[g].cpus;
		int nr = by_node ? q.topo->nodes[g].nr_cpus : q.topo->llcs[g].nr_cpus;
		_cleanup_free_ unsigned long *bits = calloc(CPULIST_LONGS(q.topo->nr_cpus) + 1, sizeof(long));
		_cleanup_free_ char *cpulist = NULL;
		struct cpu_sum s = { 0 };
		json_t *e;

		if (!bits) {
			cpu_query_done(&q);
			return -ENOMEM;
		}
		for (int k = 0; k < nr; k++) {
			const char *src;
			int cpu = cpus[k];

			bits[cpu / CPULIST_BITS_PER_LONG] |= 1ul << (cpu % CPULIST_BITS_PER_LONG);
			if (cpu < q.nr_cpus && q.cpus[cpu].present)
				sum_cpu(&s, &q.cpus[cpu], cpu_freq(&q.cpus[cpu], q.topo, (unsigned)cpu, &src));
		}
		if (cpulist_format(bits, (unsigned)q.topo->nr_cpus, &cpulist) < 0) {
			cpu_query_done(&q);
			return -ENOMEM;
		}
		if (by_node)
			e = json_pack("{s:i, s:s, s:i}", "node", q.topo->nodes[g].id, "cpus", cpulist, "nr_cpus", nr);
		else
			e = json_pack("{s:i, s:i, s:s, s:i, s:i}", "llc", q.topo->llcs[g].id, "level",
				      q.topo->llcs[g].level, "cpus", cpulist, "nr_cpus", nr, "node", q.topo->llcs[g].node_id);
		if (!e || sum_to_json(&s, q.ns, e) < 0 || json_array_append_new(list, e) < 0) {
			cpu_query_done(&q);
			return -ENOMEM;
		}
		if (!by_node && q.topo->llcs[g].size_kb > 0)
			json_object_set_new(e, "size_kb", json_integer(q.topo->llcs[g].size_kb));
	}
	cpu_query_done(&q);
	if (json_object_set_new(o, by_node ? "nodes" : "llcs", TAKE_PTR(list)) < 0 ||
	    json_object_set_new(o, by_node ? "nr_nodes" : "nr_llcs", json_integer(n)) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

int schedstats_llc_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	return groups_json(m, args, false, ret, ret_error);
}

int schedstats_node_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	return groups_json(m, args, true, ret, ret_error);
}

/* ---- sched_ext dispatch queues ---- */

/* While a sched_ext scheduler runs and someone reads the DSQ resource, an
 * internal feed subscription to sched_switch feeds the DSQ aggregation; it
 * stops DSQ_LIVE_IDLE_S after the last read. */
#define DSQ_LIVE_IDLE_S 60

struct dsqlive {
	struct dsqagg *agg;
	struct feed_sub *sub;
	struct event *idle;
	uint64_t started_ns;
};

void schedstats_dsqlive_free(struct manager *m)
{
	struct dsqlive *l = m->dsqlive;

	if (!l)
		return;
	feed_unsubscribe(l->sub);
	if (l->idle)
		event_free(l->idle);
	dsqagg_free(l->agg);
	free(l);
	m->dsqlive = NULL;
}

static void on_dsq_idle(evutil_socket_t fd, short what, void *userdata)
{
	schedstats_dsqlive_free(userdata);
}

static void on_dsq_record(void *userdata, const struct sched_event_header *h)
{
	struct dsqlive *l = userdata;

	if (h->type == SCHED_EVENT_SWITCH)
		dsqagg_add_switch(l->agg, (const struct sched_event_switch *)h);
}

static int dsqlive_get(struct manager *m, struct dsqlive **ret, char **ret_error)
{
	struct feed_filter f = { .types = SCHED_EVENT_MASK(SCHED_EVENT_SWITCH), .sample = 1 };
	struct timeval tv = { .tv_sec = DSQ_LIVE_IDLE_S };
	struct dsqlive *l = m->dsqlive;
	int r;

	if (!l) {
		if (!m->feed)
			return errmsg_set(ret_error, -EOPNOTSUPP, "the live feed is not available: %s", m->schedagg_error);
		l = calloc(1, sizeof(*l));
		if (!l)
			return -ENOMEM;
		m->dsqlive = l;
		l->started_ns = now_mono_ns();
		l->idle = evtimer_new(m->base, on_dsq_idle, m);
		r = l->idle ? dsqagg_new(&l->agg) : -ENOMEM;
		if (r >= 0)
			r = feed_subscribe_internal(m->feed, &f, on_dsq_record, l, &l->sub, ret_error);
		if (r < 0) {
			schedstats_dsqlive_free(m);
			return r;
		}
	}
	evtimer_add(l->idle, &tv);
	*ret = l;
	return 0;
}

/* /sys/kernel/sched_ext/state now: "enabled" while a BPF scheduler runs. */
static bool scx_enabled_now(struct manager *m, char *state, size_t size)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/state", m->opt.sysfs_root);
	snprintf(state, size, "unreadable");
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(state, (int)size, f))
		state[strcspn(state, "\n")] = 0;
	fclose(f);
	return strcmp(state, "enabled") == 0;
}

int schedstats_dsq_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	static const char *const known[] = { NULL };
	const struct feature_state *scx = &m->features.f[FEATURE_SCHED_EXT];
	struct dsqlive *l = NULL;
	char reason[320], state[64];
	json_t *o;
	int r;

	r = args_check_known(args, known, ret_error);
	if (r < 0)
		return r;
	if (!scx->available) {
		snprintf(reason, sizeof(reason), "sched_ext is not enabled: %s", scx->detail);
		*ret = unavailable(reason);
		return *ret ? 0 : -ENOMEM;
	}
	if (!scx_enabled_now(m, state, sizeof(state))) {
		snprintf(reason, sizeof(reason),
			 "no sched_ext scheduler is loaded (state: %s); DSQ figures exist while one runs", state);
		*ret = unavailable(reason);
		return *ret ? 0 : -ENOMEM;
	}
	r = dsqlive_get(m, &l, ret_error);
	if (r < 0)
		return r;
	o = dsqagg_to_json(l->agg);
	if (!o)
		return -ENOMEM;
	snprintf(reason, sizeof(reason),
		 "aggregated from the live feed's sched_switch records since the first read %.1f s ago; collection "
		 "stops %d s after the last read",
		 (double)(now_mono_ns() - l->started_ns) / 1e9, DSQ_LIVE_IDLE_S);
	json_object_set_new(o, "available", json_true());
	json_object_set_new(o, "source", json_string(reason));
	json_object_set_new(o, "lost_kernel", json_integer((json_int_t)feed_sub_lost(l->sub)));
	*ret = o;
	return 0;
}

/* ---- tasks and processes ---- */

enum task_sort {
	SORT_RUNTIME,
	SORT_SWITCHES,
	SORT_INVOLUNTARY,
	SORT_WAKEUPS,
	SORT_MIGRATIONS,
	SORT_RQ_AVG,
	SORT_RQ_P99,
	SORT_PID,
	SORT_MAX,
};

static const char *const sort_names[SORT_MAX] = {
	[SORT_RUNTIME] = "runtime",	  [SORT_SWITCHES] = "switches", [SORT_INVOLUNTARY] = "involuntary",
	[SORT_WAKEUPS] = "wakeups",	  [SORT_MIGRATIONS] = "migrations", [SORT_RQ_AVG] = "rq_lat_avg",
	[SORT_RQ_P99] = "rq_lat_p99", [SORT_PID] = "pid",
};

struct task_row {
	struct task_delta d;
	struct hist h;
	uint64_t rq_count;
	double key;
	unsigned nr_threads;
};

static double row_key(const struct task_row *t, enum task_sort s)
{
	switch (s) {
	case SORT_RUNTIME:
		return (double)t->d.runtime_ns;
	case SORT_SWITCHES:
		return t->d.switches;
	case SORT_INVOLUNTARY:
		return t->d.involuntary;
	case SORT_WAKEUPS:
		return t->d.wakeups;
	case SORT_MIGRATIONS:
		return t->d.migrations;
	case SORT_RQ_AVG:
		return t->rq_count ? (double)t->d.rq_lat_sum_ns / (double)t->rq_count : 0;
	case SORT_RQ_P99:
		return hist_percentile(&t->h, 99, 0);
	case SORT_PID:
		return -(double)t->d.pid; /* ascending pids */
	default:
		return 0;
	}
}

static int row_cmp(const void *a, const void *b)
{
	const struct task_row *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->d.pid < y->d.pid ? -1 : x->d.pid > y->d.pid;
}

static int tgid_cmp(const void *a, const void *b)
{
	const struct task_row *x = a, *y = b;

	return x->d.tgid < y->d.tgid ? -1 : x->d.tgid > y->d.tgid;
}

/* Threads of one process become one row, named after its main thread when seen. */
static size_t group_processes(struct task_row *rows, size_t n)
{
	size_t k = 0;

	qsort(rows, n, sizeof(*rows), tgid_cmp);
	for (size_t i = 0; i < n; i++) {
		struct task_row *o;

		if (k > 0 && rows[k - 1].d.tgid == rows[i].d.tgid) {
			o = &rows[k - 1];
			o->d.runtime_ns += rows[i].d.runtime_ns;
			o->d.rq_lat_sum_ns += rows[i].d.rq_lat_sum_ns;
			o->d.switches += rows[i].d.switches;
			o->d.involuntary += rows[i].d.involuntary;
			o->d.wakeups += rows[i].d.wakeups;
			o->d.migrations += rows[i].d.migrations;
			o->rq_count += rows[i].rq_count;
			hist_add(&o->h, &rows[i].h);
			o->nr_threads++;
			o->d.exited = o->d.exited && rows[i].d.exited;
			if (rows[i].d.pid == rows[i].d.tgid)
				memcpy(o->d.comm, rows[i].d.comm, sizeof(o->d.comm));
		} else {
			rows[k] = rows[i];
			rows[k].nr_threads = 1;
			rows[k].d.pid = rows[k].d.tgid;
			k++;
		}
	}
	return k;
}

static const char *const process_args[] = { "window", "offset", "limit", "sort", "group_by", "pid", "tgid", "comm", NULL };

int schedstats_process_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	_cleanup_free_ struct task_delta *d = NULL;
	_cleanup_free_ struct task_row *rows = NULL;
	_cleanup_json_ json_t *o = NULL, *list = NULL;
	struct cgroup_name *cg = NULL;
	const char *sort = "runtime", *group = "thread", *comm = NULL;
	struct schedwin_dropped dropped;
	enum task_sort by = SORT_MAX;
	struct schedwin_span span;
	uint64_t pid = 0, tgid = 0, ns, total_runtime = 0;
	struct schedwin *w;
	struct page page;
	unsigned window_s;
	size_t n = 0, k = 0, nc = 0;
	bool processes;
	int r;

	r = args_check_known(args, process_args, ret_error);
	if (r >= 0)
		r = schedstats_window_arg(args, &window_s, ret_error);
	if (r >= 0)
		r = page_parse(args, &page, ret_error);
	if (r >= 0)
		r = arg_string(args, "sort", 32, &sort, ret_error);
	if (r >= 0)
		r = arg_string(args, "group_by", 32, &group, ret_error);
	if (r >= 0)
		r = arg_string(args, "comm", 15, &comm, ret_error);
	if (r < 0)
		return r;
	if (!sort)
		sort = "runtime";
	if (!group)
		group = "thread";
	for (unsigned i = 0; i < SORT_MAX; i++)
		if (strcmp(sort, sort_names[i]) == 0 || (i == SORT_RUNTIME && strcmp(sort, "cpu_pct") == 0))
			by = i;
	if (by == SORT_MAX)
		return errmsg_set(ret_error, -EINVAL,
				  "sort must be one of runtime, switches, involuntary, wakeups, migrations, rq_lat_avg, "
				  "rq_lat_p99, pid");
	if (strcmp(group, "thread") && strcmp(group, "process"))
		return errmsg_set(ret_error, -EINVAL, "group_by must be thread or process");
	processes = strcmp(group, "process") == 0;
	if (json_get_uint(args, "pid", INT32_MAX, &pid) == -EINVAL || json_get_uint(args, "tgid", INT32_MAX, &tgid) == -EINVAL)
		return errmsg_set(ret_error, -EINVAL, "pid and tgid must be process ids");

	r = schedstats_span(m, window_s, &w, &span, ret, ret_error);
	if (r != 0)
		return r < 0 ? r : 0;
	r = schedwin_tasks(w, &span, &d, &n);
	if (r < 0)
		return r;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct task_row *t = &rows[k];

		total_runtime += d[i].runtime_ns;
		if ((pid && d[i].pid != pid) || (tgid && d[i].tgid != tgid) ||
		    (comm && strncmp(d[i].comm, comm, strlen(comm)) != 0))
			continue;
		t->d = d[i];
		for (unsigned h = 0; h < HIST_SLOTS; h++) {
			t->h.slot[h] = d[i].rq_lat_hist[h];
			t->rq_count += d[i].rq_lat_hist[h];
		}
		k++;
	}
	if (processes)
		k = group_processes(rows, k);
	for (size_t i = 0; i < k; i++)
		rows[i].key = row_key(&rows[i], by);
	qsort(rows, k, sizeof(*rows), row_cmp);

	ns = span.end_ns - span.start_ns;
	o = json_pack("{s:s, s:s, s:s}", "source",
		      "BPF per-task table (LRU hash) in the kernel, read by collectord every interval", "group_by",
		      group, "sort", sort_names[by]);
	list = json_array();
	if (!o || !list || schedstats_window_to_json(w, &span, o) < 0 || page_to_json(&page, k, o) < 0)
		return -ENOMEM;
	/* cgroup paths for the page's rows, in one walk */
	cg = calloc(page.limit ? page.limit : 1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	for (size_t i = page.offset; i < k && nc < page.limit; i++)
		cg[nc++].id = rows[i].d.cgroup_id;
	if (!processes)
		cgroup_names_resolve(m->opt.sysfs_root, cg, nc);
	nc = 0;
	for (size_t i = page.offset; i < k && nc < page.limit; i++, nc++) {
		const struct task_row *t = &rows[i];
		json_t *e = json_pack("{s:i, s:i, s:s, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:b}", processes ? "tgid" : "pid",
				      (int)(processes ? t->d.tgid : t->d.pid), processes ? "nr_threads" : "tgid",
				      (int)(processes ? t->nr_threads : t->d.tgid), "comm", t->d.comm, "cpu_pct",
				      ns ? round_to(100.0 * (double)t->d.runtime_ns / (double)ns, 100) : 0.0, "runtime_ms",
				      round_to((double)t->d.runtime_ns / 1e6, 1000), "switches", (json_int_t)t->d.switches,
				      "voluntary", (json_int_t)(t->d.switches - t->d.involuntary), "involuntary",
				      (json_int_t)t->d.involuntary, "wakeups", (json_int_t)t->d.wakeups, "migrations",
				      (json_int_t)t->d.migrations, "exited", t->d.exited);

		if (!e || json_array_append_new(list, e) < 0) {
			cgroup_names_done(cg, page.limit);
			free(cg);
			return -ENOMEM;
		}
		if (processes) {
			json_object_set_new(e, "pid", json_integer(t->d.tgid));
		} else {
			json_object_set_new(e, "last_cpu",
					    t->d.last_cpu == UINT32_MAX ? json_null() : json_integer(t->d.last_cpu));
			json_object_set_new(e, "cgroup_id", json_integer((json_int_t)t->d.cgroup_id));
			json_object_set_new(e, "cgroup", cg[nc].path ? json_string(cg[nc].path) : json_null());
		}
		json_object_set_new(e, "rq_latency", hist_to_json(&t->h, t->d.rq_lat_sum_ns, 0));
	}
	cgroup_names_done(cg, page.limit);
	free(cg);
	schedwin_dropped(w, &span, &dropped);
	if (json_object_set_new(o, "tasks", TAKE_PTR(list)) < 0 ||
	    json_object_set_new(o, "all_tasks_cpu_pct", json_real(ns ? round_to(100.0 * (double)total_runtime / (double)ns, 100) : 0)) < 0)
		return -ENOMEM;
	if (dropped.tasks) {
		char note[200];

		snprintf(note, sizeof(note),
			 "%llu task records (%.3f ms of runtime) were left out of this window: more tasks ran than "
			 "collectord keeps per interval",
			 (unsigned long long)dropped.tasks, (double)dropped.tasks_runtime_ns / 1e6);
		json_object_set_new(o, "dropped_note", json_string(note));
	}
	{
		const struct agg_read *l = schedwin_latest(w);

		if (l)
			json_object_set_new(o, "table",
					    json_pack("{s:I, s:I, s:I}", "entries", (json_int_t)l->nr_tasks, "inserts",
						      (json_int_t)l->task_inserts, "evicted",
						      (json_int_t)(l->task_inserts > l->task_deletes + l->nr_tasks
								   ? l->task_inserts - l->task_deletes - l->nr_tasks
								   : 0)));
	}
	*ret = TAKE_PTR(o);
	return 0;
}
