/* calls.c: the CALL table and the life of a call: start, progress, answer, cancel, peer gone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "analyze.h"
#include "calls.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "measure.h"
#include "profile.h"
#include "peer.h"
#include "watch.h"

struct call {
	LIST_ENTRY(call) link;
	struct manager *m;
	struct peer *peer; /* valid for the call's whole life: calls die with their peer */
	uint32_t request_id;
	const struct call_def *def;
	void *data;
};

/* One row per operation; each lives in the file named after its job. */
static const struct call_def call_table[] = {
	{ "measure_switches", "context switches per CPU counted in BPF over the next duration_secs",
	  WIRE_ACCESS_READ, measure_switches_start, measure_switches_cancel },
	{ "start_perf_profiling", "start this client's perf profiling session (event, freq Hz, pid or system-wide, "
	  "mode kernel_aggregate|samples, call_graph fp|dwarf, duration_secs, max_samples); answers once it runs",
	  WIRE_ACCESS_READ, profile_start, NULL },
	{ "stop_perf_profiling", "stop this client's profiling session: state, event, freq asked and achieved, samples, "
	  "lost, duration", WIRE_ACCESS_READ, profile_stop, NULL },
	{ "watch_events", "collect live scheduler events for duration_secs with filters (types, pids, tgids, cpus, "
	  "comm, min_latency_us, sample_rate); answers the first `limit` events and a summary",
	  WIRE_ACCESS_READ, watch_events_start, watch_events_cancel },
	{ "analyze_waker_wakee", "who wakes whom over a window: mode summary|pairs|cross_llc|cross_node, pid, limit, "
	  "window; wake-up latency percentiles and cross-CPU/LLC/node shares", WIRE_ACCESS_READ,
	  analyze_waker_wakee_start, NULL },
	{ "analyze_softirq", "softirq time over a window: mode by_type|by_cpu|by_process, softirq_nr, limit, window; "
	  "duration and per-CPU count percentiles", WIRE_ACCESS_READ, analyze_softirq_start, NULL },
	{ "get_perf_results", "symbolized results of this client's profile: format top|stacks|folded, limit, offset, "
	  "include_stacks, pid, focus", WIRE_ACCESS_READ, profile_results, NULL },
};

static const struct call_def *call_lookup(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(call_table); i++)
		if (strcmp(call_table[i].name, name) == 0)
			return &call_table[i];
	return NULL;
}

json_t *calls_list(void)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ELEMENTSOF(call_table); i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", call_table[i].name, "description",
						   call_table[i].description, "access",
						   wire_access_to_string(call_table[i].access)));
	return a;
}

static void call_free(struct call *c)
{
	LIST_REMOVE(c, link);
	free(c);
}

void call_reply(struct call *c, json_t *body)
{
	int r = peer_send(c->peer, WIRE_REPLY, c->request_id, body, true);

	if (r == -EMSGSIZE)
		peer_send_error(c->peer, c->request_id, r, "the answer is larger than MaxMessageBytes; ask for less");
	json_decref(body);
	call_free(c);
}

void call_fail(struct call *c, int err, const char *message)
{
	peer_send_error(c->peer, c->request_id, err, message);
	call_free(c);
}

void call_progress(struct call *c, double done, double total, const char *message)
{
	_cleanup_json_ json_t *p = json_pack("{s:f, s:f}", "progress", done, "total", total);

	if (!p)
		return;
	if (message)
		json_object_set_new(p, "message", json_string(message));
	/* Not an answer: the request stays in flight. */
	peer_send(c->peer, WIRE_PROGRESS, c->request_id, p, false);
}

struct manager *call_manager(const struct call *c)
{
	return c->m;
}

const struct peer *call_peer(const struct call *c)
{
	return c->peer;
}

void call_set_data(struct call *c, void *data)
{
	c->data = data;
}

void *call_data(const struct call *c)
{
	return c->data;
}

int calls_start(struct peer *p, uint32_t request_id, const json_t *payload, char **ret_error)
{
	const struct call_def *def;
	const json_t *args;
	const char *name;
	struct call *c;
	int r;

	if (json_get_string(payload, "name", &name) < 0) {
		*ret_error = strdup("CALL needs a string member \"name\"");
		return -EINVAL;
	}
	def = call_lookup(name);
	if (!def) {
		if (asprintf(ret_error, "unknown call '%.64s'", name) < 0)
			*ret_error = NULL;
		return -ENOENT;
	}
	if (p->access < def->access) {
		if (asprintf(ret_error, "'%s' needs %s access; this peer has %s access", def->name,
			     wire_access_to_string(def->access), wire_access_to_string(p->access)) < 0)
			*ret_error = NULL;
		return -EPERM;
	}
	args = json_object_get(payload, "args");
	if (args && !json_is_object(args)) {
		*ret_error = strdup("CALL member \"args\" must be an object");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->m = p->m;
	c->peer = p;
	c->request_id = request_id;
	c->def = def;
	LIST_INSERT_HEAD(&p->m->calls, c, link);
	r = def->start(c, args, ret_error);
	if (r < 0)
		call_free(c);
	return r;
}

static struct call *call_find(struct manager *m, const struct peer *p, uint32_t request_id)
{
	struct call *c;

	LIST_FOREACH(c, &m->calls, link)
		if (c->peer == p && c->request_id == request_id)
			return c;
	return NULL;
}

static void call_cancel(struct call *c)
{
	if (c->def->cancel)
		c->def->cancel(c);
}

int calls_cancel(struct peer *p, const json_t *payload, char **ret_error)
{
	uint64_t id;
	struct call *c;

	if (json_get_uint(payload, "request_id", UINT32_MAX, &id) < 0) {
		*ret_error = strdup("CANCEL needs an integer member \"request_id\"");
		return -EINVAL;
	}
	c = call_find(p->m, p, (uint32_t)id);
	if (!c) {
		if (asprintf(ret_error, "no call with request id %llu is running", (unsigned long long)id) < 0)
			*ret_error = NULL;
		return -ENOENT;
	}
	call_cancel(c);
	call_fail(c, -ECANCELED, "cancelled by the client");
	return 0;
}

void calls_peer_gone(struct manager *m, struct peer *p)
{
	struct call *c, *next;

	for (c = LIST_FIRST(&m->calls); c; c = next) {
		next = LIST_NEXT(c, link);
		if (c->peer != p)
			continue;
		call_cancel(c);
		call_free(c);
	}
}

void calls_cancel_all(struct manager *m)
{
	while (!LIST_EMPTY(&m->calls)) {
		struct call *c = LIST_FIRST(&m->calls);

		call_cancel(c);
		call_free(c);
	}
}
