/* fuzz-schedmcp.c: libFuzzer target for schedmcp's real MCP tables: tool, prompt, completion and template
 * arguments.
 *
 * Each input runs a fresh mcp_server configured as schedmcp configures it (its resources, templates,
 * tools and prompts, the code of libschedmcp compiled in), with the collector link pointed at a
 * socket that does not exist: whatever reaches collectord fails at once with "collectord is not
 * running". The first byte picks the protocol version initialize asks for; then every '\n'-separated
 * line is one message:
 *   T<i><json>          tools/call of tool i (a byte, modulo the table), arguments <json> as is
 *   P<i><json>          prompts/get of prompt i, arguments <json> as is
 *   R<i><text>          resources/read of template i's fixed part followed by <text> ("?detail=full")
 *   U<text>             resources/read of the URI <text>
 *   C<i><k><name>\t<value>[\t<json>]
 *                       completion/complete of argument <name> (empty: prompt i's argument k) of
 *                       prompt i (k even) or template i (k odd), with context arguments <json>
 *   anything else       the line as it is
 * Every line the server writes must be JSON: a response ("jsonrpc":"2.0", an id, exactly one of
 * result and error) or a notification (a method, no id). A request built here (R, U, C) is answered
 * exactly once and at once; T and P lines, and C lines with context JSON, at most once (the JSON
 * they carry may not parse, which is answered with id null); results have the shape of their
 * method; nothing is left pending. */
#include <event2/event.h>

#include "collector-link.h"
#include "completion.h"
#include "events-stream.h"
#include "fuzz-util.h"
#include "log.h"
#include "macro.h"
#include "mcp-server.h"
#include "prompts.h"
#include "resources.h"
#include "schedmcp.h"
#include "templates.h"
#include "tools.h"

/* The socket nobody listens on: connect() fails with ENOENT at once. */
#define NO_COLLECTOR "/nonexistent/schedmcp-fuzz/collectord.sock"

enum kind {
	KIND_OTHER,
	KIND_TOOL,
	KIND_PROMPT,
	KIND_READ,
	KIND_COMPLETE,
};

struct fuzz_state {
	json_int_t id;	  /* of the request being handled, 0: none */
	enum kind kind;	  /* what its result must look like */
	unsigned answers; /* responses seen with that id */
};

static struct event_base *base;
static struct fuzz_state st;
static bool trace; /* FUZZ_TRACE=1: print what goes in and out, to replay a crash */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	trace = getenv("FUZZ_TRACE");
	log_set_max_level(trace ? LOG_DEBUG : LOG_CRIT);
	completion_set_root(FUZZ_FIXTURES "/completion");
	base = event_base_new();
	FUZZ_CHECK(base);
	return 0;
}

static void check_result(const json_t *result)
{
	const json_t *a;

	FUZZ_CHECK(json_is_object(result));
	switch (st.kind) {
	case KIND_TOOL:
		a = json_object_get(result, "content");
		FUZZ_CHECK(json_is_array(a) && json_array_size(a) > 0);
		if (json_is_true(json_object_get(result, "isError")))
			FUZZ_CHECK(json_is_string(json_object_get(json_array_get(a, 0), "text")));
		break;
	case KIND_PROMPT:
		FUZZ_CHECK(json_is_array(json_object_get(result, "messages")));
		break;
	case KIND_READ:
		FUZZ_CHECK(json_is_array(json_object_get(result, "contents")));
		break;
	case KIND_COMPLETE:
		a = json_object_get(json_object_get(result, "completion"), "values");
		FUZZ_CHECK(json_is_array(a) && json_array_size(a) <= 100);
		break;
	default:
		break;
	}
}

