/* resources.c: the MCP resources schedmcp offers, one table row each, read through collectord. */
#include <errno.h>
#include <string.h>

#include "collector-link.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "macro.h"
#include "resources.h"
#include "schedmcp.h"

static void on_collector_reply(void *userdata, int err, const json_t *body, const char *message)
{
	struct mcp_request *req = userdata;
	const char *uri = json_string_value(json_object_get(mcp_request_params(req), "uri"));

	if (err < 0) {
		/* A resource has no isError: the error says what to do. */
		mcp_request_error(req, err == -ENOENT ? MCP_RESOURCE_NOT_FOUND : JSONRPC_INTERNAL_ERROR,
				  message ? message : strerror(-err),
				  json_pack("{s:s, s:i}", "uri", uri ? uri : "", "errno", -err));
		return;
	}
	mcp_request_reply_resource(req, uri, body);
}

/* Where a resource comes from: a READ of a collector URI, or another request type. */
struct collector_source {
	enum wire_type type;
	const char *uri; /* for WIRE_READ */
};

static void read_from_collector(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	const struct collector_source *src = res->data;
	struct schedmcp *s = app;
	_cleanup_json_ json_t *payload = NULL;

	if (src->type == WIRE_READ) {
		payload = json_pack("{s:s, s:{}}", "uri", src->uri, "args");
		if (!payload) {
			mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
			return;
		}
	}
	collector_link_request(s->link, src->type, payload, on_collector_reply, req);
}

/* One row per resource: URI, short name, title, description. */
#define COLLECTOR_RESOURCE(u, n, t, d, ...)                                          \
	{                                                                            \
		.uri = (u), .name = (n), .title = (t), .description = (d),           \
		.mime_type = "application/json", .read = read_from_collector,         \
		.data = &(const struct collector_source){ __VA_ARGS__ },             \
	}

const struct mcp_resource schedmcp_resources[] = {
	COLLECTOR_RESOURCE("collector://status", "collector-status", "Collector status",
			   "collectord's version, uptime, kernel features available on this machine "
			   "(each with the reason when not), BPF programs and clients",
			   .type = WIRE_STATUS),
	COLLECTOR_RESOURCE("topology://info", "topology", "CPU topology",
			   "CPUs, cores, LLCs and NUMA nodes with ids and mappings, SMT siblings, "
			   "online/offline CPUs, capacities, frequencies and node distances",
			   .type = WIRE_READ, .uri = "topology://info"),
};
const size_t schedmcp_n_resources = ELEMENTSOF(schedmcp_resources);
