/* mcp-server.c: MCP lifecycle and the table of methods; handlers may answer later. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <syslog.h>
#include <time.h>

#include "budget.h"
#include "json-schema.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "log.h"
#include "macro.h"
#include "mcp-server.h"
#include "uri-template.h"

/* clang-format off */
const char *const mcp_protocol_versions[] = {
	"2025-11-25",
	"2025-06-18",
	"2025-03-26",
	"2024-11-05",
	NULL,
};
/* clang-format on */

#define COMPLETION_MAX_VALUES 100  /* the spec's limit on completion values */
#define ENVELOPE_BYTES	      256  /* {"jsonrpc":"2.0","id":...,"result":...} around a result */
#define NOTE_BYTES	      1536 /* room kept for the note that says what was cut */

/* JSON-RPC answers of a batch, sent together once every member is done. */
struct batch {
	json_t *answers;
	unsigned outstanding; /* members dispatched and not yet done */
	bool sealed;	      /* every member has been dispatched */
};

struct method;

struct mcp_request {
	LIST_ENTRY(mcp_request) link;
	struct mcp_server *server;
	const struct method *method;
	json_t *id;
	json_t *params;
	struct batch *batch;
	const struct mcp_tool *tool; /* tools/call: the tool, for the note of a cut answer */
	json_t *progress_token;
	double last_progress;
	uint64_t last_progress_ms;
	bool progress_sent;
	bool cancelled;
	mcp_cancel_fn cancel;
	void *cancel_userdata;
};

/* A request we sent to the client, waiting for its response. */
struct outgoing {
	LIST_ENTRY(outgoing) link;
	json_t *id;
	mcp_response_fn cb;
	void *userdata;
};

struct mcp_server {
	struct mcp_server_config cfg;
	const char *version; /* negotiated; NULL before initialize */
	bool initialized;    /* notifications/initialized received */
	bool write_failed;
	unsigned long answered;
	unsigned pending;
	unsigned long next_outgoing;
	int log_level; /* LOG_*: notifications/message at or above it; -1: none */
	size_t answer_bytes;
	LIST_HEAD(, mcp_request) requests;
	LIST_HEAD(, outgoing) outgoing;
	json_t *client_info;
	json_t *client_capabilities;
	json_t **input_schemas; /* parsed once, indexed like cfg.tools */
	json_t **output_schemas;
	struct uri_template **templates; /* indexed like cfg.templates */
	json_t **template_schemas;
	bool *subscribed;   /* indexed like cfg.resources */
	json_t *uri_subscribed; /* URIs of templates subscribed to -> the template's index */
	bool can_subscribe; /* some resource or template has hooks */
};

/* Fields a protocol version defines; strcmp works on these dates. */
static bool version_has(const struct mcp_server *s, const char *since)
{
	return s->version && strcmp(s->version, since) >= 0;
}

bool mcp_server_version_has(const struct mcp_server *s, const char *since)
{
	return version_has(s, since);
}

enum method_flags {
	METHOD_BEFORE_INIT = 1u << 0, /* allowed before initialize */
	METHOD_NOTIFICATION = 1u << 1,
	METHOD_UNBOUNDED = 1u << 2, /* answered at once: not held to max_in_flight */
};

typedef void (*method_fn)(struct mcp_server *s, struct mcp_request *r);
typedef void (*notification_fn)(struct mcp_server *s, const json_t *params);

struct method {
	const char *name;
	unsigned flags;
	method_fn request;
	notification_fn notification;
};

