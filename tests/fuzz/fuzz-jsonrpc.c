/* fuzz-jsonrpc.c: libFuzzer target for the JSON-RPC classifier and the MCP core fed line by line.
 *
 * The whole input goes to jsonrpc_parse; then its '\n'-separated lines go, in order, to a fresh
 * mcp_server with a small resource table, so a session (initialize, then reads) is reachable.
 * Every line the server writes must be a JSON-RPC response: an object with "jsonrpc":"2.0", an
 * "id", and exactly one of "result" and "error" (or a batch's non-empty array of them). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "mcp-server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_app {
	struct mcp_request *held;
};

static void read_now(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	json_t *body = json_pack("{s:s, s:O?}", "resource", res->uri, "params", mcp_request_params(req));

	mcp_request_reply_resource(req, res->uri, body);
	json_decref(body);
}

static void read_fails(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "collector gone", json_pack("{s:i}", "errno", 5));
}

/* Answers later: the previous held request is answered when the next one arrives. */
static void read_later(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	struct fuzz_app *a = app;

	if (a->held)
		mcp_request_reply(a->held, json_object());
	a->held = req;
}

static const struct mcp_resource resources[] = {
	{ "test://now", "now", "Now", "Answers at once.", "application/json", read_now, NULL, NULL, NULL },
	{ "test://fails", "fails", NULL, "Always an error.", "application/json", read_fails, NULL, NULL, NULL },
	{ "test://later", "later", "Later", "Answers later.", "application/json", read_later, NULL, NULL, NULL },
};

static void check_response(const json_t *j)
{
	bool has_result = json_object_get(j, "result") != NULL;
	bool has_error = json_object_get(j, "error") != NULL;

	if (!json_object_get(j, "id") || has_result == has_error ||
	    strcmp(json_string_value(json_object_get(j, "jsonrpc")) ?: "", "2.0") != 0)
		abort();
}

static int check_write(void *userdata, const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	size_t i;
	json_t *v;

	if (!j || memchr(line, '\n', len))
		abort();
	/* A batch's answers come as one non-empty array of responses. */
	if (json_is_array(j)) {
		if (json_array_size(j) == 0)
			abort();
		json_array_foreach(j, i, v)
			check_response(v);
	} else
		check_response(j);
	json_decref(j);
	return 0;
}

static void check_parse(const uint8_t *data, size_t size)
{
	struct jsonrpc_msg m;

	jsonrpc_parse((const char *)data, size, &m);
	switch (m.kind) {
	case JSONRPC_REQUEST:
		if (!m.id || !m.method || !*m.method)
			abort();
		break;
	case JSONRPC_NOTIFICATION:
		if (m.id || !m.method || !*m.method)
			abort();
		break;
	case JSONRPC_RESPONSE:
		if (!m.id)
			abort();
		break;
	case JSONRPC_INVALID:
		if (m.error_code != JSONRPC_PARSE_ERROR && m.error_code != JSONRPC_INVALID_REQUEST)
			abort();
		break;
	case JSONRPC_BATCH:
		if (!json_is_array(m.root) || json_array_size(m.root) == 0)
			abort();
		break;
	default:
		abort();
	}
	if (m.id && !json_is_string(m.id) && !json_is_integer(m.id))
		abort();
	if (m.params && !json_is_object(m.params) && !json_is_array(m.params))
		abort();
	jsonrpc_msg_done(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_app app = { 0 };
	struct mcp_server_config cfg = {
		.name = "fuzz",
		.title = "Fuzz",
		.version = "0",
		.instructions = "none",
		.resources = resources,
		.n_resources = sizeof(resources) / sizeof(resources[0]),
		.app = &app,
		.write = check_write,
	};
	struct mcp_server *s;
	const char *p = (const char *)data, *end = p + size;

	check_parse(data, size);

	if (mcp_server_new(&cfg, &s) < 0)
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		mcp_server_handle_line(s, p, len);
		p += len + 1;
	}
	if (size > 0 && data[0] == 'X') /* sometimes, the transport's answer to an overlong line */
		mcp_server_line_too_long(s, size);
	if (mcp_server_pending(s) != (app.held ? 1u : 0u))
		abort();
	if (app.held && size % 2)
		mcp_request_reply(app.held, json_object());
	/* Otherwise the server frees the request still out. */
	mcp_server_free(s);
	return 0;
}
