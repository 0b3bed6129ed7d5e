/* test-events-json.c: unit tests for events-json.c: record and batch checks with bad lengths, counts
 * and types; the JSON of records, and the direct printer agreeing with it; names; tasks, comms and
 * latencies a filter reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events-json.h"
#include "json-util.h"
#include "test-util.h"

static struct sched_event_switch a_switch(void)
{
	struct sched_event_switch e;

	memset(&e, 0, sizeof(e));
	e.h = (struct sched_event_header){ .type = SCHED_EVENT_SWITCH, .size = sizeof(e), .cpu = 1, .ts_ns = 123456789 };
	e.prev_pid = 100;
	e.prev_tgid = 100;
	e.next_pid = 200;
	e.next_tgid = 199;
	e.prev_prio = 120;
	e.next_prio = 100;
	e.prev_state = 1; /* TASK_INTERRUPTIBLE */
	e.flags = SCHED_SWITCH_RQ_LAT;
	e.rq_lat_ns = 12345;
	strcpy(e.prev_comm, "sleeper");
	memcpy(e.next_comm, "bad\x01\xff" "name", 9); /* not printable: sanitized */
	return e;
}

static struct sched_event_softirq a_softirq(void)
{
	struct sched_event_softirq e;

	memset(&e, 0, sizeof(e));
	e.h = (struct sched_event_header){ .type = SCHED_EVENT_SOFTIRQ, .size = sizeof(e), .cpu = 0, .ts_ns = 5 };
	e.vec = 3;
	e.pid = 42;
	e.tgid = 41;
	e.duration_ns = 7000;
	strcpy(e.comm, "worker");
	return e;
}

/* A batch in a buffer: header, then records; returns its length. */
static size_t batch(uint8_t *buf, uint32_t count, const void *recs, size_t len)
{
	struct sched_event_batch b = { .count = count, .sample_rate = 3, .dropped = 7, .lost_kernel = 2 };

	memcpy(buf, &b, sizeof(b));
	memcpy(buf + sizeof(b), recs, len);
	return sizeof(b) + len;
}

static int count_cb(void *userdata, const struct sched_event_header *h)
{
	(*(int *)userdata)++;
	return 0;
}

static int stop_cb(void *userdata, const struct sched_event_header *h)
{
	return -ECANCELED;
}

static void test_checks(void)
{
	struct sched_event_switch e = a_switch();
	struct sched_event_header h;

	CHECK_INT_EQ((int)sizeof(e), sched_event_check(&e, sizeof(e)));
	CHECK_INT_EQ((int)sizeof(e), sched_event_check(&e, sizeof(e) + 100));
	CHECK_INT_EQ(-EBADMSG, sched_event_check(&e, sizeof(e) - 1));	/* cut short */
	CHECK_INT_EQ(-EBADMSG, sched_event_check(&e, 8));		/* not even a header */
	CHECK_INT_EQ(-EBADMSG, sched_event_check(&e, 0));
	e.h.size = sizeof(e) - 8;					/* size not the type's */
	CHECK_INT_EQ(-EBADMSG, sched_event_check(&e, sizeof(e)));
	e.h.size = sizeof(e) + 8;
	CHECK_INT_EQ(-EBADMSG, sched_event_check(&e, sizeof(e) + 8));
	e = a_switch();
	e.h.type = SCHED_EVENT_TYPE_MAX;				/* unknown type */
	CHECK_INT_EQ(-EBADMSG, sched_event_check(&e, sizeof(e)));
	e.h.type = 0;
	CHECK_INT_EQ(-EBADMSG, sched_event_check(&e, sizeof(e)));
	h = (struct sched_event_header){ .type = SCHED_EVENT_CPU_FREQUENCY, .size = 16 };
	CHECK_INT_EQ(-EBADMSG, sched_event_check(&h, sizeof(h)));	/* header only, type wants 24 */
	for (unsigned t = 1; t < SCHED_EVENT_TYPE_MAX; t++) {
		CHECK(sched_event_type_size(t) >= sizeof(struct sched_event_header));
		CHECK(sched_event_type_size(t) <= SCHED_EVENT_MAX_SIZE);
		CHECK(sched_event_type_size(t) % 8 == 0);
		CHECK(sched_event_type_name(t) != NULL);
		CHECK_INT_EQ((int)t, sched_event_type_from_name(sched_event_type_name(t)));
	}
	CHECK_INT_EQ(0, sched_event_type_size(SCHED_EVENT_TYPE_MAX));
	CHECK_INT_EQ(SCHED_EVENT_FORK, sched_event_type_from_name("sched_process_fork"));
	CHECK_INT_EQ(-EINVAL, sched_event_type_from_name("sched_nonsense"));
	CHECK_INT_EQ(9, sched_event_softirq_from_name("RCU"));
	CHECK(sched_event_softirq_name(10) == NULL);
}