static uint64_t now_ms(const struct mcp_server *s)
{
	struct timespec ts;

	if (s->cfg.now_ms)
		return s->cfg.now_ms();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void send_line(struct mcp_server *s, const char *line, size_t len)
{
	if (s->write_failed)
		return;
	if (s->cfg.write(s->cfg.write_userdata, line, len) < 0)
		s->write_failed = true;
}

static void send_message(struct mcp_server *s, json_t *msg /* stolen */)
{
	_cleanup_free_ char *line = NULL;
	size_t len;

	if (!msg)
		return;
	line = json_dump_compact(msg, &len);
	json_decref(msg);
	if (line)
		send_line(s, line, len);
}

/* An answer goes out alone, or into its batch. */
static void deliver(struct mcp_server *s, struct batch *b, json_t *msg /* stolen, may be NULL */)
{
	if (!b) {
		send_message(s, msg);
		return;
	}
	if (msg && json_array_append_new(b->answers, msg) < 0)
		log_debug("out of memory collecting a batch answer");
}

static void batch_free(struct batch *b)
{
	json_decref(b->answers);
	free(b);
}

/* Sends the batch's answers once every member is done. A batch of
 * notifications only is answered with nothing, as JSON-RPC says. */
static void batch_maybe_flush(struct mcp_server *s, struct batch *b)
{
	if (!b->sealed || b->outstanding)
		return;
	if (json_array_size(b->answers))
		send_message(s, json_incref(b->answers));
	batch_free(b);
}

static void request_free(struct mcp_request *r)
{
	LIST_REMOVE(r, link);
	r->server->pending--;
	json_decref(r->id);
	json_decref(r->params);
	json_decref(r->progress_token);
	free(r);
}

/* Every completion ends here: counted, answered (unless cancelled), freed. */
static void request_complete(struct mcp_request *r, json_t *msg /* stolen */)
{
	struct mcp_server *s = r->server;
	struct batch *b = r->batch;

	s->answered++;
	if (r->cancelled) {
		/* The spec: a cancelled request is never answered. */
		json_decref(msg);
		msg = NULL;
	} else if (!msg) {
		/* An answer that could not be built (out of memory, or text that is not UTF-8)
		 * still answers: the client waits for every id (found by fuzz-schedmcp). */
		msg = jsonrpc_error(r->id, JSONRPC_INTERNAL_ERROR, "the answer could not be built", NULL);
	}
	deliver(s, b, msg);
	request_free(r);
	if (b) {
		b->outstanding--;
		batch_maybe_flush(s, b);
	}
}

static void request_send_result(struct mcp_request *r, json_t *result)
{
	request_complete(r, jsonrpc_result(r->id, result));
}

/* request_complete() with the answer already printed as one message: sent
 * as it is, except into a batch, which collects JSON values. */
static void request_complete_line(struct mcp_request *r, const char *line, size_t len)
{
	if (r->cancelled || r->batch) {
		/* not answered, or answered inside the batch's array */
		request_complete(r, r->cancelled ? NULL : json_loadb(line, len, 0, NULL));
		return;
	}
	r->server->answered++;
	send_line(r->server, line, len);
	request_free(r);
}

void mcp_request_error(struct mcp_request *r, int code, const char *message, json_t *data)
{
	request_complete(r, jsonrpc_error(r->id, code, message, data));
}

const json_t *mcp_request_params(const struct mcp_request *r)
{
	return r->params;
}

struct mcp_server *mcp_request_server(const struct mcp_request *r)
{
	return r->server;
}

bool mcp_request_cancelled(const struct mcp_request *r)
{
	return r->cancelled;
}

void mcp_request_set_cancel(struct mcp_request *r, mcp_cancel_fn fn, void *userdata)
{
	r->cancel = fn;
	r->cancel_userdata = userdata;
}

bool mcp_request_wants_progress(const struct mcp_request *r)
{
	return r->progress_token != NULL;
}

void mcp_request_progress(struct mcp_request *r, double progress, double total, const char *message)
{
	struct mcp_server *s = r->server;
	uint64_t now = now_ms(s);
	bool last = total > 0 && progress >= total;
	json_t *params;

	if (!r->progress_token || r->cancelled)
		return;
	/* The spec: progress increases with each notification. */
	if (r->progress_sent && progress <= r->last_progress)
		return;
	if (r->progress_sent && !last && now - r->last_progress_ms < s->cfg.progress_interval_ms)
		return;
	params = json_pack("{s:O, s:f}", "progressToken", r->progress_token, "progress", progress);
	if (!params)
		return;
	if (total > 0)
		json_object_set_new(params, "total", json_real(total));
	/* message exists from 2025-03-26 on. */
	if (message && version_has(s, "2025-03-26"))
		json_object_set_new(params, "message", json_string(message));
	r->progress_sent = true;
	r->last_progress = progress;
	r->last_progress_ms = now;
	send_message(s, jsonrpc_notification("notifications/progress", params));
}

/* ---- the answer budget ---- */

size_t mcp_server_answer_bytes(const struct mcp_server *s)
{
	return s->answer_bytes;
}

static size_t message_size(const struct mcp_request *r, const json_t *result)
{
	return budget_json_size(result) + budget_json_size(r->id) + 40;
}

/* "/events keeps 812 of 4000 items; /x keeps 100 of 900 bytes" */
static void describe_cuts(const json_t *cuts, char *buf, size_t size)
{
	size_t i, used = 0;
	json_t *c;

	buf[0] = '\0';
	json_array_foreach (cuts, i, c) {
		const char *path = json_string_value(json_object_get(c, "path"));
		int n = snprintf(buf + used, size - used,
				 "%s%s keeps %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT " %s",
				 i ? "; " : "", path && *path ? path : "the answer",
				 json_integer_value(json_object_get(c, "kept")),
				 json_integer_value(json_object_get(c, "total")),
				 json_string_value(json_object_get(c, "unit")));

		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

/* The only cut is the tail of one top-level list: then offset continues it. */
static bool single_top_level_cut(const json_t *cuts, json_int_t *ret_kept)
{
	const json_t *c = json_array_get(cuts, 0);
	const char *path = json_string_value(json_object_get(c, "path"));

	if (json_array_size(cuts) != 1 || !path || path[0] != '/' || strchr(path + 1, '/') ||
	    strcmp(json_string_value(json_object_get(c, "unit")), "items") != 0)
		return false;
	*ret_kept = json_integer_value(json_object_get(c, "kept"));
	return true;
}

/* How to get the rest of a cut resource: a template of the same URI with
 * offset, else "ask for less". */
static void resource_rest_hint(const struct mcp_server *s, const char *uri, const json_t *cuts, char *buf,
			       size_t size)
{
	size_t len = strcspn(uri, "?"); /* a template read: its base URI */
	const char *q = strstr(uri + len, "offset=");
	json_int_t kept, offset = 0;

	/* A read that had an offset continues from there. */
	if (q && (q[-1] == '?' || q[-1] == '&'))
		offset = strtoll(q + 7, NULL, 10);
	for (size_t i = 0; i < s->cfg.n_templates; i++) {
		const char *t = s->cfg.templates[i].uri_template;

		if (strncmp(t, uri, len) == 0 && strncmp(t + len, "{?", 2) == 0 &&
		    uri_template_has_var(s->templates[i], "offset")) {
			if (single_top_level_cut(cuts, &kept))
				snprintf(buf, size,
					 "To get the rest, read %s with offset=%" JSON_INTEGER_FORMAT
					 " (and limit), or ask for less.",
					 t, offset + kept);
			else
				snprintf(buf, size,
					 "To get the rest, read %s with offset and limit, or ask for less.",
					 t);
			return;
		}
	}
	snprintf(buf, size,
		 "Ask for less (a narrower resource or tool), or raise the server's answer budget "
		 "(--max-answer-tokens).");
}

static void tool_rest_hint(const struct mcp_request *r, const json_t *cuts, char *buf, size_t size)
{
	const struct mcp_server *s = r->server;
	const json_t *props =
	    r->tool ? json_object_get(s->input_schemas[r->tool - s->cfg.tools], "properties") : NULL;
	uint64_t offset = 0;
	json_int_t kept;

	if (json_object_get(props, "offset") && single_top_level_cut(cuts, &kept)) {
		json_get_uint(json_object_get(r->params, "arguments"), "offset", UINT32_MAX, &offset);
		snprintf(buf, size,
			 "To get the rest, call %s again with offset=%" JSON_INTEGER_FORMAT
			 " (same other arguments), or ask for less.",
			 r->tool->name, (json_int_t)offset + kept);
	} else if (json_object_get(props, "limit"))
		snprintf(buf, size,
			 "Ask for less: call %s with a smaller limit or narrower arguments, or raise "
			 "the server's answer budget (--max-answer-tokens).",
			 r->tool->name);
	else
		snprintf(buf, size,
			 "Ask for less (narrower arguments, or a resource with the detail you need), or "
			 "raise the server's answer budget (--max-answer-tokens).");
}

/* {"budget_tokens": N, "cuts": [...], "note": "This answer was cut ..."} */
static json_t *truncation_note(const struct mcp_server *s, json_t *cuts /* stolen */, const char *rest)
{
	char what[768], note[1280];

	describe_cuts(cuts, what, sizeof(what));
	snprintf(note, sizeof(note),
		 "This answer was cut to fit the answer budget of %zu tokens (about %zu bytes): %s. %s",
		 s->answer_bytes / MCP_BYTES_PER_TOKEN, s->answer_bytes, what, rest);
	return json_pack("{s:I, s:o, s:s}", "budget_tokens",
			 (json_int_t)(s->answer_bytes / MCP_BYTES_PER_TOKEN), "cuts", cuts, "note", note);
}

enum answer_kind {
	ANSWER_RESOURCE,
	ANSWER_TOOL,
	ANSWER_KIND_MAX,
};

static json_t *resource_result(const char *uri, const json_t *body)
{
	_cleanup_free_ char *text = json_dump_compact(body, NULL);

	if (!text)
		return NULL;
	return json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType", "application/json",
			 "text", text);
}

static json_t *tool_result(const struct mcp_server *s, const json_t *structured, const json_t *note)
{
	_cleanup_free_ char *text = json_dump_compact(structured, NULL);
	json_t *result;

	if (!text)
		return NULL;
	result = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text, "isError", 0);
	/* The note also as a text of its own, where a model reads first. */
	if (result && note)
		json_array_append_new(
		    json_object_get(result, "content"),
		    json_pack("{s:s, s:O}", "type", "text", "text", json_object_get(note, "note")));
	if (result && json_is_object(structured) && version_has(s, "2025-06-18"))
		json_object_set(result, "structuredContent", (json_t *)structured);
	return result;
}

static json_t *build_answer(struct mcp_request *r, enum answer_kind kind, const char *uri, const json_t *doc,
			    const json_t *note)
{
	return kind == ANSWER_RESOURCE ? resource_result(uri, doc) : tool_result(r->server, doc, note);
}

/* Builds the answer from doc; when it is over the budget, cuts a copy of doc
 * to a smaller target, adds the note, and tries again. */
/* The answer from a copy of doc cut to `target` bytes, with the note; NULL
 * when doc cannot be cut that small. */
static json_t *cut_answer(struct mcp_request *r, enum answer_kind kind, const char *uri, const json_t *doc,
			  size_t target)
{
	_cleanup_json_ json_t *copy = json_deep_copy(doc);
	json_t *cuts = NULL, *note, *result;
	char rest[512];

	if (!copy || budget_fit(copy, target, &cuts) <= 0)
		return NULL;
	if (kind == ANSWER_RESOURCE)
		resource_rest_hint(r->server, uri, cuts, rest, sizeof(rest));
	else
		tool_rest_hint(r, cuts, rest, sizeof(rest));
	note = truncation_note(r->server, cuts, rest);
	if (!note)
		return NULL;
	if (json_is_object(copy))
		json_object_set(copy, "truncated", note);
	else {
		/* A list at the top: wrapped, so that the note can go with it. */
		json_t *wrapped = json_pack("{s:O, s:O}", "items", copy, "truncated", note);

		json_decref(copy);
		copy = wrapped;
	}
	result = copy ? build_answer(r, kind, uri, copy, note) : NULL;
	json_decref(note);
	return result;
}

/* Builds the answer from doc; when it is over the budget, looks for the
 * largest cut of doc whose answer, note included, fits. The answer grows
 * with the document in ways hard to predict (a tool sends it twice, text
 * escaping, the note), so the search is a bisection from a first guess. */
static void reply_within_budget(struct mcp_request *r, enum answer_kind kind, const char *uri,
				const json_t *doc)
{
	struct mcp_server *s = r->server;
	json_t *result = build_answer(r, kind, uri, doc, NULL), *best = NULL;
	size_t size, lo = 0, hi, guess;

	if (!result) {
		mcp_request_error(r, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	size = message_size(r, result);
	if (size <= s->answer_bytes) {
		request_send_result(r, result);
		return;
	}
	json_decref(result);
	hi = budget_json_size(doc);
	guess = (size_t)((double)hi * (double)(s->answer_bytes - NOTE_BYTES) / (double)size);
	for (int round = 0; round < 16 && lo < hi; round++) {
		size_t target = round == 0 && guess > lo && guess < hi ? guess : lo + (hi - lo + 1) / 2;

		result = cut_answer(r, kind, uri, doc, target);
		if (result && message_size(r, result) <= s->answer_bytes) {
			json_decref(best);
			best = result;
			lo = target;
			/* Close enough: within 2% of the budget. */
			if (message_size(r, best) * 50 >= s->answer_bytes * 49)
				break;
		} else {
			json_decref(result);
			hi = target - 1;
		}
	}
	if (best) {
		log_debug("answer to %s cut from %zu to %zu bytes", uri ? uri : "a tool call", size,
			  message_size(r, best));
		request_send_result(r, best);
		return;
	}
	if (kind == ANSWER_TOOL)
		mcp_request_tool_error(
		    r, "The answer is too large for the answer budget even when cut. Ask for less "
		       "(narrower arguments), or raise the server's answer budget (--max-answer-tokens).");
	else
		mcp_request_error(
		    r, JSONRPC_INTERNAL_ERROR,
		    "The answer is too large for the answer budget even when cut; raise the server's answer "
		    "budget (--max-answer-tokens)",
		    json_pack("{s:s}", "uri", uri));
}

void mcp_request_reply_resource(struct mcp_request *r, const char *uri, const json_t *body)
{
	reply_within_budget(r, ANSWER_RESOURCE, uri, body);
}

/* {"jsonrpc":"2.0","id":ID,"result":{"contents":[{"uri":URI,"mimeType":"application/json","text":TEXT}]}},
 * printed here as jansson would print it: the text is JSON already, and
 * printing it again would cost more than all the rest of the answer. */
static char *resource_text_line(const json_t *id, const char *uri, const char *text, size_t len,
				size_t *ret_len)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":",
			  mid[] = ",\"result\":{\"contents\":[{\"uri\":",
			  mime[] = ",\"mimeType\":\"application/json\",\"text\":", tail[] = "}]}}";
	_cleanup_free_ char *id_text = NULL;
	size_t uri_len = strlen(uri), id_len, size;
	char number[32], *line, *p;

	/* Ids are integers or strings; anything else as jansson prints it. */
	if (json_is_integer(id))
		id_len =
		    (size_t)snprintf(number, sizeof(number), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else if (json_is_string(id))
		id_len = json_string_printed_size(json_string_value(id), json_string_length(id));
	else if (!(id_text = json_dump_compact(id ? id : json_null(), &id_len)))
		return NULL;
	size = sizeof(head) - 1 + id_len + sizeof(mid) - 1 + json_string_printed_size(uri, uri_len) +
	       sizeof(mime) - 1 + json_string_printed_size(text, len) + sizeof(tail) - 1;
	line = malloc(size);
	if (!line)
		return NULL;
	p = mempcpy(line, head, sizeof(head) - 1);
	if (json_is_integer(id))
		p = mempcpy(p, number, id_len);
	else if (json_is_string(id))
		p = json_string_print(p, json_string_value(id), json_string_length(id));
	else
		p = mempcpy(p, id_text, id_len);
	p = mempcpy(p, mid, sizeof(mid) - 1);
	p = json_string_print(p, uri, uri_len);
	p = mempcpy(p, mime, sizeof(mime) - 1);
	p = json_string_print(p, text, len);
	p = mempcpy(p, tail, sizeof(tail) - 1);
	*ret_len = (size_t)(p - line);
	return line;
}

void mcp_request_reply_resource_text(struct mcp_request *r, const char *uri, const char *text, size_t len)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *line = NULL;
	json_error_t err;
	size_t line_len = 0;

	/* The URI came from the client, the text was checked by the caller:
	 * both valid UTF-8, as a printed string must be. */
	line = resource_text_line(r->id, uri, text, len, &line_len);
	if (!line) {
		mcp_request_error(r, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	if (line_len <= r->server->answer_bytes) {
		request_complete_line(r, line, line_len);
		return;
	}
	/* Over the budget: cut at JSON boundaries, which needs the document. */
	body = json_loadb(text, len, 0, &err);
	if (!body) {
		mcp_request_error(r, JSONRPC_INTERNAL_ERROR, "the collector's answer could not be parsed",
				  json_pack("{s:s, s:s}", "uri", uri, "error", err.text));
		return;
	}
	reply_within_budget(r, ANSWER_RESOURCE, uri, body);
}

void mcp_request_reply_tool(struct mcp_request *r, json_t *structured)
{
	if (!structured) {
		mcp_request_error(r, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	reply_within_budget(r, ANSWER_TOOL, NULL, structured);
	json_decref(structured);
}

/* Any other answer: within the budget as it is, or cut with the note in
 * its content (a tool result) or its _meta. */
void mcp_request_reply(struct mcp_request *r, json_t *result)
{
	struct mcp_server *s = r->server;
	json_t *cuts = NULL, *note, *content;
	size_t size;

	if (!result || (size = message_size(r, result)) <= s->answer_bytes) {
		request_send_result(r, result);
		return;
	}
	if (budget_fit(result, s->answer_bytes - ENVELOPE_BYTES - NOTE_BYTES, &cuts) <= 0) {
		json_decref(result);
		mcp_request_error(
		    r, JSONRPC_INTERNAL_ERROR,
		    "The answer is too large for the answer budget; raise it (--max-answer-tokens)", NULL);
		return;
	}
	note = truncation_note(s, cuts,
			       "Ask for less, or raise the server's answer budget (--max-answer-tokens).");
	content = json_object_get(result, "content");
	if (note && json_is_array(content))
		json_array_append_new(
		    content, json_pack("{s:s, s:O}", "type", "text", "text", json_object_get(note, "note")));
	if (note) {
		if (!json_is_object(json_object_get(result, "_meta")))
			json_object_set_new(result, "_meta", json_object());
		json_object_set(json_object_get(result, "_meta"), "truncated", note);
	}
	json_decref(note);
	request_send_result(r, result);
}

void mcp_request_tool_error(struct mcp_request *r, const char *message)
{
	mcp_request_reply(r, json_pack("{s:[{s:s, s:o}], s:b}", "content", "type", "text", "text",
				       json_string_lossy(message), "isError", 1));
}

void mcp_request_reply_prompt(struct mcp_request *r, const char *description, const char *text)
{
	json_t *result = json_pack("{s:[{s:s, s:{s:s, s:s}}]}", "messages", "role", "user", "content", "type",
				   "text", "text", text);

	if (result && description)
		json_object_set_new(result, "description", json_string(description));
	mcp_request_reply(r, result);
}

/* ---- paging ---- */

enum list_kind {
	LIST_RESOURCES,
	LIST_TEMPLATES,
	LIST_TOOLS,
	LIST_PROMPTS,
	LIST_KIND_MAX,
};

static const char *const list_keys[LIST_KIND_MAX] = {
    [LIST_RESOURCES] = "resources",
    [LIST_TEMPLATES] = "resourceTemplates",
    [LIST_TOOLS] = "tools",
    [LIST_PROMPTS] = "prompts",
};

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url_encode(const char *in, char *out, size_t out_size)
{
	size_t n = strlen(in), o = 0;
	unsigned bits = 0, nbits = 0;

	for (size_t i = 0; i < n && o + 2 < out_size; i++) {
		bits = (bits << 8) | (unsigned char)in[i];
		nbits += 8;
		while (nbits >= 6 && o + 1 < out_size) {
			out[o++] = b64url[(bits >> (nbits - 6)) & 63];
			nbits -= 6;
		}
	}
	if (nbits && o + 1 < out_size)
		out[o++] = b64url[(bits << (6 - nbits)) & 63];
	out[o] = '\0';
}

static int b64url_decode(const char *in, char *out, size_t out_size)
{
	unsigned bits = 0, nbits = 0;
	size_t o = 0;

	for (; *in; in++) {
		const char *p = strchr(b64url, *in);

		if (!p || !*in)
			return -EINVAL;
		bits = (bits << 6) | (unsigned)(p - b64url);
		nbits += 6;
		if (nbits >= 8) {
			if (o + 1 >= out_size)
				return -EINVAL;
			out[o++] = (char)((bits >> (nbits - 8)) & 0xff);
			nbits -= 8;
		}
	}
	out[o] = '\0';
	return 0;
}

/* Cursors are opaque to the client: the list, where the next page starts
 * and the length of the list it was made for (our lists do not change). */
static void cursor_encode(enum list_kind kind, size_t offset, size_t total, char *out, size_t size)
{
	char plain[96];

	snprintf(plain, sizeof(plain), "mcp1:%s:%zu:%zu", list_keys[kind], offset, total);
	b64url_encode(plain, out, size);
}

static int cursor_decode(const char *cursor, enum list_kind kind, size_t total, size_t *ret_offset)
{
	char plain[96], key[32], end, again[160];
	size_t offset, n;

	if (strlen(cursor) > 120 || b64url_decode(cursor, plain, sizeof(plain)) < 0)
		return -EINVAL;
	/* Only the one spelling we make: no trailing bits, no padding. */
	b64url_encode(plain, again, sizeof(again));
	if (strcmp(again, cursor) != 0)
		return -EINVAL;
	if (sscanf(plain, "mcp1:%31[A-Za-z]:%zu:%zu%c", key, &offset, &n, &end) != 3)
		return -EINVAL;
	if (strcmp(key, list_keys[kind]) != 0 || n != total || offset == 0 || offset >= total)
		return -EINVAL;
	*ret_offset = offset;
	return 0;
}

typedef json_t *(*list_item_fn)(const struct mcp_server *s, size_t i);

/* One page of a list: from the cursor, at most page_size items and no more
 * than the answer budget, and nextCursor when there are more. */
static void reply_list(struct mcp_server *s, struct mcp_request *r, enum list_kind kind, size_t n,
		       list_item_fn item)
{
	const json_t *c = json_object_get(r->params, "cursor");
	size_t offset = 0, used = 0, i, budget = s->answer_bytes - ENVELOPE_BYTES;
	json_t *list, *result;

	if (c && !json_is_null(c) &&
	    (!json_is_string(c) || cursor_decode(json_string_value(c), kind, n, &offset) < 0)) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS,
				  "Invalid cursor: pass the nextCursor of the previous page as it came, or "
				  "none for the first page",
				  json_pack("{s:O}", "cursor", c));
		return;
	}
	list = json_array();
	for (i = offset; list && i < n && i - offset < s->cfg.page_size; i++) {
		json_t *it = item(s, i);
		size_t sz = budget_json_size(it) + 1;

		if (i > offset && used + sz > budget) {
			json_decref(it);
			break;
		}
		json_array_append_new(list, it);
		used += sz;
	}
	result = json_pack("{s:o}", list_keys[kind], list);
	if (result && i < n) {
		char cursor[160];

		cursor_encode(kind, i, n, cursor, sizeof(cursor));
		json_object_set_new(result, "nextCursor", json_string(cursor));
	}
	mcp_request_reply(r, result);
}

/* ---- initialize, ping ---- */

static void method_initialize(struct mcp_server *s, struct mcp_request *r)
{
	const char *asked = NULL;
	json_t *result, *info, *caps;

	if (json_get_string(r->params, "protocolVersion", &asked) < 0) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS,
				  "initialize needs params.protocolVersion (a string)", NULL);
		return;
	}
	/* The spec: answer the client's version when we speak it, else our
	 * newest, and let the client decide whether to go on. */
	s->version = mcp_protocol_versions[0];
	for (const char *const *p = mcp_protocol_versions; *p; p++)
		if (strcmp(*p, asked) == 0)
			s->version = *p; /* point at our static copy, not the params */
	json_decref(s->client_info);
	s->client_info = json_incref(json_object_get(r->params, "clientInfo"));
	json_decref(s->client_capabilities);
	s->client_capabilities = json_incref(json_object_get(r->params, "capabilities"));

	info = json_pack("{s:s, s:s}", "name", s->cfg.name, "version", s->cfg.version);
	/* serverInfo.title exists from 2025-06-18 on, icons from 2025-11-25. */
	if (info && s->cfg.title && version_has(s, "2025-06-18"))
		json_object_set_new(info, "title", json_string(s->cfg.title));
	if (info && s->cfg.icon && version_has(s, "2025-11-25"))
		json_object_set_new(info, "icons",
				    json_pack("[{s:s, s:s, s:[s]}]", "src", s->cfg.icon, "mimeType",
					      "image/svg+xml", "sizes", "any"));
	/* Our lists never change: listChanged false, and no notification. */
	caps = json_pack("{s:{}, s:{s:b, s:b}}", "logging", "resources", "subscribe", s->can_subscribe,
			 "listChanged", 0);
	if (caps && s->cfg.n_tools)
		json_object_set_new(caps, "tools", json_pack("{s:b}", "listChanged", 0));
	if (caps && s->cfg.n_prompts)
		json_object_set_new(caps, "prompts", json_pack("{s:b}", "listChanged", 0));
	/* The completions capability exists from 2025-03-26 on; the method
	 * is answered for every version. */
	if (caps && version_has(s, "2025-03-26"))
		json_object_set_new(caps, "completions", json_object());
	result = json_pack("{s:s, s:o, s:o}", "protocolVersion", s->version, "capabilities", caps,
			   "serverInfo", info);
	if (result && s->cfg.instructions)
		json_object_set_new(result, "instructions", json_string(s->cfg.instructions));
	log_debug("initialize: client asked %s, answering %s", asked, s->version);
	mcp_request_reply(r, result);
}

static void method_ping(struct mcp_server *s, struct mcp_request *r)
{
	mcp_request_reply(r, json_object());
}

/* ---- resources ---- */

static json_t *resource_json(const struct mcp_server *s, size_t i)
{
	const struct mcp_resource *res = &s->cfg.resources[i];
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "uri", res->uri, "name", res->name, "description",
			      res->description, "mimeType", res->mime_type);

	if (o && res->title && version_has(s, "2025-06-18"))
		json_object_set_new(o, "title", json_string(res->title));
	return o;
}

static void method_resources_list(struct mcp_server *s, struct mcp_request *r)
{
	reply_list(s, r, LIST_RESOURCES, s->cfg.n_resources, resource_json);
}

static json_t *template_json(const struct mcp_server *s, size_t i)
{
	const struct mcp_resource_template *t = &s->cfg.templates[i];
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "uriTemplate", t->uri_template, "name", t->name,
			      "description", t->description, "mimeType", t->mime_type);

	if (o && t->title && version_has(s, "2025-06-18"))
		json_object_set_new(o, "title", json_string(t->title));
	return o;
}

