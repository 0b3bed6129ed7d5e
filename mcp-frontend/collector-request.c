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
	collector_reply_fn cb;
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

static void on_reply(void *userdata, int err, const json_t *body, const char *message)
{
	struct forward *f = userdata;
	struct mcp_request *req = f->req;
	collector_reply_fn cb = f->cb;
	struct schedmcp *s = f->s;

	free(f);
	/* Done with the collector: a later cancel has nothing to stop here
	 * (the callback may start another collector request on req). */
	mcp_request_set_cancel(req, NULL, NULL);
	if ((err == -ENOTCONN || err == -ECONNRESET) && log_unreachable_now())
		mcp_server_logf(s->server, LOG_WARNING, "collector", "%s",
				message ? message : "collectord unreachable");
	cb(req, err, body, message);
}

void collector_request(struct schedmcp *s, struct mcp_request *req, enum wire_type type,
		       const json_t *payload, int timeout_ms, collector_reply_fn cb)
{
	struct forward *f;
	uint32_t handle;

	/* Cancelled while between two collector requests: start nothing. */
	if (mcp_request_cancelled(req)) {
		cb(req, -ECANCELED, NULL, "cancelled");
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		cb(req, -ENOMEM, NULL, "out of memory");
		return;
	}
	*f = (struct forward){.s = s, .req = req, .cb = cb};
	handle =
	    collector_link_request_opts(s->link, type, payload,
					&(struct collector_request_opts){
					    .timeout_ms = timeout_ms,
					    .progress = mcp_request_wants_progress(req) ? on_progress : NULL,
					},
					on_reply, f);
	/* 0: on_reply already ran and freed f. */
	if (handle == 0)
		return;
	f->handle = handle;
	mcp_request_set_cancel(req, on_cancel, f);
}