static void check_message(const json_t *j)
{
	const json_t *id = json_object_get(j, "id"), *result = json_object_get(j, "result");
	const json_t *error = json_object_get(j, "error");

	FUZZ_CHECK(json_is_object(j));
	FUZZ_CHECK(strcmp(json_string_value(json_object_get(j, "jsonrpc")) ?: "", "2.0") == 0);
	if (json_object_get(j, "method")) {
		/* A notification (progress, log message, list changed): no id, no answer expected. */
		FUZZ_CHECK(json_is_string(json_object_get(j, "method")) && !id);
		return;
	}
	FUZZ_CHECK(id && (result != NULL) != (error != NULL));
	if (error)
		FUZZ_CHECK(json_is_integer(json_object_get(error, "code")) &&
			   json_is_string(json_object_get(error, "message")));
	if (st.id && json_is_integer(id) && json_integer_value(id) == st.id) {
		st.answers++;
		if (result)
			check_result(result);
	}
}

static int check_write(void *userdata, const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	size_t i;
	json_t *v;

	if (trace)
		fprintf(stderr, "<- %.*s\n", (int)len, line);

	FUZZ_CHECK(j && !memchr(line, '\n', len));
	if (json_is_array(j)) {
		FUZZ_CHECK(json_array_size(j) > 0);
		json_array_foreach (j, i, v)
			check_message(v);
	} else {
		check_message(j);
	}
	json_decref(j);
	return 0;
}

/* Appends text as the inside of a JSON string: quotes, backslashes, controls and bytes above
 * 0x7f escaped (a byte B becomes the character U+00B), NUL percent-encoded, so the request
 * always parses; raw lines are where invalid UTF-8 and U+0000 go. */
static void put_escaped(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0)
			fputs("%00",
			      f); /* JSON text here may not hold U+0000: percent-encoded, as a URI would */
		else if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

/* The fixed part of a URI template, before its first '{'. */
static size_t template_base(const char *t)
{
	return strcspn(t, "{");
}

/* Turns a shortcut line into a request; returns the kind, 0 for a line sent as it is. *ret_exact
 * says whether the request is sure to parse (no JSON of the input's own in it). */
static enum kind build(FILE *f, const char *p, size_t n, json_int_t id, bool *ret_exact)
{
	unsigned i = n > 1 ? (unsigned char)p[1] : 0;

	*ret_exact = false;
	switch (n ? p[0] : 0) {
	case 'T':
		if (n < 2)
			return KIND_OTHER;
		fprintf(
		    f,
		    "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
		    "\"arguments\":%.*s}}",
		    (long long)id, schedmcp_tools[i % schedmcp_n_tools].name, (int)(n - 2), p + 2);
		return KIND_TOOL;
	case 'P':
		if (n < 2)
			return KIND_OTHER;
		fprintf(
		    f,
		    "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"prompts/get\",\"params\":{\"name\":\"%s\","
		    "\"arguments\":%.*s}}",
		    (long long)id, schedmcp_prompts[i % schedmcp_n_prompts].name, (int)(n - 2), p + 2);
		return KIND_PROMPT;
	case 'R': {
		const char *t;

		if (n < 2)
			return KIND_OTHER;
		t = schedmcp_templates[i % schedmcp_n_templates].uri_template;
		fprintf(
		    f,
		    "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"resources/read\",\"params\":{\"uri\":\"",
		    (long long)id);
		put_escaped(f, t, template_base(t));
		put_escaped(f, p + 2, n - 2);
		fputs("\"}}", f);
		*ret_exact = true;
		return KIND_READ;
	}
	case 'U':
		fprintf(
		    f,
		    "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"resources/read\",\"params\":{\"uri\":\"",
		    (long long)id);
		put_escaped(f, p + 1, n - 1);
		fputs("\"}}", f);
		*ret_exact = true;
		return KIND_READ;
	case 'C': {
		unsigned k = n > 2 ? (unsigned char)p[2] : 0;
		const char *rest = p + MIN(n, 3), *end = p + n,
			   *tab = memchr(rest, '\t', (size_t)(end - rest));
		const char *value = tab ? tab + 1 : end, *tab2 = memchr(value, '\t', (size_t)(end - value));
		const struct mcp_prompt *pr = &schedmcp_prompts[i % schedmcp_n_prompts];
		const char *name = rest;
		size_t name_len = (size_t)((tab ? tab : end) - rest);

		if (name_len == 0 && !(k & 1) && pr->n_arguments) {
			name = pr->arguments[(k / 2) % pr->n_arguments].name;
			name_len = strlen(name);
		}
		fprintf(f,
			"{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"completion/"
			"complete\",\"params\":{\"ref\":",
			(long long)id);
		if (k & 1)
			fprintf(f, "{\"type\":\"ref/resource\",\"uri\":\"%s\"}",
				schedmcp_templates[i % schedmcp_n_templates].uri_template);
		else
			fprintf(f, "{\"type\":\"ref/prompt\",\"name\":\"%s\"}", pr->name);
		fputs(",\"argument\":{\"name\":\"", f);
		put_escaped(f, name, name_len);
		fputs("\",\"value\":\"", f);
		put_escaped(f, value, (size_t)((tab2 ? tab2 : end) - value));
		fputs("\"}", f);
		if (tab2)
			fprintf(f, ",\"context\":{\"arguments\":%.*s}", (int)(end - tab2 - 1), tab2 + 1);
		fputs("}}", f);
		*ret_exact = !tab2;
		return KIND_COMPLETE;
	}
	default:
		return KIND_OTHER;
	}
}