static void test_batches(void)
{
	struct sched_event_switch e = a_switch();
	struct sched_event_softirq q = a_softirq();
	uint8_t recs[512], buf[1024];
	struct sched_event_batch b;
	size_t len, rl = 0;
	int n = 0;

	memcpy(recs + rl, &e, sizeof(e));
	rl += sizeof(e);
	memcpy(recs + rl, &q, sizeof(q));
	rl += sizeof(q);

	len = batch(buf, 2, recs, rl);
	CHECK_INT_EQ(0, sched_event_batch_parse(buf, len, &b, count_cb, &n));
	CHECK_INT_EQ(2, n);
	CHECK_INT_EQ(3, b.sample_rate);
	CHECK_INT_EQ(7, b.dropped);
	CHECK_INT_EQ(2, b.lost_kernel);
	/* a drops-only batch */
	n = 0;
	CHECK_INT_EQ(0, sched_event_batch_parse(buf, batch(buf, 0, recs, 0), &b, count_cb, &n));
	CHECK_INT_EQ(0, n);

	/* every malformation is refused before any record is delivered */
	len = batch(buf, 2, recs, rl);
	n = 0;
	CHECK_INT_EQ(-EBADMSG, sched_event_batch_parse(buf, len - 1, &b, count_cb, &n));	/* cut */
	CHECK_INT_EQ(-EBADMSG, sched_event_batch_parse(buf, len + 8, &b, count_cb, &n));	/* trailing bytes */
	CHECK_INT_EQ(-EBADMSG, sched_event_batch_parse(buf, batch(buf, 3, recs, rl), &b, count_cb, &n)); /* count too big */
	CHECK_INT_EQ(-EBADMSG, sched_event_batch_parse(buf, batch(buf, 1, recs, rl), &b, count_cb, &n)); /* too small */
	CHECK_INT_EQ(-EBADMSG, sched_event_batch_parse(buf, batch(buf, UINT32_MAX, recs, rl), &b, count_cb, &n));
	CHECK_INT_EQ(-EBADMSG, sched_event_batch_parse(buf, 10, &b, count_cb, &n));		/* no header */
	len = batch(buf, 2, recs, rl);
	((struct sched_event_header *)(buf + sizeof(b) + sizeof(e)))->size = 8;		/* a record lies */
	CHECK_INT_EQ(-EBADMSG, sched_event_batch_parse(buf, len, &b, count_cb, &n));
	CHECK_INT_EQ(0, n);
	/* a callback stops the walk with its value */
	CHECK_INT_EQ(-ECANCELED, sched_event_batch_parse(buf, batch(buf, 2, recs, rl), &b, stop_cb, NULL));
	/* unaligned payloads are fine */
	memmove(buf + 1, buf, len);
	n = 0;
	CHECK_INT_EQ(0, sched_event_batch_parse(buf + 1, len, &b, count_cb, &n));
	CHECK_INT_EQ(2, n);
}

static void test_json(void)
{
	struct sched_event_switch e = a_switch();
	struct sched_event_softirq q = a_softirq();
	struct sched_event_exec x;
	_cleanup_json_ json_t *j = sched_event_to_json(&e.h), *k = sched_event_to_json(&q.h), *l = NULL;
	uint32_t pids[2], tgids[2];
	const char *comms[2];
	uint64_t lat;

	CHECK_STR_EQ("sched_switch", json_string_value(json_object_get(j, "type")));
	CHECK_INT_EQ(1, json_integer_value(json_object_get(j, "cpu")));
	CHECK_INT_EQ(123456789, json_integer_value(json_object_get(j, "ts_ns")));
	CHECK_INT_EQ(100, json_integer_value(json_object_get(j, "prev_pid")));
	CHECK_INT_EQ(200, json_integer_value(json_object_get(j, "next_pid")));
	CHECK_INT_EQ(199, json_integer_value(json_object_get(j, "next_tgid")));
	CHECK_STR_EQ("sleeper", json_string_value(json_object_get(j, "prev_comm")));
	CHECK_STR_EQ("bad??name", json_string_value(json_object_get(j, "next_comm")));
	CHECK_STR_EQ("S", json_string_value(json_object_get(j, "prev_state")));
	CHECK(json_real_value(json_object_get(j, "rq_lat_us")) > 12.3 && json_real_value(json_object_get(j, "rq_lat_us")) < 12.4);
	CHECK(json_object_get(j, "scx") == NULL);
	CHECK_STR_EQ("net_rx", json_string_value(json_object_get(k, "softirq")));
	CHECK_INT_EQ(42, json_integer_value(json_object_get(k, "pid")));

	CHECK_INT_EQ(2, sched_event_tasks(&e.h, pids, tgids));
	CHECK_INT_EQ(100, pids[0]);
	CHECK_INT_EQ(200, pids[1]);
	CHECK_INT_EQ(2, sched_event_comms(&e.h, comms));
	CHECK_INT_EQ(1, sched_event_latency(&e.h, &lat));
	CHECK_INT_EQ(12345, lat);
	e.flags = 0;
	CHECK_INT_EQ(0, sched_event_latency(&e.h, &lat));
	CHECK_INT_EQ(1, sched_event_tasks(&q.h, pids, tgids));
	CHECK_INT_EQ(42, pids[1]);

	/* a filename that fills its field has no NUL: the JSON stops at the field */
	memset(&x, 0, sizeof(x));
	x.h = (struct sched_event_header){ .type = SCHED_EVENT_EXEC, .size = sizeof(x) };
	memset(x.filename, 'a', sizeof(x.filename));
	memset(x.comm, 'c', sizeof(x.comm));
	l = sched_event_to_json(&x.h);
	CHECK_INT_EQ(sizeof(x.filename), strlen(json_string_value(json_object_get(l, "filename"))));
	CHECK_INT_EQ(sizeof(x.comm), strlen(json_string_value(json_object_get(l, "comm"))));

	/* every type turns into JSON from a zeroed record */
	for (unsigned t = 1; t < SCHED_EVENT_TYPE_MAX; t++) {
		_Alignas(8) uint8_t rec[SCHED_EVENT_MAX_SIZE] = { 0 };
		struct sched_event_header *h = (void *)rec;
		_cleanup_json_ json_t *o = NULL;

		h->type = (uint16_t)t;
		h->size = (uint16_t)sched_event_type_size(t);
		CHECK_INT_EQ(h->size, sched_event_check(rec, sizeof(rec)));
		o = sched_event_to_json(h);
		CHECK(o != NULL);
		CHECK_STR_EQ(sched_event_type_name(t), json_string_value(json_object_get(o, "type")));
	}
}

