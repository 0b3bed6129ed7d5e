/* feed.c: consume the BPF ring buffer on the event loop and fan records out to subscribers,
 * each with its own filter, sampling and a bounded queue that drops its oldest events. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "errmsg.h"
#include "events-json.h"
#include "feed.h"
#include "feedqueue.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "peer.h"
#include "schedagg.h"
#include "wire.h"

/* Records taken from the ring buffer in one go before the loop serves
 * others: at 1M records/s that is 1/16 s. */
#define FEED_CONSUME_BURST 65536

struct feed_sub {
	LIST_ENTRY(feed_sub) link;
	struct feed *feed;
	struct feed_filter filter;
	uint32_t user_sample; /* 1 in user_sample of what BPF delivered (its own rate / BPF's) */
	uint32_t countdown;
	uint64_t matched, delivered, lost_base;
	/* a peer's subscription: the queue and the counters its next batch reports */
	struct peer *peer;
	uint32_t id;
	struct feed_queue queue;
	uint64_t lost_pending;
	/* a subscription inside collectord */
	feed_record_fn cb;
	void *userdata;
};

struct feed {
	struct manager *m;
	struct ring_buffer *rb;
	struct event *rb_ev, *timer;
	LIST_HEAD(, feed_sub) subs;
	unsigned nr_subs;
	uint64_t received, bad, consumed_burst, ticks;
	uint64_t lost_seen; /* the BPF lost counter when last attributed */
	struct schedagg_feed_filter bpf;
	bool exact; /* one subscriber, and BPF applies its whole filter */
	unsigned long *cpu_scratch;
};

static uint32_t sub_rate(const struct feed_sub *s)
{
	return s->filter.sample;
}

/* ---- the BPF side follows the subscribers ---- */

static int feed_program(struct feed *f)
{
	const struct feed_filter **fs = calloc(f->nr_subs ? f->nr_subs : 1, sizeof(*fs));
	unsigned nr_cpus = schedagg_nr_cpus(f->m->schedagg);
	struct feed_sub *s;
	size_t n = 0;
	int r;

	if (!fs)
		return -ENOMEM;
	LIST_FOREACH(s, &f->subs, link)
		fs[n++] = &s->filter;
	feed_filter_union(fs, n, nr_cpus, f->cpu_scratch, &f->bpf);
	free(fs);
	f->exact = n == 1;
	LIST_FOREACH(s, &f->subs, link) {
		s->user_sample = f->bpf.sample ? sub_rate(s) / f->bpf.sample : sub_rate(s);
		if (s->user_sample == 0)
			s->user_sample = 1;
		s->countdown = 0;
	}
	r = schedagg_feed_set(f->m->schedagg, n ? &f->bpf : NULL);
	if (r < 0)
		return log_warning_errno(r, "programming the feed's BPF filters failed: %m");
	log_debug("feed: %u subscription(s), BPF types 0x%x sample %u", f->nr_subs, f->bpf.types, f->bpf.sample);
	return 0;
}

/* ---- queues ---- */

/* Sends what fits under the peer's high-water mark, in batches of one datagram. */
static void sub_flush(struct feed_sub *s)
{
	_Alignas(8) uint8_t buf[WIRE_PART_MAX];

	while (s->queue.count || s->queue.dropped_pending || s->lost_pending) {
		struct sched_event_batch b = { .sample_rate = sub_rate(s), .lost_kernel = s->lost_pending };
		uint32_t count;
		size_t len;
		int r;

		if (s->peer->queued_bytes >= FEED_PEER_HIGH_WATER || s->peer->closing)
			return;
		len = feed_queue_cut(&s->queue, &b, buf, sizeof(buf), &count);
		s->lost_pending = 0;
		r = peer_send_bytes(s->peer, WIRE_EVENTS, s->id, buf, len, false);
		if (r < 0) {
			log_debug_errno(r, "feed: sending events to peer failed: %m");
			return;
		}
		s->delivered += count;
	}
}

static void flush_all(struct feed *f)
{
	struct feed_sub *s;

	LIST_FOREACH(s, &f->subs, link)
		if (s->peer)
			sub_flush(s);
}

