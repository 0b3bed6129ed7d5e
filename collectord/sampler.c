/* sampler.c: a steady-timer ring of /proc samples, and the stats://system answers over a window of it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errmsg.h"
#include "json-util.h"
#include "log.h"
#include "meminfo.h"
#include "netdev.h"
#include "paging.h"
#include "procfs.h"
#include "procstat.h"
#include "psi.h"
#include "sampler.h"

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull

/* What one tick reads; each can fail on its own without spoiling the others. */
enum sample_source {
	SOURCE_STAT,
	SOURCE_SOFTIRQS,
	SOURCE_VMSTAT,
	SOURCE_NETDEV,
	SOURCE_MAX,
};

static const char *const source_files[SOURCE_MAX] = {
	[SOURCE_STAT] = "/proc/stat",
	[SOURCE_SOFTIRQS] = "/proc/softirqs",
	[SOURCE_VMSTAT] = "/proc/vmstat",
	[SOURCE_NETDEV] = "/proc/net/dev",
};

struct sample {
	uint64_t mono_ns;
	int err[SOURCE_MAX]; /* 0: that part of the sample is valid */
	struct procstat stat;
	struct softirq_counts softirqs;
	struct vmstat vm;
	struct netdev_table net;
};

struct sampler {
	char *root;
	unsigned interval_ms;
	struct sample *ring;
	size_t cap, head, count; /* head: the oldest sample */
	struct event *timer;
	char *error[SOURCE_MAX]; /* the latest failure of each source; NULL while it reads fine */
};

/* The stretch of the ring one answer covers. */
struct window {
	size_t first, last; /* logical ring indices, 0 = oldest */
	uint64_t start_ns, end_ns;
	unsigned requested_s;
	unsigned nr_samples;
	bool took_sample; /* the read had to take a sample itself */
};

struct query {
	unsigned window_s;
	struct page page; /* over cpus or interfaces */
};

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Enough samples for the longest window, plus the one that starts it, plus
 * one a read may take on its own right after start. */
static size_t ring_capacity(unsigned interval_ms)
{
	return (SAMPLER_MAX_WINDOW_S * 1000 + interval_ms - 1) / interval_ms + 2;
}

static struct sample *sample_at(const struct sampler *s, size_t i)
{
	return &s->ring[(s->head + i) % s->cap];
}

static void sample_done(struct sample *x)
{
	procstat_done(&x->stat);
	netdev_table_done(&x->net);
}

int sampler_new(const char *root, unsigned interval_ms, struct sampler **ret)
{
	_cleanup_(sampler_freep) struct sampler *s = NULL;

	if (interval_ms == 0)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->root = strdup(root ? root : "");
	s->interval_ms = interval_ms;
	s->cap = ring_capacity(interval_ms);
	s->ring = calloc(s->cap, sizeof(*s->ring));
	if (!s->root || !s->ring)
		return -ENOMEM;
	*ret = TAKE_PTR(s);
	return 0;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	if (s->timer)
		event_free(s->timer);
	for (size_t i = 0; s->ring && i < s->count; i++)
		sample_done(sample_at(s, i));
	free(s->ring);
	for (unsigned i = 0; i < SOURCE_MAX; i++)
		free(s->error[i]);
	free(s->root);
	free(s);
}

size_t sampler_count(const struct sampler *s)
{
	return s->count;
}

size_t sampler_capacity(const struct sampler *s)
{
	return s->cap;
}

/* Logs a source that starts or stops failing once, not on every tick. */
static void note_source_state(struct sampler *s, enum sample_source src, int r, char *error)
{
	if (r >= 0) {
		if (s->error[src])
			log_info("%s%s is readable again", s->root, source_files[src]);
		free(s->error[src]);
		s->error[src] = NULL;
		return;
	}
	if (!error && asprintf(&error, "reading %s%s: %s", s->root, source_files[src], strerror(-r)) < 0)
		error = NULL;
	if (!s->error[src])
		log_warning("%s; stats from it are unavailable until it reads again",
			    error ? error : source_files[src]);
	free(s->error[src]);
	s->error[src] = error;
}

