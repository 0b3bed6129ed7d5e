/* test-server.c: a test-only MCP server over stdio built from schedmcp's MCP core, with fixture tools,
 * resources and prompts: those the MCP conformance suite expects, and a few that exercise
 * subscriptions, progress, cancellation, paging and the answer budget without a collector. */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <syslog.h>
#include <unistd.h>

#include "json-util.h"
#include "jsonrpc.h"
#include "log.h"
#include "macro.h"
#include "mcp-server.h"
#include "stdio-transport.h"

/* 1x1 PNG and a minimal WAV, as the conformance suite's reference server sends. */
#define TEST_IMAGE_BASE64 \
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
#define TEST_AUDIO_BASE64 "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="

struct later;

struct app {
	LIST_HEAD(, later) laters; /* timers still running, freed at exit */
	struct event_base *base;
	struct mcp_server *server;
	struct stdio_transport *io;
	struct event *drain;
	bool stdin_closed;
	unsigned slow_started, slow_cancelled, slow_finished;
	unsigned watched_version;
};

static struct app app;

/* ---- timers that answer later ---- */

struct later {
	LIST_ENTRY(later) link;
	struct mcp_request *req;
	struct event *ev;
	unsigned step, steps;
	int kind; /* enum later_kind */
};

enum later_kind {
	LATER_RECONNECTION,
	LATER_SLOW,
	LATER_LOGGING,
	LATER_PROGRESS,
	LATER_KIND_MAX,
};

static void later_free(struct later *l)
{
	if (l->req)
		LIST_REMOVE(l, link);
	if (l->ev)
		event_free(l->ev);
	free(l);
}

static json_t *text_result(const char *text)
{
	return json_pack("{s:[{s:s, s:s}]}", "content", "type", "text", "text", text);
}

static void on_later(evutil_socket_t fd, short what, void *userdata)
{
	struct later *l = userdata;
	char msg[64];

	l->step++;
	switch (l->kind) {
	case LATER_RECONNECTION:
		mcp_request_reply(
		    l->req, text_result("Reconnection test completed successfully. If you received this, "
					"the client properly reconnected after stream closure."));
		break;
	case LATER_SLOW:
		snprintf(msg, sizeof(msg), "step %u of %u", l->step, l->steps);
		mcp_request_progress(l->req, l->step, l->steps, msg);
		if (l->step < l->steps)
			return;
		app.slow_finished++;
		mcp_request_reply_tool(l->req, json_pack("{s:i}", "steps", (int)l->steps));
		break;
	case LATER_LOGGING: {
		static const char *const lines[] = {"Tool execution started", "Tool processing data",
						    "Tool execution completed"};

		mcp_server_log(app.server, LOG_INFO, NULL, json_string(lines[l->step - 1]));
		if (l->step < 3)
			return;
		mcp_request_reply(l->req, text_result("Tool with logging executed successfully"));
		break;
	}
	case LATER_PROGRESS:
		snprintf(msg, sizeof(msg), "Completed step %u of 100", (l->step - 1) * 50);
		mcp_request_progress(l->req, (l->step - 1) * 50, 100, msg);
		if (l->step < 3)
			return;
		mcp_request_reply(l->req, text_result("progress reported"));
		break;
	}
	later_free(l);
}

static void on_later_cancel(void *userdata)
{
	struct later *l = userdata;

	if (l->kind == LATER_SLOW)
		app.slow_cancelled++;
	/* The work stops; the answer is dropped by the core. */
	mcp_request_error(l->req, JSONRPC_INTERNAL_ERROR, "cancelled", NULL);
	later_free(l);
}

