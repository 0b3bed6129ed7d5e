/* events-stream.c: events://stream and its filtered URIs: per URI subscribed, a WIRE_SUBSCRIBE with its
 * filters; EVENTS decoded into a bounded queue of NDJSON lines; notifications/resources/updated at most
 * every 200 ms; a read takes what waits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector-link.h"
#include "events-filter.h"
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

/* One event, as its NDJSON line (without the newline). */
struct line {
	char *text;
	size_t len;
};

/* One URI subscribed to: its collector subscription and its queue. */
struct events_feed {
	struct schedmcp *s;
	char *uri;	     /* exactly as subscribed: notifications and reads name it */
	json_t *filters;     /* what SUBSCRIBE asks for */
	json_t *applied;     /* collectord's filter as applied, once it answered */
	json_t *unavailable; /* event types this kernel cannot give, from that answer */
	bool active;	     /* collectord confirmed the subscription */
	uint32_t sub_id;
	char *error; /* why the feed is not running, for the next read */
	uint32_t sample_rate;
	/* the queue: lines[head .. head+count) modulo EVENTS_STREAM_MAX_EVENTS */
	struct line *lines;
	size_t head, count, bytes;
	/* since the last read */
	uint64_t dropped_collector, dropped_here, lost_kernel, bad_batches;
	uint64_t received, interruptions;
	uint64_t last_notify_ns;
	bool notify_armed;
	struct event *notify_ev, *retry_ev;
};