static void method_resources_templates_list(struct mcp_server *s, struct mcp_request *r)
{
	reply_list(s, r, LIST_TEMPLATES, s->cfg.n_templates, template_json);
}

static int resource_lookup(const struct mcp_server *s, const char *uri)
{
	for (size_t i = 0; i < s->cfg.n_resources; i++)
		if (strcmp(s->cfg.resources[i].uri, uri) == 0)
			return (int)i;
	return -1;
}

/* Template variables arrive as strings; the schema says what they are. */
static int coerce_vars(const json_t *schema, json_t *vars, char *err, size_t err_size)
{
	const json_t *props = json_object_get(schema, "properties");
	const char *key;
	json_t *v;

	json_object_foreach (vars, key, v) {
		const char *type = json_string_value(json_object_get(json_object_get(props, key), "type"));
		const char *text = json_string_value(v);
		char *end;

		if (!type || strcmp(type, "string") == 0)
			continue;
		errno = 0;
		if (strcmp(type, "integer") == 0) {
			long long n = strtoll(text, &end, 10);

			if (!*text || *end || errno) {
				snprintf(err, err_size, "%.64s: must be an integer", key);
				return -EINVAL;
			}
			json_object_set_new(vars, key, json_integer(n));
		} else if (strcmp(type, "number") == 0) {
			double d = strtod(text, &end);

			if (!*text || *end || errno) {
				snprintf(err, err_size, "%.64s: must be a number", key);
				return -EINVAL;
			}
			json_object_set_new(vars, key, json_real(d));
		} else if (strcmp(type, "boolean") == 0) {
			if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0) {
				snprintf(err, err_size, "%.64s: must be true or false", key);
				return -EINVAL;
			}
			json_object_set_new(vars, key, json_boolean(strcmp(text, "true") == 0));
		}
	}
	return json_schema_validate(schema, vars, err, err_size);
}

