/* schedmcp.h: the front-end's one context, shared by its resource and tool handlers. */
#pragma once

#include <event2/event.h>
#include <stdbool.h>

struct collector_link;
struct events_stream;
struct mcp_server;
struct stdio_transport;

struct schedmcp {
	struct event_base *base;
	struct mcp_server *server;
	struct collector_link *link;
	struct stdio_transport *io;
	bool oneshot;
	bool stdin_closed;
	struct event *drain_ev; /* after EOF: wait for answers still owed */
	struct events_stream *stream; /* events://stream while subscribed (events-stream.c) */
};
