/* collector-link.c: connect on demand, route replies to their callbacks, fail them all when the collector goes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "collector-client.h"
#include "collector-link.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"

struct pending {
	LIST_ENTRY(pending) link;
	struct collector_link *owner;
	uint32_t id;
	collector_reply_fn cb; /* one of these two */
	collector_text_reply_fn text_cb;
	collector_progress_fn progress;
	void *userdata;
	struct event *timer;
};

/* A live-feed subscription: EVENTS carrying its id go to events(). */
struct subscription {
	LIST_ENTRY(subscription) link;
	struct collector_link *owner;
	uint32_t id; /* 0 until SUBSCRIBE is sent */
	bool answered;
	bool unsubscribed; /* by its owner before SUBSCRIBE's answer: no callback runs any more */
	collector_reply_fn reply;
	collector_events_fn events;
	collector_sub_end_fn end;
	void *userdata;
};

struct collector_link {
	struct event_base *base;
	char *path;
	int timeout_ms;
	struct collector_client *client;
	struct event *ev;
	LIST_HEAD(, pending) pending;
	LIST_HEAD(, subscription) subs;
};

/* The answer of a text request: the payload, or NULL on failure. */
struct reply_text {
	const char *text;
	size_t len;
};

static void pending_finish_as(struct pending *p, int err, const json_t *body, const struct reply_text *text,
			      const char *message)
{
	collector_reply_fn cb = p->cb;
	collector_text_reply_fn text_cb = p->text_cb;
	void *userdata = p->userdata;

	LIST_REMOVE(p, link);
	event_free(p->timer);
	free(p);
	if (text_cb)
		text_cb(userdata, err, text ? text->text : NULL, text ? text->len : 0, message);
	else
		cb(userdata, err, body, message);
}

/* A failure, to either kind of request. */
static void pending_finish(struct pending *p, int err, const json_t *body, const char *message)
{
	pending_finish_as(p, err, body, NULL, message);
}

/* A REPLY to a text request goes on as received, once checked; anything
 * else is decoded as for the others. */
static void pending_answer(struct pending *p, const struct wire_message *m)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *error = NULL;
	int r;

	if (p->text_cb && m->type == WIRE_REPLY) {
		struct reply_text t = {.text = (const char *)m->payload, .len = m->length};

		if (json_text_check(t.text, t.len) < 0) {
			pending_finish(p, -EPROTO, NULL,
				       "collectord sent an answer that is not a JSON document");
			return;
		}
		pending_finish_as(p, 0, NULL, &t, NULL);
		return;
	}
	r = collector_reply_decode(m, &body, &error);
	pending_finish(p, r, body, error ? error : r < 0 ? strerror(-r) : NULL);
}

static void link_disconnect(struct collector_link *l, int err)
{
	_cleanup_free_ char *msg = NULL;

	if (l->ev) {
		event_free(l->ev);
		l->ev = NULL;
	}
	collector_client_free(l->client);
	l->client = NULL;
	/* subscriptions end with the connection: their owners say so and may subscribe again */
	if (!LIST_EMPTY(&l->subs) &&
	    asprintf(&msg,
		     "collectord went away; the live feed stopped and events were missed. Restart it with "
		     "'systemctl start collectord.socket' (or 'sudo collectord --foreground --socket %s'); "
		     "the feed resumes by itself once it is back.",
		     l->path) < 0)
		msg = NULL;
	while (!LIST_EMPTY(&l->subs)) {
		struct subscription *sub = LIST_FIRST(&l->subs);

		LIST_REMOVE(sub, link);
		if (sub->answered && sub->end)
			sub->end(sub->userdata, err < 0 ? err : -ECONNRESET,
				 msg ? msg : "collectord went away; the live feed stopped and events were missed");
		if (sub->answered)
			free(sub);
		else
			sub->id = 0; /* its pending SUBSCRIBE fails below and frees it */
	}
	if (LIST_EMPTY(&l->pending))
		return;
	free(msg);
	if (asprintf(&msg,
		     "collectord went away while answering (%s). Restart it with "
		     "'systemctl start collectord.socket' (or 'sudo collectord --foreground --socket %s'); "
		     "the next request reconnects.",
		     strerror(-err), l->path) < 0)
		msg = NULL;
	while (!LIST_EMPTY(&l->pending))
		pending_finish(LIST_FIRST(&l->pending), -ECONNRESET, NULL, msg ? msg : "collectord went away");
}

