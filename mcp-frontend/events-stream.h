/* events-stream.h: the events://stream resource: a collectord live-feed subscription while the MCP
 * client subscribes, events queued here (bounded), resources/updated rate-limited, reads as NDJSON. */
#pragma once

#include <stddef.h>

#include "mcp-server.h"

#define EVENTS_STREAM_URI "events://stream"
#define EVENTS_STREAM_MAX_EVENTS 20000        /* queued for the client; the oldest go first */
#define EVENTS_STREAM_MAX_BYTES (8u << 20)    /* and at most this much JSON */
#define EVENTS_STREAM_NOTIFY_MS 200           /* at most one resources/updated per this long */

struct schedmcp;

/* The resource's hooks (struct mcp_resource). */
int events_stream_subscribe(const struct mcp_resource *res, void *app, char **ret_error);
void events_stream_unsubscribe(const struct mcp_resource *res, void *app);
void events_stream_read(struct mcp_request *req, const struct mcp_resource *res, void *app);

/* Drops the stream without telling collectord (the link is going away). */
void events_stream_free(struct schedmcp *s);