static void method_resources_read(struct mcp_server *s, struct mcp_request *r)
{
	const char *uri;
	char err[256], msg[400];
	int i;

	if (json_get_string(r->params, "uri", &uri) < 0) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, "resources/read needs params.uri (a string)",
				  NULL);
		return;
	}
	i = resource_lookup(s, uri);
	if (i >= 0) {
		s->cfg.resources[i].read(r, &s->cfg.resources[i], s->cfg.app);
		return;
	}
	for (size_t k = 0; k < s->cfg.n_templates; k++) {
		const struct mcp_resource_template *t = &s->cfg.templates[k];
		_cleanup_json_ json_t *vars = NULL;
		int m = uri_template_match(s->templates[k], uri, &vars, err, sizeof(err));

		if (m == 0)
			continue;
		if (m > 0)
			m = coerce_vars(s->template_schemas[k], vars, err, sizeof(err));
		if (m < 0) {
			snprintf(msg, sizeof(msg), "Invalid URI for %s: %s", t->uri_template, err);
			mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, json_pack("{s:s}", "uri", uri));
			return;
		}
		t->read(r, t, uri, vars, s->cfg.app);
		return;
	}
	mcp_request_error(r, MCP_RESOURCE_NOT_FOUND,
			  "Resource not found: list them with resources/list and "
			  "resources/templates/list",
			  json_pack("{s:s}", "uri", uri));
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
		mcp_request_error(r, MCP_RESOURCE_NOT_FOUND, "Resource not found",
				  json_pack("{s:s}", "uri", uri));
		return -1;
	}
	if (!s->cfg.resources[i].subscribe) {
		snprintf(
		    msg, sizeof(msg),
		    "%.100s does not change on its own and cannot be subscribed to; read it again instead",
		    uri);
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, json_pack("{s:s}", "uri", uri));
		return -1;
	}
	return i;
}