static void on_readable(evutil_socket_t fd, short what, void *userdata)
{
	struct collector_link *l = userdata;

	/* At most a few messages a wake-up: under a steady event feed, reading until the socket
	 * is empty starved stdin (reads waited seconds). The event stays readable, so libevent
	 * calls again once the client's requests have had their turn. */
	for (int burst = 0; burst < 16; burst++) {
		struct wire_message m = { 0 };
		_cleanup_json_ json_t *body = NULL;
		struct pending *p;
		int r = collector_client_receive(l->client, &m);

		if (r == 0)
			return;
		if (r < 0) {
			log_info("connection to collectord lost: %s", strerror(-r));
			link_disconnect(l, r);
			return;
		}
		if (m.type == WIRE_EVENTS) {
			struct subscription *sub;

			LIST_FOREACH(sub, &l->subs, link)
				if (sub->id == m.request_id && sub->answered)
					break;
			if (sub)
				sub->events(sub->userdata, m.payload, m.length);
			wire_message_done(&m);
			if (!l->client) /* the callback's doing */
				return;
			continue;
		}
		LIST_FOREACH(p, &l->pending, link)
			if (p->id == m.request_id)
				break;
		if (!p) { /* late reply to a request that timed out or was cancelled */
			wire_message_done(&m);
			continue;
		}
		if (m.type == WIRE_PROGRESS) {
			body = json_loadb((const char *)m.payload, m.length, 0, NULL);
			wire_message_done(&m);
			if (p->progress && json_is_object(body))
				p->progress(p->userdata, body);
			continue;
		}
		pending_answer(p, &m);
		wire_message_done(&m);
		/* An answer usually comes alone: back to the loop, which calls
		 * again when more is waiting, rather than a recv() that finds
		 * nothing. */
		return;
	}
}

static void on_timeout(evutil_socket_t fd, short what, void *userdata)
{
	struct pending *p = userdata;

	pending_finish(p, -ETIMEDOUT, NULL,
		       "collectord did not answer in time; check 'systemctl status collectord'");
}

static int link_connect(struct collector_link *l, char **ret_error)
{
	int r;

	if (l->client)
		return 0;
	r = collector_client_connect(l->path, "schedmcp", l->timeout_ms, &l->client, ret_error);
	if (r < 0)
		return r;
	l->ev = event_new(l->base, collector_client_fd(l->client), EV_READ | EV_PERSIST, on_readable, l);
	if (!l->ev || event_add(l->ev, NULL) < 0) {
		link_disconnect(l, -ENOMEM);
		return -ENOMEM;
	}
	log_debug("connected to collectord at %s", l->path);
	return 0;
}

static int link_send(struct collector_link *l, enum wire_type type, const json_t *payload,
		     const struct collector_request_opts *opts, uint32_t *ret_id)
{
	if (opts && opts->payload_text)
		return collector_client_send_text(l->client, type, opts->payload_text, strlen(opts->payload_text),
						  ret_id);
	return collector_client_send(l->client, type, payload, ret_id);
}

/* A request that failed before it was sent. */
static void fail_early(collector_reply_fn cb, collector_text_reply_fn text_cb, void *userdata, int err,
		       const char *message)
{
	if (text_cb)
		text_cb(userdata, err, NULL, 0, message);
	else
		cb(userdata, err, NULL, message);
}

/* Sends a request whose answer goes to cb or, when it is NULL, text_cb. */
static uint32_t link_request(struct collector_link *l, enum wire_type type, const json_t *payload,
			     const struct collector_request_opts *opts, collector_reply_fn cb,
			     collector_text_reply_fn text_cb, void *userdata)
{
	int timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : l->timeout_ms;
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	_cleanup_free_ char *error = NULL;
	struct pending *p;
	int r;

	r = link_connect(l, &error);
	if (r < 0) {
		/* -ENOTCONN, not the connect() errno: an -ENOENT here must not
		 * read as "the collector has no such resource". */
		fail_early(cb, text_cb, userdata, -ENOTCONN, error ? error : strerror(-r));
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		fail_early(cb, text_cb, userdata, -ENOMEM, "out of memory");
		return 0;
	}
	r = link_send(l, type, payload, opts, &p->id);
	if (r < 0) {
		/* A broken connection shows up here first: drop it and try once
		 * more on a fresh one, so a restarted collector is picked up. */
		link_disconnect(l, r);
		r = link_connect(l, &error);
		if (r >= 0)
			r = link_send(l, type, payload, opts, &p->id);
		if (r < 0) {
			free(p);
			fail_early(cb, text_cb, userdata, -ENOTCONN, error ? error : "collectord went away; restart it");
			return 0;
		}
	}
	p->owner = l;
	p->cb = cb;
	p->text_cb = text_cb;
	p->progress = opts ? opts->progress : NULL;
	p->userdata = userdata;
	p->timer = evtimer_new(l->base, on_timeout, p);
	if (!p->timer || evtimer_add(p->timer, &tv) < 0) {
		if (p->timer)
			event_free(p->timer);
		free(p);
		fail_early(cb, text_cb, userdata, -ENOMEM, "out of memory");
		return 0;
	}
	LIST_INSERT_HEAD(&l->pending, p, link);
	return p->id;
}

