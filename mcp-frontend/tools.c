/* tools.c: the MCP tools schedmcp offers, one table row each; data comes from collectord. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector-link.h"
#include "collector-request.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "macro.h"
#include "resources.h"
#include "schedmcp.h"
#include "tools.h"

#define READ_ONLY_HINTS (MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT)

/* A tool whose answer is a collector document: failures become isError
 * results that say what to do, as tools must. */
static void on_tool_reply(void *userdata, int err, const json_t *body, const char *message)
{
	struct mcp_request *req = userdata;

	if (err < 0) {
		mcp_request_tool_error(req, message ? message : strerror(-err));
		return;
	}
	mcp_request_reply_tool(req, json_incref((json_t *)body));
}

static void tool_get_topology(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args,
			      void *app)
{
	struct schedmcp *s = app;
	const char *detail = "summary";
	bool include_offline = false;
	_cleanup_json_ json_t *payload = NULL;

	json_get_string(args, "detail_level", &detail);
	json_get_bool(args, "include_offline", &include_offline);
	payload = json_pack("{s:s, s:{s:s, s:b}}", "uri", "topology://info", "args", "detail", detail,
			    "include_offline", include_offline);
	if (!payload) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	collector_request(s, req, WIRE_READ, payload, 0, on_tool_reply);
}

/* Copies the optional arguments a tool and its collector resource share. */
static void copy_args(json_t *to, const json_t *from, const char *const *keys)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(from, *keys);

		if (v)
			json_object_set(to, *keys, v);
	}
}

static const char *catalog_uri(const json_t *args)
{
	const char *type = "tracepoint";

	json_get_string(args, "event_type", &type);
	return strcmp(type, "kprobe") == 0 ? "events://kprobe" : "events://perf";
}

static void tool_list_events(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args,
			     void *app)
{
	static const char *const shared[] = { "subsystem", "filter", "offset", "limit", NULL };
	struct schedmcp *s = app;
	_cleanup_json_ json_t *payload = json_pack("{s:s, s:{}}", "uri", catalog_uri(args), "args");

	if (!payload) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	if (strcmp(catalog_uri(args), "events://kprobe") == 0 && json_object_get(args, "subsystem")) {
		mcp_request_tool_error(req, "kprobe functions have no subsystems; use filter to narrow them");
		return;
	}
	copy_args(json_object_get(payload, "args"), args, shared);
	collector_request(s, req, WIRE_READ, payload, 0, on_tool_reply);
}

/* Reshapes the catalog's {"subsystems": {name: count}} into a list a model
 * reads easily, largest first. */
static void on_subsystems_reply(void *userdata, int err, const json_t *body, const char *message)
{
	struct mcp_request *req = userdata;
	const json_t *subs = json_object_get(body, "subsystems");
	json_t *list, *v;
	const char *name;

	if (err < 0 || !json_is_object(subs)) {
		on_tool_reply(userdata, err, body, message);
		return;
	}
	list = json_array();
	json_object_foreach((json_t *)subs, name, v) {
		size_t i = 0;

		/* insertion keeps the list sorted by count, descending */
		while (i < json_array_size(list) &&
		       json_integer_value(json_object_get(json_array_get(list, i), "events")) >= json_integer_value(v))
			i++;
		json_array_insert_new(list, i, json_pack("{s:s, s:O}", "subsystem", name, "events", v));
	}
	mcp_request_reply_tool(req, json_pack("{s:s, s:O, s:I, s:o}", "event_type", "tracepoint", "total",
					      json_object_get(body, "total"), "subsystem_count",
					      (json_int_t)json_array_size(list), "subsystems", list));
}

static void tool_list_event_subsystems(struct mcp_request *req, const struct mcp_tool *tool,
				       const json_t *args, void *app)
{
	struct schedmcp *s = app;
	const char *uri = catalog_uri(args);
	bool kprobe = strcmp(uri, "events://kprobe") == 0;
	_cleanup_json_ json_t *payload = json_pack("{s:s, s:{s:i}}", "uri", uri, "args", "limit", 0);

	if (!payload) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	collector_request(s, req, WIRE_READ, payload, 0, kprobe ? on_tool_reply : on_subsystems_reply);
}

static json_t *catalogue_entry(const struct mcp_resource *res)
{
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:{s:s}}}", "stat_type", res->name, "uri", res->uri,
			 "description", res->description, "example", "method", "resources/read", "params",
			 "uri", res->uri);
}

