/* templates.c: resource templates, one row each: collector resources whose arguments come from the URI,
 * and events://stream filtered by its query. */
#include <errno.h>
#include <string.h>

#include "collector-request.h"
#include "completion.h"
#include "events-stream.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "macro.h"
#include "schedmcp.h"
#include "templates.h"

static void on_reply(void *userdata, int err, const json_t *body, const char *message)
{
	struct mcp_request *req = userdata;
	const char *uri = json_string_value(json_object_get(mcp_request_params(req), "uri"));

	if (err < 0) {
		/* A bad argument (-EINVAL) is the client's to fix: -32602. */
		mcp_request_error(req, err == -EINVAL ? JSONRPC_INVALID_PARAMS : JSONRPC_INTERNAL_ERROR,
				  message ? message : strerror(-err),
				  json_pack("{s:s, s:i}", "uri", uri ? uri : "", "errno", -err));
		return;
	}
	mcp_request_reply_resource(req, uri, body);
}

/* The template's variables are the collector resource's arguments. */
static void read_with_args(struct mcp_request *req, const struct mcp_resource_template *t, const char *uri,
			   const json_t *vars, void *app)
{
	struct schedmcp *s = app;
	_cleanup_json_ json_t *payload = json_pack("{s:s, s:O}", "uri", (const char *)t->data, "args", vars);

	if (!payload) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	collector_request(s, req, WIRE_READ, payload, 0, on_reply);
}

#define OFFSET_LIMIT                                       \
	"\"offset\":{\"type\":\"integer\",\"minimum\":0}," \
	"\"limit\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000}"
#define WINDOW	  "\"window\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":60}"
#define VARS(...) "{\"type\":\"object\",\"properties\":{" __VA_ARGS__ "},\"additionalProperties\":false}"

#define COLLECTOR_TEMPLATE(tmpl, base, n, t, d, schema)                                           \
	{                                                                                         \
		.uri_template = (tmpl), .name = (n), .title = (t), .description = (d),            \
		.mime_type = "application/json", .vars_schema = (schema), .read = read_with_args, \
		.data = (base),                                                                   \
	}

