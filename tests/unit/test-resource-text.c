/* test-resource-text.c: a resource answered with its JSON text (mcp_request_reply_resource_text) is
 * byte for byte the answer made from the parsed document (mcp_request_reply_resource): ids, escapes,
 * batches, cancellation and the budget's cuts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "jsonrpc.h"
#include "mcp-server.h"
#include "test-util.h"

struct out {
	char *lines[16];
	size_t n;
};

struct app {
	bool as_text;		  /* answer with the text, else with the parsed document */
	const char *text;	  /* the collector's answer, as jansson printed it */
	struct mcp_request *held; /* test://held, answered by the test */
};

static int write_line(void *userdata, const char *line, size_t len)
{
	struct out *o = userdata;

	if (o->n >= ELEMENTSOF(o->lines))
		abort();
	o->lines[o->n] = strndup(line, len);
	if (!o->lines[o->n])
		abort();
	o->n++;
	return 0;
}

static void out_done(struct out *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->lines[i]);
	memset(o, 0, sizeof(*o));
}

static void answer(struct mcp_request *req, const char *uri, const struct app *a)
{
	json_t *body;

	if (a->as_text) {
		mcp_request_reply_resource_text(req, uri, a->text, strlen(a->text));
		return;
	}
	body = json_loads(a->text, 0, NULL);
	CHECK(body != NULL);
	mcp_request_reply_resource(req, uri, body);
	json_decref(body);
}

static void read_doc(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	answer(req, res->uri, app);
}

static void read_held(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	struct app *a = app;

	a->held = req;
}

static const struct mcp_resource resources[] = {
    {"test://doc", "doc", "Doc", "The document.", "application/json", read_doc, NULL, NULL, NULL},
    {"test://held", "held", "Held", "Answered later.", "application/json", read_held, NULL, NULL, NULL},
    /* a URI that must be escaped where it is printed */
    {"test://doc/\"quoted\"\\", "doc2", "Doc 2", "The document again.", "application/json", read_doc, NULL,
     NULL, NULL},
};

/* Runs the lines through a new server and returns what it wrote (after initialize). */
static void run(struct app *a, const char *version, unsigned max_answer_tokens, const char *const *lines,
		size_t n, struct out *o)
{
	struct mcp_server_config cfg = {
	    .name = "t",
	    .version = "1",
	    .resources = resources,
	    .n_resources = ELEMENTSOF(resources),
	    .app = a,
	    .write = write_line,
	    .write_userdata = o,
	    .max_answer_tokens = max_answer_tokens,
	};
	struct mcp_server *s = NULL;
	char init[256];

	memset(o, 0, sizeof(*o));
	CHECK_INT_EQ(0, mcp_server_new(&cfg, &s));
	if (!s)
		return;
	snprintf(
	    init, sizeof(init),
	    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"%s\","
	    "\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}",
	    version);
	mcp_server_handle_line(s, init, strlen(init));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(lines[i], "ANSWER") == 0) { /* the test answers test://held now */
			if (a->held)
				answer(a->held, "test://held", a);
			a->held = NULL;
			continue;
		}
		mcp_server_handle_line(s, lines[i], strlen(lines[i]));
	}
	mcp_server_free(s);
	/* initialize's answer is not what is compared */
	if (o->n > 0) {
		free(o->lines[0]);
		memmove(o->lines, o->lines + 1, (o->n - 1) * sizeof(o->lines[0]));
		o->n--;
	}
}

/* The same lines answered both ways write the same bytes; returns the text way's lines. */
static void check_same(const char *what, const char *text, const char *version, unsigned tokens,
		       const char *const *lines, size_t n, struct out *ret)
{
	struct app a = {.text = text};
	struct out by_json, by_text;

	run(&a, version, tokens, lines, n, &by_json);
	a.as_text = true;
	run(&a, version, tokens, lines, n, &by_text);
	CHECK_INT_EQ(by_json.n, by_text.n);
	for (size_t i = 0; i < by_json.n && i < by_text.n; i++)
		if (strcmp(by_json.lines[i], by_text.lines[i]) != 0) {
			fprintf(stderr, "%s: line %zu differs:\n json: %.300s\n text: %.300s\n", what, i,
				by_json.lines[i], by_text.lines[i]);
			CHECK(false);
		}
	out_done(&by_json);
	*ret = by_text;
}

