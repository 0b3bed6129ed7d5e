/* measure.c: count context switches per CPU in BPF over duration_secs, reporting progress each second. */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "json-util.h"
#include "macro.h"
#include "manager.h"
#include "measure.h"
#include "schedagg.h"

#define MEASURE_MAX_SECS 300

struct measure {
	struct call *call;
	struct event *tick;
	unsigned duration_s, elapsed_s;
	uint64_t start_ns;
	unsigned nr_cpus;
	uint64_t *start; /* per-CPU counts at the start */
};

static void measure_free(struct measure *w)
{
	if (!w)
		return;
	if (w->tick)
		event_free(w->tick);
	free(w->start);
	free(w);
}

static json_t *measure_result(struct measure *w, const uint64_t *end, double secs)
{
	json_t *cpus = json_array();
	uint64_t total = 0;

	for (unsigned i = 0; cpus && i < w->nr_cpus; i++) {
		uint64_t d = end[i] - w->start[i];

		total += d;
		json_array_append_new(cpus, json_pack("{s:i, s:I, s:f}", "cpu", (int)i, "switches",
						      (json_int_t)d, "per_s", (double)d / secs));
	}
	return json_pack("{s:f, s:I, s:f, s:o}", "window_s", secs, "switches", (json_int_t)total, "per_s",
			 (double)total / secs, "per_cpu", cpus);
}

static void on_tick(evutil_socket_t fd, short what, void *userdata)
{
	struct measure *w = userdata;
	struct manager *m = call_manager(w->call);
	_cleanup_free_ uint64_t *end = NULL;
	uint64_t total;
	char msg[64];

	if (++w->elapsed_s < w->duration_s) {
		snprintf(msg, sizeof(msg), "%u of %u s", w->elapsed_s, w->duration_s);
		call_progress(w->call, w->elapsed_s, w->duration_s, msg);
		return;
	}
	end = calloc(w->nr_cpus, sizeof(*end));
	if (!end || !m->schedagg || schedagg_switches(m->schedagg, &total, end, w->nr_cpus) < 0) {
		call_fail(w->call, -EIO, "reading the BPF counters failed");
	} else {
		double secs = (double)(now_mono_ns() - w->start_ns) / 1e9;

		call_reply(w->call, measure_result(w, end, secs));
	}
	measure_free(w);
}

int measure_switches_start(struct call *c, const json_t *args, char **ret_error)
{
	struct manager *m = call_manager(c);
	struct timeval second = { .tv_sec = 1 };
	struct measure *w;
	uint64_t secs = 1, total;
	int r;

	r = json_get_uint(args, "duration_secs", MEASURE_MAX_SECS, &secs);
	if (r == -EINVAL || r == -ERANGE || secs == 0) {
		if (asprintf(ret_error, "duration_secs must be an integer from 1 to %d", MEASURE_MAX_SECS) < 0)
			*ret_error = NULL;
		return -EINVAL;
	}
	if (!m->schedagg) {
		if (asprintf(ret_error, "the scheduler BPF programs are not loaded: %s", m->schedagg_error) < 0)
			*ret_error = NULL;
		return -EOPNOTSUPP;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->call = c;
	w->duration_s = (unsigned)secs;
	w->nr_cpus = schedagg_nr_cpus(m->schedagg);
	w->start = calloc(w->nr_cpus, sizeof(*w->start));
	w->tick = event_new(m->base, -1, EV_PERSIST, on_tick, w);
	if (!w->start || !w->tick || event_add(w->tick, &second) < 0) {
		measure_free(w);
		return -ENOMEM;
	}
	r = schedagg_switches(m->schedagg, &total, w->start, w->nr_cpus);
	if (r < 0) {
		measure_free(w);
		return r;
	}
	w->start_ns = now_mono_ns();
	call_set_data(c, w);
	return 0;
}

void measure_switches_cancel(struct call *c)
{
	measure_free(call_data(c));
}
