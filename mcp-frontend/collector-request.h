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
