/* fuzz-events.c: libFuzzer target for the live feed's event batch decoder (WIRE_EVENTS payload -> records ->
 * JSON).
 *
 * The input is one WIRE_EVENTS payload (struct sched_event_batch, then records). It goes through
 * sched_event_batch_parse() as schedmcp and collectorctl use it. Checked: a batch is delivered
 * whole or not at all (nothing before the verdict); a delivered batch has exactly `count` records
 * that fill the payload to its end, each one sched_event_check() accepts; each record becomes a
 * JSON object that serializes and loads back equal, with its type's name and cpu; the feed's direct
 * printer (sched_event_format_json) writes the same bytes as jansson; the task, comm and latency
 * accessors stay in their bounds; a callback's error stops the walk with that error. */
#include "events-json.h"
#include "fuzz-util.h"

struct walk {
	const uint8_t *payload;
	size_t len, seen_bytes;
	uint32_t seen, stop_at;
};

/* The feed's direct printer writes what jansson prints of the same object, byte for byte, and
 * says -ENOBUFS rather than writing past a buffer that is too small. */
static void check_direct_line(const struct sched_event_header *h, const json_t *j)
{
	char *want = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(12));
	char buf[SCHED_EVENT_JSON_MAX], small[64];
	int n = sched_event_format_json(h, buf, sizeof(buf));

	FUZZ_CHECK(want && n >= 0 && (size_t)n == strlen(want) && memcmp(buf, want, (size_t)n + 1) == 0);
	n = sched_event_format_json(h, small, sizeof(small));
	FUZZ_CHECK(n == -ENOBUFS ? strlen(want) >= sizeof(small) : (size_t)n == strlen(want));
	free(want);
}

static void check_record(const struct sched_event_header *h)
{
	const char *name = sched_event_type_name(h->type), *comms[2];
	uint32_t pids[2], tgids[2];
	uint64_t lat;
	unsigned n;
	json_t *j;

	FUZZ_CHECK(name && h->size == sched_event_type_size(h->type));
	FUZZ_CHECK(sched_event_type_from_name(name) == h->type);
	FUZZ_CHECK(sched_event_type_description(h->type));
	j = sched_event_to_json(h);
	fuzz_check_json(j);
	FUZZ_CHECK(strcmp(json_string_value(json_object_get(j, "type")) ?: "", name) == 0);
	FUZZ_CHECK(json_integer_value(json_object_get(j, "ts_ns")) == (json_int_t)h->ts_ns);
	check_direct_line(h, j);
	json_decref(j);
	n = sched_event_tasks(h, pids, tgids);
	FUZZ_CHECK(n <= 2);
	n = sched_event_comms(h, comms);
	FUZZ_CHECK(n <= 2);
	/* A comm lies inside the record. */
	for (unsigned i = 0; i < n; i++)
		FUZZ_CHECK((const uint8_t *)comms[i] >= (const uint8_t *)h &&
			   (const uint8_t *)comms[i] + SCHED_EVENT_COMM_LEN <= (const uint8_t *)h + h->size);
	if (sched_event_latency(h, &lat) == 1)
		FUZZ_CHECK(h->type == SCHED_EVENT_SWITCH || h->type == SCHED_EVENT_SOFTIRQ);
	if (h->type == SCHED_EVENT_SOFTIRQ) {
		const struct sched_event_softirq *e = (const void *)h;
		const char *v = sched_event_softirq_name(e->vec);

		FUZZ_CHECK(!v || sched_event_softirq_from_name(v) == (int)e->vec);
	}
}

static int on_record(void *userdata, const struct sched_event_header *h)
{
	struct walk *w = userdata;

	/* The record handed over is the one at this place in the payload. */
	FUZZ_CHECK(sizeof(struct sched_event_batch) + w->seen_bytes + h->size <= w->len);
	FUZZ_CHECK(memcmp(w->payload + sizeof(struct sched_event_batch) + w->seen_bytes, h, h->size) == 0);
	FUZZ_CHECK(sched_event_check(h, h->size) == h->size);
	check_record(h);
	w->seen++;
	w->seen_bytes += h->size;
	return w->seen == w->stop_at ? -EIO : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan sees a read past the payload. */
	uint8_t *payload = malloc(size ? size : 1);
	struct sched_event_batch b = {.count = 12345};
	struct walk w = {.payload = payload, .len = size};
	int r;

	FUZZ_CHECK(payload);
	memcpy(payload, data, size);
	r = sched_event_batch_parse(payload, size, &b, on_record, &w);
	if (r < 0) {
		FUZZ_CHECK(r == -EBADMSG && w.seen == 0 && b.count == 12345);
	} else {
		FUZZ_CHECK(r == 0 && w.seen == b.count && sizeof(b) + w.seen_bytes == size);
		/* A callback's error ends the walk there. */
		if (b.count > 1) {
			struct walk w2 = {.payload = payload, .len = size, .stop_at = b.count / 2};

			FUZZ_CHECK(sched_event_batch_parse(payload, size, NULL, on_record, &w2) == -EIO);
			FUZZ_CHECK(w2.seen == b.count / 2);
		}
	}
	/* The checker alone, at every offset of the input. */
	for (size_t off = 0; off < size && off < 512; off++) {
		int n = sched_event_check(payload + off, size - off);

		FUZZ_CHECK(n == -EBADMSG ||
			   ((size_t)n <= size - off && (size_t)n >= sizeof(struct sched_event_header)));
	}
	free(payload);
	return 0;
}