/* resources/(un)subscribe of a URI a template matches, each distinct URI
 * its own subscription: answered here (true), or false for no match. */
static bool template_subscription(struct mcp_server *s, struct mcp_request *r, bool subscribe)
{
	const char *uri;
	char err[256], msg[400];

	if (json_get_string(r->params, "uri", &uri) < 0 || resource_lookup(s, uri) >= 0)
		return false;
	for (size_t k = 0; k < s->cfg.n_templates; k++) {
		const struct mcp_resource_template *t = &s->cfg.templates[k];
		_cleanup_json_ json_t *vars = NULL;
		_cleanup_free_ char *error = NULL;
		int m = uri_template_match(s->templates[k], uri, &vars, err, sizeof(err));

		if (m == 0)
			continue;
		if (m > 0)
			m = coerce_vars(s->template_schemas[k], vars, err, sizeof(err));
		if (m < 0 || !t->subscribe) {
			if (m < 0)
				snprintf(msg, sizeof(msg), "Invalid URI for %s: %s", t->uri_template, err);
			else
				snprintf(msg, sizeof(msg), "%.100s cannot be subscribed to; read it again instead", uri);
			mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, json_pack("{s:s}", "uri", uri));
			return true;
		}
		if (!subscribe && json_object_get(s->uri_subscribed, uri)) {
			if (t->unsubscribe)
				t->unsubscribe(t, uri, s->cfg.app);
			json_object_del(s->uri_subscribed, uri);
		} else if (subscribe && !json_object_get(s->uri_subscribed, uri)) {
			m = t->subscribe(t, uri, vars, s->cfg.app, &error);
			if (m < 0) {
				mcp_request_error(r, m == -EINVAL ? JSONRPC_INVALID_PARAMS : JSONRPC_INTERNAL_ERROR,
						  error ? error : strerror(-m),
						  json_pack("{s:s, s:i}", "uri", uri, "errno", -m));
				return true;
			}
			json_object_set_new(s->uri_subscribed, uri, json_integer((json_int_t)k));
		}
		mcp_request_reply(r, json_object());
		return true;
	}
	return false;
}

static void method_resources_subscribe(struct mcp_server *s, struct mcp_request *r)
{
	_cleanup_free_ char *error = NULL;
	const struct mcp_resource *res;
	int i, k;

	if (template_subscription(s, r, true))
		return;
	i = subscription_target(s, r);
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
	int i;

	if (template_subscription(s, r, false))
		return;
	i = subscription_target(s, r);
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

	if ((i < 0 || !s->subscribed[i]) && !json_object_get(s->uri_subscribed, uri))
		return;
	send_message(s,
		     jsonrpc_notification("notifications/resources/updated", json_pack("{s:s}", "uri", uri)));
}

bool mcp_server_subscribed(const struct mcp_server *s, const char *uri)
{
	int i = resource_lookup(s, uri);

	return (i >= 0 && s->subscribed[i]) || json_object_get(s->uri_subscribed, uri);
}

void mcp_server_unsubscribe_all(struct mcp_server *s)
{
	const char *uri;
	json_t *k;
	void *tmp;

	for (size_t i = 0; i < s->cfg.n_resources; i++)
		if (s->subscribed[i]) {
			s->subscribed[i] = false;
			if (s->cfg.resources[i].unsubscribe)
				s->cfg.resources[i].unsubscribe(&s->cfg.resources[i], s->cfg.app);
		}
	json_object_foreach_safe (s->uri_subscribed, tmp, uri, k) {
		const struct mcp_resource_template *t = &s->cfg.templates[json_integer_value(k)];

		if (t->unsubscribe)
			t->unsubscribe(t, uri, s->cfg.app);
		json_object_del(s->uri_subscribed, uri);
	}
}

/* ---- tools ---- */

static json_t *tool_json(const struct mcp_server *s, size_t i)
{
	const struct mcp_tool *t = &s->cfg.tools[i];
	json_t *o = json_pack("{s:s, s:s, s:O}", "name", t->name, "description", t->description,
			      "inputSchema", s->input_schemas[i]);

	if (!o)
		return NULL;
	if (t->title && version_has(s, "2025-06-18"))
		json_object_set_new(o, "title", json_string(t->title));
	/* Tool annotations exist from 2025-03-26 on. */
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
	reply_list(s, r, LIST_TOOLS, s->cfg.n_tools, tool_json);
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
	if (args && !json_is_null(args) && !json_is_object(args)) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, "params.arguments must be an object", NULL);
		return;
	}
	if (!json_is_object(args))
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
		r->tool = t;
		t->call(r, t, args, s->cfg.app);
		return;
	}
	snprintf(msg, sizeof(msg), "Unknown tool: %.100s (tools/list has them all)", name);
	mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, NULL);
}

/* ---- prompts ---- */

static json_t *prompt_json(const struct mcp_server *s, size_t i)
{
	const struct mcp_prompt *p = &s->cfg.prompts[i];
	json_t *o =
	    json_pack("{s:s, s:s, s:[]}", "name", p->name, "description", p->description, "arguments");
	bool titles = version_has(s, "2025-06-18");

	if (!o)
		return NULL;
	if (p->title && titles)
		json_object_set_new(o, "title", json_string(p->title));
	for (size_t k = 0; k < p->n_arguments; k++) {
		const struct mcp_prompt_argument *a = &p->arguments[k];
		json_t *arg = json_pack("{s:s, s:s, s:b}", "name", a->name, "description", a->description,
					"required", a->required);

		if (arg && a->title && titles)
			json_object_set_new(arg, "title", json_string(a->title));
		json_array_append_new(json_object_get(o, "arguments"), arg);
	}
	return o;
}