int sampler_take(struct sampler *s, uint64_t mono_ns)
{
	struct sample x = { .mono_ns = mono_ns };
	char *error[SOURCE_MAX] = {};

	x.err[SOURCE_STAT] = procstat_read(s->root, &x.stat, &error[SOURCE_STAT]);
	x.err[SOURCE_SOFTIRQS] = softirqs_read(s->root, &x.softirqs, &error[SOURCE_SOFTIRQS]);
	x.err[SOURCE_VMSTAT] = vmstat_read(s->root, &x.vm, &error[SOURCE_VMSTAT]);
	x.err[SOURCE_NETDEV] = netdev_read(s->root, &x.net, &error[SOURCE_NETDEV]);
	for (unsigned i = 0; i < SOURCE_MAX; i++)
		if (x.err[i] == -ENOMEM) {
			sample_done(&x);
			for (unsigned j = 0; j < SOURCE_MAX; j++)
				free(error[j]);
			return -ENOMEM;
		}
	for (unsigned i = 0; i < SOURCE_MAX; i++)
		note_source_state(s, i, x.err[i], error[i]);

	if (s->count == s->cap) {
		sample_done(sample_at(s, 0));
		*sample_at(s, 0) = x;
		s->head = (s->head + 1) % s->cap;
	} else {
		*sample_at(s, s->count) = x;
		s->count++;
	}
	return 0;
}

static void on_tick(evutil_socket_t fd, short what, void *userdata)
{
	struct sampler *s = userdata;
	int r = sampler_take(s, mono_now());

	if (r < 0)
		log_warning_errno(r, "taking a /proc sample failed: %m");
}

/* A persistent libevent timer is rescheduled from its previous deadline, not
 * from when the callback ran, so ticks do not drift. */
static int sampler_arm(struct sampler *s)
{
	struct timeval tv = { .tv_sec = s->interval_ms / 1000, .tv_usec = (s->interval_ms % 1000) * 1000 };

	return event_add(s->timer, &tv) < 0 ? -ENOMEM : 0;
}

int sampler_start(struct sampler *s, struct event_base *base)
{
	int r;

	s->timer = event_new(base, -1, EV_PERSIST, on_tick, s);
	if (!s->timer)
		return -ENOMEM;
	r = sampler_take(s, mono_now());
	if (r < 0)
		return r;
	return sampler_arm(s);
}

int sampler_set_interval(struct sampler *s, unsigned interval_ms)
{
	size_t ncap, keep, drop;
	struct sample *ring;

	if (interval_ms == 0)
		return -EINVAL;
	ncap = ring_capacity(interval_ms);
	if (ncap != s->cap) {
		ring = calloc(ncap, sizeof(*ring));
		if (!ring)
			return -ENOMEM;
		keep = MIN(s->count, ncap);
		drop = s->count - keep;
		for (size_t i = 0; i < s->count; i++) {
			if (i < drop)
				sample_done(sample_at(s, i));
			else
				ring[i - drop] = *sample_at(s, i);
		}
		free(s->ring);
		s->ring = ring;
		s->cap = ncap;
		s->head = 0;
		s->count = keep;
	}
	s->interval_ms = interval_ms;
	return s->timer ? sampler_arm(s) : 0;
}

/* ---- arguments ---- */

static const char *const args_cpu[] = { "window", "offset", "limit", NULL };
static const char *const args_memory[] = { "window", NULL };
static const char *const args_network[] = { "window", "offset", "limit", NULL };

static int query_parse(const json_t *args, const char *const *known, struct query *q, char **ret_error)
{
	uint64_t v;
	int r;

	*q = (struct query){ .window_s = SAMPLER_DEFAULT_WINDOW_S };
	if (args && !json_is_object(args))
		return errmsg_set(ret_error, -EINVAL, "arguments must be an object");
	r = args_check_known(args, known, ret_error);
	if (r < 0)
		return r;
	r = json_get_uint(args, "window", SAMPLER_MAX_WINDOW_S, &v);
	if (r == 0 && v == 0)
		r = -ERANGE;
	if (r == -EINVAL || r == -ERANGE)
		return errmsg_set(ret_error, -EINVAL,
				  "window must be a whole number of seconds from 1 to %d (e.g. 1, 10 or 60)",
				  SAMPLER_MAX_WINDOW_S);
	if (r == 0)
		q->window_s = (unsigned)v;
	return page_parse(args, &q->page, ret_error);
}

