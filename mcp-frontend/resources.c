/* resources.c: the MCP resources schedmcp offers, one table row each, read through collectord. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector-link.h"
#include "collector-request.h"
#include "events-stream.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "macro.h"
#include "resources.h"
#include "schedmcp.h"

/* The collector's answer goes on as the text it sent, unless it must be cut. */
static void on_collector_reply(struct mcp_request *req, int err, const char *text, size_t len,
			       const char *message)
{
	const char *uri = json_string_value(json_object_get(mcp_request_params(req), "uri"));

	if (err < 0) {
		/* A resource has no isError: the error says what to do. */
		mcp_request_error(req, err == -ENOENT ? MCP_RESOURCE_NOT_FOUND : JSONRPC_INTERNAL_ERROR,
				  message ? message : strerror(-err),
				  json_pack("{s:s, s:i}", "uri", uri ? uri : "", "errno", -err));
		return;
	}
	mcp_request_reply_resource_text(req, uri, text, len);
}

/* Where a resource comes from: a READ of a collector URI, or another request type. */
struct collector_source {
	enum wire_type type;
	const char *uri; /* for WIRE_READ */
};

/* {"uri":URI,"args":{}}, printed here: jansson would take longer than the rest of the request. */
static char *read_payload(const char *uri)
{
	static const char head[] = "{\"uri\":", tail[] = ",\"args\":{}}";
	size_t len = strlen(uri);
	char *text = malloc(sizeof(head) - 1 + json_string_printed_size(uri, len) + sizeof(tail));
	char *p;

	if (!text)
		return NULL;
	p = mempcpy(text, head, sizeof(head) - 1);
	p = json_string_print(p, uri, len);
	memcpy(p, tail, sizeof(tail));
	return text;
}

static void read_from_collector(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	const struct collector_source *src = res->data;
	struct schedmcp *s = app;
	_cleanup_free_ char *payload = NULL;

	if (src->type == WIRE_READ) {
		payload = read_payload(src->uri);
		if (!payload) {
			mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
			return;
		}
	}
	collector_request_text(s, req, src->type, payload, 0, on_collector_reply);
}

/* One row per resource: URI, short name, title, description. */
#define COLLECTOR_RESOURCE(u, n, t, d, ...)                                          \
	{                                                                            \
		.uri = (u), .name = (n), .title = (t), .description = (d),           \
		.mime_type = "application/json", .read = read_from_collector,         \
		.data = &(const struct collector_source){ __VA_ARGS__ },             \
	}
/* The common row: a READ of the collector resource of the same URI. */
#define COLLECTOR_READ(u, n, t, d) COLLECTOR_RESOURCE(u, n, t, d, .type = WIRE_READ, .uri = (u))

