/* schedwin.c: the ring of aggregation reads: cumulative per-CPU samples, per-task, pair and
 * softirq-task deltas under a memory budget, and the sums over a window. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "schedwin.h"

#define NSEC_PER_SEC 1000000000ull

struct sample {
	uint64_t mono_ns;
	unsigned nr_cpus;
	struct agg_cpu *cpus; /* cumulative */
	struct hist sirq_hist[SCHEDWIN_NR_SOFTIRQS]; /* cumulative */
	/* changes since the previous sample */
	struct task_delta *tasks;
	size_t nr_tasks;
	struct pair_delta *pairs;
	size_t nr_pairs;
	struct sirq_task_delta *sirq;
	size_t nr_sirq;
	struct schedwin_dropped dropped;
};

struct schedwin {
	unsigned interval_ms;
	struct sample *ring;
	size_t cap, head, count;
	size_t cap_tasks, cap_pairs, cap_sirq; /* deltas kept per read */
	struct agg_read prev; /* the newest read: base of the next deltas */
	bool have_prev;
	size_t bytes;
};

void agg_read_done(struct agg_read *r)
{
	free(r->cpus);
	free(r->tasks);
	free(r->pairs);
	free(r->sirq);
	memset(r, 0, sizeof(*r));
}

static struct sample *sample_at(const struct schedwin *w, size_t i)
{
	return &w->ring[(w->head + i) % w->cap];
}

static size_t sample_bytes(const struct sample *x)
{
	return sizeof(*x) + x->nr_cpus * sizeof(struct agg_cpu) + x->nr_tasks * sizeof(struct task_delta) +
	       x->nr_pairs * sizeof(struct pair_delta) + x->nr_sirq * sizeof(struct sirq_task_delta);
}

static void sample_done(struct schedwin *w, struct sample *x)
{
	w->bytes -= sample_bytes(x) - sizeof(*x);
	free(x->cpus);
	free(x->tasks);
	free(x->pairs);
	free(x->sirq);
	memset(x, 0, sizeof(*x));
}

static void ring_clear(struct schedwin *w)
{
	for (size_t i = 0; i < w->count; i++)
		sample_done(w, sample_at(w, i));
	w->head = w->count = 0;
}

static int ring_setup(struct schedwin *w, unsigned interval_ms)
{
	size_t cap = (SCHEDWIN_MAX_WINDOW_S * 1000 + interval_ms - 1) / interval_ms + 2, per_read;
	struct sample *ring = calloc(cap, sizeof(*ring));

	if (!ring)
		return -ENOMEM;
	if (w->ring)
		ring_clear(w);
	free(w->ring);
	w->ring = ring;
	w->cap = cap;
	w->interval_ms = interval_ms;
	w->bytes = cap * sizeof(*ring);
	/* the budget shared out per read: tasks 60 %, pairs 30 %, softirq tasks 10 % */
	per_read = SCHEDWIN_DELTA_BUDGET / cap;
	w->cap_tasks = MAX(per_read * 6 / 10 / sizeof(struct task_delta), 64);
	w->cap_pairs = MAX(per_read * 3 / 10 / sizeof(struct pair_delta), 32);
	w->cap_sirq = MAX(per_read / 10 / sizeof(struct sirq_task_delta), 32);
	return 0;
}

int schedwin_new(unsigned interval_ms, struct schedwin **ret)
{
	struct schedwin *w;

	if (interval_ms == 0)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	if (ring_setup(w, interval_ms) < 0) {
		free(w);
		return -ENOMEM;
	}
	*ret = w;
	return 0;
}

void schedwin_free(struct schedwin *w)
{
	if (!w)
		return;
	ring_clear(w);
	free(w->ring);
	agg_read_done(&w->prev);
	free(w);
}

int schedwin_set_interval(struct schedwin *w, unsigned interval_ms)
{
	if (interval_ms == 0)
		return -EINVAL;
	if (interval_ms == w->interval_ms)
		return 0;
	return ring_setup(w, interval_ms);
}

