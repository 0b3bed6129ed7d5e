/* mcp-server.h: the MCP core: lifecycle, version negotiation, method table, resource table,
 * asynchronous requests. Transport-free: lines in, lines out through a callback, so the
 * schedmcp binary and test-only servers share it. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

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

/* Writes one serialized message (without the newline). Returns < 0 when the
 * peer is gone. */
typedef int (*mcp_write_fn)(void *userdata, const char *line, size_t len);

struct mcp_server_config {
	const char *name;
	const char *title;
	const char *version;
	const char *instructions;
	const struct mcp_resource *resources;
	size_t n_resources;
	const struct mcp_tool *tools;
	size_t n_tools;
	void *app; /* passed to every handler */
	mcp_write_fn write;
	void *write_userdata;
};

/* -EINVAL when a tool's schema does not parse or uses a keyword the
 * validator cannot enforce. */
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

/* The version agreed at initialize, or NULL before. */
const char *mcp_server_protocol_version(const struct mcp_server *s);
bool mcp_server_initialized(const struct mcp_server *s);
/* Requests answered so far (for --oneshot). */
unsigned long mcp_server_answered(const struct mcp_server *s);
/* Requests still waiting for an answer. */
unsigned mcp_server_pending(const struct mcp_server *s);

/* Protocol versions this core speaks, newest first, NULL-terminated. */
extern const char *const mcp_protocol_versions[];

/* Completing a request sends the answer and frees it. */
void mcp_request_reply(struct mcp_request *r, json_t *result /* stolen */);
void mcp_request_error(struct mcp_request *r, int code, const char *message, json_t *data /* stolen */);
/* A resources/read answer with one JSON text content. */
void mcp_request_reply_resource(struct mcp_request *r, const char *uri, const json_t *body);
const json_t *mcp_request_params(const struct mcp_request *r);

/* A tools/call answer: `structured` (an object) as JSON text content and, for
 * versions that have it, as structuredContent. */
void mcp_request_reply_tool(struct mcp_request *r, json_t *structured /* stolen */);
/* A tool that failed at run time: isError with a sentence saying what to do. */
void mcp_request_tool_error(struct mcp_request *r, const char *message);