uint32_t collector_link_request_opts(struct collector_link *l, enum wire_type type, const json_t *payload,
				     const struct collector_request_opts *opts, collector_reply_fn cb,
				     void *userdata)
{
	return link_request(l, type, payload, opts, cb, NULL, userdata);
}

uint32_t collector_link_request_text(struct collector_link *l, enum wire_type type, const json_t *payload,
				     const struct collector_request_opts *opts, collector_text_reply_fn cb,
				     void *userdata)
{
	return link_request(l, type, payload, opts, NULL, cb, userdata);
}

void collector_link_request(struct collector_link *l, enum wire_type type, const json_t *payload,
			    collector_reply_fn cb, void *userdata)
{
	collector_link_request_opts(l, type, payload, NULL, cb, userdata);
}

void collector_link_cancel(struct collector_link *l, uint32_t handle)
{
	_cleanup_json_ json_t *cancel = NULL;
	struct pending *p;

	LIST_FOREACH(p, &l->pending, link)
		if (p->id == handle)
			break;
	if (!p)
		return;
	/* Only a CALL can be stopped in the collector; other requests are
	 * answered at once anyway, and the late answer is dropped. */
	cancel = json_pack("{s:I}", "request_id", (json_int_t)handle);
	if (cancel && l->client)
		collector_client_send(l->client, WIRE_CANCEL, cancel, NULL);
	pending_finish(p, -ECANCELED, NULL, "cancelled");
}

/* SUBSCRIBE's answer: on success the subscription starts taking EVENTS. */
static void on_subscribe_reply(void *userdata, int err, const json_t *body, const char *message)
{
	struct subscription *sub = userdata;
	collector_reply_fn reply = sub->reply;
	void *ud = sub->userdata;

	if (sub->unsubscribed) { /* its owner may be gone (it unsubscribed, then freed what ud is) */
		free(sub);
		return;
	}
	if (err < 0 || !sub->id) {
		if (sub->id)
			LIST_REMOVE(sub, link);
		free(sub);
		reply(ud, err < 0 ? err : -ECANCELED, NULL,
		      message ? message : "unsubscribed before the subscription started");
		return;
	}
	sub->answered = true;
	reply(ud, 0, body, NULL);
}

uint32_t collector_link_subscribe(struct collector_link *l, const json_t *filters, collector_reply_fn reply,
				  collector_events_fn events, collector_sub_end_fn end, void *userdata)
{
	struct subscription *sub = calloc(1, sizeof(*sub));
	uint32_t id;

	if (!sub) {
		reply(userdata, -ENOMEM, NULL, "out of memory");
		return 0;
	}
	sub->owner = l;
	sub->reply = reply;
	sub->events = events;
	sub->end = end;
	sub->userdata = userdata;
	id = collector_link_request_opts(l, WIRE_SUBSCRIBE, filters, NULL, on_subscribe_reply, sub);
	if (!id) /* on_subscribe_reply ran, and freed it */
		return 0;
	sub->id = id;
	LIST_INSERT_HEAD(&l->subs, sub, link);
	return id;
}

static void on_unsubscribe_reply(void *userdata, int err, const json_t *body, const char *message)
{
}

void collector_link_unsubscribe(struct collector_link *l, uint32_t id)
{
	_cleanup_json_ json_t *u = NULL;
	struct subscription *sub;

	LIST_FOREACH(sub, &l->subs, link)
		if (sub->id == id)
			break;
	if (!sub)
		return;
	LIST_REMOVE(sub, link);
	if (!sub->answered) {
		/* its SUBSCRIBE is on the way: the answer, or its failure, finds it gone and frees it */
		sub->id = 0;
		sub->unsubscribed = true;
	}
	else
		free(sub);
	/* collectord answers requests in order: this ends the subscription either way */
	u = json_pack("{s:I}", "subscription", (json_int_t)id);
	if (u && l->client)
		collector_link_request(l, WIRE_UNSUBSCRIBE, u, on_unsubscribe_reply, NULL);
}

int collector_link_new(struct event_base *base, const char *socket_path, int timeout_ms,
		       struct collector_link **ret)
{
	struct collector_link *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->base = base;
	l->timeout_ms = timeout_ms;
	l->path = strdup(socket_path);
	if (!l->path) {
		free(l);
		return -ENOMEM;
	}
	LIST_INIT(&l->pending);
	LIST_INIT(&l->subs);
	*ret = l;
	return 0;
}

void collector_link_free(struct collector_link *l)
{
	if (!l)
		return;
	link_disconnect(l, -ECANCELED);
	free(l->path);
	free(l);
}