unsigned schedwin_interval_ms(const struct schedwin *w)
{
	return w->interval_ms;
}

size_t schedwin_count(const struct schedwin *w)
{
	return w->count;
}

size_t schedwin_bytes(const struct schedwin *w)
{
	return sizeof(*w) + w->bytes + w->prev.nr_cpus * sizeof(struct agg_cpu) +
	       w->prev.nr_tasks * sizeof(struct agg_task) + w->prev.nr_pairs * sizeof(struct agg_pair) +
	       w->prev.nr_sirq * sizeof(struct agg_sirq_task);
}

const struct agg_read *schedwin_latest(const struct schedwin *w)
{
	return w->have_prev ? &w->prev : NULL;
}

/* ---- deltas ---- */

static int task_cmp(const void *a, const void *b)
{
	const struct agg_task *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int pair_cmp(const void *a, const void *b)
{
	const struct agg_pair *x = a, *y = b;

	if (x->waker != y->waker)
		return x->waker < y->waker ? -1 : 1;
	return x->wakee < y->wakee ? -1 : x->wakee > y->wakee;
}

static int sirq_cmp(const void *a, const void *b)
{
	const struct agg_sirq_task *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->vec < y->vec ? -1 : x->vec > y->vec;
}

static uint64_t sub64(uint64_t a, uint64_t b)
{
	return a >= b ? a - b : 0;
}

/* The task's change since its previous read, NULL base for a new life. */
static bool task_delta_make(const struct agg_task *cur, const struct agg_task *base, struct task_delta *d)
{
	uint32_t rq = 0;

	memset(d, 0, sizeof(*d));
	d->pid = cur->pid;
	d->tgid = cur->tgid;
	d->created_ns = cur->created_ns;
	d->cgroup_id = cur->cgroup_id;
	d->last_cpu = cur->last_cpu;
	d->exited = cur->exited;
	memcpy(d->comm, cur->comm, sizeof(d->comm));
	d->runtime_ns = sub64(cur->runtime_ns, base ? base->runtime_ns : 0);
	d->rq_lat_sum_ns = sub64(cur->rq_lat_sum_ns, base ? base->rq_lat_sum_ns : 0);
	d->switches = cur->switches - (base ? base->switches : 0);
	d->involuntary = cur->involuntary - (base ? base->involuntary : 0);
	d->wakeups = cur->wakeups - (base ? base->wakeups : 0);
	d->migrations = cur->migrations - (base ? base->migrations : 0);
	for (unsigned i = 0; i < HIST_SLOTS; i++) {
		d->rq_lat_hist[i] = cur->rq_lat_hist[i] - (base ? base->rq_lat_hist[i] : 0);
		rq |= d->rq_lat_hist[i];
	}
	return d->runtime_ns || d->switches || d->wakeups || d->migrations || rq ||
	       (d->exited && !(base && base->exited));
}

static int delta_runtime_desc(const void *a, const void *b)
{
	const struct task_delta *x = a, *y = b;

	return x->runtime_ns > y->runtime_ns ? -1 : x->runtime_ns < y->runtime_ns;
}

static int delta_count_desc(const void *a, const void *b)
{
	const struct pair_delta *x = a, *y = b;

	return x->count > y->count ? -1 : x->count < y->count;
}

static int delta_ns_desc(const void *a, const void *b)
{
	const struct sirq_task_delta *x = a, *y = b;

	return x->ns > y->ns ? -1 : x->ns < y->ns;
}

static int tasks_diff(struct schedwin *w, const struct agg_read *r, struct sample *x)
{
	const struct agg_task *base = w->have_prev ? w->prev.tasks : NULL;
	size_t nb = w->have_prev ? w->prev.nr_tasks : 0, j = 0, n = 0;
	struct task_delta *d = calloc(r->nr_tasks ? r->nr_tasks : 1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_tasks; i++) {
		const struct agg_task *t = &r->tasks[i], *b = NULL;

		while (j < nb && base[j].pid < t->pid)
			j++;
		if (j < nb && base[j].pid == t->pid && base[j].created_ns == t->created_ns)
			b = &base[j];
		if (task_delta_make(t, b, &d[n]))
			n++;
	}
	if (n > w->cap_tasks) {
		qsort(d, n, sizeof(*d), delta_runtime_desc);
		for (size_t i = w->cap_tasks; i < n; i++) {
			x->dropped.tasks++;
			x->dropped.tasks_runtime_ns += d[i].runtime_ns;
		}
		n = w->cap_tasks;
	}
	x->tasks = n ? realloc(d, n * sizeof(*d)) : NULL;
	if (n && !x->tasks)
		x->tasks = d;
	else if (!n)
		free(d);
	x->nr_tasks = n;
	return 0;
}

static int pairs_diff(struct schedwin *w, const struct agg_read *r, struct sample *x)
{
	const struct agg_pair *base = w->have_prev ? w->prev.pairs : NULL;
	size_t nb = w->have_prev ? w->prev.nr_pairs : 0, j = 0, n = 0;
	struct pair_delta *d = calloc(r->nr_pairs ? r->nr_pairs : 1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_pairs; i++) {
		const struct agg_pair *p = &r->pairs[i], *b = NULL;
		struct pair_delta *o = &d[n];

		while (j < nb && pair_cmp(&base[j], p) < 0)
			j++;
		if (j < nb && pair_cmp(&base[j], p) == 0 && base[j].created_ns == p->created_ns)
			b = &base[j];
		o->count = p->count - (b ? b->count : 0);
		if (!o->count)
			continue;
		o->waker = p->waker;
		o->wakee = p->wakee;
		o->waker_tgid = p->waker_tgid;
		o->wakee_tgid = p->wakee_tgid;
		o->lat_sum_ns = sub64(p->lat_sum_ns, b ? b->lat_sum_ns : 0);
		for (unsigned k = 0; k < AGG_LOCALITY_MAX; k++)
			o->locality[k] = p->locality[k] - (b ? b->locality[k] : 0);
		for (unsigned k = 0; k < HIST_SLOTS; k++)
			o->lat_hist[k] = p->lat_hist[k] - (b ? b->lat_hist[k] : 0);
		n++;
	}
	if (n > w->cap_pairs) {
		qsort(d, n, sizeof(*d), delta_count_desc);
		x->dropped.pairs += n - w->cap_pairs;
		n = w->cap_pairs;
	}
	if (!n) {
		free(d);
		d = NULL;
	}
	x->pairs = d;
	x->nr_pairs = n;
	return 0;
}

static int sirq_diff(struct schedwin *w, const struct agg_read *r, struct sample *x)
{
	const struct agg_sirq_task *base = w->have_prev ? w->prev.sirq : NULL;
	size_t nb = w->have_prev ? w->prev.nr_sirq : 0, j = 0, n = 0;
	struct sirq_task_delta *d = calloc(r->nr_sirq ? r->nr_sirq : 1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_sirq; i++) {
		const struct agg_sirq_task *t = &r->sirq[i], *b = NULL;

		while (j < nb && sirq_cmp(&base[j], t) < 0)
			j++;
		if (j < nb && sirq_cmp(&base[j], t) == 0 && base[j].created_ns == t->created_ns)
			b = &base[j];
		d[n].count = sub64(t->count, b ? b->count : 0);
		if (!d[n].count)
			continue;
		d[n].pid = t->pid;
		d[n].vec = t->vec;
		d[n].tgid = t->tgid;
		d[n].ns = sub64(t->ns, b ? b->ns : 0);
		n++;
	}
	if (n > w->cap_sirq) {
		qsort(d, n, sizeof(*d), delta_ns_desc);
		x->dropped.sirq_tasks += n - w->cap_sirq;
		n = w->cap_sirq;
	}
	if (!n) {
		free(d);
		d = NULL;
	}
	x->sirq = d;
	x->nr_sirq = n;
	return 0;
}

int schedwin_add(struct schedwin *w, struct agg_read *r)
{
	struct sample x = { .mono_ns = r->mono_ns, .nr_cpus = r->nr_cpus };
	int k;

	qsort(r->tasks, r->nr_tasks, sizeof(*r->tasks), task_cmp);
	qsort(r->pairs, r->nr_pairs, sizeof(*r->pairs), pair_cmp);
	qsort(r->sirq, r->nr_sirq, sizeof(*r->sirq), sirq_cmp);
	if (w->have_prev) {
		if ((k = tasks_diff(w, r, &x)) < 0 || (k = pairs_diff(w, r, &x)) < 0 ||
		    (k = sirq_diff(w, r, &x)) < 0) {
			free(x.tasks);
			free(x.pairs);
			free(x.sirq);
			return k;
		}
	}
	x.cpus = malloc((r->nr_cpus ? r->nr_cpus : 1) * sizeof(*x.cpus));
	if (!x.cpus) {
		free(x.tasks);
		free(x.pairs);
		free(x.sirq);
		return -ENOMEM;
	}
	memcpy(x.cpus, r->cpus, r->nr_cpus * sizeof(*x.cpus));
	memcpy(x.sirq_hist, r->sirq_hist, sizeof(x.sirq_hist));

	if (w->count == w->cap) {
		sample_done(w, sample_at(w, 0));
		w->head = (w->head + 1) % w->cap;
		w->count--;
	}
	*sample_at(w, w->count) = x;
	w->count++;
	w->bytes += sample_bytes(&x) - sizeof(x);

	agg_read_done(&w->prev);
	w->prev = *r;
	w->have_prev = true;
	memset(r, 0, sizeof(*r));
	return 0;
}

/* ---- spans ---- */

int schedwin_span(const struct schedwin *w, unsigned window_s, struct schedwin_span *ret)
{
	uint64_t want = (uint64_t)window_s * NSEC_PER_SEC, best = UINT64_MAX;
	struct schedwin_span s = { .requested_s = window_s };
	bool found = false;

	if (w->count < 2)
		return -EAGAIN;
	s.last = w->count - 1;
	s.end_ns = sample_at(w, s.last)->mono_ns;
	for (size_t i = s.last; i-- > 0;) {
		uint64_t t = sample_at(w, i)->mono_ns, age, diff;

		if (t >= s.end_ns)
			continue;
		age = s.end_ns - t;
		diff = age > want ? age - want : want - age;
		if (diff > best && age > want)
			break;
		if (diff <= best) {
			best = diff;
			s.first = i;
			found = true;
		}
	}
	if (!found)
		return -EAGAIN;
	s.start_ns = sample_at(w, s.first)->mono_ns;
	s.nr_reads = (unsigned)(s.last - s.first);
	*ret = s;
	return 0;
}

int schedwin_cpus(const struct schedwin *w, const struct schedwin_span *s, struct cpu_window **ret)
{
	const struct sample *a = sample_at(w, s->first), *b = sample_at(w, s->last);
	struct cpu_window *c = calloc(b->nr_cpus ? b->nr_cpus : 1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	for (unsigned i = 0; i < b->nr_cpus; i++) {
		const struct agg_cpu *x = &b->cpus[i], *y;

		if (i >= a->nr_cpus)
			continue;
		y = &a->cpus[i];
		c[i].present = true;
		c[i].switches = sub64(x->switches, y->switches);
		c[i].voluntary = sub64(x->voluntary, y->voluntary);
		c[i].involuntary = sub64(x->involuntary, y->involuntary);
		c[i].wakeups = sub64(x->wakeups, y->wakeups);
		c[i].wakeups_sent = sub64(x->wakeups_sent, y->wakeups_sent);
		c[i].busy_ns = sub64(x->busy_ns, y->busy_ns);
		c[i].idle_ns = sub64(x->idle_ns, y->idle_ns);
		c[i].rq_lat_sum_ns = sub64(x->rq_lat_sum_ns, y->rq_lat_sum_ns);
		c[i].migrations_in = sub64(x->migrations_in, y->migrations_in);
		c[i].migrations_out = sub64(x->migrations_out, y->migrations_out);
		c[i].freq_khz = x->freq_khz;
		for (unsigned k = 0; k < HIST_SLOTS; k++)
			c[i].rq_lat.slot[k] = sub64(x->rq_lat.slot[k], y->rq_lat.slot[k]);
		for (unsigned k = 0; k < SCHEDWIN_NR_SOFTIRQS; k++) {
			c[i].sirq_ns[k] = sub64(x->sirq_ns[k], y->sirq_ns[k]);
			c[i].sirq_count[k] = sub64(x->sirq_count[k], y->sirq_count[k]);
		}
		for (size_t j = s->first + 1; j <= s->last; j++) {
			const struct sample *m = sample_at(w, j);

			if (i < m->nr_cpus)
				c[i].rq_lat_max_ns = MAX(c[i].rq_lat_max_ns, m->cpus[i].rq_lat_max_ns);
		}
	}
	*ret = c;
	return (int)b->nr_cpus;
}

void schedwin_softirq_hist(const struct schedwin *w, const struct schedwin_span *s,
			   struct hist ret[SCHEDWIN_NR_SOFTIRQS])
{
	const struct sample *a = sample_at(w, s->first), *b = sample_at(w, s->last);

	for (unsigned v = 0; v < SCHEDWIN_NR_SOFTIRQS; v++)
		for (unsigned k = 0; k < HIST_SLOTS; k++)
			ret[v].slot[k] = sub64(b->sirq_hist[v].slot[k], a->sirq_hist[v].slot[k]);
}

struct tdelta_ref {
	const struct task_delta *d;
	size_t seq; /* oldest first: ties keep the newest identity last */
};

static int tdelta_key_cmp(const void *a, const void *b)
{
	const struct tdelta_ref *p = a, *q = b;
	const struct task_delta *x = p->d, *y = q->d;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->created_ns != y->created_ns)
		return x->created_ns < y->created_ns ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

int schedwin_tasks(const struct schedwin *w, const struct schedwin_span *s, struct task_delta **ret,
		   size_t *ret_n)
{
	_cleanup_free_ struct tdelta_ref *all = NULL;
	struct task_delta *out;
	size_t n = 0, k = 0;

	for (size_t j = s->first + 1; j <= s->last; j++)
		n += sample_at(w, j)->nr_tasks;
	all = malloc((n ? n : 1) * sizeof(*all));
	out = calloc(n ? n : 1, sizeof(*out));
	if (!all || !out) {
		free(out);
		return -ENOMEM;
	}
	for (size_t j = s->first + 1; j <= s->last; j++) {
		const struct sample *m = sample_at(w, j);

		for (size_t i = 0; i < m->nr_tasks; i++, k++)
			all[k] = (struct tdelta_ref){ &m->tasks[i], k };
	}
	qsort(all, n, sizeof(*all), tdelta_key_cmp);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct task_delta *d = all[i].d;
		struct task_delta *o;

		if (k > 0 && out[k - 1].pid == d->pid && out[k - 1].created_ns == d->created_ns) {
			o = &out[k - 1];
		} else {
			o = &out[k++];
			*o = *d;
			o->runtime_ns = o->rq_lat_sum_ns = 0;
			o->switches = o->involuntary = o->wakeups = o->migrations = 0;
			memset(o->rq_lat_hist, 0, sizeof(o->rq_lat_hist));
		}
		o->runtime_ns += d->runtime_ns;
		o->rq_lat_sum_ns += d->rq_lat_sum_ns;
		o->switches += d->switches;
		o->involuntary += d->involuntary;
		o->wakeups += d->wakeups;
		o->migrations += d->migrations;
		for (unsigned h = 0; h < HIST_SLOTS; h++)
			o->rq_lat_hist[h] += d->rq_lat_hist[h];
		/* the newest delta says who the task is now */
		o->exited = o->exited || d->exited;
		memcpy(o->comm, d->comm, sizeof(o->comm));
		o->tgid = d->tgid;
		o->last_cpu = d->last_cpu;
		o->cgroup_id = d->cgroup_id;
	}
	*ret = out;
	*ret_n = k;
	return 0;
}

static int pdelta_key_cmp(const void *a, const void *b)
{
	const struct pair_delta *x = a, *y = b;

	if (x->waker != y->waker)
		return x->waker < y->waker ? -1 : 1;
	return x->wakee < y->wakee ? -1 : x->wakee > y->wakee;
}

int schedwin_pairs(const struct schedwin *w, const struct schedwin_span *s, struct pair_delta **ret,
		   size_t *ret_n)
{
	struct pair_delta *all;
	size_t n = 0, k = 0;

	for (size_t j = s->first + 1; j <= s->last; j++)
		n += sample_at(w, j)->nr_pairs;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t j = s->first + 1; j <= s->last; j++) {
		const struct sample *m = sample_at(w, j);

		memcpy(all + k, m->pairs, m->nr_pairs * sizeof(*all));
		k += m->nr_pairs;
	}
	qsort(all, n, sizeof(*all), pdelta_key_cmp);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		struct pair_delta *o;

		if (k > 0 && pdelta_key_cmp(&all[k - 1], &all[i]) == 0) {
			o = &all[k - 1];
			o->count += all[i].count;
			o->lat_sum_ns += all[i].lat_sum_ns;
			for (unsigned h = 0; h < AGG_LOCALITY_MAX; h++)
				o->locality[h] += all[i].locality[h];
			for (unsigned h = 0; h < HIST_SLOTS; h++)
				o->lat_hist[h] += all[i].lat_hist[h];
		} else {
			all[k++] = all[i];
		}
	}
	*ret = all;
	*ret_n = k;
	return 0;
}