/* New ring-buffer losses are every subscriber's: each hears of them. */
static void attribute_lost(struct feed *f)
{
	uint64_t emitted, lost;
	struct feed_sub *s;

	if (schedagg_feed_counters(f->m->schedagg, &emitted, &lost) < 0 || lost <= f->lost_seen)
		return;
	LIST_FOREACH(s, &f->subs, link)
		s->lost_pending += lost - f->lost_seen;
	f->lost_seen = lost;
}

/* ---- consuming ---- */

static void deliver(struct feed *f, const struct sched_event_header *h)
{
	struct feed_sub *s, *next;

	for (s = LIST_FIRST(&f->subs); s; s = next) {
		next = LIST_NEXT(s, link); /* a callback may end its own subscription */
		/* even when BPF applied this filter exactly: records written under an
		 * earlier, wider filter may still be in the ring */
		if (!feed_filter_match(&s->filter, h))
			continue;
		s->matched++;
		if (s->user_sample > 1) {
			if (s->countdown) {
				s->countdown--;
				continue;
			}
			s->countdown = s->user_sample - 1;
		}
		if (s->peer) {
			feed_queue_push(&s->queue, h);
		} else {
			s->delivered++;
			s->cb(s->userdata, h);
		}
	}
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct feed *f = ctx;
	int n = sched_event_check(data, len);

	if (n < 0 || (size_t)n != len) {
		f->bad++;
	} else {
		f->received++;
		deliver(f, data);
	}
	/* stop after a burst; the fd stays readable, so the loop comes back */
	if (++f->consumed_burst >= FEED_CONSUME_BURST)
		return -EAGAIN;
	return 0;
}

static void on_ready(evutil_socket_t fd, short what, void *userdata)
{
	struct feed *f = userdata;

	f->consumed_burst = 0;
	ring_buffer__consume(f->rb);
	flush_all(f);
}

/* BPF wakes us only when an eighth of the ring is full: the timer takes
 * the rest, so an event waits at most FEED_POLL_MS. */
static void on_timer(evutil_socket_t fd, short what, void *userdata)
{
	struct feed *f = userdata;

	f->consumed_burst = 0;
	ring_buffer__consume(f->rb);
	if (++f->ticks % (FEED_FLUSH_MS / FEED_POLL_MS) == 0)
		attribute_lost(f);
	flush_all(f);
}

static int feed_start_consuming(struct feed *f)
{
	struct timeval tv = { .tv_usec = FEED_POLL_MS * 1000 };

	if (!f->rb) {
		f->rb = ring_buffer__new(schedagg_feed_map_fd(f->m->schedagg), on_record, f, NULL);
		if (!f->rb)
			return negative_errno();
		f->rb_ev = event_new(f->m->base, ring_buffer__epoll_fd(f->rb), EV_READ | EV_PERSIST, on_ready, f);
		f->timer = event_new(f->m->base, -1, EV_PERSIST, on_timer, f);
		if (!f->rb_ev || !f->timer)
			return -ENOMEM;
	}
	if (event_add(f->rb_ev, NULL) < 0 || event_add(f->timer, &tv) < 0)
		return -ENOMEM;
	return 0;
}

static void feed_stop_consuming(struct feed *f)
{
	if (!f->rb)
		return;
	/* what is left belongs to nobody now */
	ring_buffer__consume(f->rb);
	event_del(f->rb_ev);
	event_del(f->timer);
}

/* ---- subscriptions ---- */

static void sub_free(struct feed_sub *s)
{
	feed_queue_done(&s->queue);
	free(s);
}

static int sub_add(struct feed *f, struct feed_sub *s, char **ret_error)
{
	uint64_t emitted;
	int r;

	if (f->nr_subs >= FEED_MAX_SUBSCRIPTIONS)
		return errmsg_set(ret_error, -EBUSY,
				  "collectord serves at most %d live-feed subscriptions at once; try again later",
				  FEED_MAX_SUBSCRIPTIONS);
	s->feed = f;
	if (schedagg_feed_counters(f->m->schedagg, &emitted, &s->lost_base) < 0)
		s->lost_base = 0;
	if (f->nr_subs == 0)
		f->lost_seen = s->lost_base;
	LIST_INSERT_HEAD(&f->subs, s, link);
	f->nr_subs++;
	r = feed_start_consuming(f);
	if (r >= 0)
		r = feed_program(f);
	if (r < 0) {
		LIST_REMOVE(s, link);
		f->nr_subs--;
		feed_program(f);
		if (f->nr_subs == 0)
			feed_stop_consuming(f);
		return errmsg_set(ret_error, r, "starting the live feed failed: %s", strerror(-r));
	}
	return 0;
}

