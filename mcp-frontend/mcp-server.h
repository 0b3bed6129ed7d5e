/* mcp-server.h: the MCP core: lifecycle, version negotiation, method table, resource, template, tool
 * and prompt tables, asynchronous requests with cancellation and progress, paging and the answer
 * budget. Transport-free: lines in, lines out through a callback, so the schedmcp binary and
 * test-only servers share it. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mcp_server;
struct mcp_request;
struct mcp_resource;

typedef void (*mcp_resource_read_fn)(struct mcp_request *req, const struct mcp_resource *res, void *app);
/* resources/subscribe of a resource: 0, or a negative errno with a sentence
 * for the client. The server remembers the subscription and answers. */
typedef int (*mcp_resource_subscribe_fn)(const struct mcp_resource *res, void *app, char **ret_error);
typedef void (*mcp_resource_unsubscribe_fn)(const struct mcp_resource *res, void *app);

struct mcp_resource {
	const char *uri;
	const char *name;
	const char *title;
	const char *description;
	const char *mime_type;
	mcp_resource_read_fn read;
	const void *data; /* for the reader: e.g. which collector resource */
	/* Both NULL: the resource cannot be subscribed to. */
	mcp_resource_subscribe_fn subscribe;
	mcp_resource_unsubscribe_fn unsubscribe;
};

/* Completion: appends the candidate values of `argument` that start with
 * `prefix` to `values` (a JSON array of strings). `context` holds the other
 * arguments the client already filled in (an object of strings, may be
 * NULL). The core sorts nothing and cuts at 100 values, with total and
 * hasMore. Returns 0 or a negative errno. */
typedef int (*mcp_complete_fn)(const char *argument, const char *prefix, const json_t *context, void *app,
			       json_t *values);

/* A resource template: RFC 6570 level 1 path variables ("{pid}": one path
 * segment, percent-decoded) and, at its end, form-style query variables
 * ("{?detail,limit}"). A URI that is no static resource is matched against
 * the templates; its variables are coerced to the types of `vars_schema`
 * (a JSON Schema object text, checked like tool schemas) and validated. */
struct mcp_resource_template;
typedef void (*mcp_template_read_fn)(struct mcp_request *req, const struct mcp_resource_template *t,
				     const char *uri, const json_t *vars, void *app);
/* resources/subscribe of a URI the template matches (its variables checked
 * as for a read): each distinct URI is its own subscription, and
 * notifications name it exactly. 0, or a negative errno with a sentence for
 * the client (-EINVAL: a bad argument, answered -32602). */
typedef int (*mcp_template_subscribe_fn)(const struct mcp_resource_template *t, const char *uri,
					 const json_t *vars, void *app, char **ret_error);
typedef void (*mcp_template_unsubscribe_fn)(const struct mcp_resource_template *t, const char *uri, void *app);

struct mcp_resource_template {
	const char *uri_template;
	const char *name;
	const char *title;
	const char *description;
	const char *mime_type;
	const char *vars_schema;
	mcp_template_read_fn read;
	mcp_complete_fn complete; /* NULL: enum values of vars_schema only */
	const void *data;
	/* Both NULL: the template's URIs cannot be subscribed to. */
	mcp_template_subscribe_fn subscribe;
	mcp_template_unsubscribe_fn unsubscribe;
};

struct mcp_tool;
typedef void (*mcp_tool_call_fn)(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args,
				 void *app);

enum mcp_tool_hint {
	MCP_TOOL_READ_ONLY = 1u << 0,
	MCP_TOOL_IDEMPOTENT = 1u << 1,
	MCP_TOOL_DESTRUCTIVE = 1u << 2,
	MCP_TOOL_OPEN_WORLD = 1u << 3,
};

struct mcp_tool {
	const char *name;
	const char *title;
	const char *description;
	const char *input_schema;  /* JSON Schema text; checked when the server is created */
	const char *output_schema; /* JSON Schema text, or NULL */
	unsigned hints;            /* enum mcp_tool_hint bits, sent as annotations */
	mcp_tool_call_fn call;     /* runs with arguments already validated */
	const void *data;
};

