/* mcp-server.c: MCP lifecycle and the table of methods; handlers may answer later. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "json-schema.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "log.h"
#include "macro.h"
#include "mcp-server.h"

const char *const mcp_protocol_versions[] = {
	"2025-11-25",
	"2025-06-18",
	"2025-03-26",
	"2024-11-05",
	NULL,
};

struct mcp_request {
	LIST_ENTRY(mcp_request) link;
	struct mcp_server *server;
	json_t *id;
	json_t *params;
};

struct mcp_server {
	struct mcp_server_config cfg;
	const char *version; /* negotiated; NULL before initialize */
	bool initialized;    /* notifications/initialized received */
	bool write_failed;
	unsigned long answered;
	unsigned pending;
	LIST_HEAD(, mcp_request) requests;
	json_t *client_info;
	json_t *client_capabilities;
	json_t **input_schemas; /* parsed once, indexed like cfg.tools */
	json_t **output_schemas;
	bool *subscribed; /* indexed like cfg.resources */
	bool can_subscribe; /* some resource has hooks */
};

/* Fields a protocol version defines; strcmp works on these dates. */
static bool version_has(const struct mcp_server *s, const char *since)
{
	return s->version && strcmp(s->version, since) >= 0;
}

enum method_flags {
	METHOD_BEFORE_INIT = 1u << 0, /* allowed before initialize */
	METHOD_NOTIFICATION = 1u << 1,
};

typedef void (*method_fn)(struct mcp_server *s, struct mcp_request *r);
typedef void (*notification_fn)(struct mcp_server *s, const json_t *params);

struct method {
	const char *name;
	unsigned flags;
	method_fn request;
	notification_fn notification;
};

static void send_message(struct mcp_server *s, json_t *msg /* stolen */)
{
	_cleanup_free_ char *line = NULL;
	size_t len;

	if (!msg)
		return;
	line = json_dump_compact(msg, &len);
	json_decref(msg);
	if (!line || s->write_failed)
		return;
	if (s->cfg.write(s->cfg.write_userdata, line, len) < 0)
		s->write_failed = true;
}

static void request_free(struct mcp_request *r)
{
	LIST_REMOVE(r, link);
	r->server->pending--;
	json_decref(r->id);
	json_decref(r->params);
	free(r);
}

void mcp_request_reply(struct mcp_request *r, json_t *result)
{
	r->server->answered++;
	send_message(r->server, jsonrpc_result(r->id, result));
	request_free(r);
}

void mcp_request_error(struct mcp_request *r, int code, const char *message, json_t *data)
{
	r->server->answered++;
	send_message(r->server, jsonrpc_error(r->id, code, message, data));
	request_free(r);
}

void mcp_request_reply_resource(struct mcp_request *r, const char *uri, const json_t *body)
{
	_cleanup_free_ char *text = json_dump_compact(body, NULL);

	if (!text) {
		mcp_request_error(r, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	mcp_request_reply(r, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
				       "application/json", "text", text));
}

const json_t *mcp_request_params(const struct mcp_request *r)
{
	return r->params;
}

static bool version_supported(const char *v)
{
	for (const char *const *p = mcp_protocol_versions; *p; p++)
		if (strcmp(*p, v) == 0)
			return true;
	return false;
}

static void method_initialize(struct mcp_server *s, struct mcp_request *r)
{
	const char *asked = NULL;
	json_t *result, *info;

	if (json_get_string(r->params, "protocolVersion", &asked) < 0) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS,
				  "initialize needs params.protocolVersion (a string)", NULL);
		return;
	}
	/* The spec: answer the client's version when we speak it, else our
	 * newest, and let the client decide whether to go on. */
	s->version = version_supported(asked) ? asked : mcp_protocol_versions[0];
	for (const char *const *p = mcp_protocol_versions; *p; p++)
		if (strcmp(*p, s->version) == 0)
			s->version = *p; /* point at our static copy, not the params */
	json_decref(s->client_info);
	s->client_info = json_incref(json_object_get(r->params, "clientInfo"));
	json_decref(s->client_capabilities);
	s->client_capabilities = json_incref(json_object_get(r->params, "capabilities"));

	info = json_pack("{s:s, s:s}", "name", s->cfg.name, "version", s->cfg.version);
	/* serverInfo.title exists from 2025-06-18 on. */
	if (info && s->cfg.title && version_has(s, "2025-06-18"))
		json_object_set_new(info, "title", json_string(s->cfg.title));
	result = json_pack("{s:s, s:{s:{s:b, s:b}}, s:o}", "protocolVersion", s->version, "capabilities",
			   "resources", "subscribe", s->can_subscribe, "listChanged", 0, "serverInfo", info);
	if (result && s->cfg.n_tools)
		json_object_set_new(json_object_get(result, "capabilities"), "tools",
				    json_pack("{s:b}", "listChanged", 0));
	if (result && s->cfg.instructions)
		json_object_set_new(result, "instructions", json_string(s->cfg.instructions));
	log_debug("initialize: client asked %s, answering %s", asked, s->version);
	mcp_request_reply(r, result);
}