static void method_prompts_list(struct mcp_server *s, struct mcp_request *r)
{
	reply_list(s, r, LIST_PROMPTS, s->cfg.n_prompts, prompt_json);
}

static const struct mcp_prompt *prompt_lookup(const struct mcp_server *s, const char *name)
{
	for (size_t i = 0; i < s->cfg.n_prompts; i++)
		if (strcmp(s->cfg.prompts[i].name, name) == 0)
			return &s->cfg.prompts[i];
	return NULL;
}

static const struct mcp_prompt_argument *prompt_argument(const struct mcp_prompt *p, const char *name)
{
	for (size_t i = 0; i < p->n_arguments; i++)
		if (strcmp(p->arguments[i].name, name) == 0)
			return &p->arguments[i];
	return NULL;
}

static bool value_listed(const char *const *values, const char *v)
{
	for (; *values; values++)
		if (strcmp(*values, v) == 0)
			return true;
	return false;
}

/* 0, or -EINVAL with the sentence for -32602. */
static int check_prompt_args(const struct mcp_prompt *p, const json_t *args, char *err, size_t err_size)
{
	const char *key;
	json_t *v;

	json_object_foreach ((json_t *)args, key, v) {
		const struct mcp_prompt_argument *a = prompt_argument(p, key);
		char why[200];

		if (!a) {
			snprintf(err, err_size, "prompt %s has no argument '%.64s'", p->name, key);
			return -EINVAL;
		}
		if (!json_is_string(v)) {
			snprintf(err, err_size, "%s: must be a string (prompt arguments are strings)",
				 a->name);
			return -EINVAL;
		}
		if (a->values && !value_listed(a->values, json_string_value(v))) {
			size_t used = (size_t)snprintf(err, err_size, "%s: must be one of", a->name);

			for (const char *const *x = a->values; *x && used < err_size; x++)
				used += (size_t)snprintf(err + used, err_size - used, "%s %s",
							 x == a->values ? "" : ",", *x);
			return -EINVAL;
		}
		if (a->check && a->check(json_string_value(v), why, sizeof(why)) < 0) {
			snprintf(err, err_size, "%s: %s", a->name, why);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < p->n_arguments; i++)
		if (p->arguments[i].required && !json_object_get(args, p->arguments[i].name)) {
			snprintf(err, err_size, "%s: required", p->arguments[i].name);
			return -EINVAL;
		}
	return 0;
}

static void method_prompts_get(struct mcp_server *s, struct mcp_request *r)
{
	const json_t *args = json_object_get(r->params, "arguments");
	_cleanup_json_ json_t *empty = NULL;
	const struct mcp_prompt *p;
	const char *name;
	char err[400], msg[480];

	if (json_get_string(r->params, "name", &name) < 0) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, "prompts/get needs params.name (a string)",
				  NULL);
		return;
	}
	p = prompt_lookup(s, name);
	if (!p) {
		snprintf(msg, sizeof(msg), "Unknown prompt: %.100s (prompts/list has them all)", name);
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, NULL);
		return;
	}
	if (args && !json_is_null(args) && !json_is_object(args)) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, "params.arguments must be an object of strings",
				  NULL);
		return;
	}
	if (!json_is_object(args))
		args = empty = json_object();
	if (check_prompt_args(p, args, err, sizeof(err)) < 0) {
		snprintf(msg, sizeof(msg), "Invalid arguments for prompt %s: %s", p->name, err);
		mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, NULL);
		return;
	}
	p->get(r, p, args, s->cfg.app);
}

/* ---- completion ---- */

static void complete_from_list(const char *const *values, const char *prefix, json_t *out)
{
	for (; values && *values; values++)
		if (strncmp(*values, prefix, strlen(prefix)) == 0)
			json_array_append_new(out, json_string(*values));
}

static void complete_from_enum(const json_t *schema, const char *var, const char *prefix, json_t *out)
{
	const json_t *e =
	    json_object_get(json_object_get(json_object_get(schema, "properties"), var), "enum");
	size_t i;
	json_t *v;

	json_array_foreach ((json_t *)e, i, v)
		if (json_is_string(v) && strncmp(json_string_value(v), prefix, strlen(prefix)) == 0)
			json_array_append(out, v);
}

static void method_completion_complete(struct mcp_server *s, struct mcp_request *r)
{
	const json_t *ref = json_object_get(r->params, "ref"), *arg = json_object_get(r->params, "argument");
	const json_t *context = json_object_get(json_object_get(r->params, "context"), "arguments");
	const char *type, *name, *value, *target;
	_cleanup_json_ json_t *values = json_array();
	json_t *first;
	size_t total;
	char msg[300];
	int k = 0;

	if (json_get_string(ref, "type", &type) < 0 || json_get_string(arg, "name", &name) < 0 ||
	    json_get_string(arg, "value", &value) < 0) {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS,
				  "completion/complete needs params.ref.type, params.argument.name and "
				  "params.argument.value (strings)",
				  NULL);
		return;
	}
	if (!json_is_object(context))
		context = NULL;
	if (strcmp(type, "ref/prompt") == 0 && json_get_string(ref, "name", &target) == 0) {
		const struct mcp_prompt *p = prompt_lookup(s, target);
		const struct mcp_prompt_argument *a = p ? prompt_argument(p, name) : NULL;

		if (!a) {
			snprintf(msg, sizeof(msg), "%s %.64s%s%.64s", p ? "prompt" : "Unknown prompt", target,
				 p ? " has no argument " : "", p ? name : "");
			mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, NULL);
			return;
		}
		if (a->complete)
			k = a->complete(name, value, context, s->cfg.app, values);
		else
			complete_from_list(a->values, value, values);
	} else if (strcmp(type, "ref/resource") == 0 && json_get_string(ref, "uri", &target) == 0) {
		bool found = resource_lookup(s, target) >= 0; /* a static resource has nothing to complete */

		for (size_t i = 0; !found && i < s->cfg.n_templates; i++) {
			const struct mcp_resource_template *t = &s->cfg.templates[i];

			if (strcmp(t->uri_template, target) != 0)
				continue;
			found = true;
			if (!uri_template_has_var(s->templates[i], name)) {
				snprintf(msg, sizeof(msg), "%.100s has no variable %.64s", target, name);
				mcp_request_error(r, JSONRPC_INVALID_PARAMS, msg, NULL);
				return;
			}
			if (t->complete)
				k = t->complete(name, value, context, s->cfg.app, values);
			if (!t->complete || json_array_size(values) == 0)
				complete_from_enum(s->template_schemas[i], name, value, values);
		}
		if (!found) {
			mcp_request_error(r, MCP_RESOURCE_NOT_FOUND, "Resource or template not found",
					  json_pack("{s:s}", "uri", target));
			return;
		}
	} else {
		mcp_request_error(r, JSONRPC_INVALID_PARAMS,
				  "params.ref must be {type: ref/prompt, name} or {type: ref/resource, uri}",
				  NULL);
		return;
	}
	if (k < 0) {
		mcp_request_error(r, JSONRPC_INTERNAL_ERROR, "completion failed",
				  json_pack("{s:i}", "errno", -k));
		return;
	}
	total = json_array_size(values);
	first = json_array();
	for (size_t i = 0; first && i < total && i < COMPLETION_MAX_VALUES; i++)
		json_array_append(first, json_array_get(values, i));
	mcp_request_reply(r, json_pack("{s:{s:o, s:I, s:b}}", "completion", "values", first, "total",
				       (json_int_t)total, "hasMore", total > COMPLETION_MAX_VALUES));
}

/* ---- logging ---- */

