/* jsonrpc.h: JSON-RPC 2.0 message classification and the standard error codes. */
#pragma once

#include <jansson.h>
#include <stddef.h>

enum jsonrpc_code {
	JSONRPC_PARSE_ERROR = -32700,
	JSONRPC_INVALID_REQUEST = -32600,
	JSONRPC_METHOD_NOT_FOUND = -32601,
	JSONRPC_INVALID_PARAMS = -32602,
	JSONRPC_INTERNAL_ERROR = -32603,
	MCP_RESOURCE_NOT_FOUND = -32002,
};

enum jsonrpc_kind {
	JSONRPC_REQUEST,      /* method + id: must be answered */
	JSONRPC_NOTIFICATION, /* method, no id: never answered */
	JSONRPC_RESPONSE,     /* result or error + id: an answer to us */
	JSONRPC_INVALID,      /* answered with `error_code` and `error_message` (id may be null) */
	JSONRPC_BATCH,        /* a JSON array: `root`; classify each member with jsonrpc_classify() */
	JSONRPC_KIND_MAX,
};

struct jsonrpc_msg {
	enum jsonrpc_kind kind;
	json_t *root;        /* owned; members below borrow from it */
	json_t *id;          /* string or integer; NULL when absent or unusable */
	const char *method;
	json_t *params;      /* object or array; NULL when absent */
	int error_code;
	char error_message[256];
};

/* Parses and classifies one line. Never fails: bad input becomes
 * JSONRPC_INVALID with the code to answer (-32700 or -32600); a non-empty
 * array is JSONRPC_BATCH, whose members the caller classifies (or refuses:
 * batches exist in protocol versions 2024-11-05 and 2025-03-26 only). */
void jsonrpc_parse(const char *line, size_t len, struct jsonrpc_msg *ret);
/* Classifies one already parsed message (a batch member); takes a reference. */
void jsonrpc_classify(json_t *v, struct jsonrpc_msg *ret);
void jsonrpc_msg_done(struct jsonrpc_msg *m);

/* Build whole messages; `id` is borrowed (NULL means JSON null). */
json_t *jsonrpc_result(const json_t *id, json_t *result /* stolen */);
json_t *jsonrpc_error(const json_t *id, int code, const char *message, json_t *data /* stolen, may be NULL */);
json_t *jsonrpc_notification(const char *method, json_t *params /* stolen, may be NULL */);