static int sdelta_key_cmp(const void *a, const void *b)
{
	const struct sirq_task_delta *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->vec < y->vec ? -1 : x->vec > y->vec;
}

int schedwin_sirq_tasks(const struct schedwin *w, const struct schedwin_span *s,
			struct sirq_task_delta **ret, size_t *ret_n)
{
	struct sirq_task_delta *all;
	size_t n = 0, k = 0;

	for (size_t j = s->first + 1; j <= s->last; j++)
		n += sample_at(w, j)->nr_sirq;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t j = s->first + 1; j <= s->last; j++) {
		const struct sample *m = sample_at(w, j);

		memcpy(all + k, m->sirq, m->nr_sirq * sizeof(*all));
		k += m->nr_sirq;
	}
	qsort(all, n, sizeof(*all), sdelta_key_cmp);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && sdelta_key_cmp(&all[k - 1], &all[i]) == 0) {
			all[k - 1].ns += all[i].ns;
			all[k - 1].count += all[i].count;
		} else {
			all[k++] = all[i];
		}
	}
	*ret = all;
	*ret_n = k;
	return 0;
}

void schedwin_dropped(const struct schedwin *w, const struct schedwin_span *s, struct schedwin_dropped *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (size_t j = s->first + 1; j <= s->last; j++) {
		const struct sample *m = sample_at(w, j);

		ret->tasks += m->dropped.tasks;
		ret->pairs += m->dropped.pairs;
		ret->sirq_tasks += m->dropped.sirq_tasks;
		ret->tasks_runtime_ns += m->dropped.tasks_runtime_ns;
	}
}