static void start_later(struct mcp_request *req, int kind, unsigned steps, unsigned interval_ms)
{
	struct later *l = calloc(1, sizeof(*l));
	struct timeval tv = {.tv_sec = interval_ms / 1000, .tv_usec = (interval_ms % 1000) * 1000};

	if (!l || !(l->ev = event_new(app.base, -1, EV_PERSIST, on_later, l)) || event_add(l->ev, &tv) < 0) {
		if (l)
			later_free(l);
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	l->req = req;
	LIST_INSERT_HEAD(&app.laters, l, link);
	l->kind = kind;
	l->steps = steps;
	mcp_request_set_cancel(req, on_later_cancel, l);
}

/* ---- tools ---- */

static void tool_simple_text(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	mcp_request_reply(req, text_result("This is a simple text response for testing."));
}

static void tool_image(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	mcp_request_reply(req, json_pack("{s:[{s:s, s:s, s:s}]}", "content", "type", "image", "data",
					 TEST_IMAGE_BASE64, "mimeType", "image/png"));
}

static void tool_audio(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	/* Audio content exists from 2025-03-26 on. */
	if (!mcp_server_version_has(app.server, "2025-03-26")) {
		mcp_request_tool_error(req, "audio content needs protocol version 2025-03-26 or newer");
		return;
	}
	mcp_request_reply(req, json_pack("{s:[{s:s, s:s, s:s}]}", "content", "type", "audio", "data",
					 TEST_AUDIO_BASE64, "mimeType", "audio/wav"));
}

static void tool_embedded(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	mcp_request_reply(req, json_pack("{s:[{s:s, s:{s:s, s:s, s:s}}]}", "content", "type", "resource",
					 "resource", "uri", "test://embedded-resource", "mimeType",
					 "text/plain", "text", "This is an embedded resource content."));
}

static void tool_mixed(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	mcp_request_reply(req,
			  json_pack("{s:[{s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:{s:s, s:s, s:s}}]}", "content",
				    "type", "text", "text", "Multiple content types test:", "type", "image",
				    "data", TEST_IMAGE_BASE64, "mimeType", "image/png", "type", "resource",
				    "resource", "uri", "test://mixed-content-resource", "mimeType",
				    "application/json", "text", "{\"test\":\"data\",\"value\":123}"));
}

static void tool_logging(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	start_later(req, LATER_LOGGING, 3, 50);
}

static void tool_progress(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	/* Spaced wider than the core's progress rate limit (100 ms). */
	start_later(req, LATER_PROGRESS, 3, 150);
}

static void tool_error(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	mcp_request_tool_error(req, "This tool intentionally returns an error for testing");
}

static void on_client_answer(void *userdata, const json_t *result, const json_t *error)
{
	struct mcp_request *req = userdata;
	_cleanup_free_ char *r = json_dump_compact(result ? result : error, NULL);
	char text[1024];

	snprintf(text, sizeof(text), "%s: %s", result ? "Client answered" : "Client refused", r ? r : "?");
	mcp_request_reply(req, text_result(text));
}

static void ask_client(struct mcp_request *req, const char *capability, const char *method, json_t *params)
{
	int r = mcp_server_request(app.server, capability, method, params, on_client_answer, req);

	if (r == -EOPNOTSUPP) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s not supported: the client did not declare the %s capability",
			 method, capability);
		mcp_request_reply(req, text_result(msg));
	} else if (r < 0)
		mcp_request_tool_error(req, "could not send the request to the client");
}

static void tool_sampling(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	ask_client(req, "sampling", "sampling/createMessage",
		   json_pack("{s:[{s:s, s:{s:s, s:O}}], s:i}", "messages", "role", "user", "content", "type",
			     "text", "text", json_object_get(args, "prompt"), "maxTokens", 100));
}

static void tool_elicitation(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	ask_client(req, "elicitation", "elicitation/create",
		   json_pack("{s:O, s:{s:s, s:{s:{s:s, s:s}}, s:[s]}}", "message",
			     json_object_get(args, "message"), "requestedSchema", "type", "object",
			     "properties", "response", "type", "string", "description", "User's response",
			     "required", "response"));
}

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	if (!j)
		abort();
	return j;
}

static void tool_elicitation_defaults(struct mcp_request *req, const struct mcp_tool *t, const json_t *args,
				      void *a)
{
	ask_client(
	    req, "elicitation", "elicitation/create",
	    load("{\"message\":\"Please review and update the form fields with "
		 "defaults\",\"requestedSchema\":{"
		 "\"type\":\"object\",\"properties\":{"
		 "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
		 "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
		 "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
		 "\"status\":{\"type\":\"string\",\"description\":\"User status\","
		 "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
		 "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification "
		 "status\",\"default\":true}},"
		 "\"required\":[]}}"));
}

