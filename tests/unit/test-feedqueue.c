/* test-feedqueue.c: unit tests for feedqueue.c: the oldest records dropped and counted when full,
 * batches cut to the room given, in order, with the drops reported once. */
#include <string.h>

#include "events-json.h"
#include "feedqueue.h"
#include "test-util.h"

static struct sched_event_wakeup wakeup(uint32_t pid)
{
	struct sched_event_wakeup e;

	memset(&e, 0, sizeof(e));
	e.h = (struct sched_event_header){ .type = SCHED_EVENT_WAKEUP, .size = sizeof(e), .ts_ns = pid };
	e.pid = e.tgid = pid;
	return e;
}

static uint32_t nth_pid(const uint8_t *payload, size_t len, unsigned i)
{
	size_t off = sizeof(struct sched_event_batch) + i * sizeof(struct sched_event_wakeup);
	struct sched_event_wakeup e;

	if (off + sizeof(e) > len)
		return 0;
	memcpy(&e, payload + off, sizeof(e));
	return e.pid;
}

static void test_drop_oldest(void)
{
	struct sched_event_batch b = { .sample_rate = 3, .lost_kernel = 5 }, got;
	_Alignas(8) uint8_t buf[8192];
	struct feed_queue q;
	uint32_t count;
	size_t len;

	CHECK_INT_EQ(0, feed_queue_init(&q, 0));
	CHECK_INT_EQ(FEED_QUEUE_MIN_SLOTS, q.nr_slots);
	/* 10 more than it holds: the first 10 go */
	for (uint32_t pid = 1; pid <= FEED_QUEUE_MIN_SLOTS + 10; pid++) {
		struct sched_event_wakeup e = wakeup(pid);

		feed_queue_push(&q, &e.h);
	}
	CHECK_INT_EQ(FEED_QUEUE_MIN_SLOTS, q.count);
	CHECK_INT_EQ(10, q.dropped_total);

	/* room for 3 records: the oldest 3 left, in order, with the drops */
	len = feed_queue_cut(&q, &b, buf, sizeof(b) + 3 * sizeof(struct sched_event_wakeup) + 10, &count);
	CHECK_INT_EQ(3, count);
	CHECK_INT_EQ(sizeof(b) + 3 * sizeof(struct sched_event_wakeup), len);
	memcpy(&got, buf, sizeof(got));
	CHECK_INT_EQ(3, got.count);
	CHECK_INT_EQ(3, got.sample_rate);
	CHECK_INT_EQ(10, got.dropped);
	CHECK_INT_EQ(5, got.lost_kernel);
	CHECK_INT_EQ(11, nth_pid(buf, len, 0));
	CHECK_INT_EQ(13, nth_pid(buf, len, 2));
	CHECK_INT_EQ(0, sched_event_batch_parse(buf, len, NULL, NULL, NULL));

	/* the drops are reported once; the rest comes out in order across the ring's end */
	len = feed_queue_cut(&q, &b, buf, sizeof(buf), &count);
	memcpy(&got, buf, sizeof(got));
	CHECK_INT_EQ(0, got.dropped);
	CHECK_INT_EQ(FEED_QUEUE_MIN_SLOTS - 3, count);
	CHECK_INT_EQ(14, nth_pid(buf, len, 0));
	CHECK_INT_EQ(FEED_QUEUE_MIN_SLOTS + 10, nth_pid(buf, len, count - 1));
	CHECK_INT_EQ(0, sched_event_batch_parse(buf, len, NULL, NULL, NULL));
	CHECK_INT_EQ(0, q.count);

	/* an empty queue still cuts a batch header (a drops-only batch); no room for it gives nothing */
	CHECK_INT_EQ(sizeof(b), feed_queue_cut(&q, &b, buf, sizeof(buf), &count));
	CHECK_INT_EQ(0, count);
	CHECK_INT_EQ(0, feed_queue_cut(&q, &b, buf, sizeof(b) - 1, &count));
	feed_queue_done(&q);
	feed_queue_done(&q); /* twice is harmless */
}

static void test_sizes(void)
{
	struct feed_queue q;

	CHECK_INT_EQ(0, feed_queue_init(&q, 4u << 20));
	CHECK_INT_EQ(32768, q.nr_slots); /* MaxQueuedBytes' default in 128-byte slots */
	feed_queue_done(&q);
}

int main(void)
{
	test_drop_oldest();
	test_sizes();
	return test_result("test-feedqueue");
}
