/* tools.c: the MCP tools schedmcp offers, one table row each; data comes from collectord. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector-link.h"
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
	collector_link_request(s->link, WIRE_READ, payload, on_tool_reply, req);
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
	collector_link_request(s->link, WIRE_READ, payload, on_tool_reply, req);
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
	collector_link_request(s->link, WIRE_READ, payload, kprobe ? on_tool_reply : on_subsystems_reply, req);
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
};
const size_t schedmcp_n_tools = ELEMENTSOF(schedmcp_tools);