static void tool_elicitation_enums(struct mcp_request *req, const struct mcp_tool *t, const json_t *args,
				   void *a)
{
	ask_client(
	    req, "elicitation", "elicitation/create",
	    load(
		"{\"message\":\"Please select options from the enum fields\",\"requestedSchema\":{"
		"\"type\":\"object\",\"properties\":{"
		"\"untitledSingle\":{\"type\":\"string\",\"description\":\"Select one option\","
		"\"enum\":[\"option1\",\"option2\",\"option3\"]},"
		"\"titledSingle\":{\"type\":\"string\",\"description\":\"Select one option with titles\","
		"\"oneOf\":[{\"const\":\"value1\",\"title\":\"First "
		"Option\"},{\"const\":\"value2\",\"title\":"
		"\"Second Option\"},{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
		"\"legacyEnum\":{\"type\":\"string\",\"description\":\"Select one option (legacy)\","
		"\"enum\":[\"opt1\",\"opt2\",\"opt3\"],\"enumNames\":[\"Option One\",\"Option Two\",\"Option "
		"Three\"]},"
		"\"untitledMulti\":{\"type\":\"array\",\"description\":\"Select multiple "
		"options\",\"minItems\":1,"
		"\"maxItems\":3,\"items\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]"
		"}},"
		"\"titledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options with titles\","
		"\"minItems\":1,\"maxItems\":3,\"items\":{\"anyOf\":[{\"const\":\"value1\",\"title\":\"First "
		"Choice\"},"
		"{\"const\":\"value2\",\"title\":\"Second Choice\"},{\"const\":\"value3\",\"title\":\"Third "
		"Choice\"}]}}},"
		"\"required\":[]}}"));
}

/* The HTTP bridge closes the call's stream meanwhile (SEP-1699). */
static void tool_reconnection(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	start_later(req, LATER_RECONNECTION, 1, 200);
}

static void tool_schema_2020_12(struct mcp_request *req, const struct mcp_tool *t, const json_t *args,
				void *a)
{
	_cleanup_free_ char *text = json_dump_compact(args, NULL);
	char msg[512];

	snprintf(msg, sizeof(msg), "JSON Schema 2020-12 tool called with: %s", text ? text : "?");
	mcp_request_reply(req, text_result(msg));
}

static void tool_slow(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	uint64_t ms = 1000, steps = 10;

	json_get_uint(args, "duration_ms", 600000, &ms);
	json_get_uint(args, "steps", 1000, &steps);
	app.slow_started++;
	start_later(req, LATER_SLOW, (unsigned)steps, (unsigned)(ms / steps ? ms / steps : 1));
}

static void tool_slow_stats(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	mcp_request_reply_tool(req, json_pack("{s:i, s:i, s:i}", "started", app.slow_started, "cancelled",
					      app.slow_cancelled, "finished", app.slow_finished));
}

static void tool_big(struct mcp_request *req, const struct mcp_tool *t, const json_t *args, void *a)
{
	uint64_t n = 10, offset = 0;
	json_t *items = json_array();

	json_get_uint(args, "n", 100000, &n);
	json_get_uint(args, "offset", 100000, &offset);
	for (uint64_t i = offset; items && i < offset + n; i++)
		json_array_append_new(
		    items, json_pack("{s:I, s:s}", "index", (json_int_t)i, "text",
				     "a fixture item of about one hundred bytes, to fill answers"));
	mcp_request_reply_tool(req, json_pack("{s:I, s:I, s:o}", "offset", (json_int_t)offset, "count",
					      (json_int_t)n, "items", items));
}

static void tool_update_watched(struct mcp_request *req, const struct mcp_tool *t, const json_t *args,
				void *a)
{
	app.watched_version++;
	mcp_server_resource_updated(app.server, "test://watched-resource");
	mcp_request_reply_tool(req, json_pack("{s:i, s:b}", "version", app.watched_version, "subscribed",
					      mcp_server_subscribed(app.server, "test://watched-resource")));
}

#define NO_ARGS "{\"type\":\"object\",\"properties\":{}}"
#define RO	(MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT)