/* A document as collectord prints it: floats, nulls, escapes, UTF-8. */
static char *sample_text(size_t cpus)
{
	json_t *doc =
	    json_pack("{s:s, s:i, s:f, s:n, s:s, s:[]}", "source", "BPF \"in\" the kernel\\ (tab\there)",
		      "nr_cpus", (int)cpus, "window_s", 1.006, "next_offset", "note",
		      "caf\xc3\xa9 \xf0\x9f\x98\x80 line\nbreak \x01 control", "cpus");
	char *text;

	for (size_t i = 0; doc && i < cpus; i++)
		json_array_append_new(json_object_get(doc, "cpus"),
				      json_pack("{s:i, s:b, s:f, s:f, s:{s:f, s:f}}", "cpu", (int)i, "online",
						1, "utilization_pct", 12.34 + (double)i, "switches_per_s",
						51966.95 / (double)(i + 1), "rq_latency", "p50_us", 1.054,
						"max_us", 159983.514));
	text = json_dump_compact(doc, NULL);
	json_decref(doc);
	return text;
}

/* A resources/read line; READ_LINE parenthesized, as one element of the arrays below. */
#define READ_TEXT(id, uri) \
	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"resources/read\",\"params\":{\"uri\":\"" uri "\"}}"
#define READ_LINE(id, uri) (READ_TEXT(id, uri))

static void test_same_answers(void)
{
	static const char *const lines[] = {
		READ_LINE("1", "test://doc"),
		READ_LINE("\"s\\\"1\\\\\\u00e9\"", "test://doc"),
		READ_LINE("-9007199254740993", "test://doc/\\\"quoted\\\"\\\\"),
	};
	_cleanup_free_ char *text = sample_text(4);
	struct out o;

	check_same("single answers", text, "2025-06-18", 0, lines, ELEMENTSOF(lines), &o);
	CHECK_INT_EQ(3, o.n);
	/* and the text went as it was: it is the answer's text, unchanged */
	for (size_t i = 0; i < o.n; i++) {
		json_t *msg = json_loads(o.lines[i], 0, NULL);
		const char *t = json_string_value(json_object_get(
		    json_array_get(json_object_get(json_object_get(msg, "result"), "contents"), 0), "text"));

		CHECK(t && strcmp(t, text) == 0);
		json_decref(msg);
	}
	out_done(&o);
}

static void test_batch_and_cancel(void)
{
	static const char *const batch[] = {
		("[" READ_TEXT("1", "test://doc") ",{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"},"
		 READ_TEXT("3", "test://held") "]"),
		"ANSWER",
	};
	static const char *const cancelled[] = {
		READ_LINE("5", "test://held"),
		"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":5}}",
		"ANSWER",
		"{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}",
	};
	_cleanup_free_ char *text = sample_text(2);
	struct out o;

	/* a batch collects values: the text way's line goes in as one */
	check_same("batch", text, "2025-03-26", 0, batch, ELEMENTSOF(batch), &o);
	CHECK_INT_EQ(1, o.n);
	CHECK(o.n == 1 && o.lines[0][0] == '[' && strstr(o.lines[0], "\"id\":3"));
	out_done(&o);
	/* a cancelled request is not answered, whichever way */
	check_same("cancelled", text, "2025-06-18", 0, cancelled, ELEMENTSOF(cancelled), &o);
	CHECK_INT_EQ(1, o.n);
	CHECK(o.n == 1 && strstr(o.lines[0], "\"id\":6"));
	out_done(&o);
}

/* Over the budget the text is parsed and cut, with the note, as the document would be. */
static void test_over_budget(void)
{
	static const char *const lines[] = { READ_LINE("1", "test://doc") };
	_cleanup_free_ char *text = sample_text(200);
	struct out o;

	CHECK(strlen(text) > MCP_MIN_ANSWER_TOKENS * MCP_BYTES_PER_TOKEN);
	check_same("cut", text, "2025-06-18", MCP_MIN_ANSWER_TOKENS, lines, ELEMENTSOF(lines), &o);
	CHECK_INT_EQ(1, o.n);
	CHECK(o.n == 1 && strstr(o.lines[0], "truncated") &&
	      strlen(o.lines[0]) <= MCP_MIN_ANSWER_TOKENS * MCP_BYTES_PER_TOKEN);
	out_done(&o);
}

int main(void)
{
	test_same_answers();
	test_batch_and_cancel();
	test_over_budget();
	return test_result("test-resource-text");
}
