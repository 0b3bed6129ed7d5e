/* feedqueue.h: a live-feed subscriber's bounded queue of records, cut into WIRE_EVENTS payloads. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "events.h"

/* Every queued record takes one slot of the largest record's size. */
#define FEED_QUEUE_SLOT_SIZE 128
#define FEED_QUEUE_MIN_SLOTS 64

struct feed_queue {
	uint8_t *slots;
	size_t nr_slots, head, count;
	uint64_t dropped_pending; /* for the next batch */
	uint64_t dropped_total;
};

/* Room for `bytes` of slots (at least FEED_QUEUE_MIN_SLOTS). */
int feed_queue_init(struct feed_queue *q, size_t bytes);
void feed_queue_done(struct feed_queue *q);

/* Queues a record that passed sched_event_check(); when full, the oldest
 * record goes and is counted as dropped. */
void feed_queue_push(struct feed_queue *q, const struct sched_event_header *h);

/* Writes one WIRE_EVENTS payload into buf: the batch header with `b`'s
 * sample_rate and lost_kernel, this queue's pending drops, then as many
 * queued records as fit in `size` bytes, taken from the queue. Returns the
 * payload's length (0 when `size` cannot hold the batch header); *ret_count
 * is how many records it holds. */
size_t feed_queue_cut(struct feed_queue *q, const struct sched_event_batch *b, uint8_t *buf, size_t size,
		      uint32_t *ret_count);