/* ---- windows ---- */

static bool sample_ok(const struct sample *x, enum sample_source src)
{
	return x->err[src] == 0;
}

static size_t count_ok(const struct sampler *s, enum sample_source src)
{
	size_t n = 0;

	for (size_t i = 0; i < s->count; i++)
		n += sample_ok(sample_at(s, i), src);
	return n;
}

/* Right after start the ring may hold a single sample: take another now
 * (after SAMPLER_MIN_GAP_NS, which blocks the loop at most that long, once)
 * rather than answer "not yet". A source that fails while others read is
 * not retried here: that would add a sample, and a wait, to every read. */
static int ensure_samples(struct sampler *s, enum sample_source src, bool *ret_took, char **ret_error)
{
	*ret_took = false;
	while (s->count < 2) {
		int r;

		if (s->count > 0) {
			uint64_t now = mono_now(), prev = sample_at(s, s->count - 1)->mono_ns;

			if (now >= prev && now - prev < SAMPLER_MIN_GAP_NS) {
				uint64_t wait = SAMPLER_MIN_GAP_NS - (now - prev);
				struct timespec ts = { .tv_sec = (time_t)(wait / NSEC_PER_SEC),
						       .tv_nsec = (long)(wait % NSEC_PER_SEC) };

				while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
					;
			}
		}
		r = sampler_take(s, mono_now());
		if (r < 0)
			return errmsg_set(ret_error, r, "taking a /proc sample failed: %s", strerror(-r));
		*ret_took = true;
	}
	if (count_ok(s, src) < 2)
		return errmsg_set(ret_error, -EAGAIN, "%s%s",
				  s->error[src] ? s->error[src] : "fewer than two readable samples of ",
				  s->error[src] ? "" : source_files[src]);
	return 0;
}

/* The window ends at the newest valid sample and starts at the valid sample
 * whose age is nearest the request (the older one on a tie). */
static int window_pick(struct sampler *s, enum sample_source src, unsigned window_s, struct window *ret,
		       char **ret_error)
{
	struct window w = { .requested_s = window_s };
	uint64_t want = (uint64_t)window_s * NSEC_PER_SEC, best_diff = UINT64_MAX;
	bool found = false;
	size_t last;
	int r;

	r = ensure_samples(s, src, &w.took_sample, ret_error);
	if (r < 0)
		return r;
	for (last = s->count; last > 0 && !sample_ok(sample_at(s, last - 1), src); last--)
		;
	w.last = last - 1; /* ensure_samples() saw two valid ones */
	w.end_ns = sample_at(s, w.last)->mono_ns;
	for (size_t i = w.last; i-- > 0;) {
		const struct sample *x = sample_at(s, i);
		uint64_t age, diff;

		if (!sample_ok(x, src) || x->mono_ns > w.end_ns)
			continue;
		age = w.end_ns - x->mono_ns;
		diff = age > want ? age - want : want - age;
		if (diff > best_diff && age > want)
			break; /* older samples are only further off */
		if (diff <= best_diff) {
			best_diff = diff;
			w.first = i;
			found = true;
		}
	}
	if (!found || sample_at(s, w.first)->mono_ns == w.end_ns)
		return errmsg_set(ret_error, -EAGAIN, "no two samples of %s at different times",
				  source_files[src]);
	w.start_ns = sample_at(s, w.first)->mono_ns;
	for (size_t i = w.first; i <= w.last; i++)
		w.nr_samples += sample_ok(sample_at(s, i), src);
	*ret = w;
	return 0;
}

static double round_to(double v, double scale)
{
	return (double)(long long)(v * scale + (v >= 0 ? 0.5 : -0.5)) / scale;
}

static json_t *json_rate(uint64_t delta, uint64_t ns)
{
	return ns ? json_real(round_to((double)delta * 1e9 / (double)ns, 1000)) : json_null();
}