static void tool_query_stats(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args,
			     void *app)
{
	const char *want = NULL;
	json_t *list = json_array();
	char valid[512] = "";

	json_get_string(args, "stat_type", &want);
	for (size_t i = 0; list && i < schedmcp_n_resources; i++) {
		const struct mcp_resource *res = &schedmcp_resources[i];

		if (!want || strcmp(want, res->name) == 0)
			json_array_append_new(list, catalogue_entry(res));
		if (strlen(valid) + strlen(res->name) + 3 < sizeof(valid)) {
			strcat(valid, i ? ", " : "");
			strcat(valid, res->name);
		}
	}
	if (list && want && json_array_size(list) == 0) {
		char msg[640];

		json_decref(list);
		snprintf(msg, sizeof(msg), "Unknown stat_type '%.60s'. Valid stat types: %s.", want, valid);
		mcp_request_tool_error(req, msg);
		return;
	}
	mcp_request_reply_tool(req, json_pack("{s:o}", "resources", list));
}

/* A CALL that lasts duration_secs: collectord's progress each second goes to
 * the client as notifications/progress, and a cancel stops the counting. */
static void tool_measure_context_switches(struct mcp_request *req, const struct mcp_tool *tool,
					  const json_t *args, void *app)
{
	struct schedmcp *s = app;
	uint64_t secs = 5;
	_cleanup_json_ json_t *payload = NULL;

	json_get_uint(args, "duration_secs", 300, &secs);
	payload = json_pack("{s:s, s:{s:I}}", "name", "measure_switches", "args", "duration_secs", (json_int_t)secs);
	if (!payload) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	collector_request(s, req, WIRE_CALL, payload, (int)(secs + 10) * 1000, on_tool_reply);
}

/* Profiling: CALLs of this client's session in collectord, arguments passed as
 * given (the schema has checked them; collectord checks them again). */
static void profiling_call(struct mcp_request *req, const char *name, const json_t *args, int timeout_ms,
			   void *app)
{
	struct schedmcp *s = app;
	_cleanup_json_ json_t *payload = args ? json_pack("{s:s, s:O}", "name", name, "args", (json_t *)args)
					      : json_pack("{s:s, s:{}}", "name", name, "args");

	if (!payload) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	collector_request(s, req, WIRE_CALL, payload, timeout_ms, on_tool_reply);
}

static void tool_start_perf_profiling(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args,
				      void *app)
{
	profiling_call(req, "start_perf_profiling", args, 30000, app);
}

static void tool_stop_perf_profiling(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args,
				     void *app)
{
	profiling_call(req, "stop_perf_profiling", args, 30000, app);
}

static void tool_get_perf_results(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args,
				  void *app)
{
	/* Symbolizing a large system-wide profile the first time reads many files. */
	profiling_call(req, "get_perf_results", args, 120000, app);
}

/* Scheduler tracing: CALLs answered from collectord's BPF aggregation or its live feed. */
static void tracing_call(struct mcp_request *req, const char *name, const json_t *args, int timeout_ms, void *app)
{
	struct schedmcp *s = app;
	_cleanup_json_ json_t *payload = args ? json_pack("{s:s, s:O}", "name", name, "args", (json_t *)args)
					      : json_pack("{s:s, s:{}}", "name", name, "args");

	if (!payload) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	collector_request(s, req, WIRE_CALL, payload, timeout_ms, on_tool_reply);
}

/* Lasts duration_secs: the link waits that long and some more. */
static void tool_watch_events(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args, void *app)
{
	uint64_t secs = 5;

	json_get_uint(args, "duration_secs", 300, &secs);
	tracing_call(req, "watch_events", args, (int)(secs + 15) * 1000, app);
}

static void tool_analyze_waker_wakee(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args,
				     void *app)
{
	tracing_call(req, "analyze_waker_wakee", args, 0, app);
}

static void tool_analyze_softirq(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args, void *app)
{
	tracing_call(req, "analyze_softirq", args, 0, app);
}

#define WINDOW_PROPERTY                                                                            \
	"\"window\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":60,"                             \
	"\"description\":\"seconds of the recent past to analyze (default 10)\"}"