static void method_ping(struct mcp_server *s, struct mcp_request *r)
{
	mcp_request_reply(r, json_object());
}

static json_t *resource_json(const struct mcp_server *s, const struct mcp_resource *res)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "uri", res->uri, "name", res->name, "description",
			      res->description, "mimeType", res->mime_type);

	if (o && res->title && version_has(s, "2025-06-18"))
		json_object_set_new(o, "title", json_string(res->title));
	return o;
}

static void method_resources_list(struct mcp_server *s, struct mcp_request *r)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < s->cfg.n_resources; i++)
		json_array_append_new(list, resource_json(s, &s->cfg.resources[i]));
	mcp_request_reply(r, json_pack("{s:o}", "resources", list));
}

static void method_resources_templates_list(struct mcp_server *s, struct mcp_request *r)
{
	mcp_request_reply(r, json_pack("{s:[]}", "resourceTemplates"));
}

static void method_resources_read(struct mcp_server *s, struct mcp_request *r)
{
	const char *uri;

	if (json_get_string(r->params, "uri", &uri) < 0) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, "resources/read needs params.uri (a string)",
				  NULL);
		return;
	}
	for (size_t i = 0; i < s->cfg.n_resources; i++) {
		const struct mcp_resource *res = &s->cfg.resources[i];

		if (strcmp(res->uri, uri) == 0) {
			res->read(r, res, s->cfg.app);
			return;
		}
	}
	mcp_request_error(r, MCP_RESOURCE_NOT_FOUND, "Resource not found",
			  json_pack("{s:s}", "uri", uri));
}

static int resource_lookup(const struct mcp_server *s, const char *uri)
{
	for (size_t i = 0; i < s->cfg.n_resources; i++)
		if (strcmp(s->cfg.resources[i].uri, uri) == 0)
			return (int)i;
	return -1;
}

/* The resource a subscribe/unsubscribe names, or an error already sent. */
static int subscription_target(struct mcp_server *s, struct mcp_request *r)
{
	const char *uri;
	char msg[256];
	int i;

	if (json_get_string(r->params, "uri", &uri) < 0) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, "params.uri (a string) is required", NULL);
		return -1;
	}
	i = resource_lookup(s, uri);
	if (i < 0) {
		mcp_request_error(r, MCP_RESOURCE_NOT_FOUND, "Resource not found", json_pack("{s:s}", "uri", uri));
		return -1;
	}
	if (!s->cfg.resources[i].subscribe) {
		snprintf(msg, sizeof(msg),
			 "%.100s does not change on its own and cannot be subscribed to; read it again instead",
			 uri);
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, json_pack("{s:s}", "uri", uri));
		return -1;
	}
	return i;
}