/* Prompts: arguments are strings, as MCP sends them. The core refuses
 * unknown arguments, missing required ones, values outside `values` and
 * values `check` refuses, with -32602 naming the argument. */
struct mcp_prompt_argument {
	const char *name;
	const char *title;
	const char *description;
	bool required;
	const char *const *values; /* NULL-terminated list of the valid values, or NULL */
	/* 0, or -EINVAL with a sentence in err. */
	int (*check)(const char *value, char *err, size_t err_size);
	mcp_complete_fn complete; /* NULL: completes from `values` */
};

struct mcp_prompt;
/* Answers with mcp_request_reply_prompt() (or an error). */
typedef void (*mcp_prompt_get_fn)(struct mcp_request *req, const struct mcp_prompt *prompt, const json_t *args,
				  void *app);

struct mcp_prompt {
	const char *name;
	const char *title;
	const char *description;
	const struct mcp_prompt_argument *arguments;
	size_t n_arguments;
	mcp_prompt_get_fn get;
	const void *data;
};

/* Writes one serialized message (without the newline). Returns < 0 when the
 * peer is gone. */
typedef int (*mcp_write_fn)(void *userdata, const char *line, size_t len);

/* Defaults of the limits below (0 in the configuration picks them). */
#define MCP_DEFAULT_ANSWER_TOKENS 20000u
#define MCP_BYTES_PER_TOKEN 4u /* the estimate: JSON text averages about 4 bytes a token */
#define MCP_MIN_ANSWER_TOKENS 1000u
#define MCP_DEFAULT_PAGE_SIZE 100u
#define MCP_DEFAULT_MAX_IN_FLIGHT 32u /* collectord serves 32 requests in flight per client */
#define MCP_DEFAULT_PROGRESS_INTERVAL_MS 100u

struct mcp_server_config {
	const char *name;
	const char *title;
	const char *version;
	const char *instructions;
	const char *icon; /* a data: URI (SVG), sent as serverInfo.icons where the version has them */
	const struct mcp_resource *resources;
	size_t n_resources;
	const struct mcp_resource_template *templates;
	size_t n_templates;
	const struct mcp_tool *tools;
	size_t n_tools;
	const struct mcp_prompt *prompts;
	size_t n_prompts;
	void *app; /* passed to every handler */
	mcp_write_fn write;
	void *write_userdata;
	unsigned max_answer_tokens;    /* answers larger than this many tokens are cut, with a note */
	unsigned page_size;            /* most items in one page of a list */
	unsigned max_in_flight;        /* requests waiting for an answer, per client */
	unsigned progress_interval_ms; /* at most one progress notification this often per request */
	uint64_t (*now_ms)(void);      /* a monotonic clock (tests); NULL: CLOCK_MONOTONIC */
	bool log_before_set_level;     /* notifications/message before logging/setLevel (info and above) */
};

/* -EINVAL when a tool or template schema does not parse or uses a keyword
 * the validator cannot enforce, or a template does not parse. */
int mcp_server_new(const struct mcp_server_config *cfg, struct mcp_server **ret);
void mcp_server_free(struct mcp_server *s);

/* Feeds one received line (without its newline). */
void mcp_server_handle_line(struct mcp_server *s, const char *line, size_t len);
/* Answers a line that was too long to read: -32600 with id null. */
void mcp_server_line_too_long(struct mcp_server *s, size_t limit);

/* Sends notifications/resources/updated for uri when the client subscribed
 * to it; a no-op otherwise. Rate limiting is the caller's. */
void mcp_server_resource_updated(struct mcp_server *s, const char *uri);
bool mcp_server_subscribed(const struct mcp_server *s, const char *uri);
/* Ends every subscription, running the unsubscribe hooks: call it while
 * what the hooks use is still alive (mcp_server_free() calls it too). */
void mcp_server_unsubscribe_all(struct mcp_server *s);

