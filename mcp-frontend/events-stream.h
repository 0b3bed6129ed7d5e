/* events-stream.h: the events://stream resource and its filtered URIs (events://stream?pids=...): each URI
 * subscribed to is a feed of its own: a collectord live-feed subscription with the URI's filters, events
 * queued here (bounded), resources/updated rate-limited, reads as NDJSON. */
#pragma once

#include <stddef.h>

#include "mcp-server.h"

#define EVENTS_STREAM_URI	 "events://stream"
#define EVENTS_STREAM_TEMPLATE	 "events://stream{?types,pids,tgids,cpus,comm,min_latency_us,sample_rate}"
#define EVENTS_STREAM_MAX_FEEDS	 4     /* URIs subscribed at once: collectord's MaxSubscriptions default */
#define EVENTS_STREAM_MAX_EVENTS 20000 /* queued per feed for the client; the oldest go first */
#define EVENTS_STREAM_MAX_BYTES	 (8u << 20) /* and at most this much JSON */
#define EVENTS_STREAM_NOTIFY_MS	 200	    /* at most one resources/updated per feed per this long */

struct schedmcp;

/* The unfiltered resource's hooks (struct mcp_resource). */
int events_stream_subscribe(const struct mcp_resource *res, void *app, char **ret_error);
void events_stream_unsubscribe(const struct mcp_resource *res, void *app);
void events_stream_read(struct mcp_request *req, const struct mcp_resource *res, void *app);

/* The filtered URIs' hooks (struct mcp_resource_template of EVENTS_STREAM_TEMPLATE). */
int events_stream_subscribe_uri(const struct mcp_resource_template *t, const char *uri, const json_t *vars,
				void *app, char **ret_error);
void events_stream_unsubscribe_uri(const struct mcp_resource_template *t, const char *uri, void *app);
void events_stream_read_uri(struct mcp_request *req, const struct mcp_resource_template *t, const char *uri,
			    const json_t *vars, void *app);

/* Drops every feed without telling collectord (the link is going away). */
void events_stream_free(struct schedmcp *s);