const struct mcp_resource schedmcp_resources[] = {
	COLLECTOR_RESOURCE("collector://status", "collector-status", "Collector status",
			   "collectord's version, uptime, kernel features available on this machine "
			   "(each with the reason when not), BPF programs and clients",
			   .type = WIRE_STATUS),
	COLLECTOR_READ("topology://info", "topology", "CPU topology",
		       "CPUs, cores, LLCs and NUMA nodes with ids and mappings, SMT siblings, "
		       "online/offline CPUs, capacities, frequencies and node distances"),
	COLLECTOR_READ("scheduler://current", "scheduler-current", "Current scheduler",
		       "Which scheduler runs the machine: the loaded sched_ext scheduler (name, state, "
		       "enable_seq, switch_all) or the fair class with its policy (EEVDF on Linux 6.6+, "
		       "CFS before), and the kernel release"),
	COLLECTOR_READ("stats://scheduler/scx", "scheduler-scx", "sched_ext kernel counters",
		       "The kernel's own sched_ext counters parsed into fields: state, switch_all, "
		       "nr_rejected, hotplug_seq, enable_seq, ops, SCX_EV_* event counts and the debugfs "
		       "state; \"available\": false with the reason when sched_ext is absent"),
	COLLECTOR_READ("stats://scheduler/raw", "scheduler-raw", "sched_ext scheduler statistics",
		       "The running sched_ext scheduler's own statistics and their metadata, from its "
		       "scx_stats socket (/var/run/scx/root/stats, 2 s timeout); \"available\": false "
		       "when no scheduler serves them"),
	COLLECTOR_READ("events://perf", "events-perf", "Tracepoints",
		       "Tracepoints from tracefs available_events: per-subsystem counts first, then the "
		       "first 100 events (subsystem, event) with total and next_offset"),
	COLLECTOR_READ("events://kprobe", "events-kprobe", "Kprobe-able functions",
		       "Kernel functions kprobes can attach to (available_filter_functions), first 100 "
		       "with module, total and next_offset; \"available\": false with the reason when "
		       "kprobes cannot attach or the list cannot be read"),
	COLLECTOR_READ("bpf://programs", "bpf-programs", "Loaded BPF programs",
		       "Every loaded BPF program: id, name, type (sched_ext schedulers marked), attach "
		       "point, run count, run time, ns per run, verified instructions, memlock, load time; "
		       "reading turns run-time statistics on for 60 s"),
	COLLECTOR_READ("stats://system/cpu", "system-cpu", "System CPU utilization",
		       "Over the last 10 s of collectord's /proc/stat samples (window stated, never "
		       "since boot): user/system/idle/iowait/irq/softirq/steal/nice percent per CPU and "
		       "in total, context switches, interrupts and softirqs (by type) per second, "
		       "runnable and blocked tasks"),
	COLLECTOR_READ("stats://system/memory", "system-memory", "System memory",
		       "/proc/meminfo totals in kB, used and available ratios, swap used ratio, page "
		       "fault, swap and reclaim (pgscan/pgsteal) rates over the last 10 s, and pressure "
		       "stall information (PSI) for cpu, memory and io where enabled"),
	COLLECTOR_READ("stats://system/network", "system-network", "Network interfaces",
		       "Per interface from /proc/net/dev: bytes, packets, errors and drops received and "
		       "sent, since boot and per second over the last 10 s"),
	COLLECTOR_READ("stats://aggregated/cpu", "aggregated-cpu", "Per-CPU scheduling figures",
		       "Measured in the kernel by BPF over the last 10 s (window stated): per CPU utilization, "
		       "frequency, context switches (voluntary/involuntary), wake-ups and migrations per "
		       "second, softirq share, and run-queue latency count/avg/p50/p90/p99/max in us; "
		       "all_cpus sums them"),
	COLLECTOR_READ("stats://aggregated/llc", "aggregated-llc", "Scheduling figures per LLC",
		       "The per-CPU BPF figures of stats://aggregated/cpu summed per last-level cache, with "
		       "each LLC's CPUs, level, size and node; run-queue latency merged over its CPUs"),
	COLLECTOR_READ("stats://aggregated/node", "aggregated-node", "Scheduling figures per NUMA node",
		       "The per-CPU BPF figures of stats://aggregated/cpu summed per NUMA node"),
	COLLECTOR_READ("stats://aggregated/dsq", "aggregated-dsq", "sched_ext dispatch queues",
		       "Per sched_ext dispatch queue: depth, enqueues, dispatches and queueing latency; "
		       "\"available\": false with the reason when no sched_ext scheduler runs"),
	COLLECTOR_READ("stats://aggregated/process", "aggregated-process", "Top tasks by CPU time",
		       "Tasks (threads) that ran in the last 10 s, most CPU time first, measured by BPF: "
		       "cpu_pct, runtime, switches, wake-ups, migrations, run-queue latency percentiles, "
		       "cgroup; first 100 with total and next_offset"),
	COLLECTOR_READ("profiling://perf/status", "profiling-status", "Profiling session",
		       "This client's perf profiling session (start it with start_perf_profiling): state, "
		       "event and any fallback, mode, call graph, frequency asked and achieved, samples, "
		       "lost samples, duration and why it stopped; \"idle\" when there is none"),
	COLLECTOR_READ("profiling://perf/results", "profiling-results", "Profiling results",
		       "This client's profile, symbolized in the collector: the top 20 symbols with self "
		       "and total percentages, sample counts and the kernel/user split (get_perf_results "
		       "gives stacks, folded stacks, focus and paging)"),
	{
		.uri = EVENTS_STREAM_URI,
		.name = "events-stream",
		.title = "Live scheduler events",
		.description = "The live feed of scheduler events measured in the kernel (sched_switch with "
			       "prev/next and run-queue wait, wake-ups, migrations, fork/exec/exit, softirqs, "
			       "IPIs, ...). resources/subscribe starts it and notifications/resources/updated "
			       "(at most every 200 ms) says events wait; each read returns the events since the "
			       "previous read as NDJSON, after a header line with count, more, dropped and "
			       "sample_rate. For a filtered, bounded look use the watch_events tool.",
		.mime_type = "application/x-ndjson",
		.read = events_stream_read,
		.subscribe = events_stream_subscribe,
		.unsubscribe = events_stream_unsubscribe,
	},
};
const size_t schedmcp_n_resources = ELEMENTSOF(schedmcp_resources);
