/* events-stream.c: events://stream: subscribe -> WIRE_SUBSCRIBE; EVENTS decoded into a bounded queue of
 * NDJSON lines; notifications/resources/updated at most every 200 ms; a read takes what waits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector-link.h"
#include "events-json.h"
#include "events-stream.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "log.h"
#include "macro.h"
#include "schedmcp.h"

#define RETRY_S 1
/* Room kept in an answer for its envelope and header line. */
#define ANSWER_MARGIN 4096

struct events_stream {
	struct schedmcp *s;
	bool wanted;  /* the MCP client subscribed */
	bool active;  /* collectord confirmed the subscription */
	uint32_t sub_id;
	char *error;  /* why the feed is not running, for the next read */
	uint32_t sample_rate;
	/* the queue: lines[head .. head+count) modulo EVENTS_STREAM_MAX_EVENTS */
	char **lines;
	size_t head, count, bytes;
	/* since the last read */
	uint64_t dropped_collector, dropped_here, lost_kernel, bad_batches;
	uint64_t received, interruptions;
	uint64_t last_notify_ns;
	bool notify_armed;
	struct event *notify_ev, *retry_ev;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void set_error(struct events_stream *st, const char *msg)
{
	free(st->error);
	st->error = msg ? strdup(msg) : NULL;
}

static void queue_clear(struct events_stream *st)
{
	while (st->count) {
		free(st->lines[st->head]);
		st->head = (st->head + 1) % EVENTS_STREAM_MAX_EVENTS;
		st->count--;
	}
	st->head = 0;
	st->bytes = 0;
}

static void queue_drop_oldest(struct events_stream *st)
{
	char *l = st->lines[st->head];

	st->bytes -= strlen(l);
	free(l);
	st->head = (st->head + 1) % EVENTS_STREAM_MAX_EVENTS;
	st->count--;
	st->dropped_here++;
}

static void queue_push(struct events_stream *st, char *line)
{
	size_t len = strlen(line);

	while (st->count && (st->count == EVENTS_STREAM_MAX_EVENTS || st->bytes + len > EVENTS_STREAM_MAX_BYTES))
		queue_drop_oldest(st);
	st->lines[(st->head + st->count) % EVENTS_STREAM_MAX_EVENTS] = line;
	st->count++;
	st->bytes += len;
}

/* ---- notifications ---- */

static void notify_now(struct events_stream *st)
{
	st->last_notify_ns = mono_ns();
	mcp_server_resource_updated(st->s->server, EVENTS_STREAM_URI);
}

static void on_notify(evutil_socket_t fd, short what, void *userdata)
{
	struct events_stream *st = userdata;

	st->notify_armed = false;
	if (st->wanted)
		notify_now(st);
}

/* New events or news: tell the client, no more often than every 200 ms. */
static void notify(struct events_stream *st)
{
	uint64_t now = mono_ns(), gap = (uint64_t)EVENTS_STREAM_NOTIFY_MS * 1000000;
	struct timeval tv = { 0 };

	if (st->notify_armed)
		return;
	if (now - st->last_notify_ns >= gap) {
		notify_now(st);
		return;
	}
	tv.tv_usec = (suseconds_t)((gap - (now - st->last_notify_ns)) / 1000);
	if (evtimer_add(st->notify_ev, &tv) == 0)
		st->notify_armed = true;
}

/* ---- the collector side ---- */

static int on_record(void *userdata, const struct sched_event_header *h)
{
	struct events_stream *st = userdata;
	_cleanup_json_ json_t *e = sched_event_to_json(h);
	char *line;

	if (!e)
		return -ENOMEM;
	line = json_dumps(e, JSON_COMPACT | JSON_REAL_PRECISION(12));
	if (!line)
		return -ENOMEM;
	queue_push(st, line);
	st->received++;
	return 0;
}

static void on_events(void *userdata, const void *payload, size_t len)
{
	struct events_stream *st = userdata;
	struct sched_event_batch b;
	int r;

	r = sched_event_batch_parse(payload, len, &b, on_record, st);
	if (r == -EBADMSG) {
		st->bad_batches++;
		log_warning("collectord sent a malformed event batch (%zu bytes); dropped", len);
		return;
	}
	st->dropped_collector += b.dropped;
	st->lost_kernel += b.lost_kernel;
	st->sample_rate = b.sample_rate;
	notify(st);
}

static void subscribe_collector(struct events_stream *st);

static void on_retry(evutil_socket_t fd, short what, void *userdata)
{
	struct events_stream *st = userdata;

	if (st->wanted && !st->sub_id)
		subscribe_collector(st);
}

static void retry_later(struct events_stream *st)
{
	struct timeval tv = { .tv_sec = RETRY_S };

	evtimer_add(st->retry_ev, &tv);
}

static void on_subscribed(void *userdata, int err, const json_t *body, const char *message)
{
	struct events_stream *st = userdata;
	uint64_t rate = 1;

	if (err == -ECANCELED)
		return; /* unsubscribed meanwhile */
	if (err < 0) {
		st->sub_id = 0;
		st->active = false;
		set_error(st, message ? message : strerror(-err));
		if (st->wanted && err != -EINVAL && err != -EOPNOTSUPP)
			retry_later(st);
		notify(st);
		return;
	}
	st->active = true;
	set_error(st, NULL);
	if (json_get_uint(body, "sample_rate", UINT32_MAX, &rate) == 0)
		st->sample_rate = (uint32_t)rate;
}

static void on_ended(void *userdata, int err, const char *message)
{
	struct events_stream *st = userdata;

	st->sub_id = 0;
	st->active = false;
	st->interruptions++;
	set_error(st, message);
	if (st->wanted)
		retry_later(st);
	notify(st);
}

static void subscribe_collector(struct events_stream *st)
{
	_cleanup_json_ json_t *filters = json_object();

	if (!filters) {
		set_error(st, "out of memory");
		return;
	}
	/* the reply may come at once (collector unreachable): sub_id stays 0 then */
	st->sub_id = collector_link_subscribe(st->s->link, filters, on_subscribed, on_events, on_ended, st);
}

/* ---- the MCP side ---- */

static struct events_stream *stream_get(struct schedmcp *s)
{
	struct events_stream *st = s->stream;

	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->s = s;
	st->sample_rate = 1;
	st->lines = calloc(EVENTS_STREAM_MAX_EVENTS, sizeof(*st->lines));
	st->notify_ev = evtimer_new(s->base, on_notify, st);
	st->retry_ev = evtimer_new(s->base, on_retry, st);
	if (!st->lines || !st->notify_ev || !st->retry_ev) {
		s->stream = st;
		events_stream_free(s);
		return NULL;
	}
	s->stream = st;
	return st;
}

int events_stream_subscribe(const struct mcp_resource *res, void *app, char **ret_error)
{
	struct schedmcp *s = app;
	struct events_stream *st = stream_get(s);

	if (!st)
		return -ENOMEM;
	st->wanted = true;
	set_error(st, NULL);
	if (!st->sub_id)
		subscribe_collector(st);
	if (!st->sub_id && st->error) {
		/* refused at once: the client learns why now, and is not subscribed */
		st->wanted = false;
		evtimer_del(st->retry_ev);
		*ret_error = strdup(st->error);
		return -ENOTCONN;
	}
	return 0;
}

void events_stream_unsubscribe(const struct mcp_resource *res, void *app)
{
	struct schedmcp *s = app;
	struct events_stream *st = s->stream;

	if (!st)
		return;
	st->wanted = false;
	if (st->sub_id)
		collector_link_unsubscribe(s->link, st->sub_id);
	st->sub_id = 0;
	st->active = false;
	evtimer_del(st->retry_ev);
	evtimer_del(st->notify_ev);
	st->notify_armed = false;
	queue_clear(st);
}

void events_stream_free(struct schedmcp *s)
{
	struct events_stream *st = s->stream;

	if (!st)
		return;
	if (st->lines)
		queue_clear(st);
	free(st->lines);
	if (st->notify_ev)
		event_free(st->notify_ev);
	if (st->retry_ev)
		event_free(st->retry_ev);
	free(st->error);
	free(st);
	s->stream = NULL;
}

static const char *state_name(const struct events_stream *st)
{
	if (!st || !st->wanted)
		return "off";
	if (st->active)
		return "on";
	return st->error ? "interrupted" : "starting";
}

/* The header line, then as many waiting events as the answer budget takes. */
void events_stream_read(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	struct schedmcp *s = app;
	struct events_stream *st = s->stream;
	size_t budget = mcp_server_answer_bytes(s->server), n = 0, used = 0;
	_cleanup_json_ json_t *header = NULL;
	_cleanup_free_ char *head = NULL, *text = NULL;
	size_t head_len, size = 0;
	FILE *f;

	budget = budget > ANSWER_MARGIN * 2 ? budget - ANSWER_MARGIN : budget / 2;
	/* how many fit: JSON escaping of a line inside the text roughly doubles quotes */
	if (st)
		for (size_t i = 0; i < st->count; i++) {
			size_t l = strlen(st->lines[(st->head + i) % EVENTS_STREAM_MAX_EVENTS]);

			if (used + l * 5 / 4 + 2 > budget)
				break;
			used += l * 5 / 4 + 2;
			n++;
		}
	header = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:i}", "feed", state_name(st), "subscribed",
			   st && st->wanted, "count", (json_int_t)n, "more", (json_int_t)(st ? st->count - n : 0),
			   "dropped", (json_int_t)(st ? st->dropped_collector + st->dropped_here : 0),
			   "dropped_by_collectord", (json_int_t)(st ? st->dropped_collector : 0), "dropped_by_schedmcp",
			   (json_int_t)(st ? st->dropped_here : 0), "lost_kernel", (json_int_t)(st ? st->lost_kernel : 0),
			   "sample_rate", (int)(st ? st->sample_rate : 1));
	if (!header) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	if (!st || !st->wanted)
		json_object_set_new(header, "hint",
				    json_string("resources/subscribe to events://stream starts the live feed; each read "
						"then returns the events that arrived since the previous one"));
	if (st && st->error)
		json_object_set_new(header, "error", json_string(st->error));
	if (st && st->interruptions)
		json_object_set_new(header, "interruptions", json_integer((json_int_t)st->interruptions));
	if (st && st->dropped_collector + st->dropped_here)
		json_object_set_new(header, "note",
				    json_string("events were dropped because they arrived faster than they were read: read "
						"more often, or watch fewer events with the watch_events tool's filters"));
	head = json_dumps(header, JSON_COMPACT);
	if (!head) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	head_len = strlen(head);
	f = open_memstream(&text, &size);
	if (!f) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	fwrite(head, 1, head_len, f);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		char *l = st->lines[st->head];
		size_t len = strlen(l);

		fwrite(l, 1, len, f);
		fputc('\n', f);
		free(l);
		st->head = (st->head + 1) % EVENTS_STREAM_MAX_EVENTS;
		st->count--;
		st->bytes -= MIN(len, st->bytes);
	}
	if (fclose(f) != 0) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	if (st) {
		/* what this read reported starts again from zero */
		st->dropped_collector = st->dropped_here = st->lost_kernel = 0;
	}
	mcp_request_reply(req, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", EVENTS_STREAM_URI, "mimeType",
					 "application/x-ndjson", "text", text));
}