struct events_stream {
	struct events_feed *feeds[EVENTS_STREAM_MAX_FEEDS];
	size_t n_feeds;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void set_error(struct events_feed *f, const char *msg)
{
	free(f->error);
	f->error = msg ? strdup(msg) : NULL;
}

static void queue_clear(struct events_feed *f)
{
	while (f->count) {
		free(f->lines[f->head].text);
		f->head = (f->head + 1) % EVENTS_STREAM_MAX_EVENTS;
		f->count--;
	}
	f->head = 0;
	f->bytes = 0;
}

static void queue_drop_oldest(struct events_feed *f)
{
	struct line *l = &f->lines[f->head];

	f->bytes -= l->len;
	free(l->text);
	f->head = (f->head + 1) % EVENTS_STREAM_MAX_EVENTS;
	f->count--;
	f->dropped_here++;
}

static void queue_push(struct events_feed *f, char *text, size_t len)
{
	while (f->count && (f->count == EVENTS_STREAM_MAX_EVENTS || f->bytes + len > EVENTS_STREAM_MAX_BYTES))
		queue_drop_oldest(f);
	f->lines[(f->head + f->count) % EVENTS_STREAM_MAX_EVENTS] = (struct line){ .text = text, .len = len };
	f->count++;
	f->bytes += len;
}

/* ---- notifications ---- */

static void notify_now(struct events_feed *f)
{
	f->last_notify_ns = mono_ns();
	mcp_server_resource_updated(f->s->server, f->uri);
}

static void on_notify(evutil_socket_t fd, short what, void *userdata)
{
	struct events_feed *f = userdata;

	f->notify_armed = false;
	notify_now(f);
}

/* New events or news: tell the client, no more often than every 200 ms. */
static void notify(struct events_feed *f)
{
	uint64_t now = mono_ns(), gap = (uint64_t)EVENTS_STREAM_NOTIFY_MS * 1000000;
	struct timeval tv = {0};

	if (f->notify_armed)
		return;
	if (now - f->last_notify_ns >= gap) {
		notify_now(f);
		return;
	}
	tv.tv_usec = (suseconds_t)((gap - (now - f->last_notify_ns)) / 1000);
	if (evtimer_add(f->notify_ev, &tv) == 0)
		f->notify_armed = true;
}

/* ---- the collector side ---- */

static int on_record(void *userdata, const struct sched_event_header *h)
{
	struct events_feed *f = userdata;
	char buf[SCHED_EVENT_JSON_MAX], *line;
	/* written straight into buf: a jansson object per record held the feed to ~150k/s */
	int n = sched_event_format_json(h, buf, sizeof(buf));

	if (n < 0)
		return n;
	line = malloc((size_t)n + 1);
	if (!line)
		return -ENOMEM;
	memcpy(line, buf, (size_t)n + 1);
	queue_push(f, line, (size_t)n);
	f->received++;
	return 0;
}

static void on_events(void *userdata, const void *payload, size_t len)
{
	struct events_feed *f = userdata;
	struct sched_event_batch b;
	int r;

	r = sched_event_batch_parse(payload, len, &b, on_record, f);
	if (r == -EBADMSG) {
		f->bad_batches++;
		log_warning("collectord sent a malformed event batch (%zu bytes); dropped", len);
		return;
	}
	f->dropped_collector += b.dropped;
	f->lost_kernel += b.lost_kernel;
	f->sample_rate = b.sample_rate;
	notify(f);
}

static void subscribe_collector(struct events_feed *f);

static void on_retry(evutil_socket_t fd, short what, void *userdata)
{
	struct events_feed *f = userdata;

	if (!f->sub_id)
		subscribe_collector(f);
}

static void retry_later(struct events_feed *f)
{
	struct timeval tv = {.tv_sec = RETRY_S};

	evtimer_add(f->retry_ev, &tv);
}

static void on_subscribed(void *userdata, int err, const json_t *body, const char *message)
{
	struct events_feed *f = userdata;
	uint64_t rate = 1;

	if (err == -ECANCELED)
		return; /* unsubscribed meanwhile */
	if (err < 0) {
		f->sub_id = 0;
		f->active = false;
		set_error(f, message ? message : strerror(-err));
		/* a filter collectord refuses, or no feed at all, will not get better by retrying */
		if (err != -EINVAL && err != -EOPNOTSUPP)
			retry_later(f);
		notify(f);
		return;
	}
	f->active = true;
	set_error(f, NULL);
	if (json_get_uint(body, "sample_rate", UINT32_MAX, &rate) == 0)
		f->sample_rate = (uint32_t)rate;
	json_decref(f->applied);
	f->applied = json_incref(json_object_get(body, "filter"));
	json_decref(f->unavailable);
	f->unavailable = json_object_size(json_object_get(body, "unavailable"))
			     ? json_incref(json_object_get(body, "unavailable"))
			     : NULL;
}

static void on_ended(void *userdata, int err, const char *message)
{
	struct events_feed *f = userdata;

	f->sub_id = 0;
	f->active = false;
	f->interruptions++;
	set_error(f, message);
	retry_later(f);
	notify(f);
}

static void subscribe_collector(struct events_feed *f)
{
	/* the reply may come at once (collector unreachable): sub_id stays 0 then */
	f->sub_id = collector_link_subscribe(f->s->link, f->filters, on_subscribed, on_events, on_ended, f);
}

/* ---- feeds ---- */

static struct events_feed *feed_find(const struct schedmcp *s, const char *uri)
{
	for (size_t i = 0; s->stream && i < s->stream->n_feeds; i++)
		if (strcmp(s->stream->feeds[i]->uri, uri) == 0)
			return s->stream->feeds[i];
	return NULL;
}

/* Frees a feed without telling collectord. */
static void feed_free(struct events_feed *f)
{
	if (!f)
		return;
	if (f->lines)
		queue_clear(f);
	free(f->lines);
	if (f->notify_ev)
		event_free(f->notify_ev);
	if (f->retry_ev)
		event_free(f->retry_ev);
	json_decref(f->filters);
	json_decref(f->applied);
	json_decref(f->unavailable);
	free(f->error);
	free(f->uri);
	free(f);
}

static struct events_feed *feed_new(struct schedmcp *s, const char *uri, const json_t *filters)
{
	struct events_feed *f = calloc(1, sizeof(*f));
	uint64_t rate = 1;

