/* jsonrpc.c: parse one JSON-RPC 2.0 line into a request, notification, response or an error to answer. */
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "jsonrpc.h"
#include "macro.h"

static void invalid(struct jsonrpc_msg *m, int code, const char *msg)
{
	m->kind = JSONRPC_INVALID;
	m->error_code = code;
	snprintf(m->error_message, sizeof(m->error_message), "%s", msg);
}

static void classify(struct jsonrpc_msg *m);

void jsonrpc_parse(const char *line, size_t len, struct jsonrpc_msg *m)
{
	json_error_t err;

	memset(m, 0, sizeof(*m));
	/* Duplicate keys would make "which id/method" ambiguous. DECODE_ANY:
	 * valid JSON that is no object is an invalid request, not a parse error. */
	m->root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (!m->root) {
		char msg[256];

		snprintf(msg, sizeof(msg), "Parse error: %s (byte %d)", err.text, err.position);
		invalid(m, JSONRPC_PARSE_ERROR, msg);
		return;
	}
	if (json_is_array(m->root)) {
		/* JSON-RPC: an empty batch is one invalid request. */
		if (json_array_size(m->root) == 0)
			invalid(m, JSONRPC_INVALID_REQUEST, "Invalid Request: an empty JSON-RPC batch");
		else
			m->kind = JSONRPC_BATCH;
		return;
	}
	classify(m);
}

void jsonrpc_classify(json_t *v, struct jsonrpc_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->root = json_incref(v);
	if (json_is_array(v)) {
		invalid(m, JSONRPC_INVALID_REQUEST, "Invalid Request: a batch inside a batch");
		return;
	}
	classify(m);
}

static void classify(struct jsonrpc_msg *m)
{
	json_t *v, *id;

	if (!json_is_object(m->root)) {
		invalid(m, JSONRPC_INVALID_REQUEST, "Invalid Request: a message must be a JSON object");
		return;
	}

	/* Keep the id as soon as it is usable, so even an invalid request's
	 * error carries it. MCP ids are strings or integers, never null. */
	id = json_object_get(m->root, "id");
	if (id && (json_is_string(id) || json_is_integer(id)))
		m->id = id;

	v = json_object_get(m->root, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0) {
		invalid(m, JSONRPC_INVALID_REQUEST, "Invalid Request: \"jsonrpc\" must be \"2.0\"");
		return;
	}
	if (id && !m->id) {
		invalid(m, JSONRPC_INVALID_REQUEST, "Invalid Request: \"id\" must be a string or an integer");
		return;
	}

	v = json_object_get(m->root, "method");
	if (!v) {
		if (!m->id) {
			invalid(m, JSONRPC_INVALID_REQUEST, "Invalid Request: no \"method\"");
			return;
		}
		if (!!json_object_get(m->root, "result") == !!json_object_get(m->root, "error")) {
			invalid(m, JSONRPC_INVALID_REQUEST,
				"Invalid Request: a response has exactly one of \"result\" and \"error\"");
			return;
		}
		m->kind = JSONRPC_RESPONSE;
		return;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		invalid(m, JSONRPC_INVALID_REQUEST, "Invalid Request: \"method\" must be a non-empty string");
		return;
	}
	m->method = json_string_value(v);

	v = json_object_get(m->root, "params");
	if (v && !json_is_object(v) && !json_is_array(v)) {
		invalid(m, JSONRPC_INVALID_REQUEST, "Invalid Request: \"params\" must be an object or array");
		return;
	}
	m->params = v;
	m->kind = m->id ? JSONRPC_REQUEST : JSONRPC_NOTIFICATION;
}

void jsonrpc_msg_done(struct jsonrpc_msg *m)
{
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}

json_t *jsonrpc_result(const json_t *id, json_t *result)
{
	json_t *o = json_object();

	if (!o || !result) {
		json_decref(o);
		json_decref(result);
		return NULL;
	}
	json_object_set_new(o, "jsonrpc", json_string("2.0"));
	json_object_set_new(o, "id", id ? json_deep_copy(id) : json_null());
	json_object_set_new(o, "result", result);
	return o;
}

json_t *jsonrpc_error(const json_t *id, int code, const char *message, json_t *data)
{
	json_t *o = json_object(), *e = json_pack("{s:i}", "code", code);

	/* Messages quote what the client sent, cut with %.Ns: a cut through a UTF-8
	 * sequence must not lose the answer (found by fuzz-schedmcp). */
	if (e && json_object_set_new(e, "message", json_string_lossy(message)) < 0) {
		json_decref(e);
		e = NULL;
	}
	if (!o || !e) {
		json_decref(o);
		json_decref(e);
		json_decref(data);
		return NULL;
	}
	if (data)
		json_object_set_new(e, "data", data);
	json_object_set_new(o, "jsonrpc", json_string("2.0"));
	json_object_set_new(o, "id", id ? json_deep_copy(id) : json_null());
	json_object_set_new(o, "error", e);
	return o;
}

json_t *jsonrpc_notification(const char *method, json_t *params)
{
	json_t *o = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);

	if (o && params)
		json_object_set_new(o, "params", params);
	else
		json_decref(params);
	return o;
}