static const struct mcp_tool tools[] = {
    {"test_simple_text", "Simple text", "Tests simple text content response", NO_ARGS, NULL, RO,
     tool_simple_text, NULL},
    {"test_image_content", "Image", "Tests image content response", NO_ARGS, NULL, RO, tool_image, NULL},
    {"test_audio_content", "Audio", "Tests audio content response", NO_ARGS, NULL, RO, tool_audio, NULL},
    {"test_embedded_resource", "Embedded resource", "Tests embedded resource content response", NO_ARGS, NULL,
     RO, tool_embedded, NULL},
    {"test_multiple_content_types", "Mixed content",
     "Tests response with multiple content types (text, image, resource)", NO_ARGS, NULL, RO, tool_mixed,
     NULL},
    {"test_tool_with_logging", "Logging", "Tests tool that emits log messages during execution", NO_ARGS,
     NULL, RO, tool_logging, NULL},
    {"test_tool_with_progress", "Progress", "Tests tool that reports progress notifications", NO_ARGS, NULL,
     RO, tool_progress, NULL},
    {"test_error_handling", "Error", "Tests error response handling", NO_ARGS, NULL, RO, tool_error, NULL},
    {"test_sampling", "Sampling", "Tests server-initiated sampling (LLM completion request)",
     "{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\",\"description\":\"The prompt to "
     "send to "
     "the LLM\"}},\"required\":[\"prompt\"]}",
     NULL, RO, tool_sampling, NULL},
    {"test_elicitation", "Elicitation", "Tests server-initiated elicitation (user input request)",
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\",\"description\":\"The message to "
     "show "
     "the user\"}},\"required\":[\"message\"]}",
     NULL, RO, tool_elicitation, NULL},
    {"test_elicitation_sep1034_defaults", "Elicitation defaults",
     "Tests elicitation with default values per SEP-1034", NO_ARGS, NULL, RO, tool_elicitation_defaults,
     NULL},
    {"test_elicitation_sep1330_enums", "Elicitation enums",
     "Tests elicitation with enum schema improvements per SEP-1330", NO_ARGS, NULL, RO,
     tool_elicitation_enums, NULL},
    {"test_reconnection", "Reconnection",
     "Tests SSE stream disconnection and client reconnection (SEP-1699): the HTTP bridge closes the stream "
     "mid-call and the result comes after the client reconnects",
     NO_ARGS, NULL, RO, tool_reconnection, NULL},
    {"json_schema_2020_12_tool", "JSON Schema 2020-12",
     "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
     "{\"$schema\":\"https://json-schema.org/draft/2020-12/"
     "schema\",\"type\":\"object\",\"$defs\":{\"address\":{"
     "\"type\":\"object\",\"properties\":{\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
     "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"}},"
     "\"additionalProperties\":false}",
     NULL, RO, tool_schema_2020_12, NULL},
    {"slow", "Slow", "Answers after duration_ms in steps, with progress; cancellable",
     "{\"type\":\"object\",\"properties\":{\"duration_ms\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":"
     "600000},"
     "\"steps\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}},\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"steps\":{\"type\":\"integer\"}},\"required\":[\"steps\"]}", RO,
     tool_slow, NULL},
    {"slow_stats", "Slow statistics", "How many slow calls started, were cancelled and finished", NO_ARGS,
     "{\"type\":\"object\",\"properties\":{\"started\":{\"type\":\"integer\"},\"cancelled\":{\"type\":"
     "\"integer\"},"
     "\"finished\":{\"type\":\"integer\"}},\"required\":[\"started\",\"cancelled\",\"finished\"]}",
     RO, tool_slow_stats, NULL},
    {"big", "Big", "n items of about 100 bytes from offset, for the answer budget",
     "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100000},"
     "\"offset\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100000}},\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\"}},\"required\":[\"items\"]}", RO,
     tool_big, NULL},
    {"update_watched", "Update the watched resource", "Changes test://watched-resource", NO_ARGS, NULL, 0,
     tool_update_watched, NULL},
};

/* ---- resources ---- */

static void read_text(struct mcp_request *req, const struct mcp_resource *res, void *a)
{
	mcp_request_reply(req, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", res->uri, "mimeType",
					 "text/plain", "text", (const char *)res->data));
}

static void read_binary(struct mcp_request *req, const struct mcp_resource *res, void *a)
{
	mcp_request_reply(req, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", res->uri, "mimeType",
					 "image/png", "blob", TEST_IMAGE_BASE64));
}