/* The note that says how the window differs from the one asked for. */
static char *window_note(const struct sampler *s, const struct window *w)
{
	uint64_t want = (uint64_t)w->requested_s * NSEC_PER_SEC, got = w->end_ns - w->start_ns;
	uint64_t slack = (uint64_t)s->interval_ms * NSEC_PER_MSEC / 2;
	char *note = NULL;
	int r = 0;

	if (got + slack < want)
		r = asprintf(&note,
			     "collectord has sampled for only %.3f s so far: the window covers that, not the "
			     "%u s asked for%s",
			     (double)got / 1e9, w->requested_s,
			     w->took_sample ? " (a sample was taken for this read)" : "");
	else if (got > want + slack)
		r = asprintf(&note, "samples are %u ms apart: the nearest window to %u s is %.3f s",
			     s->interval_ms, w->requested_s, (double)got / 1e9);
	return r < 0 ? NULL : note;
}

/* interval_ms, requested_window_s, window_s, window_start_ns, window_end_ns (CLOCK_MONOTONIC),
 * samples, sample_age_ms and, when the window is not the one asked for, note. */
static int window_to_json(const struct sampler *s, const struct window *w, json_t *o)
{
	_cleanup_free_ char *note = window_note(s, w);
	uint64_t now = mono_now();
	json_t *h;

	h = json_pack("{s:i, s:i, s:f, s:I, s:I, s:i, s:I}", "interval_ms", (int)s->interval_ms,
		      "requested_window_s", (int)w->requested_s, "window_s",
		      round_to((double)(w->end_ns - w->start_ns) / 1e9, 1000), "window_start_ns",
		      (json_int_t)w->start_ns, "window_end_ns", (json_int_t)w->end_ns, "samples",
		      (int)w->nr_samples, "sample_age_ms",
		      (json_int_t)(now > w->end_ns ? (now - w->end_ns) / NSEC_PER_MSEC : 0));
	if (!h)
		return -ENOMEM;
	if (note)
		json_object_set_new(h, "note", json_string(note));
	if (json_object_update(o, h) < 0) {
		json_decref(h);
		return -ENOMEM;
	}
	json_decref(h);
	return 0;
}

static uint64_t counter_delta(uint64_t before, uint64_t after, bool *went_back)
{
	if (after >= before)
		return after - before;
	*went_back = true;
	return 0;
}

static const char went_back_note[] =
	"some counters went backwards within the window (cpu hotplug, or a driver that reset its "
	"statistics); those intervals count as zero";

static int add_note(json_t *o, const char *key, const char *text)
{
	const char *old = json_string_value(json_object_get(o, key));
	_cleanup_free_ char *joined = NULL;

	if (!old)
		return json_object_set_new(o, key, json_string(text)) < 0 ? -ENOMEM : 0;
	if (asprintf(&joined, "%s; %s", old, text) < 0)
		return -ENOMEM;
	return json_object_set_new(o, key, json_string(joined)) < 0 ? -ENOMEM : 0;
}

/* ---- stats://system/cpu ---- */

struct cpu_acc {
	uint64_t d[CPU_TIME_MAX];
	uint64_t covered_ns;
};

static int cpu_id_cmp(const void *key, const void *elem)
{
	unsigned id = *(const unsigned *)key, other = ((const struct procstat_cpu *)elem)->id;

	return id < other ? -1 : id > other;
}

static const struct procstat_cpu *find_cpu(const struct procstat *st, unsigned id)
{
	return bsearch(&id, st->cpus, st->nr_cpus, sizeof(*st->cpus), cpu_id_cmp);
}

/* Shares of all time in the window, in percent: user..steal add up to 100
 * (guest time is inside user and nice). null when no tick elapsed. */
