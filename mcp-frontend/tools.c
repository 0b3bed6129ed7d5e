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
};
const size_t schedmcp_n_tools = ELEMENTSOF(schedmcp_tools);
