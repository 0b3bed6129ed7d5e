/* collector-request.h: an MCP request waiting on collectord: cancellation, progress and logging carried
 * across. */
#pragma once

#include "collector-link.h"
#include "mcp-server.h"

struct schedmcp;

/* Sends a collector request on behalf of req. A notifications/cancelled of
 * req stops it (CANCEL to collectord; cb runs with -ECANCELED and its answer
 * is dropped); collectord's PROGRESS becomes notifications/progress when the
 * client asked for it; a collector that cannot be reached is also told to
 * the client as a log message. cb runs exactly once with req as userdata,
 * possibly before this returns. timeout_ms 0: the link's default. */
void collector_request(struct schedmcp *s, struct mcp_request *req, enum wire_type type,
		       const json_t *payload, int timeout_ms, collector_reply_fn cb);

/* The same in text both ways: the payload already printed as JSON (NULL:
 * none), the answer as text (see collector_text_reply_fn), for answers
 * passed on without being parsed and printed again. */
typedef void (*collector_request_text_fn)(struct mcp_request *req, int err, const char *text, size_t len,
					  const char *message);
void collector_request_text(struct schedmcp *s, struct mcp_request *req, enum wire_type type,
			    const char *payload_text, int timeout_ms, collector_request_text_fn cb);