	if (!f)
		return NULL;
	f->s = s;
	json_get_uint(filters, "sample_rate", UINT32_MAX, &rate);
	f->sample_rate = (uint32_t)rate;
	f->uri = strdup(uri);
	f->filters = json_deep_copy(filters);
	f->lines = calloc(EVENTS_STREAM_MAX_EVENTS, sizeof(*f->lines));
	f->notify_ev = evtimer_new(s->base, on_notify, f);
	f->retry_ev = evtimer_new(s->base, on_retry, f);
	if (!f->uri || !f->filters || !f->lines || !f->notify_ev || !f->retry_ev) {
		feed_free(f);
		return NULL;
	}
	return f;
}

/* "events://stream, events://stream?pids=1" for the error when no feed is left. */
static void feed_list(const struct events_stream *st, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < st->n_feeds && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%.200s", i ? ", " : "", st->feeds[i]->uri);
}

static int feed_start(struct schedmcp *s, const char *uri, const json_t *filters, char **ret_error)
{
	struct events_stream *st = s->stream;
	struct events_feed *f;
	char list[600];

	if (feed_find(s, uri))
		return 0;
	if (!st) {
		st = s->stream = calloc(1, sizeof(*st));
		if (!st)
			return -ENOMEM;
	}
	if (st->n_feeds == EVENTS_STREAM_MAX_FEEDS) {
		feed_list(st, list, sizeof(list));
		if (asprintf(ret_error,
			     "at most %d event feeds run at once, and this client has %d: %s; "
			     "resources/unsubscribe one of them first",
			     EVENTS_STREAM_MAX_FEEDS, EVENTS_STREAM_MAX_FEEDS, list) < 0)
			*ret_error = NULL;
		return -EBUSY;
	}
	f = feed_new(s, uri, filters);
	if (!f)
		return -ENOMEM;
	subscribe_collector(f);
	if (!f->sub_id && f->error) {
		/* refused at once: the client learns why now, and is not subscribed */
		*ret_error = TAKE_PTR(f->error);
		feed_free(f);
		return -ENOTCONN;
	}
	st->feeds[st->n_feeds++] = f;
	return 0;
}

static void feed_stop(struct schedmcp *s, const char *uri)
{
	struct events_stream *st = s->stream;
	struct events_feed *f = feed_find(s, uri);

	if (!f)
		return;
	if (f->sub_id)
		collector_link_unsubscribe(s->link, f->sub_id);
	for (size_t i = 0; i < st->n_feeds; i++)
		if (st->feeds[i] == f) {
			st->feeds[i] = st->feeds[--st->n_feeds];
			break;
		}
	feed_free(f);
}

void events_stream_free(struct schedmcp *s)
{
	struct events_stream *st = s->stream;

	if (!st)
		return;
	for (size_t i = 0; i < st->n_feeds; i++)
		feed_free(st->feeds[i]);
	free(st);
	s->stream = NULL;
}

/* ---- reads ---- */

static const char *state_name(const struct events_feed *f)
{
	if (!f)
		return "off";
	if (f->active)
		return "on";
	return f->error ? "interrupted" : "starting";
}

/* How many waiting events fit the budget: JSON escaping of a line inside
 * the text roughly doubles its quotes. */
static size_t fitting(const struct events_feed *f, size_t budget)
{
	size_t n = 0, used = 0;

	budget = budget > ANSWER_MARGIN * 2 ? budget - ANSWER_MARGIN : budget / 2;
	for (; f && n < f->count; n++) {
		size_t l = f->lines[(f->head + n) % EVENTS_STREAM_MAX_EVENTS].len;

		if (used + l * 5 / 4 + 2 > budget)
			break;
		used += l * 5 / 4 + 2;
	}
	return n;
}

/* The header line: the feed's state, the filters in effect, what this read returns and what was lost. */
static json_t *header_json(const struct events_feed *f, const char *uri, const json_t *filters, size_t n)
{
	uint64_t rate = 1;
	json_t *h;

	json_get_uint(filters, "sample_rate", UINT32_MAX, &rate);
	h = json_pack("{s:s, s:b, s:O, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "feed", state_name(f),
		      "subscribed", f != NULL, "filter", f ? (f->applied ? f->applied : f->filters) : filters,
		      "count", (json_int_t)n, "more", (json_int_t)(f ? f->count - n : 0), "dropped",
		      (json_int_t)(f ? f->dropped_collector + f->dropped_here : 0), "dropped_by_collectord",
		      (json_int_t)(f ? f->dropped_collector : 0), "dropped_by_schedmcp",
		      (json_int_t)(f ? f->dropped_here : 0), "lost_kernel",
		      (json_int_t)(f ? f->lost_kernel : 0), "sample_rate",
		      (json_int_t)(f ? f->sample_rate : rate));
	if (!h)
		return NULL;
	if (!f)
		json_object_set_new(
		    h, "hint",
		    json_string(strcmp(uri, EVENTS_STREAM_URI) == 0
				    ? "resources/subscribe to events://stream starts the live feed; "
				      "each read then returns the events that arrived since the "
				      "previous one. events://stream?types=...&pids=... (resources/"
				      "templates/list) gives a filtered feed"
				    : "resources/subscribe to this URI starts a live feed with these "
				      "filters; each read of it then returns the events that arrived "
				      "since the previous one"));
	if (f && f->error)
		json_object_set_new(h, "error", json_string(f->error));
	if (f && f->unavailable)
		json_object_set_new(h, "unavailable", json_incref(f->unavailable));
	if (f && f->interruptions)
		json_object_set_new(h, "interruptions", json_integer((json_int_t)f->interruptions));
	if (f && f->dropped_collector + f->dropped_here)
		json_object_set_new(
		    h, "note",
		    json_string("events were dropped because they arrived faster than they were read: read "
				"more often, or subscribe to fewer events with events://stream's filters "
				"(types, pids, sample_rate, ...)"));
	return h;
}

/* The header line, then as many waiting events as the answer budget takes. */
static void feed_read(struct mcp_request *req, struct schedmcp *s, const char *uri, const json_t *filters)
{
	struct events_feed *f = feed_find(s, uri);
	size_t n = fitting(f, mcp_server_answer_bytes(s->server)), size = 0;
	_cleanup_json_ json_t *header = header_json(f, uri, filters, n);
	_cleanup_free_ char *head = NULL, *text = NULL;
	FILE *m;

	head = header ? json_dumps(header, JSON_COMPACT) : NULL;
	m = head ? open_memstream(&text, &size) : NULL;
	if (!m) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	fputs(head, m);
	fputc('\n', m);
	for (size_t i = 0; i < n; i++) {
		struct line *l = &f->lines[f->head];
		size_t len = l->len;

		fwrite(l->text, 1, len, m);
		fputc('\n', m);
		free(l->text);
		f->head = (f->head + 1) % EVENTS_STREAM_MAX_EVENTS;
		f->count--;
		f->bytes -= MIN(len, f->bytes);
	}
	if (fclose(m) != 0) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	/* what this read reported starts again from zero */
	if (f)
		f->dropped_collector = f->dropped_here = f->lost_kernel = 0;
	mcp_request_reply(req, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
					 "application/x-ndjson", "text", text));
}