static uint64_t rnd(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* A latency field: small, near the 10^12 (x10 ns) boundary, or anything. */
static uint64_t rnd_ns(uint64_t *state)
{
	switch (rnd(state) % 4) {
	case 0:
		return rnd(state) % 100000000;
	case 1:
		return 10000000000000ull - 20 + rnd(state) % 40;
	case 2:
		return (rnd(state) % 1000) * 1000;
	default:
		return rnd(state);
	}
}

/* sched_event_format_json() prints what sched_event_to_json() + json_dumps() print, byte for byte. */
static void test_format_json(void)
{
	static const char specials[] = "\"\\/?\x01\x7f\xff a";
	uint64_t state = 0x9e3779b97f4a7c15ull;
	unsigned mismatches = 0;
	char buf[SCHED_EVENT_JSON_MAX];

	for (unsigned i = 0; i < 60000; i++) {
		_Alignas(8) uint8_t rec[SCHED_EVENT_MAX_SIZE];
		struct sched_event_header *h = (void *)rec;
		unsigned t = 1 + i % (SCHED_EVENT_TYPE_MAX - 1);
		_cleanup_json_ json_t *o = NULL;
		_cleanup_free_ char *want = NULL;
		int n;

		for (size_t k = 0; k < sizeof(rec); k++) {
			uint64_t x = rnd(&state);

			/* strings of quotes, backslashes and bytes outside ASCII, or plain ones */
			rec[k] = (i / 16) % 3 == 0 ? (uint8_t)specials[x % (sizeof(specials) - 1)] : (uint8_t)x;
		}
		h->type = (uint16_t)t;
		h->size = (uint16_t)sched_event_type_size(t);
		if (t == SCHED_EVENT_SWITCH) {
			struct sched_event_switch *e = (void *)rec;

			e->rq_lat_ns = rnd_ns(&state);
			e->scx_dsq_lat_ns = rnd_ns(&state);
			e->flags &= 0xf;
			if (i % 5 == 0)
				e->prev_state = 0;
		} else if (t == SCHED_EVENT_SOFTIRQ) {
			((struct sched_event_softirq *)rec)->duration_ns = rnd_ns(&state);
			((struct sched_event_softirq *)rec)->vec %= 12;
		} else if (t == SCHED_EVENT_EXIT) {
			((struct sched_event_exit *)rec)->runtime_ns = rnd_ns(&state);
		} else if (t == SCHED_EVENT_IPI && i % 3 == 0) {
			((struct sched_event_ipi *)rec)->target_cpu = UINT32_MAX;
		}
		o = sched_event_to_json(h);
		want = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
		CHECK(want != NULL);
		n = sched_event_format_json(h, buf, sizeof(buf));
		if (!want || n < 0 || strcmp(want, buf) != 0) {
			if (mismatches++ < 3)
				CHECK_STR_EQ(want ? want : "(null)", n < 0 ? "(error)" : buf);
			continue;
		}
		CHECK_INT_EQ(strlen(want), n);
		/* one byte short of the line and its NUL is refused, whole */
		if (i % 97 == 0) {
			CHECK_INT_EQ(-ENOBUFS, sched_event_format_json(h, buf, (size_t)n));
			CHECK_INT_EQ(n, sched_event_format_json(h, buf, (size_t)n + 1));
		}
	}
	CHECK_INT_EQ(0, mismatches);
	CHECK_INT_EQ(-ENOBUFS, sched_event_format_json(&(struct sched_event_header){ .type = 1 }, buf, 0));
}

int main(void)
{
	test_checks();
	test_batches();
	test_json();
	test_format_json();
	return test_result("test-events-json");
}
