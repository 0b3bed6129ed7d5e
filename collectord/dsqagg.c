/* dsqagg.c: per-DSQ enqueue/dispatch counts, depth and latency histograms from feed records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsqagg.h"
#include "macro.h"

/* sched_ext's built-in DSQ ids (include/linux/sched/ext.h) */
#define SCX_DSQ_FLAG_BUILTIN (1ull << 63)
#define SCX_DSQ_FLAG_LOCAL_ON (1ull << 62)
#define SCX_DSQ_INVALID (SCX_DSQ_FLAG_BUILTIN | 0)
#define SCX_DSQ_GLOBAL (SCX_DSQ_FLAG_BUILTIN | 1)
#define SCX_DSQ_LOCAL (SCX_DSQ_FLAG_BUILTIN | 2)
#define SCX_DSQ_LOCAL_CPU_MASK 0xffffffffull

struct dsq_stat {
	uint64_t id;
	uint64_t counts[DSQ_KIND_MAX];
	uint64_t lat_sum_ns, lat_max_ns;
	struct hist lat;
};

struct dsqagg {
	struct dsq_stat *dsqs;
	size_t n;
	uint64_t records, overflow;
	uint64_t first_ns, last_ns;
};

int dsqagg_new(struct dsqagg **ret)
{
	struct dsqagg *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->dsqs = calloc(DSQAGG_MAX_DSQS, sizeof(*d->dsqs));
	if (!d->dsqs) {
		free(d);
		return -ENOMEM;
	}
	*ret = d;
	return 0;
}

void dsqagg_free(struct dsqagg *d)
{
	if (!d)
		return;
	free(d->dsqs);
	free(d);
}

void dsqagg_reset(struct dsqagg *d)
{
	memset(d->dsqs, 0, DSQAGG_MAX_DSQS * sizeof(*d->dsqs));
	d->n = 0;
	d->records = d->overflow = d->first_ns = d->last_ns = 0;
}

static struct dsq_stat *find(struct dsqagg *d, uint64_t id)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->dsqs[i].id == id)
			return &d->dsqs[i];
	if (d->n == DSQAGG_MAX_DSQS)
		return NULL;
	d->dsqs[d->n].id = id;
	return &d->dsqs[d->n++];
}

int dsqagg_add(struct dsqagg *d, const struct dsq_record *r)
{
	struct dsq_stat *s;

	if ((unsigned)r->kind >= DSQ_KIND_MAX)
		return -EINVAL;
	d->records++;
	if (!d->first_ns || r->ts_ns < d->first_ns)
		d->first_ns = r->ts_ns;
	if (r->ts_ns > d->last_ns)
		d->last_ns = r->ts_ns;
	s = find(d, r->dsq_id);
	if (!s) {
		d->overflow++;
		return -ENOSPC;
	}
	s->counts[r->kind]++;
	if (r->kind == DSQ_DISPATCH && r->has_lat) {
		s->lat.slot[hist_slot_of(r->lat_ns)]++;
		s->lat_sum_ns += r->lat_ns;
		s->lat_max_ns = MAX(s->lat_max_ns, r->lat_ns);
	}
	return 0;
}

int dsqagg_add_switch(struct dsqagg *d, const struct sched_event_switch *e)
{
	struct dsq_record r = { .kind = DSQ_DISPATCH };

	if (e->h.type != SCHED_EVENT_SWITCH || !(e->flags & SCHED_SWITCH_SCX) || !(e->flags & SCHED_SWITCH_SCX_DSQ))
		return 0;
	r.dsq_id = e->scx_dsq_id;
	r.ts_ns = e->h.ts_ns;
	r.has_lat = e->flags & SCHED_SWITCH_RQ_LAT;
	r.lat_ns = r.has_lat ? e->scx_dsq_lat_ns : 0;
	return dsqagg_add(d, &r);
}

uint64_t dsqagg_records(const struct dsqagg *d)
{
	return d->records;
}

const char *dsq_builtin_name(uint64_t id, char *buf, size_t size)
{
	if (!(id & SCX_DSQ_FLAG_BUILTIN))
		return NULL;
	if (id == SCX_DSQ_GLOBAL)
		return "SCX_DSQ_GLOBAL";
	if (id == SCX_DSQ_LOCAL)
		return "SCX_DSQ_LOCAL";
	if (id == SCX_DSQ_INVALID)
		return "SCX_DSQ_INVALID";
	if ((id & SCX_DSQ_FLAG_LOCAL_ON) == SCX_DSQ_FLAG_LOCAL_ON) {
		snprintf(buf, size, "SCX_DSQ_LOCAL_ON|%llu", (unsigned long long)(id & SCX_DSQ_LOCAL_CPU_MASK));
		return buf;
	}
	snprintf(buf, size, "builtin:0x%llx", (unsigned long long)id);
	return buf;
}

static int by_dispatches(const void *a, const void *b)
{
	const struct dsq_stat *x = a, *y = b;

	if (x->counts[DSQ_DISPATCH] != y->counts[DSQ_DISPATCH])
		return x->counts[DSQ_DISPATCH] > y->counts[DSQ_DISPATCH] ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

json_t *dsqagg_to_json(const struct dsqagg *d)
{
	double secs = d->last_ns > d->first_ns ? (double)(d->last_ns - d->first_ns) / 1e9 : 0;
	_cleanup_free_ struct dsq_stat *sorted = malloc((d->n ? d->n : 1) * sizeof(*sorted));
	json_t *o, *list;

	if (!sorted)
		return NULL;
	memcpy(sorted, d->dsqs, d->n * sizeof(*sorted));
	qsort(sorted, d->n, sizeof(*sorted), by_dispatches);
	list = json_array();
	o = json_pack("{s:f, s:I, s:I, s:o}", "window_s", round_to(secs, 1000), "records", (json_int_t)d->records,
		      "overflow", (json_int_t)d->overflow, "dsqs", list);
	if (!o)
		return NULL;
	for (size_t i = 0; i < d->n; i++) {
		const struct dsq_stat *s = &sorted[i];
		char buf[48];
		const char *name = dsq_builtin_name(s->id, buf, sizeof(buf));
		json_t *e = json_pack("{s:I, s:I, s:I}", "dsq_id", (json_int_t)s->id, "enqueues",
				      (json_int_t)s->counts[DSQ_ENQUEUE], "dispatches", (json_int_t)s->counts[DSQ_DISPATCH]);

		if (!e)
			continue;
		json_object_set_new(e, "name", name ? json_string(name) : json_null());
		json_object_set_new(e, "depth",
				    s->counts[DSQ_ENQUEUE]
					    ? json_integer((json_int_t)s->counts[DSQ_ENQUEUE] - (json_int_t)s->counts[DSQ_DISPATCH])
					    : json_null());
		json_object_set_new(e, "enqueues_per_s",
				    secs > 0 ? json_real(round_to((double)s->counts[DSQ_ENQUEUE] / secs, 1000)) : json_null());
		json_object_set_new(e, "dispatches_per_s",
				    secs > 0 ? json_real(round_to((double)s->counts[DSQ_DISPATCH] / secs, 1000)) : json_null());
		json_object_set_new(e, "latency", hist_to_json(&s->lat, s->lat_sum_ns, s->lat_max_ns));
		json_array_append_new(list, e);
	}
	return o;
}