/* ---- the MCP side ---- */

int events_stream_subscribe(const struct mcp_resource *res, void *app, char **ret_error)
{
	_cleanup_json_ json_t *none = json_object();

	if (!none)
		return -ENOMEM;
	return feed_start(app, EVENTS_STREAM_URI, none, ret_error);
}

void events_stream_unsubscribe(const struct mcp_resource *res, void *app)
{
	feed_stop(app, EVENTS_STREAM_URI);
}

void events_stream_read(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	_cleanup_json_ json_t *none = json_object();

	if (!none) {
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	feed_read(req, app, EVENTS_STREAM_URI, none);
}

/* The URI's filters, or -EINVAL with the sentence for the client. */
static int uri_filters(const struct mcp_resource_template *t, const json_t *vars, json_t **ret_filters,
		       char *msg, size_t msg_size)
{
	char err[512];
	int r = events_filter_from_vars(vars, ret_filters, err, sizeof(err));

	if (r == -EINVAL)
		snprintf(msg, msg_size, "Invalid URI for %s: %s", t->uri_template, err);
	else if (r < 0)
		snprintf(msg, msg_size, "%s", strerror(-r));
	return r;
}

int events_stream_subscribe_uri(const struct mcp_resource_template *t, const char *uri, const json_t *vars,
				void *app, char **ret_error)
{
	_cleanup_json_ json_t *filters = NULL;
	char msg[700];
	int r = uri_filters(t, vars, &filters, msg, sizeof(msg));

	if (r < 0) {
		*ret_error = strdup(msg);
		return r;
	}
	return feed_start(app, uri, filters, ret_error);
}

void events_stream_unsubscribe_uri(const struct mcp_resource_template *t, const char *uri, void *app)
{
	feed_stop(app, uri);
}

void events_stream_read_uri(struct mcp_request *req, const struct mcp_resource_template *t, const char *uri,
			    const json_t *vars, void *app)
{
	_cleanup_json_ json_t *filters = NULL;
	char msg[700];
	int r = uri_filters(t, vars, &filters, msg, sizeof(msg));

	if (r < 0) {
		mcp_request_error(req, r == -EINVAL ? JSONRPC_INVALID_PARAMS : JSONRPC_INTERNAL_ERROR, msg,
				  json_pack("{s:s}", "uri", uri));
		return;
	}
	feed_read(req, app, uri, filters);
}