static void method_resources_subscribe(struct mcp_server *s, struct mcp_request *r)
{
	_cleanup_free_ char *error = NULL;
	const struct mcp_resource *res;
	int i = subscription_target(s, r), k;

	if (i < 0)
		return;
	res = &s->cfg.resources[i];
	/* Subscribing twice is one subscription, as unsubscribing once ends it. */
	if (!s->subscribed[i]) {
		k = res->subscribe(res, s->cfg.app, &error);
		if (k < 0) {
			mcp_request_error(r, JSONRPC_INTERNAL_ERROR, error ? error : strerror(-k),
					  json_pack("{s:s, s:i}", "uri", res->uri, "errno", -k));
			return;
		}
		s->subscribed[i] = true;
	}
	mcp_request_reply(r, json_object());
}

static void method_resources_unsubscribe(struct mcp_server *s, struct mcp_request *r)
{
	const struct mcp_resource *res;
	int i = subscription_target(s, r);

	if (i < 0)
		return;
	res = &s->cfg.resources[i];
	if (s->subscribed[i]) {
		s->subscribed[i] = false;
		if (res->unsubscribe)
			res->unsubscribe(res, s->cfg.app);
	}
	mcp_request_reply(r, json_object());
}

void mcp_server_resource_updated(struct mcp_server *s, const char *uri)
{
	int i = resource_lookup(s, uri);

	if (i < 0 || !s->subscribed[i])
		return;
	send_message(s, jsonrpc_notification("notifications/resources/updated", json_pack("{s:s}", "uri", uri)));
}

bool mcp_server_subscribed(const struct mcp_server *s, const char *uri)
{
	int i = resource_lookup(s, uri);

	return i >= 0 && s->subscribed[i];
}

void mcp_server_unsubscribe_all(struct mcp_server *s)
{
	for (size_t i = 0; i < s->cfg.n_resources; i++)
		if (s->subscribed[i]) {
			s->subscribed[i] = false;
			if (s->cfg.resources[i].unsubscribe)
				s->cfg.resources[i].unsubscribe(&s->cfg.resources[i], s->cfg.app);
		}
}

static json_t *tool_json(const struct mcp_server *s, size_t i)
{
	const struct mcp_tool *t = &s->cfg.tools[i];
	json_t *o = json_pack("{s:s, s:s, s:O}", "name", t->name, "description", t->description,
			      "inputSchema", s->input_schemas[i]);

	if (!o)
		return NULL;
	if (t->title && version_has(s, "2025-06-18"))
		json_object_set_new(o, "title", json_string(t->title));
	if (version_has(s, "2025-03-26"))
		json_object_set_new(o, "annotations",
				    json_pack("{s:b, s:b, s:b, s:b}", "readOnlyHint",
					      !!(t->hints & MCP_TOOL_READ_ONLY), "idempotentHint",
					      !!(t->hints & MCP_TOOL_IDEMPOTENT), "destructiveHint",
					      !!(t->hints & MCP_TOOL_DESTRUCTIVE), "openWorldHint",
					      !!(t->hints & MCP_TOOL_OPEN_WORLD)));
	if (s->output_schemas[i] && version_has(s, "2025-06-18"))
		json_object_set(o, "outputSchema", s->output_schemas[i]);
	return o;
}

static void method_tools_list(struct mcp_server *s, struct mcp_request *r)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < s->cfg.n_tools; i++)
		json_array_append_new(list, tool_json(s, i));
	mcp_request_reply(r, json_pack("{s:o}", "tools", list));
}

void mcp_request_reply_tool(struct mcp_request *r, json_t *structured)
{
	_cleanup_free_ char *text = json_dump_compact(structured, NULL);
	json_t *result;

	if (!text) {
		json_decref(structured);
		mcp_request_error(r, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	result = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text, "isError", 0);
	if (result && json_is_object(structured) && version_has(r->server, "2025-06-18"))
		json_object_set(result, "structuredContent", structured);
	json_decref(structured);
	mcp_request_reply(r, result);
}

void mcp_request_tool_error(struct mcp_request *r, const char *message)
{
	mcp_request_reply(r, json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", message,
				       "isError", 1));
}