/* notifications/message when level (LOG_EMERG..LOG_DEBUG, the syslog
 * numbers the MCP levels map to) is at or above what the client chose with
 * logging/setLevel; before it chooses, info and above when the configuration
 * says log_before_set_level, else nothing. data is stolen. */
void mcp_server_log(struct mcp_server *s, int level, const char *logger, json_t *data);
void mcp_server_logf(struct mcp_server *s, int level, const char *logger, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A request to the client (sampling/createMessage, elicitation/create, ...).
 * The callback runs once with the result or the error object (the other
 * NULL): when the client answers, or with an error when the server is freed.
 * params is stolen. Returns 0, or -EOPNOTSUPP (callback not run) when the
 * client did not declare `capability` at initialize. */
typedef void (*mcp_response_fn)(void *userdata, const json_t *result, const json_t *error);
int mcp_server_request(struct mcp_server *s, const char *capability, const char *method, json_t *params,
		       mcp_response_fn cb, void *userdata);
/* The client declared capabilities.<name> at initialize. */
bool mcp_server_client_has(const struct mcp_server *s, const char *name);

/* The version agreed at initialize, or NULL before. */
const char *mcp_server_protocol_version(const struct mcp_server *s);
bool mcp_server_initialized(const struct mcp_server *s);
/* Requests answered so far, refusals and cancellations included (for --oneshot). */
unsigned long mcp_server_answered(const struct mcp_server *s);
/* Requests still waiting for an answer. */
unsigned mcp_server_pending(const struct mcp_server *s);
/* The answer budget in bytes. */
size_t mcp_server_answer_bytes(const struct mcp_server *s);

/* Protocol versions this core speaks, newest first, NULL-terminated. */
extern const char *const mcp_protocol_versions[];
/* The version `s` negotiated is `since` or newer. */
bool mcp_server_version_has(const struct mcp_server *s, const char *since);

/* Completing a request sends the answer and frees it. A request the client
 * cancelled is freed without an answer. */
void mcp_request_reply(struct mcp_request *r, json_t *result /* stolen */);
void mcp_request_error(struct mcp_request *r, int code, const char *message, json_t *data /* stolen */);
/* A resources/read answer with one JSON text content, cut to the budget
 * with a note when it is too large. */
void mcp_request_reply_resource(struct mcp_request *r, const char *uri, const json_t *body);
/* The same with the body already as JSON text (len bytes, checked with
 * json_text_check): sent as it is when the answer fits the budget, else
 * parsed and cut like mcp_request_reply_resource(). */
void mcp_request_reply_resource_text(struct mcp_request *r, const char *uri, const char *text, size_t len);
const json_t *mcp_request_params(const struct mcp_request *r);
struct mcp_server *mcp_request_server(const struct mcp_request *r);

/* A tools/call answer: `structured` (an object) as JSON text content and, for
 * versions that have it, as structuredContent; cut to the budget with a note. */
void mcp_request_reply_tool(struct mcp_request *r, json_t *structured /* stolen */);
/* A tool that failed at run time: isError with a sentence saying what to do. */
void mcp_request_tool_error(struct mcp_request *r, const char *message);
/* A prompts/get answer: one user message with this text. */
void mcp_request_reply_prompt(struct mcp_request *r, const char *description, const char *text);

/* The client gave params._meta.progressToken. */
bool mcp_request_wants_progress(const struct mcp_request *r);
/* notifications/progress for r: a no-op without a token, or when progress
 * did not grow, or within progress_interval_ms of the last one (unless
 * progress reached total). total <= 0: unknown. message may be NULL. */
void mcp_request_progress(struct mcp_request *r, double progress, double total, const char *message);

/* Runs once if the client cancels r (notifications/cancelled): it should
 * stop the work; it may complete r, whose answer is then dropped. Replaces
 * any earlier hook; fn NULL removes it. */
typedef void (*mcp_cancel_fn)(void *userdata);
void mcp_request_set_cancel(struct mcp_request *r, mcp_cancel_fn fn, void *userdata);
bool mcp_request_cancelled(const struct mcp_request *r);