#define EVENT_NAMES                                                                                \
	"\"sched_switch\",\"sched_wakeup\",\"sched_waking\",\"sched_wakeup_new\",\"sched_migrate_task\","  \
	"\"fork\",\"exec\",\"exit\",\"wait\",\"softirq\",\"ipi\",\"cpuhp_enter\",\"cpuhp_exit\","            \
	"\"hw_pressure\",\"sched_hang\",\"cpu_frequency\""
#define ID_LIST(what)                                                                              \
	"{\"type\":\"array\",\"maxItems\":64,\"items\":{\"type\":\"integer\",\"minimum\":0,"              \
	"\"maximum\":2147483647},\"description\":\"" what "\"}"

#define PROFILE_STATUS_SCHEMA                                                                      \
	"{\"type\":\"object\",\"properties\":{\"state\":{\"type\":\"string\"},"                       \
	"\"event\":{\"type\":\"string\"},\"samples\":{\"type\":\"integer\"},"                         \
	"\"lost\":{\"type\":\"integer\"},\"duration_s\":{\"type\":\"number\"}},"                      \
	"\"required\":[\"state\",\"event\",\"samples\",\"lost\",\"duration_s\"]}"

#define PAGING_PROPERTIES                                                                          \
	"\"offset\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"first item (default 0)\"},"     \
	"\"limit\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000,"                             \
	"\"description\":\"items per page (default 100; 0: counts only)\"}"
#define EVENT_TYPE_PROPERTY                                                                        \
	"\"event_type\":{\"type\":\"string\",\"enum\":[\"tracepoint\",\"kprobe\"],"                   \
	"\"description\":\"tracepoint (default) or kprobe\"}"