static void sub_remove(struct feed_sub *s)
{
	struct feed *f = s->feed;

	LIST_REMOVE(s, link);
	f->nr_subs--;
	feed_program(f);
	if (f->nr_subs == 0)
		feed_stop_consuming(f);
	sub_free(s);
}

static json_t *unavailable_json(const struct feed *f, uint32_t types)
{
	json_t *o = json_object();

	for (unsigned t = 1; o && t < SCHED_EVENT_TYPE_MAX; t++) {
		const char *why = NULL;

		if ((types & SCHED_EVENT_MASK(t)) && !schedagg_record_available(f->m->schedagg, t, &why))
			json_object_set_new(o, sched_event_type_name(t), json_string(why ? why : "unavailable"));
	}
	return o;
}

int feed_subscribe_peer(struct feed *f, struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			char **ret_error)
{
	struct feed_sub *s, *x;
	unsigned mine = 0;
	json_t *reply;
	int r;

	LIST_FOREACH(x, &f->subs, link)
		if (x->peer == p)
			mine++;
	if (mine >= f->m->config.max_subscriptions)
		return errmsg_set(ret_error, -EBUSY,
				  "this client already has %u live-feed subscriptions (MaxSubscriptions=%u); "
				  "unsubscribe one first",
				  mine, f->m->config.max_subscriptions);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = feed_filter_parse(args, NULL, &s->filter, ret_error);
	if (r < 0) {
		free(s);
		return r;
	}
	s->peer = p;
	s->id = request_id;
	r = feed_queue_init(&s->queue, f->m->config.max_queued_bytes);
	if (r < 0) {
		free(s);
		return r;
	}
	r = sub_add(f, s, ret_error);
	if (r < 0) {
		sub_free(s);
		return r;
	}
	reply = json_pack("{s:I, s:i, s:o, s:o, s:I, s:b, s:i}", "subscription", (json_int_t)request_id,
			  "sample_rate", (int)s->filter.sample, "filter", feed_filter_to_json(&s->filter),
			  "unavailable", unavailable_json(f, s->filter.types), "queue_events",
			  (json_int_t)s->queue.nr_slots, "filtered_in_bpf", f->exact, "bpf_sample_rate",
			  (int)(f->bpf.sample ? f->bpf.sample : 1));
	if (!reply) {
		sub_remove(s);
		return -ENOMEM;
	}
	log_debug("peer %" PRIu64 ": subscription %u to the live feed", p->id, request_id);
	*ret_reply = reply;
	return 0;
}

int feed_unsubscribe_peer(struct feed *f, struct peer *p, const json_t *args, json_t **ret_reply, char **ret_error)
{
	struct feed_sub *s;
	uint64_t id;

	if (json_get_uint(args, "subscription", UINT32_MAX, &id) < 0)
		return errmsg_set(ret_error, -EINVAL, "UNSUBSCRIBE needs an integer member \"subscription\"");
	LIST_FOREACH(s, &f->subs, link)
		if (s->peer == p && s->id == id)
			break;
	if (!s)
		return errmsg_set(ret_error, -ENOENT, "this client has no subscription %llu", (unsigned long long)id);
	*ret_reply = json_pack("{s:b, s:I, s:I, s:I, s:I}", "unsubscribed", 1, "matched", (json_int_t)s->matched,
			       "delivered", (json_int_t)s->delivered, "dropped", (json_int_t)s->queue.dropped_total,
			       "undelivered", (json_int_t)s->queue.count);
	sub_remove(s);
	return *ret_reply ? 0 : -ENOMEM;
}

void feed_peer_gone(struct feed *f, struct peer *p)
{
	struct feed_sub *s, *next;

	for (s = LIST_FIRST(&f->subs); s; s = next) {
		next = LIST_NEXT(s, link);
		if (s->peer == p)
			sub_remove(s);
	}
}