static void handle(struct mcp_server *s, const char *p, size_t n, json_int_t id)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	enum kind kind;
	bool exact;

	FUZZ_CHECK(f);
	kind = build(f, p, n, id, &exact);
	FUZZ_CHECK(fclose(f) == 0);
	st = (struct fuzz_state){.id = kind ? id : 0, .kind = kind};
	if (trace)
		fprintf(stderr, "-> %.*s\n", kind ? (int)len : (int)n, kind ? line : p);
	if (kind)
		mcp_server_handle_line(s, line, len);
	else
		mcp_server_handle_line(s, p, n);
	/* Whatever was deferred to the loop runs now. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	if (kind && exact)
		FUZZ_CHECK(st.answers == 1);
	else
		FUZZ_CHECK(st.answers <= 1);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schedmcp app = {.base = base};
	struct mcp_server *s = NULL;
	const char *p = (const char *)data, *end = p + size;
	char init[256];
	json_int_t id = 1000;
	unsigned v = size ? data[0] : 0, nv = 0;

	while (mcp_protocol_versions[nv])
		nv++;
	FUZZ_CHECK(collector_link_new(base, NO_COLLECTOR, 1000, &app.link) == 0);
	FUZZ_CHECK(mcp_server_new(
		       &(struct mcp_server_config){
			   .name = "schedmcp",
			   .title = "fuzz",
			   .version = "0",
			   .instructions = "fuzz",
			   .resources = schedmcp_resources,
			   .n_resources = schedmcp_n_resources,
			   .templates = schedmcp_templates,
			   .n_templates = schedmcp_n_templates,
			   .tools = schedmcp_tools,
			   .n_tools = schedmcp_n_tools,
			   .prompts = schedmcp_prompts,
			   .n_prompts = schedmcp_n_prompts,
			   .app = &app,
			   .write = check_write,
			   .log_before_set_level = v & 0x80,
		       },
		       &s) == 0);
	app.server = s;
	snprintf(
	    init, sizeof(init),
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"%s\","
	    "\"capabilities\":{},\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}",
	    mcp_protocol_versions[v % nv]);
	mcp_server_handle_line(s, init, strlen(init));
	snprintf(init, sizeof(init), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	mcp_server_handle_line(s, init, strlen(init));
	if (size)
		p++;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		handle(s, p, len, id++);
		p += len + 1;
	}
	FUZZ_CHECK(mcp_server_pending(s) == 0);
	/* As schedmcp ends: subscriptions first, while the link their hooks use is alive. */
	mcp_server_unsubscribe_all(s);
	events_stream_free(&app);
	collector_link_free(app.link);
	mcp_server_free(s);
	return 0;
}
