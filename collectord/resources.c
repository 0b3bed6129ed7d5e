/* resources.c: URI -> reader table for READ requests; each reader builds its answer from live data, and
 * the answers computed from the BPF window ring or the topology are printed once and kept while it stays. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "bpfprogs.h"
#include "bpfstats.h"
#include "errmsg.h"
#include "feed.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "paging.h"
#include "peer.h"
#include "procfs.h"
#include "profile.h"
#include "render-cache.h"
#include "resources.h"
#include "sampler.h"
#include "schedstats.h"
#include "scheduler.h"
#include "scx.h"
#include "schedwin.h"
#include "scxstats.h"
#include "topology.h"
#include "tracefs.h"

typedef int (*resource_fn)(struct manager *m, const json_t *args, json_t **ret, char **ret_error);
/* For resources that answer per client (a client's own profiling session). */
typedef int (*resource_peer_fn)(struct manager *m, const struct peer *p, const json_t *args, json_t **ret,
				char **ret_error);

/* What an answer is computed from, when it can be kept until that changes. */
enum resource_source {
	SOURCE_LIVE,      /* read anew every time (or with side effects): never kept */
	SOURCE_AGGREGATE, /* the BPF window ring: changes every interval */
	SOURCE_TOPOLOGY,  /* sysfs: changes on CPU hotplug, and frequencies any time */
	SOURCE_MAX,
};

struct resource {
	const char *uri;
	const char *description;
	resource_fn read;
	enum resource_source source;
};

struct peer_resource {
	const char *uri;
	const char *description;
	resource_peer_fn read;
};