const struct mcp_resource_template schedmcp_templates[] = {
    COLLECTOR_TEMPLATE("topology://info{?detail,include_offline}", "topology://info", "topology-detail",
		       "CPU topology, summary or full",
		       "topology://info with detail=summary (counts and CPU lists) or full (every CPU), and "
		       "include_offline=true|false",
		       VARS("\"detail\":{\"type\":\"string\",\"enum\":[\"summary\",\"full\"]},"
			    "\"include_offline\":{\"type\":\"boolean\"}")),
    COLLECTOR_TEMPLATE("events://perf{?subsystem,filter,offset,limit}", "events://perf", "events-perf-page",
		       "Tracepoints, filtered and paged",
		       "Tracepoints of one subsystem (e.g. sched) or matching filter (a substring), from "
		       "offset, at most limit (default 100, 0: counts only)",
		       VARS("\"subsystem\":{\"type\":\"string\",\"maxLength\":256},"
			    "\"filter\":{\"type\":\"string\",\"maxLength\":256}," OFFSET_LIMIT)),
    COLLECTOR_TEMPLATE("events://kprobe{?filter,offset,limit}", "events://kprobe", "events-kprobe-page",
		       "Kprobe-able functions, filtered and paged",
		       "Kernel functions kprobes can attach to, matching filter (a substring), from offset, "
		       "at most limit",
		       VARS("\"filter\":{\"type\":\"string\",\"maxLength\":256}," OFFSET_LIMIT)),
    COLLECTOR_TEMPLATE("bpf://programs{?offset,limit}", "bpf://programs", "bpf-programs-page",
		       "Loaded BPF programs, paged", "bpf://programs from offset, at most limit",
		       VARS(OFFSET_LIMIT)),
    COLLECTOR_TEMPLATE("stats://system/cpu{?window,offset,limit}", "stats://system/cpu", "system-cpu-window",
		       "System CPU utilization over a chosen window",
		       "stats://system/cpu over the last window seconds (1-60, default 10), per-CPU rows "
		       "from offset, at most limit",
		       VARS(WINDOW "," OFFSET_LIMIT)),
    COLLECTOR_TEMPLATE("stats://system/memory{?window}", "stats://system/memory", "system-memory-window",
		       "System memory over a chosen window",
		       "stats://system/memory with rates over the last window seconds (1-60)", VARS(WINDOW)),
    COLLECTOR_TEMPLATE("stats://system/network{?window,offset,limit}", "stats://system/network",
		       "system-network-window", "Network interfaces over a chosen window",
		       "stats://system/network with rates over the last window seconds (1-60), interfaces "
		       "from offset, at most limit",
		       VARS(WINDOW "," OFFSET_LIMIT)),
    COLLECTOR_TEMPLATE("stats://aggregated/cpu{?window,offset,limit}", "stats://aggregated/cpu",
		       "aggregated-cpu-window", "Per-CPU scheduling figures over a chosen window",
		       "stats://aggregated/cpu over the last window seconds (1-60, default 10), CPUs from "
		       "offset, at most limit",
		       VARS(WINDOW "," OFFSET_LIMIT)),
    COLLECTOR_TEMPLATE("stats://aggregated/llc{?window}", "stats://aggregated/llc", "aggregated-llc-window",
		       "Scheduling figures per LLC over a chosen window",
		       "stats://aggregated/llc over the last window seconds (1-60)", VARS(WINDOW)),
    COLLECTOR_TEMPLATE("stats://aggregated/node{?window}", "stats://aggregated/node", "aggregated-node-window",
		       "Scheduling figures per NUMA node over a chosen window",
		       "stats://aggregated/node over the last window seconds (1-60)", VARS(WINDOW)),
    COLLECTOR_TEMPLATE("stats://aggregated/process{?window,sort,group_by,pid,tgid,comm,offset,limit}",
		       "stats://aggregated/process", "aggregated-process-query", "Tasks or processes, sorted and paged",
		       "stats://aggregated/process over the last window seconds (1-60), sorted by runtime (default), "
		       "switches, involuntary, wakeups, migrations, rq_lat_avg, rq_lat_p99 or pid, per thread "
		       "(default) or process, narrowed to a pid, tgid or comm prefix, from offset, at most limit",
		       VARS(WINDOW ","
			    "\"sort\":{\"type\":\"string\",\"enum\":[\"runtime\",\"switches\",\"involuntary\","
			    "\"wakeups\",\"migrations\",\"rq_lat_avg\",\"rq_lat_p99\",\"pid\"]},"
			    "\"group_by\":{\"type\":\"string\",\"enum\":[\"thread\",\"process\"]},"
			    "\"pid\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":2147483647},"
			    "\"tgid\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":2147483647},"
			    "\"comm\":{\"type\":\"string\",\"maxLength\":15}," OFFSET_LIMIT)),
    {
	/* Every value a string: events-filter.c checks them, with errors that say what each takes. */
	.uri_template = EVENTS_STREAM_TEMPLATE,
	.name = "events-stream-filtered",
	.title = "Live scheduler events, filtered",
	.description =
	    "events://stream narrowed by collectord (in the kernel where it can) to what the query asks for. "
	    "resources/subscribe to the exact URI starts a feed of its own (each distinct URI is one; at most 4 "
	    "at once, events://stream included); notifications/resources/updated and resources/read name that "
	    "URI; each read returns the events since the previous one as NDJSON after a header line with the "
	    "filter in effect, count, more, dropped and sample_rate. Parameters (all optional; lists "
	    "comma-separated): "
	    "types: event types (sched_switch, sched_wakeup, sched_waking, sched_wakeup_new, sched_migrate_task, "
	    "fork, exec, exit, wait, softirq, ipi, cpuhp_enter, cpuhp_exit, hw_pressure, sched_hang, "
	    "cpu_frequency, or all; default all); "
	    "pids: up to 64 thread ids (either side of a switch or wake-up, parent or child); "
	    "tgids: up to 64 process ids; "
	    "cpus: CPUs, e.g. 0-3,8; "
	    "comm: a task name prefix (at most 15 bytes); "
	    "min_latency_us: keep sched_switch events whose next task waited at least this long and softirq "
	    "runs at least this long (0-60000000); "
	    "sample_rate: keep 1 in N matching events (1-1000000; multiply counts by it). "
	    "Example: events://stream?types=sched_switch,sched_wakeup&pids=1234&sample_rate=10",
	.mime_type = "application/x-ndjson",
	.vars_schema = VARS("\"types\":{\"type\":\"string\"},\"pids\":{\"type\":\"string\"},"
			    "\"tgids\":{\"type\":\"string\"},\"cpus\":{\"type\":\"string\"},"
			    "\"comm\":{\"type\":\"string\"},\"min_latency_us\":{\"type\":\"string\"},"
			    "\"sample_rate\":{\"type\":\"string\"}"),
	.read = events_stream_read_uri,
	.complete = completion_events_stream,
	.subscribe = events_stream_subscribe_uri,
	.unsubscribe = events_stream_unsubscribe_uri,
    },
};
const size_t schedmcp_n_templates = ELEMENTSOF(schedmcp_templates);
