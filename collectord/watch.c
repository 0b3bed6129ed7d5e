/* watch.c: watch_events: an internal feed subscription kept for duration_secs, progress each second,
 * then the first `limit` events and a summary (counts by type, latency percentiles, busiest tasks). */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "errmsg.h"
#include "events-json.h"
#include "feed.h"
#include "hist.h"
#include "json-util.h"
#include "macro.h"
#include "manager.h"
#include "watch.h"

#define WATCH_TOP_TASKS 10
#define WATCH_TASKS_TRACKED 4096 /* distinct tasks counted for the summary */

struct task_count {
	uint32_t pid, tgid;
	char comm[SCHED_EVENT_COMM_LEN];
	uint64_t events;
};

struct watch {
	struct call *call;
	struct feed_sub *sub;
	struct event *tick;
	unsigned duration_s, elapsed_s, limit;
	uint32_t sample;
	json_t *filter;
	uint64_t start_ns;
	/* the first `limit` records, as they came */
	uint8_t *kept;
	size_t kept_bytes, kept_count;
	uint64_t total;
	uint64_t per_type[SCHED_EVENT_TYPE_MAX];
	struct hist rq_lat, sirq;
	uint64_t rq_lat_sum, rq_lat_max, sirq_sum, sirq_max;
	struct task_count *tasks;
	size_t nr_tasks;
	uint64_t tasks_untracked;
};

static const char *const watch_args[] = { "types", "pids", "tgids", "cpus", "comm", "min_latency_us", "sample_rate",
					  "duration_secs", "limit", NULL };

static void watch_free(struct watch *w)
{
	if (!w)
		return;
	feed_unsubscribe(w->sub);
	if (w->tick)
		event_free(w->tick);
	json_decref(w->filter);
	free(w->kept);
	free(w->tasks);
	free(w);
}

static void count_task(struct watch *w, uint32_t pid, uint32_t tgid, const char *comm)
{
	for (size_t i = 0; i < w->nr_tasks; i++)
		if (w->tasks[i].pid == pid) {
			w->tasks[i].events++;
			return;
		}
	if (w->nr_tasks == WATCH_TASKS_TRACKED) {
		w->tasks_untracked++;
		return;
	}
	w->tasks[w->nr_tasks] = (struct task_count){ .pid = pid, .tgid = tgid, .events = 1 };
	if (comm)
		memcpy(w->tasks[w->nr_tasks].comm, comm, SCHED_EVENT_COMM_LEN);
	w->nr_tasks++;
}

static void on_record(void *userdata, const struct sched_event_header *h)
{
	struct watch *w = userdata;
	uint32_t pids[2], tgids[2];
	const char *comms[2] = { NULL, NULL };
	unsigned n;
	uint64_t lat;

	w->total++;
	w->per_type[h->type]++;
	if (sched_event_latency(h, &lat) == 1) {
		if (h->type == SCHED_EVENT_SWITCH) {
			w->rq_lat.slot[hist_slot_of(lat)]++;
			w->rq_lat_sum += lat;
			w->rq_lat_max = MAX(w->rq_lat_max, lat);
		} else {
			w->sirq.slot[hist_slot_of(lat)]++;
			w->sirq_sum += lat;
			w->sirq_max = MAX(w->sirq_max, lat);
		}
	}
	/* the task an event is about: next of a switch, the woken task, ... */
	n = sched_event_tasks(h, pids, tgids);
	sched_event_comms(h, comms);
	if (n == 2 && h->type == SCHED_EVENT_SWITCH && pids[1])
		count_task(w, pids[1], tgids[1], comms[1]);
	else if (n)
		count_task(w, pids[0], tgids[0], comms[0]);
	if (w->kept_count < w->limit) {
		memcpy(w->kept + w->kept_bytes, h, h->size);
		w->kept_bytes += h->size;
		w->kept_count++;
	}
}

static int by_events(const void *a, const void *b)
{
	const struct task_count *x = a, *y = b;

	return x->events > y->events ? -1 : x->events < y->events;
}

static json_t *summary_json(struct watch *w, double secs, uint32_t sample)
{
	json_t *types = json_object(), *top = json_array(), *o;
	char comm[SCHED_EVENT_COMM_LEN + 1];

	for (unsigned t = 1; types && t < SCHED_EVENT_TYPE_MAX; t++)
		if (w->per_type[t])
			json_object_set_new(types, sched_event_type_name(t), json_integer((json_int_t)w->per_type[t]));
	qsort(w->tasks, w->nr_tasks, sizeof(*w->tasks), by_events);
	for (size_t i = 0; top && i < w->nr_tasks && i < WATCH_TOP_TASKS; i++) {
		memcpy(comm, w->tasks[i].comm, SCHED_EVENT_COMM_LEN);
		comm[SCHED_EVENT_COMM_LEN] = 0;
		for (char *p = comm; *p; p++)
			if (*p < 0x20 || *p >= 0x7f)
				*p = '?';
		json_array_append_new(top, json_pack("{s:i, s:i, s:s, s:I}", "pid", (int)w->tasks[i].pid, "tgid",
						     (int)w->tasks[i].tgid, "comm", comm, "events",
						     (json_int_t)w->tasks[i].events));
	}
	o = json_pack("{s:I, s:I, s:f, s:o, s:o}", "events", (json_int_t)w->total, "estimated_events",
		      (json_int_t)(w->total * sample), "events_per_s", secs > 0 ? round_to((double)w->total / secs, 1000) : 0.0,
		      "by_type", types, "busiest_tasks", top);
	if (!o)
		return NULL;
	if (w->per_type[SCHED_EVENT_SWITCH])
		json_object_set_new(o, "sched_switch_rq_latency", hist_to_json(&w->rq_lat, w->rq_lat_sum, w->rq_lat_max));
	if (w->per_type[SCHED_EVENT_SOFTIRQ])
		json_object_set_new(o, "softirq_duration", hist_to_json(&w->sirq, w->sirq_sum, w->sirq_max));
	return o;
}