static void method_tools_call(struct mcp_server *s, struct mcp_request *r)
{
	const json_t *args = json_object_get(r->params, "arguments");
	_cleanup_json_ json_t *empty = NULL;
	const char *name;
	char err[256], msg[320];

	if (json_get_string(r->params, "name", &name) < 0) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, "tools/call needs params.name (a string)", NULL);
		return;
	}
	if (args && !json_is_object(args)) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, "params.arguments must be an object", NULL);
		return;
	}
	if (!args)
		args = empty = json_object();
	for (size_t i = 0; i < s->cfg.n_tools; i++) {
		const struct mcp_tool *t = &s->cfg.tools[i];

		if (strcmp(t->name, name) != 0)
			continue;
		if (json_schema_validate(s->input_schemas[i], args, err, sizeof(err)) < 0) {
			snprintf(msg, sizeof(msg), "Invalid arguments for tool %s: %s", t->name, err);
			/* 2025-11-25 asks for argument errors as tool errors, so the
			 * model can correct itself; earlier versions, -32602. */
			if (version_has(s, "2025-11-25"))
				mcp_request_tool_error(r, msg);
			else
				mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, NULL);
			return;
		}
		t->call(r, t, args, s->cfg.app);
		return;
	}
	snprintf(msg, sizeof(msg), "Unknown tool: %.100s", name);
	mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, NULL);
}

static void notification_initialized(struct mcp_server *s, const json_t *params)
{
	s->initialized = true;
}

static void notification_ignore(struct mcp_server *s, const json_t *params)
{
}

/* Sorted by name for the reader; looked up linearly (a dozen rows). */
static const struct method methods[] = {
	{ "initialize", METHOD_BEFORE_INIT, method_initialize, NULL },
	{ "notifications/cancelled", METHOD_BEFORE_INIT | METHOD_NOTIFICATION, NULL, notification_ignore },
	{ "notifications/initialized", METHOD_NOTIFICATION, NULL, notification_initialized },
	{ "ping", METHOD_BEFORE_INIT, method_ping, NULL },
	{ "resources/list", 0, method_resources_list, NULL },
	{ "resources/read", 0, method_resources_read, NULL },
	{ "resources/subscribe", 0, method_resources_subscribe, NULL },
	{ "resources/templates/list", 0, method_resources_templates_list, NULL },
	{ "resources/unsubscribe", 0, method_resources_unsubscribe, NULL },
	{ "tools/call", 0, method_tools_call, NULL },
	{ "tools/list", 0, method_tools_list, NULL },
};