void feed_peer_writable(struct feed *f, struct peer *p)
{
	struct feed_sub *s;

	LIST_FOREACH(s, &f->subs, link)
		if (s->peer == p)
			sub_flush(s);
}

int feed_subscribe_internal(struct feed *f, const struct feed_filter *filter, feed_record_fn cb, void *userdata,
			    struct feed_sub **ret, char **ret_error)
{
	struct feed_sub *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->filter = *filter;
	s->cb = cb;
	s->userdata = userdata;
	r = sub_add(f, s, ret_error);
	if (r < 0) {
		sub_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void feed_unsubscribe(struct feed_sub *s)
{
	if (s)
		sub_remove(s);
}

uint64_t feed_sub_lost(const struct feed_sub *s)
{
	uint64_t emitted, lost;

	if (schedagg_feed_counters(s->feed->m->schedagg, &emitted, &lost) < 0 || lost < s->lost_base)
		return 0;
	return lost - s->lost_base;
}

void feed_peer_stats(const struct feed *f, const struct peer *p, struct feed_peer_stats *ret)
{
	const struct feed_sub *s;

	*ret = (struct feed_peer_stats){ 0 };
	if (!f)
		return;
	LIST_FOREACH(s, &f->subs, link) {
		if (s->peer != p)
			continue;
		ret->subscriptions++;
		ret->delivered += s->delivered;
		ret->dropped += s->queue.dropped_total;
	}
}

bool feed_active(const struct feed *f)
{
	return f->nr_subs > 0;
}

int feed_new(struct manager *m, struct feed **ret)
{
	struct feed *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->m = m;
	f->cpu_scratch = calloc(CPULIST_LONGS(schedagg_nr_cpus(m->schedagg)) + 1, sizeof(unsigned long));
	if (!f->cpu_scratch) {
		free(f);
		return -ENOMEM;
	}
	LIST_INIT(&f->subs);
	*ret = f;
	return 0;
}

void feed_free(struct feed *f)
{
	if (!f)
		return;
	while (!LIST_EMPTY(&f->subs)) {
		struct feed_sub *s = LIST_FIRST(&f->subs);

		LIST_REMOVE(s, link);
		sub_free(s);
	}
	if (f->rb_ev)
		event_free(f->rb_ev);
	if (f->timer)
		event_free(f->timer);
	ring_buffer__free(f->rb);
	free(f->cpu_scratch);
	free(f);
}

json_t *feed_to_json(const struct feed *f)
{
	uint64_t emitted = 0, lost = 0;
	json_t *subs = json_array();
	struct feed_sub *s;

	schedagg_feed_counters(f->m->schedagg, &emitted, &lost);
	LIST_FOREACH(s, &f->subs, link)
		json_array_append_new(subs, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:i}", "kind",
						      s->peer ? "client" : "internal", "peer",
						      (json_int_t)(s->peer ? s->peer->id : 0), "matched",
						      (json_int_t)s->matched, "delivered", (json_int_t)s->delivered,
						      "dropped", (json_int_t)s->queue.dropped_total, "queued",
						      (json_int_t)s->queue.count, "sample_rate", (int)s->filter.sample));
	return json_pack("{s:b, s:o, s:I, s:I, s:I, s:I, s:I}", "on", f->nr_subs > 0, "subscriptions", subs,
			 "received", (json_int_t)f->received, "bad_records", (json_int_t)f->bad, "emitted_bpf",
			 (json_int_t)emitted, "lost_ring_full", (json_int_t)lost, "ring_buffer_bytes",
			 (json_int_t)schedagg_ring_bytes(f->m->schedagg));
}

json_t *feed_types_json(const struct schedagg *agg, const char *error)
{
	json_t *o = json_object();

	for (unsigned t = 1; o && t < SCHED_EVENT_TYPE_MAX; t++) {
		const char *why = NULL;
		bool ok = agg && schedagg_record_available(agg, t, &why);
		json_t *e = json_pack("{s:b, s:s}", "available", ok, "description", sched_event_type_description(t));

		if (e && !ok)
			json_object_set_new(e, "reason", json_string(agg ? why : error ? error : "BPF is not loaded"));
		json_object_set_new(o, sched_event_type_name(t), e);
	}
	return o;
}
