/* feed.h: the live event feed: the BPF ring buffer on the event loop, fanned out to subscribers
 * (peers over WIRE_EVENTS, or calls inside collectord), each with its own filter and a bounded queue. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "feedfilter.h"

#define FEED_MAX_SUBSCRIPTIONS 16 /* in all, whatever MaxSubscriptions allows per client */
#define FEED_PEER_HIGH_WATER (256u << 10) /* bytes queued on a peer's socket before events wait */
#define FEED_POLL_MS 25   /* the ring buffer is read at least this often while subscribed */
#define FEED_FLUSH_MS 100 /* kernel losses are attributed this often */

struct feed;
struct feed_sub;
struct manager;
struct peer;
struct schedagg;

int feed_new(struct manager *m, struct feed **ret);
void feed_free(struct feed *f);

/* SUBSCRIBE from a peer: filters in args; the reply describes what was set up.
 * EVENTS messages carry request_id. */
int feed_subscribe_peer(struct feed *f, struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			char **ret_error);
/* UNSUBSCRIBE {"subscription": id}. -ENOENT when the peer has no such subscription. */
int feed_unsubscribe_peer(struct feed *f, struct peer *p, const json_t *args, json_t **ret_reply, char **ret_error);
/* The peer went away: its subscriptions end. */
void feed_peer_gone(struct feed *f, struct peer *p);
/* The peer's socket took some of its output: its subscriptions' queues move on
 * now rather than at the next ring-buffer poll. */
void feed_peer_writable(struct feed *f, struct peer *p);

/* A subscription inside collectord: cb sees each record that passes the
 * filter (sampling included), during the ring buffer's consumption. */
typedef void (*feed_record_fn)(void *userdata, const struct sched_event_header *h);
int feed_subscribe_internal(struct feed *f, const struct feed_filter *filter, feed_record_fn cb, void *userdata,
			    struct feed_sub **ret, char **ret_error);
void feed_unsubscribe(struct feed_sub *s);
/* Events the BPF ring buffer had no room for since the subscription began. */
uint64_t feed_sub_lost(const struct feed_sub *s);

/* A peer's subscriptions, summed: for `collectorctl clients`. */
struct feed_peer_stats {
	unsigned subscriptions;
	uint64_t delivered, dropped;
};
void feed_peer_stats(const struct feed *f, const struct peer *p, struct feed_peer_stats *ret);

/* Whether the feed's ring buffer is consumed now (any subscriber). */
bool feed_active(const struct feed *f);
/* {"subscriptions": N, "received", "bad_records", "lost_ring_full", "bpf_filter": {...}} */
json_t *feed_to_json(const struct feed *f);
/* Availability of each record type on this kernel: {name: {"available", "reason"?, "description"}}. */
json_t *feed_types_json(const struct schedagg *s, const char *error);
