/* collector-request.c: forward an MCP request to collectord with cancellation, progress and logging. */
#include <errno.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "collector-request.h"
#include "log.h"
#include "schedmcp.h"

struct forward {
	struct schedmcp *s;
	struct mcp_request *req;
	collector_reply_fn cb; /* one of these two */
	collector_request_text_fn text_cb;
	uint32_t handle;
};

static void on_cancel(void *userdata)
{
	struct forward *f = userdata;

	/* Runs the reply callback with -ECANCELED, which frees f. */
	collector_link_cancel(f->s->link, f->handle);
}

static void on_progress(void *userdata, const json_t *progress)
{
	struct forward *f = userdata;
	const json_t *total = json_object_get(progress, "total");

	mcp_request_progress(f->req, json_number_value(json_object_get(progress, "progress")),
			     json_is_number(total) ? json_number_value(total) : 0,
			     json_string_value(json_object_get(progress, "message")));
}

#define UNREACHABLE_LOG_INTERVAL_MS 10000

/* The client hears that collectord is unreachable at most every 10 s, not
 * once per failed request. */
static bool log_unreachable_now(void)
{
	static uint64_t last_ms;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (last_ms && now - last_ms < UNREACHABLE_LOG_INTERVAL_MS)
		return false;
	last_ms = now;
	return true;
}

/* Frees f, done with the collector, and returns its request: a later
 * cancel has nothing to stop here (the callback may start another collector
 * request on it). */
static struct mcp_request *forward_end(struct forward *f, int err, const char *message)
{
	struct mcp_request *req = f->req;
	struct schedmcp *s = f->s;

	free(f);
	mcp_request_set_cancel(req, NULL, NULL);
	if ((err == -ENOTCONN || err == -ECONNRESET) && log_unreachable_now())
		mcp_server_logf(s->server, LOG_WARNING, "collector", "%s",
				message ? message : "collectord unreachable");
	return req;
}

static void on_reply(void *userdata, int err, const json_t *body, const char *message)
{
	struct forward *f = userdata;
	collector_reply_fn cb = f->cb;

	cb(forward_end(f, err, message), err, body, message);
}

static void on_text_reply(void *userdata, int err, const char *text, size_t len, const char *message)
{
	struct forward *f = userdata;
	collector_request_text_fn cb = f->text_cb;

	cb(forward_end(f, err, message), err, text, len, message);
}

static void forward_start(struct schedmcp *s, struct mcp_request *req, enum wire_type type,
			  const json_t *payload, const char *payload_text, int timeout_ms, collector_reply_fn cb,
			  collector_request_text_fn text_cb)
{
	const struct collector_request_opts opts = {
	    .timeout_ms = timeout_ms,
	    .progress = mcp_request_wants_progress(req) ? on_progress : NULL,
	    .payload_text = payload_text,
	};
	struct forward *f = NULL;
	uint32_t handle;
	int err = 0;
	const char *message = NULL;

	/* Cancelled while between two collector requests: start nothing. */
	if (mcp_request_cancelled(req)) {
		err = -ECANCELED;
		message = "cancelled";
	} else if (!(f = calloc(1, sizeof(*f)))) {
		err = -ENOMEM;
		message = "out of memory";
	}
	if (err < 0) {
		if (text_cb)
			text_cb(req, err, NULL, 0, message);
		else
			cb(req, err, NULL, message);
		return;
	}
	*f = (struct forward){.s = s, .req = req, .cb = cb, .text_cb = text_cb};
	handle = text_cb ? collector_link_request_text(s->link, type, payload, &opts, on_text_reply, f)
			 : collector_link_request_opts(s->link, type, payload, &opts, on_reply, f);
	/* 0: the reply callback already ran and freed f. */
	if (handle == 0)
		return;
	f->handle = handle;
	mcp_request_set_cancel(req, on_cancel, f);
}

void collector_request(struct schedmcp *s, struct mcp_request *req, enum wire_type type,
		       const json_t *payload, int timeout_ms, collector_reply_fn cb)
{
	forward_start(s, req, type, payload, NULL, timeout_ms, cb, NULL);
}

void collector_request_text(struct schedmcp *s, struct mcp_request *req, enum wire_type type,
			    const char *payload_text, int timeout_ms, collector_request_text_fn cb)
{
	forward_start(s, req, type, NULL, payload_text, timeout_ms, NULL, cb);
}
