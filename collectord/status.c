/* status.c: build HELLO (versions, features, access) and status (uptime, clients, BPF) answers. */
#include "build-config.h"
#include <unistd.h>

#include "aggregate.h"
#include "calls.h"
#include "manager.h"
#include "peer.h"
#include "probe.h"
#include "schedagg.h"
#include "status.h"
#include "wire.h"

json_t *status_hello(struct manager *m, const struct peer *p)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:o, s:{s:I, s:I}}", "server", "collectord", "version",
			 PROJECT_VERSION, "protocol", WIRE_VERSION, "access",
			 wire_access_to_string(p->access), "features", features_to_json(&m->features),
			 "limits", "max_message_bytes", (json_int_t)m->config.max_message_bytes,
			 "max_requests_in_flight", (json_int_t)m->config.max_requests_in_flight);
}

static json_t *bpf_json(struct manager *m)
{
	json_t *j;

	if (m->schedagg) {
		j = schedagg_to_json(m->schedagg);
		if (j)
			json_object_set_new(j, "loaded", json_true());
		return j;
	}
	return json_pack("{s:b, s:s}", "loaded", 0, "reason",
			 m->schedagg_error[0] ? m->schedagg_error : "not started");
}

/* The aggregation ring and the BPF tables' bookkeeping: reads, memory, evictions. */
static json_t *tracing_json(struct manager *m)
{
	const struct agg_read *l;
	uint64_t reads, failures, last_ns;

	if (!m->aggregate)
		return json_pack("{s:b}", "aggregating", 0);
	aggregate_stats(m->aggregate, &reads, &failures, &last_ns);
	l = schedwin_latest(aggregate_peek(m->aggregate));
	return json_pack("{s:b, s:i, s:I, s:I, s:f, s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I}, s:{s:I, s:I}}",
			 "aggregating", 1, "interval_ms", (int)m->config.interval_msec, "reads", (json_int_t)reads,
			 "read_failures", (json_int_t)failures, "last_read_ms", (double)last_ns / 1e6,
			 "ring_reads", (json_int_t)schedwin_count(aggregate_peek(m->aggregate)), "ring_bytes",
			 (json_int_t)schedwin_bytes(aggregate_peek(m->aggregate)), "tasks", "entries",
			 (json_int_t)(l ? l->nr_tasks : 0), "inserts", (json_int_t)(l ? l->task_inserts : 0),
			 "deleted_exited", (json_int_t)(l ? l->task_deletes : 0), "evicted",
			 (json_int_t)(l && l->task_inserts > l->task_deletes + l->nr_tasks
					      ? l->task_inserts - l->task_deletes - l->nr_tasks
					      : 0),
			 "wake_pairs", "entries", (json_int_t)(l ? l->nr_pairs : 0), "evicted",
			 (json_int_t)(l && l->pair_inserts > l->nr_pairs ? l->pair_inserts - l->nr_pairs : 0),
			 "feed", "emitted", (json_int_t)(l ? l->feed_emitted : 0), "lost_ring_full",
			 (json_int_t)(l ? l->feed_lost : 0));
}

json_t *status_to_json(struct manager *m, const struct peer *asker)
{
	json_t *s = json_pack("{s:s, s:i, s:I, s:i, s:s, s:{s:s, s:b, s:I}, s:o, s:{s:i, s:i, s:I, s:I}, s:o, s:{s:s, s:i, s:i, s:I, s:I, s:i}}",
			 "version", PROJECT_VERSION, "protocol", WIRE_VERSION, "uptime_s",
			 (json_int_t)((now_mono_ns() - m->start_mono_ns) / 1000000000ull), "pid",
			 (int)getpid(), "access", wire_access_to_string(asker->access), "socket", "path",
			 m->socket_path, "activated", m->socket_activated, "gid", (json_int_t)m->socket_gid,
			 "features", features_to_json(&m->features), "clients", "connected",
			 (int)m->nr_peers, "max", (int)m->config.max_clients, "total",
			 (json_int_t)m->peers_total, "refused", (json_int_t)m->peers_refused, "bpf",
			 bpf_json(m), "config", "admin_group", m->config.admin_group, "max_requests_in_flight",
			 (int)m->config.max_requests_in_flight, "interval_msec", (int)m->config.interval_msec,
			 "max_queued_bytes", (json_int_t)m->config.max_queued_bytes, "max_message_bytes",
			 (json_int_t)m->config.max_message_bytes, "history_seconds",
			 (int)m->config.history_seconds);

	if (s)
		json_object_set_new(s, "calls", calls_list());
	if (s)
		json_object_set_new(s, "events", schedagg_events_json(m->schedagg, m->schedagg_error));
	if (s)
		json_object_set_new(s, "tracing", tracing_json(m));
	return s;
}