static int kept_to_json(void *userdata, const struct sched_event_header *h)
{
	json_t *list = userdata, *e = sched_event_to_json(h);

	return e && json_array_append_new(list, e) == 0 ? 0 : -ENOMEM;
}

static void finish(struct watch *w)
{
	double secs = (double)(now_mono_ns() - w->start_ns) / 1e9;
	uint32_t sample = w->sample;
	uint64_t lost = feed_sub_lost(w->sub);
	json_t *events = json_array(), *reply;
	size_t off = 0;

	/* the records were checked when they arrived; walk them by their sizes */
	for (size_t i = 0; events && i < w->kept_count; i++) {
		const struct sched_event_header *h = (const void *)(w->kept + off);

		if (kept_to_json(events, h) < 0)
			break;
		off += h->size;
	}
	reply = json_pack("{s:f, s:o, s:I, s:I, s:I}", "duration_s", round_to(secs, 1000), "events", events, "returned",
			  (json_int_t)w->kept_count, "more", (json_int_t)(w->total - w->kept_count), "lost_kernel",
			  (json_int_t)lost);
	if (reply) {
		json_object_set_new(reply, "sample_rate", json_integer(sample));
		json_object_set_new(reply, "filter", json_incref(w->filter));
		json_object_set_new(reply, "summary", summary_json(w, secs, sample));
		if (w->total > w->kept_count)
			json_object_set_new(reply, "note",
					    json_string("events holds the first `limit` events; the summary counts them all. "
							"Narrow types/pids/cpus, raise min_latency_us or sample_rate, or "
							"raise limit (at most 10000) to see more"));
		if (lost)
			json_object_set_new(reply, "lost_note",
					    json_string("the BPF ring buffer was full at times: lost_kernel events are missing "
							"from every subscriber; narrow the filters or sample"));
	}
	feed_unsubscribe(w->sub);
	w->sub = NULL;
	if (reply)
		call_reply(w->call, reply);
	else
		call_fail(w->call, -ENOMEM, "out of memory");
	watch_free(w);
}

static void on_tick(evutil_socket_t fd, short what, void *userdata)
{
	struct watch *w = userdata;
	char msg[96];

	if (++w->elapsed_s < w->duration_s) {
		snprintf(msg, sizeof(msg), "%u of %u s, %llu events", w->elapsed_s, w->duration_s,
			 (unsigned long long)w->total);
		call_progress(w->call, w->elapsed_s, w->duration_s, msg);
		return;
	}
	finish(w);
}

int watch_events_start(struct call *c, const json_t *args, char **ret_error)
{
	struct manager *m = call_manager(c);
	struct timeval second = { .tv_sec = 1 };
	struct feed_filter f;
	uint64_t secs = 5, limit = 100;
	struct watch *w;
	int r;

	r = feed_filter_parse(args, watch_args, &f, ret_error);
	if (r < 0)
		return r;
	r = json_get_uint(args, "duration_secs", WATCH_MAX_SECS, &secs);
	if (r == -EINVAL || r == -ERANGE || secs == 0)
		return errmsg_set(ret_error, -EINVAL, "duration_secs must be an integer from 1 to %d", WATCH_MAX_SECS);
	r = json_get_uint(args, "limit", WATCH_MAX_LIMIT, &limit);
	if (r == -EINVAL || r == -ERANGE)
		return errmsg_set(ret_error, -EINVAL, "limit must be an integer from 0 to %d", WATCH_MAX_LIMIT);
	if (!m->feed)
		return errmsg_set(ret_error, -EOPNOTSUPP, "the live feed needs the scheduler BPF programs, which are not loaded: %s",
				  m->schedagg_error[0] ? m->schedagg_error : "not started");
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->call = c;
	w->duration_s = (unsigned)secs;
	w->limit = (unsigned)limit;
	w->sample = f.sample;
	w->filter = feed_filter_to_json(&f);
	w->kept = malloc(limit ? limit * SCHED_EVENT_MAX_SIZE : 1);
	w->tasks = calloc(WATCH_TASKS_TRACKED, sizeof(*w->tasks));
	w->tick = event_new(m->base, -1, EV_PERSIST, on_tick, w);
	if (!w->kept || !w->tasks || !w->tick || event_add(w->tick, &second) < 0) {
		watch_free(w);
		return -ENOMEM;
	}
	r = feed_subscribe_internal(m->feed, &f, on_record, w, &w->sub, ret_error);
	if (r < 0) {
		watch_free(w);
		return r;
	}
	w->start_ns = now_mono_ns();
	call_set_data(c, w);
	return 0;
}

void watch_events_cancel(struct call *c)
{
	watch_free(call_data(c));
}