static json_t *shares_json(const uint64_t *d)
{
	_cleanup_json_ json_t *o = json_object();
	uint64_t all = 0;
	char key[32];

	if (!o)
		return NULL;
	for (unsigned k = 0; k < CPU_TIME_REQUIRED; k++)
		all += d[k];
	for (unsigned k = 0; k < CPU_TIME_REQUIRED; k++) {
		snprintf(key, sizeof(key), "%s_pct", cpu_time_to_string(k));
		if (json_object_set_new(o, key,
					all ? json_real(round_to(100.0 * (double)d[k] / (double)all, 100))
					    : json_null()) < 0)
			return NULL;
	}
	if (json_object_set_new(
		    o, "busy_pct",
		    all ? json_real(round_to(100.0 * (double)(all - d[CPU_TIME_IDLE] - d[CPU_TIME_IOWAIT]) /
						     (double)all,
					     100))
			: json_null()) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static bool softirq_names_match(const struct softirq_counts *a, const struct softirq_counts *b)
{
	if (a->nr != b->nr)
		return false;
	for (unsigned i = 0; i < a->nr; i++)
		if (strcmp(a->name[i], b->name[i]) != 0)
			return false;
	return true;
}

static int softirqs_to_json(const struct sampler *s, const struct window *w, json_t *o)
{
	const struct softirq_counts *names = NULL;
	const struct sample *a = NULL;
	uint64_t d[SOFTIRQ_MAX_TYPES] = {}, covered = 0, total = 0;
	_cleanup_json_ json_t *rates = NULL;

	for (size_t i = w->first; i <= w->last; i++) {
		const struct sample *b = sample_at(s, i);

		/* Counters: a failed reading in between only makes one interval longer. */
		if (!sample_ok(b, SOURCE_SOFTIRQS))
			continue;
		if (a && softirq_names_match(&a->softirqs, &b->softirqs)) {
			for (unsigned k = 0; k < b->softirqs.nr; k++)
				d[k] += softirq_delta(a->softirqs.sum[k], b->softirqs.sum[k]);
			covered += b->mono_ns - a->mono_ns;
			names = &b->softirqs;
		}
		a = b;
	}
	if (!names) {
		if (json_object_set_new(o, "softirqs_per_s", json_null()) < 0)
			return -ENOMEM;
		return add_note(o, "softirqs_note",
				s->error[SOURCE_SOFTIRQS]
					? s->error[SOURCE_SOFTIRQS]
					: "no two readings of /proc/softirqs in this window");
	}
	rates = json_object();
	if (!rates)
		return -ENOMEM;
	for (unsigned k = 0; k < names->nr; k++) {
		total += d[k];
		if (json_object_set_new(rates, names->name[k], json_rate(d[k], covered)) < 0)
			return -ENOMEM;
	}
	if (json_object_set_new(o, "softirqs_per_s", TAKE_PTR(rates)) < 0 ||
	    json_object_set_new(o, "softirqs_total_per_s", json_rate(total, covered)) < 0)
		return -ENOMEM;
	if (covered != w->end_ns - w->start_ns)
		return add_note(o, "softirqs_note",
				"some /proc/softirqs readings in this window failed: the rates "
				"cover the part that was read");
	return 0;
}

int sampler_cpu_json(struct sampler *s, const json_t *args, json_t **ret, char **ret_error)
{
	_cleanup_json_ json_t *o = NULL, *cpus = NULL, *per_cpu = NULL;
	_cleanup_free_ struct cpu_acc *acc = NULL;
	const struct sample *first, *end, *a;
	uint64_t tot[CPU_TIME_MAX] = {}, ctxt = 0, intr = 0, forks = 0, running_sum = 0;
	bool went_back = false;
	struct window w;
	struct query q;
	int r;

	r = query_parse(args, args_cpu, &q, ret_error);
	if (r < 0)
		return r;
	r = window_pick(s, SOURCE_STAT, q.window_s, &w, ret_error);
	if (r < 0)
		return r;
	first = sample_at(s, w.first);
	end = sample_at(s, w.last);
	acc = calloc(end->stat.nr_cpus, sizeof(*acc));
	if (!acc)
		return -ENOMEM;

	running_sum = first->stat.procs_running;
	a = first;
	for (size_t i = w.first + 1; i <= w.last; i++) {
		const struct sample *b = sample_at(s, i);

		if (!sample_ok(b, SOURCE_STAT))
			continue;
		for (unsigned k = 0; k < CPU_TIME_MAX; k++)
			tot[k] += counter_delta(a->stat.total.t[k], b->stat.total.t[k], &went_back);
		ctxt += counter_delta(a->stat.ctxt, b->stat.ctxt, &went_back);
		intr += counter_delta(a->stat.intr, b->stat.intr, &went_back);
		forks += counter_delta(a->stat.processes, b->stat.processes, &went_back);
		running_sum += b->stat.procs_running;
		/* Per cpu, only intervals where the cpu was online at both ends count. */
		for (unsigned j = 0; j < b->stat.nr_cpus; j++) {
			const struct procstat_cpu *cb = &b->stat.cpus[j], *ca = find_cpu(&a->stat, cb->id),
						  *ce = find_cpu(&end->stat, cb->id);
			struct cpu_acc *x;

			if (!ca || !ce)
				continue;
			x = &acc[ce - end->stat.cpus];
			for (unsigned k = 0; k < CPU_TIME_MAX; k++)
				x->d[k] += counter_delta(ca->t[k], cb->t[k], &went_back);
			x->covered_ns += b->mono_ns - a->mono_ns;
		}
		a = b;
	}

	o = json_pack("{s:s}", "source", "/proc/stat and /proc/softirqs, sampled by collectord");
	if (!o)
		return -ENOMEM;
	r = window_to_json(s, &w, o);
	if (r < 0)
		return r;
	if (json_object_set_new(o, "total", shares_json(tot)) < 0 ||
	    json_object_set_new(o, "context_switches_per_s", json_rate(ctxt, w.end_ns - w.start_ns)) < 0 ||
	    json_object_set_new(o, "ctxt_start", json_integer((json_int_t)first->stat.ctxt)) < 0 ||
	    json_object_set_new(o, "ctxt_end", json_integer((json_int_t)end->stat.ctxt)) < 0 ||
	    json_object_set_new(o, "interrupts_per_s", json_rate(intr, w.end_ns - w.start_ns)) < 0 ||
	    json_object_set_new(o, "forks_per_s", json_rate(forks, w.end_ns - w.start_ns)) < 0 ||
	    json_object_set_new(o, "procs_running", json_integer((json_int_t)end->stat.procs_running)) < 0 ||
	    json_object_set_new(o, "procs_blocked", json_integer((json_int_t)end->stat.procs_blocked)) < 0 ||
	    json_object_set_new(o, "procs_running_avg",
				json_real(round_to((double)running_sum / w.nr_samples, 100))) < 0)
		return -ENOMEM;
	r = softirqs_to_json(s, &w, o);
	if (r < 0)
		return r;

	if (json_object_set_new(o, "nr_cpus", json_integer(end->stat.nr_cpus)) < 0)
		return -ENOMEM;
	/* Per cpu, paged: its own object, so the page's "total" is not the cpu total above. */
	per_cpu = json_object();
	cpus = json_array();
	if (!per_cpu || !cpus || page_to_json(&q.page, end->stat.nr_cpus, per_cpu) < 0)
		return -ENOMEM;
	for (unsigned j = 0; j < end->stat.nr_cpus; j++) {
		json_t *c;

		if (!page_contains(&q.page, j))
			continue;
		c = shares_json(acc[j].d);
		if (!c || json_object_set_new(c, "cpu", json_integer(end->stat.cpus[j].id)) < 0 ||
		    json_array_append_new(cpus, c) < 0)
			return -ENOMEM;
		/* A cpu that came online inside the window. */
		if (acc[j].covered_ns != w.end_ns - w.start_ns &&
		    json_object_set_new(c, "online_s",
					json_real(round_to((double)acc[j].covered_ns / 1e9, 1000))) < 0)
			return -ENOMEM;
	}
	if (json_object_set_new(per_cpu, "cpus", TAKE_PTR(cpus)) < 0 ||
	    json_object_set_new(o, "per_cpu", TAKE_PTR(per_cpu)) < 0)
		return -ENOMEM;
	if (went_back && add_note(o, "note", went_back_note) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

/* ---- stats://system/memory ---- */

static int vmstat_to_json(struct sampler *s, const struct query *q, json_t **ret)
{
	_cleanup_free_ char *error = NULL;
	_cleanup_json_ json_t *o = NULL;
	uint64_t d[VMSTAT_MAX] = {};
	uint32_t both = UINT32_MAX;
	const struct sample *a;
	bool went_back = false;
	struct window w;
	char key[40];
	int r;

	r = window_pick(s, SOURCE_VMSTAT, q->window_s, &w, &error);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		*ret = json_pack("{s:b, s:s}", "available", 0, "reason", error ? error : strerror(-r));
		return *ret ? 0 : -ENOMEM;
	}
	o = json_pack("{s:s}", "source", "/proc/vmstat, sampled by collectord");
	if (!o)
		return -ENOMEM;
	r = window_to_json(s, &w, o);
	if (r < 0)
		return r;
	a = sample_at(s, w.first);
	both &= a->vm.present;
	for (size_t i = w.first + 1; i <= w.last; i++) {
		const struct sample *b = sample_at(s, i);

		if (!sample_ok(b, SOURCE_VMSTAT))
			continue;
		both &= b->vm.present;
		for (unsigned k = 0; k < VMSTAT_MAX; k++)
			d[k] += counter_delta(a->vm.v[k], b->vm.v[k], &went_back);
		a = b;
	}
	for (unsigned k = 0; k < VMSTAT_MAX; k++) {
		/* pgpgin and pgpgout count kilobytes, despite the name. */
		snprintf(key, sizeof(key), "%s%s", vmstat_counter_to_string(k),
			 k == VMSTAT_PGPGIN || k == VMSTAT_PGPGOUT ? "_kb_per_s" : "_per_s");
		if (json_object_set_new(o, key,
					both & (1u << k) ? json_rate(d[k], w.end_ns - w.start_ns)
							 : json_null()) < 0)
			return -ENOMEM;
		if (!(both & (1u << k))) {
			_cleanup_free_ char *n = NULL;

			if (asprintf(&n, "%s is not in /proc/vmstat on this kernel",
				     vmstat_counter_to_string(k)) < 0 ||
			    add_note(o, "note", n) < 0)
				return -ENOMEM;
		}
	}
	if (went_back && add_note(o, "note", went_back_note) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

int sampler_memory_json(struct sampler *s, const json_t *args, json_t **ret, char **ret_error)
{
	_cleanup_json_ json_t *o = NULL;
	struct psi_all psi;
	struct meminfo mi;
	struct query q;
	json_t *vm = NULL, *p;
	int r;

	r = query_parse(args, args_memory, &q, ret_error);
	if (r < 0)
		return r;
	r = meminfo_read(s->root, &mi, ret_error);
	if (r < 0)
		return r;
	o = meminfo_to_json(&mi);
	if (!o || json_object_set_new(o, "source", json_string("/proc/meminfo, read now")) < 0)
		return -ENOMEM;
	r = vmstat_to_json(s, &q, &vm);
	if (r < 0)
		return r;
	if (json_object_set_new(o, "vmstat", vm) < 0)
		return -ENOMEM;
	r = psi_read_all(s->root, &psi);
	if (r < 0)
		return r;
	p = psi_to_json(&psi);
	psi_all_done(&psi);
	if (!p || json_object_set_new(o, "psi", p) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

/* ---- stats://system/network ---- */

/* The counters reported per interface; the rest of /proc/net/dev is rarely nonzero. */
static const enum netdev_counter net_shown[] = {
	NETDEV_RX_BYTES, NETDEV_RX_PACKETS, NETDEV_RX_ERRORS, NETDEV_RX_DROPS,
	NETDEV_TX_BYTES, NETDEV_TX_PACKETS, NETDEV_TX_ERRORS, NETDEV_TX_DROPS,
};

struct net_acc {
	uint64_t d[NETDEV_COUNTER_MAX];
	uint64_t covered_ns;
};

static json_t *net_counters_json(const uint64_t *totals, const uint64_t *d, uint64_t ns)
{
	_cleanup_json_ json_t *o = json_object();
	char key[40];

	if (!o)
		return NULL;
	for (size_t k = 0; k < ELEMENTSOF(net_shown); k++) {
		const char *name = netdev_counter_to_string(net_shown[k]);

		snprintf(key, sizeof(key), "%s_per_s", name);
		if (json_object_set_new(o, name, json_integer((json_int_t)totals[net_shown[k]])) < 0 ||
		    json_object_set_new(o, key, json_rate(d[net_shown[k]], ns)) < 0)
			return NULL;
	}
	return TAKE_PTR(o);
}

int sampler_network_json(struct sampler *s, const json_t *args, json_t **ret, char **ret_error)
{
	_cleanup_json_ json_t *o = NULL, *list = NULL, *sum = NULL;
	_cleanup_free_ struct net_acc *acc = NULL;
	uint64_t sum_totals[NETDEV_COUNTER_MAX] = {}, sum_d[NETDEV_COUNTER_MAX] = {};
	const struct sample *end, *a;
	bool went_back = false;
	struct window w;
	struct query q;
	int r;

	r = query_parse(args, args_network, &q, ret_error);
	if (r < 0)
		return r;
	r = window_pick(s, SOURCE_NETDEV, q.window_s, &w, ret_error);
	if (r < 0)
		return r;
	end = sample_at(s, w.last);
	acc = calloc(end->net.nr ? end->net.nr : 1, sizeof(*acc));
	if (!acc)
		return -ENOMEM;
	a = sample_at(s, w.first);
	for (size_t i = w.first + 1; i <= w.last; i++) {
		const struct sample *b = sample_at(s, i);

		if (!sample_ok(b, SOURCE_NETDEV))
			continue;
		/* Interfaces that exist at both ends of an interval; new ones start later. */
		for (unsigned j = 0; j < b->net.nr; j++) {
			const struct netdev_iface *ib = &b->net.ifaces[j],
						  *ia = netdev_table_find(&a->net, ib->name),
						  *ie = netdev_table_find(&end->net, ib->name);
			struct net_acc *x;

			if (!ia || !ie)
				continue;
			x = &acc[ie - end->net.ifaces];
			for (unsigned k = 0; k < NETDEV_COUNTER_MAX; k++)
				x->d[k] += counter_delta(ia->c[k], ib->c[k], &went_back);
			x->covered_ns += b->mono_ns - a->mono_ns;
		}
		a = b;
	}

	o = json_pack("{s:s}", "source",
		      "/proc/net/dev (collectord's network namespace), sampled by collectord");
	if (!o)
		return -ENOMEM;
	r = window_to_json(s, &w, o);
	if (r < 0)
		return r;
	list = json_array();
	if (!list)
		return -ENOMEM;
	for (unsigned j = 0; j < end->net.nr; j++) {
		const struct netdev_iface *e = &end->net.ifaces[j];
		json_t *c;

		if (strcmp(e->name, "lo") != 0)
			for (unsigned k = 0; k < NETDEV_COUNTER_MAX; k++) {
				sum_totals[k] += e->c[k];
				sum_d[k] += acc[j].d[k];
			}
		if (!page_contains(&q.page, j))
			continue;
		c = net_counters_json(e->c, acc[j].d, acc[j].covered_ns);
		if (!c || json_object_set_new(c, "name", json_string(e->name)) < 0 ||
		    json_array_append_new(list, c) < 0)
			return -ENOMEM;
		if (acc[j].covered_ns != w.end_ns - w.start_ns &&
		    json_object_set_new(c, "present_s",
					json_real(round_to((double)acc[j].covered_ns / 1e9, 1000))) < 0)
			return -ENOMEM;
	}
	sum = net_counters_json(sum_totals, sum_d, w.end_ns - w.start_ns);
	if (!sum || page_to_json(&q.page, end->net.nr, o) < 0 ||
	    json_object_set_new(o, "interfaces", TAKE_PTR(list)) < 0 ||
	    json_object_set_new(o, "totals_excluding_lo", TAKE_PTR(sum)) < 0)
		return -ENOMEM;
	if (went_back && add_note(o, "note", went_back_note) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}