const struct mcp_tool schedmcp_tools[] = {
	{
		.name = "query_stats",
		.title = "List the available statistics",
		.description = "Lists the statistics this server offers as MCP resources, each with a "
			       "description and an example request. Give stat_type to see one.",
		.input_schema = "{\"type\":\"object\",\"properties\":{\"stat_type\":{\"type\":\"string\","
				"\"description\":\"a resource name from the list, e.g. topology\"}},"
				"\"additionalProperties\":false}",
		.output_schema = "{\"type\":\"object\",\"properties\":{\"resources\":{\"type\":\"array\"}},"
				 "\"required\":[\"resources\"]}",
		.hints = READ_ONLY_HINTS,
		.call = tool_query_stats,
	},
	{
		.name = "get_topology",
		.title = "CPU topology",
		.description = "The machine's CPUs, cores, LLCs and NUMA nodes. detail_level summary "
			       "(default) gives counts and CPU lists; full gives every CPU with its core, "
			       "LLC, node, SMT siblings, capacity and frequencies.",
		.input_schema = "{\"type\":\"object\",\"properties\":{"
				"\"detail_level\":{\"type\":\"string\",\"enum\":[\"summary\",\"full\"],"
				"\"description\":\"summary (default) or full\"},"
				"\"include_offline\":{\"type\":\"boolean\","
				"\"description\":\"list offline CPUs too (default false)\"}},"
				"\"additionalProperties\":false}",
		.output_schema = "{\"type\":\"object\",\"properties\":{\"nr_cpus\":{\"type\":\"integer\"},"
				 "\"nr_online\":{\"type\":\"integer\"},\"nr_cores\":{\"type\":\"integer\"},"
				 "\"nr_llcs\":{\"type\":\"integer\"},\"nr_nodes\":{\"type\":\"integer\"}},"
				 "\"required\":[\"nr_cpus\",\"nr_online\",\"nr_cores\",\"nr_llcs\",\"nr_nodes\"]}",
		.hints = READ_ONLY_HINTS,
		.call = tool_get_topology,
	},
	{
		.name = "list_events",
		.title = "List trace events",
		.description = "Tracepoints (event_type tracepoint) or kprobe-able kernel functions "
			       "(event_type kprobe) on this kernel, paged with offset/limit; narrow with "
			       "subsystem (tracepoints) and filter (a substring). The answer gives the total "
			       "and next_offset for the next page.",
		.input_schema = "{\"type\":\"object\",\"properties\":{" EVENT_TYPE_PROPERTY ","
				"\"subsystem\":{\"type\":\"string\",\"description\":\"e.g. sched, irq\"},"
				"\"filter\":{\"type\":\"string\",\"description\":\"substring of the event name\"},"
				PAGING_PROPERTIES "},\"additionalProperties\":false}",
		.hints = READ_ONLY_HINTS,
		.call = tool_list_events,
	},
	{
		.name = "list_event_subsystems",
		.title = "List trace event subsystems",
		.description = "Tracepoint subsystems with their event counts, largest first (for "
			       "event_type kprobe: the number of kprobe-able functions, or why kprobes "
			       "are unavailable).",
		.input_schema = "{\"type\":\"object\",\"properties\":{" EVENT_TYPE_PROPERTY "},"
				"\"additionalProperties\":false}",
		.hints = READ_ONLY_HINTS,
		.call = tool_list_event_subsystems,
	},
	{
		.name = "measure_context_switches",
		.title = "Measure context switches per CPU",
		.description = "Counts context switches on every CPU in BPF over the next duration_secs "
			       "(default 5) and returns the total, the rate and the per-CPU counts. Takes "
			       "duration_secs to answer; reports progress each second when asked and stops "
			       "when cancelled.",
		.input_schema = "{\"type\":\"object\",\"properties\":{\"duration_secs\":{\"type\":\"integer\","
				"\"minimum\":1,\"maximum\":300,\"description\":\"seconds to count (default 5)\"}},"
				"\"additionalProperties\":false}",
		.output_schema = "{\"type\":\"object\",\"properties\":{\"window_s\":{\"type\":\"number\"},"
				 "\"switches\":{\"type\":\"integer\"},\"per_s\":{\"type\":\"number\"},"
				 "\"per_cpu\":{\"type\":\"array\"}},"
				 "\"required\":[\"window_s\",\"switches\",\"per_s\",\"per_cpu\"]}",
		.hints = READ_ONLY_HINTS,
		.call = tool_measure_context_switches,
	},
	{
		.name = "watch_events",
		.title = "Watch live scheduler events",
		.description = "Collects live scheduler events from the kernel (BPF) for duration_secs (default "
			       "5) and returns the first `limit` (default 100) plus a summary: counts by type, "
			       "run-queue latency and softirq duration percentiles, busiest tasks, events "
			       "dropped. Filters run in the kernel: types, pids, tgids, cpus, comm (name "
			       "prefix), min_latency_us (sched_switch waits, softirq runs), sample_rate (1 in N; "
			       "estimated_events scales back). Reports progress each second; cancel stops it.",
		.input_schema = "{\"type\":\"object\",\"properties\":{"
				"\"types\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[" EVENT_NAMES "]},"
				"\"description\":\"event types (default all)\"},"
				"\"pids\":" ID_LIST("threads whose events to keep (either side of a switch or wake-up)") ","
				"\"tgids\":" ID_LIST("processes whose events to keep") ","
				"\"cpus\":{\"type\":\"array\",\"maxItems\":8192,\"items\":{\"type\":\"integer\","
				"\"minimum\":0,\"maximum\":8191},\"description\":\"CPUs whose events to keep\"},"
				"\"comm\":{\"type\":\"string\",\"maxLength\":15,\"description\":\"task name prefix\"},"
				"\"min_latency_us\":{\"type\":\"number\",\"minimum\":0,\"maximum\":60000000,"
				"\"description\":\"keep sched_switch events whose next task waited at least this long, "
				"softirq runs at least this long\"},"
				"\"sample_rate\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000000,"
				"\"description\":\"keep 1 in N matching events (default 1)\"},"
				"\"duration_secs\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":300,"
				"\"description\":\"seconds to collect (default 5)\"},"
				"\"limit\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000,"
				"\"description\":\"events returned (default 100); the summary counts all\"}},"
				"\"additionalProperties\":false}",
		.output_schema = "{\"type\":\"object\",\"properties\":{\"duration_s\":{\"type\":\"number\"},"
				 "\"events\":{\"type\":\"array\"},\"returned\":{\"type\":\"integer\"},"
				 "\"more\":{\"type\":\"integer\"},\"sample_rate\":{\"type\":\"integer\"},"
				 "\"summary\":{\"type\":\"object\"}},"
				 "\"required\":[\"duration_s\",\"events\",\"returned\",\"more\",\"sample_rate\",\"summary\"]}",
		.hints = READ_ONLY_HINTS,
		.call = tool_watch_events,
	},
	{
		.name = "analyze_waker_wakee",
		.title = "Who wakes whom",
		.description = "Wake-up relationships measured in the kernel over the last `window` seconds "
			       "(default 10): wake-up counts, wake-up latency percentiles (wake-up to running) "
			       "and how often the wakee ran on the waker's CPU, another CPU of its LLC, another "
			       "LLC or another NUMA node. mode summary (default: totals, top wakers, wakees and "
			       "pairs), pairs (pairs by count), cross_llc or cross_node (pairs that crossed, "
			       "most first). pid narrows to pairs where that thread or process wakes or is woken.",
		.input_schema = "{\"type\":\"object\",\"properties\":{"
				"\"mode\":{\"type\":\"string\",\"enum\":[\"summary\",\"pairs\",\"cross_llc\",\"cross_node\"],"
				"\"description\":\"summary (default), pairs, cross_llc or cross_node\"},"
				"\"pid\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":2147483647,"
				"\"description\":\"a thread or process id\"},"
				"\"limit\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000,"
				"\"description\":\"pairs listed (default 20)\"}," WINDOW_PROPERTY "},"
				"\"additionalProperties\":false}",
		.output_schema = "{\"type\":\"object\",\"properties\":{\"wakeups\":{\"type\":\"integer\"},"
				 "\"latency\":{\"type\":\"object\"},\"locality\":{\"type\":\"object\"},"
				 "\"window_s\":{\"type\":\"number\"}},"
				 "\"required\":[\"wakeups\",\"latency\",\"locality\",\"window_s\"]}",
		.hints = READ_ONLY_HINTS,
		.call = tool_analyze_waker_wakee,
	},
	{
		.name = "analyze_softirq",
		.title = "Softirq time",
		.description = "Softirq work measured in the kernel over the last `window` seconds (default 10): "
			       "mode by_type (default: per vector count, rate, time, duration percentiles and "
			       "how counts and time spread over CPUs), by_cpu, or by_process (the tasks the "
			       "softirqs interrupted, most time first). softirq_nr narrows to one vector "
			       "(0-9: hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, hrtimer, rcu).",
		.input_schema = "{\"type\":\"object\",\"properties\":{"
				"\"mode\":{\"type\":\"string\",\"enum\":[\"by_type\",\"by_cpu\",\"by_process\"],"
				"\"description\":\"by_type (default), by_cpu or by_process\"},"
				"\"softirq_nr\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":9,"
				"\"description\":\"one softirq vector\"},"
				"\"limit\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000,"
				"\"description\":\"rows listed for by_cpu and by_process (default 20)\"}," WINDOW_PROPERTY "},"
				"\"additionalProperties\":false}",
		.output_schema = "{\"type\":\"object\",\"properties\":{\"softirqs\":{\"type\":\"integer\"},"
				 "\"time_ms\":{\"type\":\"number\"},\"window_s\":{\"type\":\"number\"}},"
				 "\"required\":[\"softirqs\",\"time_ms\",\"window_s\"]}",
		.hints = READ_ONLY_HINTS,
		.call = tool_analyze_softirq,
	},
	{
		.name = "start_perf_profiling",
		.title = "Start perf profiling",
		.description = "Starts sampling stacks (kernel and user) for this client, system-wide or for "
			       "one process (pid, with all its threads and children), and answers once it "
			       "runs. freq is samples per second (default 99, capped by the kernel's "
			       "perf_event_max_sample_rate, said when so). event: sw:cpu-clock (default), "
			       "sw:task-clock, hw:cycles or hw:instructions (without a hardware PMU these "
			       "fall back to sw:cpu-clock and the answer says so), or "
			       "tracepoint:SUBSYS:NAME (every hit counted). mode kernel_aggregate (default "
			       "system-wide) counts stacks in BPF; samples (default for a pid) reads every "
			       "sample. call_graph dwarf unwinds programs built without frame pointers "
			       "(samples mode). Stops by itself after duration_secs (default: 1 hour) or "
			       "max_samples; then call get_perf_results. One session per client.",
		.input_schema = "{\"type\":\"object\",\"properties\":{"
				"\"event\":{\"type\":\"string\",\"maxLength\":128,\"description\":"
				"\"sw:cpu-clock (default), sw:task-clock, hw:cycles, hw:instructions, "
				"tracepoint:SUBSYS:NAME\"},"
				"\"freq\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000000,"
				"\"description\":\"samples per second per CPU or thread (default 99)\"},"
				"\"cpu\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":4095,"
				"\"description\":\"only this CPU\"},"
				"\"pid\":{\"type\":\"integer\",\"minimum\":1,"
				"\"description\":\"only this process, its threads and children (default: system-wide)\"},"
				"\"max_samples\":{\"type\":\"integer\",\"minimum\":1,"
				"\"description\":\"stop after this many samples\"},"
				"\"duration_secs\":{\"type\":\"number\",\"minimum\":0.01,\"maximum\":3600,"
				"\"description\":\"stop after this long (default 3600)\"},"
				"\"call_graph\":{\"type\":\"string\",\"enum\":[\"fp\",\"dwarf\"],"
				"\"description\":\"fp: frame pointers (default); dwarf: copy and unwind the user stack\"},"
				"\"mode\":{\"type\":\"string\",\"enum\":[\"kernel_aggregate\",\"samples\"],"
				"\"description\":\"kernel_aggregate: stacks counted in BPF (system-wide default); "
				"samples: every sample read (default for a pid, needed for dwarf)\"},"
				"\"stack_size\":{\"type\":\"integer\",\"minimum\":512,\"maximum\":65528,"
				"\"description\":\"dwarf: bytes of user stack copied per sample (default 16384)\"}},"
				"\"additionalProperties\":false}",
		.output_schema = PROFILE_STATUS_SCHEMA,
		.hints = MCP_TOOL_READ_ONLY,
		.call = tool_start_perf_profiling,
	},
	{
		.name = "stop_perf_profiling",
		.title = "Stop perf profiling",
		.description = "Stops this client's profiling session (if it has not stopped by itself) and "
			       "returns its state: event (and any fallback), frequency asked and achieved, "
			       "samples, lost samples, duration and why it stopped. The results stay "
			       "available to get_perf_results until the next start.",
		.input_schema = "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
		.output_schema = PROFILE_STATUS_SCHEMA,
		.hints = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT,
		.call = tool_stop_perf_profiling,
	},
	{
		.name = "get_perf_results",
		.title = "Perf profiling results",
		.description = "Symbolized results of this client's profile (running or stopped). format "
			       "top (default): symbols by self share with self and total (inclusive) "
			       "percentages and the kernel/user split; include_stacks adds the heaviest "
			       "stacks. format stacks: whole stacks, kernel and user frames, innermost "
			       "first. format folded: 'comm;outer;...;inner count' lines for flame graphs "
			       "(kernel frames end in _[k]). focus keeps only stacks through a frame whose "
			       "symbol or module contains it; pid keeps one process. Paged with "
			       "limit/offset; page.next_offset and page.truncated say how to get the rest.",
		.input_schema = "{\"type\":\"object\",\"properties\":{"
				"\"format\":{\"type\":\"string\",\"enum\":[\"top\",\"stacks\",\"folded\"],"
				"\"description\":\"top (default), stacks or folded\"},"
				"\"limit\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000,"
				"\"description\":\"symbols, stacks or lines per page (default 20)\"},"
				"\"offset\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"first item (default 0)\"},"
				"\"include_stacks\":{\"type\":\"boolean\","
				"\"description\":\"top: add the heaviest stacks (default false)\"},"
				"\"pid\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"only this process or thread\"},"
				"\"focus\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":256,"
				"\"description\":\"only stacks through a frame whose symbol or module contains this\"},"
				"\"sort\":{\"type\":\"string\",\"enum\":[\"self\",\"total\"],"
				"\"description\":\"top: by self (default) or total samples\"},"
				"\"max_bytes\":{\"type\":\"integer\",\"minimum\":4096,"
				"\"description\":\"size budget of the lists in bytes (default 49152)\"}},"
				"\"additionalProperties\":false}",
		.output_schema = "{\"type\":\"object\",\"properties\":{\"state\":{\"type\":\"string\"},"
				 "\"samples\":{\"type\":\"integer\"},\"format\":{\"type\":\"string\"},"
				 "\"page\":{\"type\":\"object\"}},\"required\":[\"state\",\"samples\",\"format\"]}",
		.hints = READ_ONLY_HINTS,
		.call = tool_get_perf_results,
	},
};
const size_t schedmcp_n_tools = ELEMENTSOF(schedmcp_tools);
