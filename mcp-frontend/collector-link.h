/* collector-link.h: schedmcp's connection to collectord: lazy (re)connect, requests matched by id. */
#pragma once

#include <event2/event.h>
#include <jansson.h>

#include "wire.h"

struct collector_link;

/* err is 0 with `body` on success, else a negative errno with `message`
 * (a sentence for the user, saying what to do): -ENOTCONN when the collector
 * cannot be reached, -ECONNRESET when it went away, -ETIMEDOUT, or the
 * collector's own errno for its error replies. */
typedef void (*collector_reply_fn)(void *userdata, int err, const json_t *body, const char *message);

/* The same answer as text: on success `text` is the REPLY's payload as
 * collectord sent it, len bytes (not NUL-terminated), checked to be one JSON
 * object or array (json_text_check) and valid only during the call; on
 * failure text is NULL and `message` says what to do. */
typedef void (*collector_text_reply_fn)(void *userdata, int err, const char *text, size_t len,
					const char *message);

/* A PROGRESS message for a request in flight: {"progress","total","message"}. */
typedef void (*collector_progress_fn)(void *userdata, const json_t *progress);

struct collector_request_opts {
	int timeout_ms;                  /* 0: the link's default */
	collector_progress_fn progress;  /* may be NULL */
	const char *payload_text;        /* the payload already printed as JSON, instead of `payload` */
};

int collector_link_new(struct event_base *base, const char *socket_path, int timeout_ms,
		       struct collector_link **ret);
void collector_link_free(struct collector_link *l);

/* Sends a request, connecting first when needed. The callback runs exactly
 * once, possibly before this returns (when the collector cannot be reached). */
void collector_link_request(struct collector_link *l, enum wire_type type, const json_t *payload,
			    collector_reply_fn cb, void *userdata);

/* The same with options. Returns the request's handle for
 * collector_link_cancel(), or 0 when cb has already run. */
uint32_t collector_link_request_opts(struct collector_link *l, enum wire_type type, const json_t *payload,
				     const struct collector_request_opts *opts, collector_reply_fn cb,
				     void *userdata);

/* The same, answered as text, so that a caller that passes the answer on
 * need not parse it and print it again. */
uint32_t collector_link_request_text(struct collector_link *l, enum wire_type type, const json_t *payload,
				     const struct collector_request_opts *opts, collector_text_reply_fn cb,
				     void *userdata);

/* Stops a request: tells the collector (CANCEL) and runs its callback now
 * with -ECANCELED. A handle that already finished is ignored. */
void collector_link_cancel(struct collector_link *l, uint32_t handle);

/* A live-feed subscription (SUBSCRIBE with `filters`): `reply` runs once
 * with SUBSCRIBE's answer; then each EVENTS payload (a struct
 * sched_event_batch and its records, not yet checked) goes to `events`,
 * until collector_link_unsubscribe() or the connection ends, which `end`
 * is told. Returns the subscription id, or 0 when reply already ran with
 * an error. */
typedef void (*collector_events_fn)(void *userdata, const void *payload, size_t len);
typedef void (*collector_sub_end_fn)(void *userdata, int err, const char *message);
uint32_t collector_link_subscribe(struct collector_link *l, const json_t *filters, collector_reply_fn reply,
				  collector_events_fn events, collector_sub_end_fn end, void *userdata);
/* Sends UNSUBSCRIBE; no callback of the subscription runs afterwards. */
void collector_link_unsubscribe(struct collector_link *l, uint32_t id);