static void read_watched(struct mcp_request *req, const struct mcp_resource *res, void *a)
{
	json_t *body =
	    json_pack("{s:s, s:i}", "content", "Watched resource content", "version", app.watched_version);

	mcp_request_reply_resource(req, res->uri, body);
	json_decref(body);
}

static int watched_subscribe(const struct mcp_resource *res, void *a, char **ret_error)
{
	mcp_server_logf(app.server, LOG_INFO, "test-server", "Subscribed to resource: %s", res->uri);
	return 0;
}

static void watched_unsubscribe(const struct mcp_resource *res, void *a)
{
	mcp_server_logf(app.server, LOG_INFO, "test-server", "Unsubscribed from resource: %s", res->uri);
}

static void read_item(struct mcp_request *req, const struct mcp_resource *res, void *a)
{
	json_t *body = json_pack("{s:s}", "item", res->name);

	mcp_request_reply_resource(req, res->uri, body);
	json_decref(body);
}

#define ITEM(n)                                                                                         \
	{                                                                                               \
		"test://item/" #n, "item-" #n, "Item " #n, "A fixture for paging.", "application/json", \
		    read_item, NULL, NULL, NULL                                                         \
	}

static const struct mcp_resource resources[] = {
    {"test://static-text", "static-text", "Static Text Resource", "A static text resource for testing",
     "text/plain", read_text, "This is the content of the static text resource.", NULL, NULL},
    {"test://static-binary", "static-binary", "Static Binary Resource",
     "A static binary resource (image) for testing", "image/png", read_binary, NULL, NULL, NULL},
    {"test://watched-resource", "watched-resource", "Watched Resource",
     "A resource that changes when the update_watched tool runs", "application/json", read_watched, NULL,
     watched_subscribe, watched_unsubscribe},
    ITEM(1),
    ITEM(2),
    ITEM(3),
    ITEM(4),
    ITEM(5),
    ITEM(6),
    ITEM(7),
};

static void read_template(struct mcp_request *req, const struct mcp_resource_template *t, const char *uri,
			  const json_t *vars, void *a)
{
	const char *id = json_string_value(json_object_get(vars, "id"));
	json_t *body =
	    json_pack("{s:s, s:b, s:s+}", "id", id, "templateTest", 1, "data", "Data for ID: ", id);

	mcp_request_reply_resource(req, uri, body);
	json_decref(body);
}

static const struct mcp_resource_template templates[] = {
    {"test://template/{id}/data", "template", "Resource Template",
     "A resource template with parameter substitution", "application/json",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\",\"minLength\":1}}}", read_template,
     NULL, NULL, NULL, NULL},
};

/* ---- prompts ---- */

static void prompt_simple(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args, void *a)
{
	mcp_request_reply_prompt(req, NULL, "This is a simple prompt for testing.");
}

static void prompt_args(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args, void *a)
{
	char text[600];

	snprintf(text, sizeof(text), "Prompt with arguments: arg1='%s', arg2='%s'",
		 json_string_value(json_object_get(args, "arg1")),
		 json_string_value(json_object_get(args, "arg2")));
	mcp_request_reply_prompt(req, NULL, text);
}

static void prompt_embedded(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args, void *a)
{
	mcp_request_reply(req, json_pack("{s:[{s:s, s:{s:s, s:{s:O, s:s, s:s}}}, {s:s, s:{s:s, s:s}}]}",
					 "messages", "role", "user", "content", "type", "resource",
					 "resource", "uri", json_object_get(args, "resourceUri"), "mimeType",
					 "text/plain", "text", "Embedded resource content for testing.",
					 "role", "user", "content", "type", "text", "text",
					 "Please process the embedded resource above."));
}

static void prompt_image(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args, void *a)
{
	mcp_request_reply(req,
			  json_pack("{s:[{s:s, s:{s:s, s:s, s:s}}, {s:s, s:{s:s, s:s}}]}", "messages", "role",
				    "user", "content", "type", "image", "data", TEST_IMAGE_BASE64, "mimeType",
				    "image/png", "role", "user", "content", "type", "text", "text",
				    "Please analyze the image above."));
}

static const char *const colors[] = {"red", "green", "blue", NULL};

