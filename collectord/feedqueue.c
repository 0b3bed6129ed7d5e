/* feedqueue.c: a live-feed subscriber's bounded queue of records (fixed slots, the oldest dropped
 * when full) and the WIRE_EVENTS payloads cut from it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feedqueue.h"

_Static_assert(SCHED_EVENT_MAX_SIZE <= FEED_QUEUE_SLOT_SIZE, "a slot holds any record");

int feed_queue_init(struct feed_queue *q, size_t bytes)
{
	size_t n = bytes / FEED_QUEUE_SLOT_SIZE;

	*q = (struct feed_queue){ 0 };
	q->nr_slots = n > FEED_QUEUE_MIN_SLOTS ? n : FEED_QUEUE_MIN_SLOTS;
	q->slots = malloc(q->nr_slots * FEED_QUEUE_SLOT_SIZE);
	if (!q->slots)
		return -ENOMEM;
	return 0;
}

void feed_queue_done(struct feed_queue *q)
{
	free(q->slots);
	q->slots = NULL;
	q->nr_slots = q->head = q->count = 0;
}

/* The slot after i, without a division on every record. */
static size_t next_slot(const struct feed_queue *q, size_t i)
{
	return ++i == q->nr_slots ? 0 : i;
}

void feed_queue_push(struct feed_queue *q, const struct sched_event_header *h)
{
	size_t tail;

	if (q->count == q->nr_slots) {
		/* a slow reader loses its oldest events, counted for its next batch */
		q->head = next_slot(q, q->head);
		q->count--;
		q->dropped_pending++;
		q->dropped_total++;
	}
	tail = q->head + q->count;
	if (tail >= q->nr_slots)
		tail -= q->nr_slots;
	memcpy(q->slots + tail * FEED_QUEUE_SLOT_SIZE, h, h->size);
	q->count++;
}

size_t feed_queue_cut(struct feed_queue *q, const struct sched_event_batch *b, uint8_t *buf, size_t size,
		      uint32_t *ret_count)
{
	struct sched_event_batch out = *b;
	size_t len = sizeof(out);

	*ret_count = 0;
	if (size < sizeof(out))
		return 0;
	out.count = 0;
	out.dropped = q->dropped_pending;
	q->dropped_pending = 0;
	while (q->count) {
		const struct sched_event_header *h = (const void *)(q->slots + q->head * FEED_QUEUE_SLOT_SIZE);

		if (len + h->size > size)
			break;
		memcpy(buf + len, h, h->size);
		len += h->size;
		out.count++;
		q->head = next_slot(q, q->head);
		q->count--;
	}
	memcpy(buf, &out, sizeof(out));
	*ret_count = out.count;
	return len;
}