/* The MCP levels are the syslog priorities. */
static const char *const log_levels[] = {
    [LOG_EMERG] = "emergency", [LOG_ALERT] = "alert",	[LOG_CRIT] = "critical", [LOG_ERR] = "error",
    [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info",	 [LOG_DEBUG] = "debug",
};

static void method_logging_set_level(struct mcp_server *s, struct mcp_request *r)
{
	const char *level;

	if (json_get_string(r->params, "level", &level) == 0)
		for (int i = 0; i < (int)ELEMENTSOF(log_levels); i++)
			if (strcmp(log_levels[i], level) == 0) {
				s->log_level = i;
				mcp_request_reply(r, json_object());
				return;
			}
	mcp_request_error(
	    r, JSONRPC_INVALID_PARAMS,
	    "params.level must be one of debug, info, notice, warning, error, critical, alert, emergency",
	    NULL);
}

void mcp_server_log(struct mcp_server *s, int level, const char *logger, json_t *data)
{
	json_t *params;

	/* Nothing before the client has our initialize answer. */
	if (!s->version || level < 0 || level > LOG_DEBUG || level > s->log_level || !data) {
		json_decref(data);
		return;
	}
	params = json_pack("{s:s, s:o}", "level", log_levels[level], "data", data);
	if (params && logger)
		json_object_set_new(params, "logger", json_string(logger));
	send_message(s, jsonrpc_notification("notifications/message", params));
}

void mcp_server_logf(struct mcp_server *s, int level, const char *logger, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!s->version || level > s->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mcp_server_log(s, level, logger, json_string(buf));
}

/* ---- requests to the client ---- */

bool mcp_server_client_has(const struct mcp_server *s, const char *name)
{
	return json_is_object(json_object_get(s->client_capabilities, name));
}

int mcp_server_request(struct mcp_server *s, const char *capability, const char *method, json_t *params,
		       mcp_response_fn cb, void *userdata)
{
	struct outgoing *o;
	char id[32];

	if (capability && !mcp_server_client_has(s, capability)) {
		json_decref(params);
		return -EOPNOTSUPP;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		json_decref(params);
		return -ENOMEM;
	}
	/* Our ids are strings, so they never look like the client's. */
	snprintf(id, sizeof(id), "s%lu", ++s->next_outgoing);
	o->id = json_string(id);
	o->cb = cb;
	o->userdata = userdata;
	LIST_INSERT_HEAD(&s->outgoing, o, link);
	send_message(s, json_pack("{s:s, s:O, s:s, s:o}", "jsonrpc", "2.0", "id", o->id, "method", method,
				  "params", params ? params : json_object()));
	return 0;
}

static void outgoing_finish(struct outgoing *o, const json_t *result, const json_t *error)
{
	LIST_REMOVE(o, link);
	o->cb(o->userdata, result, error);
	json_decref(o->id);
	free(o);
}

static void handle_response(struct mcp_server *s, struct jsonrpc_msg *m)
{
	struct outgoing *o;

	LIST_FOREACH (o, &s->outgoing, link)
		if (json_equal(o->id, m->id))
			break;
	if (!o) {
		log_debug("ignoring a response to a request we did not send");
		return;
	}
	outgoing_finish(o, json_object_get(m->root, "result"), json_object_get(m->root, "error"));
}

/* ---- notifications ---- */

static void notification_initialized(struct mcp_server *s, const json_t *params)
{
	s->initialized = true;
}

static void notification_cancelled(struct mcp_server *s, const json_t *params)
{
	const json_t *id = json_object_get(params, "requestId");
	struct mcp_request *r;
	mcp_cancel_fn fn;

	LIST_FOREACH (r, &s->requests, link)
		if (json_equal(r->id, id))
			break;
	/* Unknown or already answered: the race the spec expects; ignored.
	 * initialize is never cancelled. */
	if (!r || r->cancelled || strcmp(r->method->name, "initialize") == 0)
		return;
	log_debug("request cancelled by the client: %s",
		  json_string_value(json_object_get(params, "reason")) ?: "no reason");
	r->cancelled = true;
	fn = r->cancel;
	r->cancel = NULL;
	/* The hook may complete r: nothing touches r after it. */
	if (fn)
		fn(r->cancel_userdata);
}

static void notification_ignore(struct mcp_server *s, const json_t *params)
{
}

/* Sorted by name for the reader; looked up linearly (a dozen rows). */
static const struct method methods[] = {
    {"completion/complete", 0, method_completion_complete, NULL},
    {"initialize", METHOD_BEFORE_INIT | METHOD_UNBOUNDED, method_initialize, NULL},
    {"logging/setLevel", METHOD_UNBOUNDED, method_logging_set_level, NULL},
    {"notifications/cancelled", METHOD_BEFORE_INIT | METHOD_NOTIFICATION, NULL, notification_cancelled},
    {"notifications/initialized", METHOD_NOTIFICATION, NULL, notification_initialized},
    {"notifications/progress", METHOD_NOTIFICATION, NULL, notification_ignore},
    {"notifications/roots/list_changed", METHOD_NOTIFICATION, NULL, notification_ignore},
    {"ping", METHOD_BEFORE_INIT | METHOD_UNBOUNDED, method_ping, NULL},
    {"prompts/get", 0, method_prompts_get, NULL},
    {"prompts/list", 0, method_prompts_list, NULL},
    {"resources/list", 0, method_resources_list, NULL},
    {"resources/read", 0, method_resources_read, NULL},
    {"resources/subscribe", 0, method_resources_subscribe, NULL},
    {"resources/templates/list", 0, method_resources_templates_list, NULL},
    {"resources/unsubscribe", 0, method_resources_unsubscribe, NULL},
    {"tools/call", 0, method_tools_call, NULL},
    {"tools/list", 0, method_tools_list, NULL},
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
static void refuse_request(struct mcp_server *s, struct batch *b, const json_t *id, int code,
			   const char *message, json_t *data)
{
	s->answered++;
	deliver(s, b, jsonrpc_error(id, code, message, data));
}

static bool id_in_flight(const struct mcp_server *s, const json_t *id)
{
	struct mcp_request *r;

	LIST_FOREACH (r, &s->requests, link)
		if (json_equal(r->id, id))
			return true;
	return false;
}

static void handle_request(struct mcp_server *s, struct jsonrpc_msg *m, struct batch *b)
{
	const struct method *meth = method_lookup(m->method);
	const json_t *token;
	struct mcp_request *r;
	char msg[400];

	if (!meth || !meth->request) {
		/* The 2026-07-28 revision's stdio probe: any error but a modern
		 * one sends the client back to initialize, which we speak. */
		if (strcmp(m->method, "server/discover") == 0)
			snprintf(msg, sizeof(msg),
				 "Method not found: server/discover. This server speaks the initialize-based "
				 "protocol versions %s, %s, %s and %s: send initialize",
				 mcp_protocol_versions[0], mcp_protocol_versions[1], mcp_protocol_versions[2],
				 mcp_protocol_versions[3]);
		else
			snprintf(msg, sizeof(msg), "Method not found: %.100s", m->method);
		refuse_request(s, b, m->id, JSONRPC_METHOD_NOT_FOUND, msg, NULL);
		return;
	}
	if (!s->version && !(meth->flags & METHOD_BEFORE_INIT)) {
		refuse_request(s, b, m->id, JSONRPC_INVALID_REQUEST,
			       "Server not initialized: send initialize first", NULL);
		return;
	}
	if (b && strcmp(meth->name, "initialize") == 0) {
		refuse_request(s, b, m->id, JSONRPC_INVALID_REQUEST, "initialize must not be part of a batch",
			       NULL);
		return;
	}
	if (m->params && !json_is_object(m->params)) {
		refuse_request(s, b, m->id, JSONRPC_INVALID_PARAMS,
			       "Invalid params: MCP params are an object", NULL);
		return;
	}
	if (id_in_flight(s, m->id)) {
		refuse_request(s, b, m->id, JSONRPC_INVALID_REQUEST,
			       "Invalid Request: this id belongs to a request still in flight; use a new id",
			       NULL);
		return;
	}
	/* A bound on the work one client can queue. -32603, not a code of
	 * our own from -32000..-32099: MCP and its SDKs already give several of
	 * those meanings (-32000 connection closed, -32001 request timeout,
	 * -32002 resource not found, -32042 URL elicitation), and this is what
	 * -32603 means: a valid request the server cannot process now. The
	 * message and data say what to do. */
	if (!(meth->flags & METHOD_UNBOUNDED) && s->pending >= s->cfg.max_in_flight) {
		snprintf(msg, sizeof(msg),
			 "Too many requests in flight (%u, the limit): wait for some answers, or cancel "
			 "requests you no longer need, then send this one again",
			 s->cfg.max_in_flight);
		refuse_request(s, b, m->id, JSONRPC_INTERNAL_ERROR, msg,
			       json_pack("{s:I, s:I, s:b}", "in_flight", (json_int_t)s->pending, "limit",
					 (json_int_t)s->cfg.max_in_flight, "retry", 1));
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		refuse_request(s, b, m->id, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	r->server = s;
	r->method = meth;
	r->batch = b;
	r->id = json_incref(m->id);
	r->params = m->params ? json_incref(m->params) : json_object();
	token = json_object_get(json_object_get(r->params, "_meta"), "progressToken");
	if (json_is_string(token) || json_is_integer(token))
		r->progress_token = json_incref((json_t *)token);
	LIST_INSERT_HEAD(&s->requests, r, link);
	s->pending++;
	if (b)
		b->outstanding++;
	meth->request(s, r);
}

static void handle_notification(struct mcp_server *s, struct jsonrpc_msg *m)
{
	const struct method *meth = method_lookup(m->method);

	/* Unknown notifications are ignored, as JSON-RPC says: never answered. */
	if (meth && meth->notification)
		meth->notification(s, json_is_object(m->params) ? m->params : NULL);
	else
		log_debug("ignoring notification %s", m->method);
}

static void handle_message(struct mcp_server *s, struct jsonrpc_msg *m, struct batch *b)
{
	switch (m->kind) {
	case JSONRPC_REQUEST:
		handle_request(s, m, b);
		break;
	case JSONRPC_NOTIFICATION:
		handle_notification(s, m);
		break;
	case JSONRPC_RESPONSE:
		handle_response(s, m);
		break;
	case JSONRPC_INVALID:
		deliver(s, b, jsonrpc_error(m->id, m->error_code, m->error_message, NULL));
		break;
	default:
		break;
	}
}

/* JSON-RPC batches are part of protocol versions 2024-11-05 (by JSON-RPC)
 * and 2025-03-26 (which requires receiving them); 2025-06-18 removed them. */
static void handle_batch(struct mcp_server *s, json_t *array)
{
	struct batch *b;
	size_t i;
	json_t *v;

	if (!s->version || version_has(s, "2025-06-18")) {
		send_message(s, jsonrpc_error(
				    NULL, JSONRPC_INVALID_REQUEST,
				    s->version ? "Invalid Request: JSON-RPC batches were removed in protocol "
						 "version 2025-06-18; send one message per line"
					       : "Invalid Request: no batch before initialize",
				    NULL));
		return;
	}
	b = calloc(1, sizeof(*b));
	if (!b || !(b->answers = json_array())) {
		free(b);
		send_message(s, jsonrpc_error(NULL, JSONRPC_INTERNAL_ERROR, "out of memory", NULL));
		return;
	}
	json_array_foreach (array, i, v) {
		struct jsonrpc_msg m;

		jsonrpc_classify(v, &m);
		handle_message(s, &m, b);
		jsonrpc_msg_done(&m);
	}
	b->sealed = true;
	batch_maybe_flush(s, b);
}

void mcp_server_handle_line(struct mcp_server *s, const char *line, size_t len)
{
	struct jsonrpc_msg m;

	jsonrpc_parse(line, len, &m);
	if (m.kind == JSONRPC_BATCH)
		handle_batch(s, m.root);
	else
		handle_message(s, &m, NULL);
	jsonrpc_msg_done(&m);
}

void mcp_server_line_too_long(struct mcp_server *s, size_t limit)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "Invalid Request: message longer than %zu bytes, discarded", limit);
	send_message(s, jsonrpc_error(NULL, JSONRPC_INVALID_REQUEST, msg, NULL));
}

/* ---- creation ---- */

static int parse_schema(const char *what, const char *text, json_t **ret)
{
	json_error_t jerr;
	char err[256];
	json_t *j;
	int r;

	j = json_loads(text, 0, &jerr);
	if (!j)
		return log_debug_errno(-EINVAL, "%s: schema is not JSON: %s", what, jerr.text);
	r = json_schema_check(j, err, sizeof(err));
	if (r < 0) {
		json_decref(j);
		return log_debug_errno(-EINVAL, "%s: %s", what, err);
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

static int parse_templates(struct mcp_server *s)
{
	char err[200];
	int r;

	s->templates = calloc(s->cfg.n_templates + 1, sizeof(*s->templates));
	s->template_schemas = calloc(s->cfg.n_templates + 1, sizeof(json_t *));
	if (!s->templates || !s->template_schemas)
		return -ENOMEM;
	for (size_t i = 0; i < s->cfg.n_templates; i++) {
		const struct mcp_resource_template *t = &s->cfg.templates[i];

		r = uri_template_parse(t->uri_template, &s->templates[i], err, sizeof(err));
		if (r < 0)
			return log_debug_errno(-EINVAL, "template %s: %s", t->uri_template, err);
		r = parse_schema(t->uri_template, t->vars_schema ? t->vars_schema : "{\"type\":\"object\"}",
				 &s->template_schemas[i]);
		if (r < 0)
			return r;
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
	if (!s->cfg.max_answer_tokens)
		s->cfg.max_answer_tokens = MCP_DEFAULT_ANSWER_TOKENS;
	if (s->cfg.max_answer_tokens < MCP_MIN_ANSWER_TOKENS)
		s->cfg.max_answer_tokens = MCP_MIN_ANSWER_TOKENS;
	if (!s->cfg.page_size)
		s->cfg.page_size = MCP_DEFAULT_PAGE_SIZE;
	if (!s->cfg.max_in_flight)
		s->cfg.max_in_flight = MCP_DEFAULT_MAX_IN_FLIGHT;
	if (!s->cfg.progress_interval_ms)
		s->cfg.progress_interval_ms = MCP_DEFAULT_PROGRESS_INTERVAL_MS;
	s->answer_bytes = (size_t)s->cfg.max_answer_tokens * MCP_BYTES_PER_TOKEN;
	/* A client that never asked for logs may not expect them. */
	s->log_level = s->cfg.log_before_set_level ? LOG_INFO : -1;
	LIST_INIT(&s->requests);
	LIST_INIT(&s->outgoing);
	s->subscribed = calloc(cfg->n_resources + 1, sizeof(bool));
	s->uri_subscribed = json_object();
	if (!s->subscribed || !s->uri_subscribed) {
		mcp_server_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_resources; i++)
		if (cfg->resources[i].subscribe)
			s->can_subscribe = true;
	for (size_t i = 0; i < cfg->n_templates; i++)
		if (cfg->templates[i].subscribe)
			s->can_subscribe = true;
	r = parse_tool_schemas(s);
	if (r >= 0)
		r = parse_templates(s);
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
	s->write_failed = true; /* nothing more goes out */
	/* Our requests to the client first: their callbacks may still complete
	 * requests of the client. */
	while (!LIST_EMPTY(&s->outgoing)) {
		json_t *err =
		    json_pack("{s:i, s:s}", "code", JSONRPC_INTERNAL_ERROR, "message", "server shut down");

		outgoing_finish(LIST_FIRST(&s->outgoing), NULL, err);
		json_decref(err);
	}
	/* Requests still out hold no one else's memory once freed here; their
	 * owners (collector link) are torn down before the server. A batch
	 * still waiting for them goes with its last member. */
	while (!LIST_EMPTY(&s->requests)) {
		struct mcp_request *r = LIST_FIRST(&s->requests);
		struct batch *b = r->batch;

		request_free(r);
		if (b && --b->outstanding == 0 && b->sealed)
			batch_free(b);
	}
	if (s->subscribed)
		mcp_server_unsubscribe_all(s);
	free(s->subscribed);
	json_decref(s->uri_subscribed);
	json_decref(s->client_info);
	json_decref(s->client_capabilities);
	for (size_t i = 0; i < s->cfg.n_tools; i++) {
		if (s->input_schemas)
			json_decref(s->input_schemas[i]);
		if (s->output_schemas)
			json_decref(s->output_schemas[i]);
	}
	for (size_t i = 0; i < s->cfg.n_templates; i++) {
		if (s->templates)
			uri_template_free(s->templates[i]);
		if (s->template_schemas)
			json_decref(s->template_schemas[i]);
	}
	free(s->templates);
	free(s->template_schemas);
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