static const struct mcp_prompt_argument args_two[] = {
    {"arg1", "First", "First test argument", true, NULL, NULL, NULL},
    {"arg2", "Second", "Second test argument", true, NULL, NULL, NULL},
    {"color", "Color", "A color (completion: red, green, blue)", false, colors, NULL, NULL},
};

static const struct mcp_prompt_argument args_uri[] = {
    {"resourceUri", "Resource URI", "URI of the resource to embed", true, NULL, NULL, NULL},
};

static const struct mcp_prompt prompts[] = {
    {"test_simple_prompt", "Simple Test Prompt", "A simple prompt without arguments", NULL, 0, prompt_simple,
     NULL},
    {"test_prompt_with_arguments", "Prompt With Arguments", "A prompt with required arguments", args_two,
     ELEMENTSOF(args_two), prompt_args, NULL},
    {"test_prompt_with_embedded_resource", "Prompt With Embedded Resource",
     "A prompt that includes an embedded resource", args_uri, ELEMENTSOF(args_uri), prompt_embedded, NULL},
    {"test_prompt_with_image", "Prompt With Image", "A prompt that includes image content", NULL, 0,
     prompt_image, NULL},
};

/* ---- main ---- */

static void maybe_finish(void)
{
	if (app.stdin_closed && mcp_server_pending(app.server) == 0)
		event_base_loopbreak(app.base);
}

static int on_write(void *userdata, const char *line, size_t len)
{
	int r = stdio_transport_write(app.io, line, len);

	if (r < 0)
		event_base_loopbreak(app.base);
	return r;
}

static void on_line(void *userdata, const char *line, size_t len)
{
	mcp_server_handle_line(app.server, line, len);
}

static void on_too_long(void *userdata, size_t limit)
{
	mcp_server_line_too_long(app.server, limit);
}

static void on_drain(evutil_socket_t fd, short what, void *userdata)
{
	maybe_finish();
}

static void on_eof(void *userdata)
{
	struct timeval tv = {.tv_usec = 20000};

	app.stdin_closed = true;
	app.drain = event_new(app.base, -1, EV_PERSIST, on_drain, NULL);
	if (!app.drain || event_add(app.drain, &tv) < 0)
		event_base_loopbreak(app.base);
	maybe_finish();
}

int main(int argc, char **argv)
{
	static const struct option options[] = {{"page-size", required_argument, NULL, 'p'},
						{"max-answer-tokens", required_argument, NULL, 't'},
						{"max-in-flight", required_argument, NULL, 'f'},
						{}};
	struct mcp_server_config cfg = {
	    .name = "schedmcp-test-server",
	    .title = "schedmcp test server",
	    .version = "0.0.0",
	    .instructions = "Fixtures for the MCP test suites.",
	    .resources = resources,
	    .n_resources = ELEMENTSOF(resources),
	    .templates = templates,
	    .n_templates = ELEMENTSOF(templates),
	    .tools = tools,
	    .n_tools = ELEMENTSOF(tools),
	    .prompts = prompts,
	    .n_prompts = ELEMENTSOF(prompts),
	    .write = on_write,
	    .log_before_set_level = true, /* the conformance suite expects logs unasked */
	};
	int c, r;

	log_setup("test-server", LOG_WARNING);
	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		switch (c) {
		case 'p':
			cfg.page_size = (unsigned)atoi(optarg);
			break;
		case 't':
			cfg.max_answer_tokens = (unsigned)atoi(optarg);
			break;
		case 'f':
			cfg.max_in_flight = (unsigned)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	app.base = event_base_new();
	if (!app.base)
		return 1;
	r = mcp_server_new(&cfg, &app.server);
	if (r < 0) {
		fprintf(stderr, "test-server: bad tables: %s\n", strerror(-r));
		return 1;
	}
	r = stdio_transport_new(
	    app.base, STDIN_FILENO, STDOUT_FILENO, 16u << 20,
	    &(struct stdio_callbacks){.line = on_line, .too_long = on_too_long, .eof = on_eof}, &app.io);
	if (r < 0)
		return 1;
	event_base_dispatch(app.base);
	while (!LIST_EMPTY(&app.laters))
		later_free(LIST_FIRST(&app.laters));
	mcp_server_free(app.server);
	stdio_transport_free(app.io);
	if (app.drain)
		event_free(app.drain);
	event_base_free(app.base);
	return 0;
}