static int read_topology(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	struct topology *t = NULL;
	enum topo_detail detail = TOPO_DETAIL_FULL;
	bool include_offline = true;
	const char *d;
	int r;

	r = json_get_string(args, "detail", &d);
	if (r == 0) {
		if (strcmp(d, "summary") == 0)
			detail = TOPO_DETAIL_SUMMARY;
		else if (strcmp(d, "full") != 0) {
			*ret_error = strdup("detail must be \"summary\" or \"full\"");
			return -EINVAL;
		}
	} else if (r == -EINVAL) {
		*ret_error = strdup("detail must be a string");
		return -EINVAL;
	}
	r = json_get_bool(args, "include_offline", &include_offline);
	if (r == -EINVAL) {
		*ret_error = strdup("include_offline must be a boolean");
		return -EINVAL;
	}
	r = topology_load(m->opt.sysfs_root[0] ? m->opt.sysfs_root : "/", &t);
	if (r < 0) {
		if (asprintf(ret_error, "reading the CPU topology under %s/sys failed: %s",
			     m->opt.sysfs_root, strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}
	r = topology_to_json(t, detail, include_offline, ret);
	topology_free(t);
	return r;
}

/* ---- the scheduler, its counters, and the tracepoint, kprobe and BPF catalogs ---- */

static int read_scheduler_current(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	static const char *const known[] = { NULL };
	int r = args_check_known(args, known, ret_error);

	return r < 0 ? r : scheduler_current(m->opt.sysfs_root, ret);
}

static int read_scx_counters(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	static const char *const known[] = { NULL };
	int r = args_check_known(args, known, ret_error);

	return r < 0 ? r : scx_stats_read(m->opt.sysfs_root, ret);
}

static int read_scx_raw(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	static const char *const known[] = { "target", NULL };
	struct scxstats_opts o = { 0 };
	char path[512];
	int r;

	r = args_check_known(args, known, ret_error);
	if (r >= 0)
		r = arg_string(args, "target", 128, &o.target, ret_error);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s%s", m->opt.sysfs_root, SCXSTATS_SOCKET_PATH);
	o.socket_path = path;
	return scxstats_query(&o, ret, ret_error);
}

static int catalog_args(const json_t *args, bool events, struct tracefs_query *q, char **ret_error)
{
	static const char *const known_events[] = { "subsystem", "filter", "offset", "limit", NULL };
	static const char *const known_functions[] = { "filter", "offset", "limit", NULL };
	int r;

	*q = (struct tracefs_query){ 0 };
	r = args_check_known(args, events ? known_events : known_functions, ret_error);
	if (r >= 0 && events)
		r = arg_string(args, "subsystem", 256, &q->subsystem, ret_error);
	if (r >= 0)
		r = arg_string(args, "filter", 256, &q->filter, ret_error);
	if (r >= 0)
		r = page_parse(args, &q->page, ret_error);
	if (r >= 0 && q->filter && !q->filter[0])
		q->filter = NULL;
	return r;
}

static int read_tracepoints(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	struct tracefs_query q;
	int r = catalog_args(args, true, &q, ret_error);

	if (r >= 0)
		r = tracefs_events(m->opt.sysfs_root, &q, ret, ret_error);
	/* the live feed's event types and whether this kernel offers them, on the first page */
	if (r >= 0 && q.page.offset == 0) {
		json_t *live = feed_types_json(m->schedagg, m->schedagg_error);
		const struct feature_state *kp = &m->features.f[FEATURE_KPROBE], *scx = &m->features.f[FEATURE_SCHED_EXT];

		/* the event types of the reference that come from elsewhere, or not at all here */
		json_object_set_new(live, "kprobe",
				    json_pack("{s:b, s:s, s:s}", "available", 0, "description",
					      "kernel function entries", "reason",
					      kp->available ? "collectord offers no kprobe feed yet; use the profiler's "
							      "tracepoint events or watch_events"
							    : kp->detail));
		json_object_set_new(live, "perf_sample",
				    json_pack("{s:b, s:s, s:s}", "available", 0, "description",
					      "perf samples with stacks", "reason",
					      "delivered by the profiler (start_perf_profiling, get_perf_results), not the live feed"));
		json_object_set_new(live, "sched_cpu_perf_set",
				    json_pack("{s:b, s:s, s:s}", "available", 0, "description",
					      "a sched_ext scheduler setting a CPU's performance target", "reason",
					      scx->available ? "collectord does not trace sched_ext kfuncs"
							     : scx->detail));
		json_object_set_new(*ret, "live_events", live);
	}
	return r;
}

static int read_kprobe_functions(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	const struct feature_state *k = &m->features.f[FEATURE_KPROBE];
	struct tracefs_query q;
	int r = catalog_args(args, false, &q, ret_error);

	if (r < 0)
		return r;
	return tracefs_functions(m->opt.sysfs_root, k->available ? NULL : k->detail, &q, ret, ret_error);
}

static int read_bpf_programs(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	static const char *const known[] = { "enable_stats", "offset", "limit", NULL };
	_cleanup_json_ json_t *o = NULL;
	json_t *programs = NULL;
	bool enable = true, just_enabled = false;
	uint64_t total = 0;
	struct page pg;
	int r;

	r = args_check_known(args, known, ret_error);
	if (r >= 0)
		r = page_parse(args, &pg, ret_error);
	if (r < 0)
		return r;
	if (json_get_bool(args, "enable_stats", &enable) == -EINVAL)
		return errmsg_set(ret_error, -EINVAL, "enable_stats must be a boolean");
	if (enable) {
		bool was = m->bpf_stats.held;

		/* A refusal is reported in the answer; the listing still works. */
		just_enabled = bpfstats_want(m) == 0 && !was;
	}
	r = bpfprogs_list(&pg, &programs, &total, ret_error);
	if (r < 0)
		return r;
	o = json_object();
	if (!o || bpfstats_describe(m, just_enabled, o) < 0 || page_to_json(&pg, total, o) < 0 ||
	    json_object_set_new(o, "programs", programs) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}


/* ---- stats://system: rates over a window of collectord's /proc samples ---- */

static int read_system_cpu(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	return sampler_cpu_json(m->sampler, args, ret, ret_error);
}

static int read_system_memory(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	return sampler_memory_json(m->sampler, args, ret, ret_error);
}

static int read_system_network(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	return sampler_network_json(m->sampler, args, ret, ret_error);
}

static const struct resource resources[] = {
	{ "topology://info", "CPUs, cores, LLCs and NUMA nodes with their mappings", read_topology,
	  SOURCE_TOPOLOGY },
	{ "scheduler://current", "the scheduler in charge: sched_ext ops or the fair class (EEVDF/CFS)",
	  read_scheduler_current, SOURCE_LIVE },
	{ "stats://scheduler/scx", "the kernel's sched_ext counters and events, parsed", read_scx_counters,
	  SOURCE_LIVE },
	{ "stats://scheduler/raw", "the running sched_ext scheduler's own scx_stats statistics", read_scx_raw,
	  SOURCE_LIVE },
	{ "events://perf", "tracepoints by subsystem, paged and filterable", read_tracepoints, SOURCE_LIVE },
	{ "events://kprobe", "functions kprobes can attach to, paged and filterable", read_kprobe_functions,
	  SOURCE_LIVE },
	{ "bpf://programs", "loaded BPF programs with run counts and run time", read_bpf_programs,
	  SOURCE_LIVE }, /* reading turns run-time statistics on */
	{ "stats://system/cpu", "cpu time shares, context switch, interrupt and softirq rates over 1-60 s",
	  read_system_cpu, SOURCE_LIVE }, /* sample_age_ms: as old as the sample is now */
	{ "stats://system/memory", "meminfo totals and ratios, paging and reclaim rates, pressure (PSI)",
	  read_system_memory, SOURCE_LIVE },
	{ "stats://system/network", "per-interface byte, packet, error and drop counters and rates",
	  read_system_network, SOURCE_LIVE },
	{ "stats://aggregated/cpu", "per CPU from BPF over 1-60 s: utilization, frequency, switches, wakeups, "
	  "migrations, run-queue latency avg/p50/p99/max", schedstats_cpu_json, SOURCE_AGGREGATE },
	{ "stats://aggregated/llc", "the per-CPU figures summed per last-level cache", schedstats_llc_json,
	  SOURCE_AGGREGATE },
	{ "stats://aggregated/node", "the per-CPU figures summed per NUMA node", schedstats_node_json,
	  SOURCE_AGGREGATE },
	{ "stats://aggregated/dsq", "sched_ext dispatch queues: depth, enqueues, dispatches, latency",
	  schedstats_dsq_json, SOURCE_LIVE },
	{ "stats://aggregated/process", "top tasks by CPU time over 1-60 s: runtime, switches, wakeups, migrations, "
	  "run-queue latency, cgroup; paged and sortable", schedstats_process_json, SOURCE_AGGREGATE },
};

/* Resources whose answer depends on the asking client. */
static const struct peer_resource peer_resources[] = {
	{ "profiling://perf/status", "this client's profiling session: state, event, freq, samples, lost, duration",
	  profile_status_read },
	{ "profiling://perf/results", "this client's profile: top symbols with self/total %, kernel+user stacks, "
	  "folded stacks (args as get_perf_results)", profile_results_read },
};

int resource_read(struct manager *m, const struct peer *p, const char *uri, const json_t *args,
		  json_t **ret, char **ret_error)
{
	for (size_t i = 0; i < ELEMENTSOF(peer_resources); i++)
		if (strcmp(peer_resources[i].uri, uri) == 0)
			return peer_resources[i].read(m, p, args, ret, ret_error);
	for (size_t i = 0; i < ELEMENTSOF(resources); i++)
		if (strcmp(resources[i].uri, uri) == 0)
			return resources[i].read(m, args, ret, ret_error);
	if (asprintf(ret_error, "unknown resource '%s'", uri) < 0)
		*ret_error = NULL;
	return -ENOENT;
}

/* ---- answers kept as text while their source stays the same ---- */

/* Answers kept: a few URIs times the arguments clients use. */
#define RENDER_CACHE_ENTRIES 32
#define RENDER_CACHE_BYTES   (4u << 20)

/* FNV-1a: the CPU online list, as a number for a stamp. */
static uint64_t hash_text(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* The stamp of what an answer of `source` would be computed from now;
 * false when it cannot be kept (the source is absent or being built). */
static bool source_stamp(struct manager *m, enum resource_source source, struct render_stamp *ret)
{
	*ret = (struct render_stamp){ 0 };
	switch (source) {
	case SOURCE_AGGREGATE: {
		const struct schedwin *w = m->aggregate ? aggregate_peek(m->aggregate) : NULL;
		const struct agg_read *newest = w ? schedwin_latest(w) : NULL;

		/* Fewer than two reads: the answer takes one itself. */
		if (!newest || schedwin_count(w) < 2)
			return false;
		ret->source[0] = newest->mono_ns;
		ret->source[1] = schedwin_count(w);
		ret->source[2] = schedwin_interval_ms(w);
		return true;
	}
	case SOURCE_TOPOLOGY: {
		char path[512], online[4096];

		/* Hotplug shows in the online list, read each time (one small
		 * file, against the hundreds the topology takes); frequencies
		 * change any time, so the answer is kept one interval at most. */
		snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/online", m->opt.sysfs_root);
		if (read_file_at(AT_FDCWD, path, online, sizeof(online)) < 0)
			return false;
		ret->source[0] = hash_text(online, strlen(online));
		ret->source[1] = strlen(online);
		ret->expires_ns = now_mono_ns() + (uint64_t)m->config.interval_msec * 1000000ull;
		return true;
	}
	default:
		return false;
	}
}

/* The cache key: the URI and the arguments, members sorted. */
static char *cache_key(const char *uri, const json_t *args)
{
	_cleanup_free_ char *a = NULL;
	char *key;

	if (args && json_object_size(args) > 0) {
		a = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
		if (!a)
			return NULL;
	}
	if (asprintf(&key, "%s %s", uri, a ? a : "{}") < 0)
		return NULL;
	return key;
}

/* Queues the answer: a reply too large for the peer is the peer's error. */
static int send_text(struct peer *p, uint32_t id, const char *text, size_t len, char **ret_error)
{
	int r = peer_send_bytes(p, WIRE_REPLY, id, text, len, true);

	if (r == -EMSGSIZE)
		return errmsg_set(ret_error, r, "the reply is larger than MaxMessageBytes=%zu; ask for less",
				  p->m->config.max_message_bytes);
	if (r < 0)
		log_debug_errno(r, "peer %" PRIu64 ": queueing reply failed: %m", p->id);
	return 0;
}

static const struct resource *resource_find(const char *uri)
{
	for (size_t i = 0; i < ELEMENTSOF(resources); i++)
		if (strcmp(resources[i].uri, uri) == 0)
			return &resources[i];
	return NULL;
}

int resource_answer(struct peer *p, uint32_t id, const char *uri, const json_t *args, char **ret_error)
{
	struct manager *m = p->m;
	const struct resource *res = resource_find(uri);
	_cleanup_json_ json_t *answer = NULL;
	_cleanup_free_ char *key = NULL, *text = NULL;
	struct render_stamp before, after;
	bool keep = false;
	size_t len = 0;
	int r;

	if (res && res->source != SOURCE_LIVE && source_stamp(m, res->source, &before)) {
		const char *hit;

		/* made on first use; without it (out of memory) nothing is kept */
		if (!m->render_cache)
			(void)render_cache_new(RENDER_CACHE_ENTRIES, RENDER_CACHE_BYTES, &m->render_cache);
		key = m->render_cache ? cache_key(uri, args) : NULL;
		hit = key ? render_cache_get(m->render_cache, key, &before, now_mono_ns(), &len) : NULL;
		if (hit)
			return send_text(p, id, hit, len, ret_error);
		keep = key != NULL;
	}
	r = resource_read(m, p, uri, args, &answer, ret_error);
	if (r < 0)
		return r;
	text = json_dump_compact(answer, &len);
	if (!text)
		return -ENOMEM;
	r = send_text(p, id, text, len, ret_error);
	if (r < 0)
		return r;
	/* Kept only when the source did not move while the answer was made
	 * (an answer may take a read of its own). */
	if (keep && source_stamp(m, res->source, &after) &&
	    memcmp(before.source, after.source, sizeof(before.source)) == 0 &&
	    render_cache_put(m->render_cache, key, &before, TAKE_PTR(text), len) < 0)
		log_debug("keeping the answer to %s failed: out of memory", uri);
	return 0;
}

json_t *resource_list(void)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ELEMENTSOF(resources); i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "uri", resources[i].uri, "description",
						   resources[i].description));
	for (size_t i = 0; a && i < ELEMENTSOF(peer_resources); i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "uri", peer_resources[i].uri, "description",
						   peer_resources[i].description));
	return a;
}