static const struct method *method_lookup(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(methods); i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

/* An error for a request refused before it got a handler; counted like
 * mcp_request_error() so that --oneshot sees the request answered. */
static void refuse_request(struct mcp_server *s, const json_t *id, int code, const char *message)
{
	s->answered++;
	send_message(s, jsonrpc_error(id, code, message, NULL));
}

static void handle_request(struct mcp_server *s, struct jsonrpc_msg *m)
{
	const struct method *meth = method_lookup(m->method);
	struct mcp_request *r;

	if (!meth || !meth->request) {
		char msg[160];

		snprintf(msg, sizeof(msg), "Method not found: %.100s", m->method);
		refuse_request(s, m->id, JSONRPC_METHOD_NOT_FOUND, msg);
		return;
	}
	if (!s->version && !(meth->flags & METHOD_BEFORE_INIT)) {
		refuse_request(s, m->id, JSONRPC_INVALID_REQUEST,
			       "Server not initialized: send initialize first");
		return;
	}
	if (m->params && !json_is_object(m->params)) {
		refuse_request(s, m->id, JSONRPC_INVALID_PARAMS, "Invalid params: MCP params are an object");
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		refuse_request(s, m->id, JSONRPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	r->server = s;
	r->id = json_incref(m->id);
	r->params = m->params ? json_incref(m->params) : json_object();
	LIST_INSERT_HEAD(&s->requests, r, link);
	s->pending++;
	meth->request(s, r);
}

static void handle_notification(struct mcp_server *s, struct jsonrpc_msg *m)
{
	const struct method *meth = method_lookup(m->method);

	/* Unknown notifications are ignored, as JSON-RPC says: never answered. */
	if (meth && meth->notification)
		meth->notification(s, m->params);
	else
		log_debug("ignoring notification %s", m->method);
}

void mcp_server_handle_line(struct mcp_server *s, const char *line, size_t len)
{
	struct jsonrpc_msg m;

	jsonrpc_parse(line, len, &m);
	switch (m.kind) {
	case JSONRPC_REQUEST:
		handle_request(s, &m);
		break;
	case JSONRPC_NOTIFICATION:
		handle_notification(s, &m);
		break;
	case JSONRPC_RESPONSE:
		/* We send no requests yet, so no response is expected. */
		log_debug("ignoring a response to a request we did not send");
		break;
	case JSONRPC_INVALID:
		send_message(s, jsonrpc_error(m.id, m.error_code, m.error_message, NULL));
		break;
	default:
		break;
	}
	jsonrpc_msg_done(&m);
}

void mcp_server_line_too_long(struct mcp_server *s, size_t limit)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "Invalid Request: message longer than %zu bytes, discarded", limit);
	send_message(s, jsonrpc_error(NULL, JSONRPC_INVALID_REQUEST, msg, NULL));
}

static int parse_schema(const char *tool, const char *text, json_t **ret)
{
	json_error_t jerr;
	char err[256];
	json_t *j;
	int r;

	j = json_loads(text, 0, &jerr);
	if (!j)
		return log_debug_errno(-EINVAL, "tool %s: schema is not JSON: %s", tool, jerr.text);
	r = json_schema_check(j, err, sizeof(err));
	if (r < 0) {
		json_decref(j);
		return log_debug_errno(-EINVAL, "tool %s: %s", tool, err);
	}
	*ret = j;
	return 0;
}

static int parse_tool_schemas(struct mcp_server *s)
{
	int r;

	s->input_schemas = calloc(s->cfg.n_tools + 1, sizeof(json_t *));
	s->output_schemas = calloc(s->cfg.n_tools + 1, sizeof(json_t *));
	if (!s->input_schemas || !s->output_schemas)
		return -ENOMEM;
	for (size_t i = 0; i < s->cfg.n_tools; i++) {
		const struct mcp_tool *t = &s->cfg.tools[i];

		r = parse_schema(t->name, t->input_schema, &s->input_schemas[i]);
		if (r < 0)
			return r;
		if (t->output_schema) {
			r = parse_schema(t->name, t->output_schema, &s->output_schemas[i]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int mcp_server_new(const struct mcp_server_config *cfg, struct mcp_server **ret)
{
	struct mcp_server *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	LIST_INIT(&s->requests);
	s->subscribed = calloc(cfg->n_resources + 1, sizeof(bool));
	if (!s->subscribed) {
		mcp_server_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_resources; i++)
		if (cfg->resources[i].subscribe)
			s->can_subscribe = true;
	r = parse_tool_schemas(s);
	if (r < 0) {
		mcp_server_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void mcp_server_free(struct mcp_server *s)
{
	if (!s)
		return;
	/* Requests still out hold no one else's memory once freed here; their
	 * owners (collector link) are torn down before the server. */
	while (!LIST_EMPTY(&s->requests))
		request_free(LIST_FIRST(&s->requests));
	if (s->subscribed)
		mcp_server_unsubscribe_all(s);
	free(s->subscribed);
	json_decref(s->client_info);
	json_decref(s->client_capabilities);
	for (size_t i = 0; i < s->cfg.n_tools; i++) {
		if (s->input_schemas)
			json_decref(s->input_schemas[i]);
		if (s->output_schemas)
			json_decref(s->output_schemas[i]);
	}
	free(s->input_schemas);
	free(s->output_schemas);
	free(s);
}

const char *mcp_server_protocol_version(const struct mcp_server *s)
{
	return s->version;
}

bool mcp_server_initialized(const struct mcp_server *s)
{
	return s->initialized;
}

unsigned long mcp_server_answered(const struct mcp_server *s)
{
	return s->answered;
}

unsigned mcp_server_pending(const struct mcp_server *s)
{
	return s->pending;
}
