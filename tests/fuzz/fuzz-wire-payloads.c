/* fuzz-wire-payloads.c: libFuzzer target for the decoders of wire message payloads that need no collector.
 *
 * The first input byte is the message type, the rest its payload. The client side decodes it as
 * a reply (collector_reply_decode); the collector side parses it as dispatch does (a JSON object,
 * duplicate keys refused) and runs every pure argument decoder a request reaches on it: HELLO's,
 * READ's and CALL's members, page_parse, arg_string, args_check_known, report_opts_parse (get_perf_results),
 * perf_event_spec_parse (start_perf_profiling's event) and feed_filter_parse (SUBSCRIBE, watch_events).
 * Checked: decoders keep their documented ranges; a refusal carries a message; a parsed feed filter
 * written back as JSON parses to the same filter. */
#include <linux/perf_event.h>

#include "collector-client.h"
#include "events-json.h"
#include "feedfilter.h"
#include "fuzz-util.h"
#include "json-util.h"
#include "paging.h"
#include "perf.h"
#include "report.h"

static void check_reply_decode(const struct wire_message *m)
{
	json_t *body = NULL, *j = json_loadb((const char *)m->payload, m->length, 0, NULL);
	char *err = NULL;
	int r = collector_reply_decode(m, &body, &err);

	if (m->type == WIRE_REPLY && j) {
		FUZZ_CHECK(r == 0 && body && !err);
		fuzz_check_json(body);
	} else if (m->type == WIRE_ERROR && j) {
		/* The collector's errno, kept in range, and a sentence. */
		FUZZ_CHECK(r < 0 && r >= -4095 && err && !body);
	} else {
		FUZZ_CHECK(r == -EPROTO && !body && !err);
	}
	json_decref(j);
	json_decref(body);
	free(err);
}

/* A refusal: -EINVAL with a message, consumed here. */
static void check_refusal(int r, char **err)
{
	FUZZ_CHECK(r == -EINVAL && *err);
	free(*err);
	*err = NULL;
}

static void check_page(const json_t *args)
{
	struct page p = {.offset = 7, .limit = 7};
	char *err = NULL;
	int r = page_parse(args, &p, &err);
	json_t *o;

	if (r < 0) {
		check_refusal(r, &err);
		FUZZ_CHECK(p.offset == 7 && p.limit == 7); /* untouched */
		return;
	}
	FUZZ_CHECK(!err && p.offset <= PAGE_OFFSET_MAX && p.limit <= PAGE_LIMIT_MAX);
	o = json_object();
	FUZZ_CHECK(o && page_to_json(&p, p.offset + 3, o) == 0);
	fuzz_check_json(o);
	json_decref(o);
}

static void check_strings(const json_t *args)
{
	static const struct {
		const char *key;
		size_t max;
	} keys[] = {{"subsystem", 256}, {"filter", 256},  {"target", 128},
		    {"sort", 32},	{"group_by", 32}, {"comm", 15}};
	static const char *const known_sets[][10] = {
	    {NULL},
	    {"detail", "include_offline", NULL},
	    {"subsystem", "filter", "offset", "limit", NULL},
	    {"window", "sort", "group_by", "pid", "tgid", "comm", "offset", "limit"},
	};

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		const char *s = (const char *)1;
		char *err = NULL;
		int r = arg_string(args, keys[i].key, keys[i].max, &s, &err);

		if (r < 0)
			check_refusal(r, &err);
		else
			FUZZ_CHECK(!err && (!s || strlen(s) <= keys[i].max));
	}
	for (size_t i = 0; i < ELEMENTSOF(known_sets); i++) {
		char *err = NULL;
		int r = args_check_known(args, known_sets[i], &err);
		const char *key;
		json_t *v;
		bool all_known = true;

		json_object_foreach ((json_t *)args, key, v) {
			bool found = false;

			for (size_t k = 0; known_sets[i][k]; k++)
				found |= strcmp(known_sets[i][k], key) == 0;
			all_known &= found;
		}
		FUZZ_CHECK((r == 0) == all_known);
		if (r < 0)
			check_refusal(r, &err);
	}
}

static void check_report_opts(const json_t *args)
{
	struct report_opts o;
	char *err = NULL;
	int r = report_opts_parse(args, 1u << 20, &o, &err);

	if (r < 0) {
		check_refusal(r, &err);
		return;
	}
	FUZZ_CHECK(o.format < REPORT_FORMAT_MAX && o.sort < REPORT_SORT_MAX && o.limit <= REPORT_LIMIT_MAX);
	FUZZ_CHECK(o.offset <= UINT32_MAX && o.pid >= 0 && o.budget >= REPORT_BUDGET_MIN &&
		   o.budget <= (1u << 20));
	FUZZ_CHECK(!o.focus || (o.focus[0] && strlen(o.focus) <= 256));
	FUZZ_CHECK(strcmp(report_format_to_string(o.format), "?") != 0);
}

static void check_perf_event(const json_t *args)
{
	struct perf_event_spec ev;
	const char *name;
	char *err = NULL;
	int r;

	if (json_get_string(args, "event", &name) < 0)
		return;
	/* A machine without a PMU and one with it; tracepoint ids from the fixture tree. */
	for (int hw = 0; hw < 2; hw++) {
		r = perf_event_spec_parse(name, hw ? NULL : "no PMU", FUZZ_FIXTURES "/profile", &ev, &err);
		if (r < 0) {
			FUZZ_CHECK((r == -EINVAL || r == -ENOENT) && err);
			free(err);
			err = NULL;
			continue;
		}
		FUZZ_CHECK(memchr(ev.requested, 0, sizeof(ev.requested)) &&
			   memchr(ev.used, 0, sizeof(ev.used)) &&
			   memchr(ev.fallback, 0, sizeof(ev.fallback)));
		FUZZ_CHECK(ev.tracepoint == (ev.type == PERF_TYPE_TRACEPOINT));
		if (!hw)
			FUZZ_CHECK(ev.type != PERF_TYPE_HARDWARE);
		perf_event_spec_fallback(&ev, -ENOENT);
	}
}

static const struct sched_event_switch sample_switch = {
    .h = {.type = SCHED_EVENT_SWITCH, .size = sizeof(struct sched_event_switch), .cpu = 3},
    .prev_pid = 100,
    .prev_tgid = 100,
    .next_pid = 200,
    .next_tgid = 199,
    .flags = SCHED_SWITCH_RQ_LAT,
    .rq_lat_ns = 5000,
    .prev_comm = "bash",
    .next_comm = "kworker/3:1",
};

static void check_feed_filter(const json_t *args, const char *const *known)
{
	struct feed_filter f, back;
	struct schedagg_feed_filter u;
	const struct feed_filter *fs[2] = {&f, &f};
	unsigned long cpus[CPULIST_LONGS(TOPO_MAX_CPUS)];
	char *err = NULL;
	json_t *j;
	int r = feed_filter_parse(args, known, &f, &err);

	if (r < 0) {
		check_refusal(r, &err);
		return;
	}
	FUZZ_CHECK(!err && f.types && !(f.types & ~SCHED_EVENT_MASK_ALL) && f.sample >= 1 &&
		   f.sample <= FEED_SAMPLE_MAX && f.nr_pids <= FEED_FILTER_MAX_PIDS &&
		   f.nr_tgids <= FEED_FILTER_MAX_PIDS && f.comm_len <= 15);
	/* As applied, written back: the same filter. min_latency_us is truncated to whole ns
	 * (1.001 us reads as 1000 ns), so written back it may read 1 ns less: allowed here until
	 * feedfilter.c rounds (reported with this target; feedfilter.c is issue 5's). */
	j = feed_filter_to_json(&f);
	fuzz_check_json(j);
	r = feed_filter_parse(j, NULL, &back, &err);
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(back.min_lat_ns <= f.min_lat_ns && f.min_lat_ns - back.min_lat_ns <= 1);
	back.min_lat_ns = f.min_lat_ns;
	FUZZ_CHECK(feed_filter_equal(&f, &back));
	json_decref(j);
	/* The union of a filter with itself passes what it passes. */
	feed_filter_union(fs, 2, TOPO_MAX_CPUS, cpus, &u);
	FUZZ_CHECK(u.types == f.types && u.sample == f.sample && u.min_lat_ns == f.min_lat_ns &&
		   u.comm_len == f.comm_len);
	(void)feed_filter_match(&f, &sample_switch.h);
}

static void check_requests(const json_t *args)
{
	static const char *const watch_args[] = {
	    "types",	      "pids",	     "tgids",	      "cpus",  "comm",
	    "min_latency_us", "sample_rate", "duration_secs", "limit", NULL};
	const json_t *inner = json_object_get(args, "args");
	const char *s;
	uint64_t u;
	bool b;

	/* HELLO, READ, CALL, CANCEL, UNSUBSCRIBE members as dispatch reads them. */
	(void)json_get_uint(args, "protocol", UINT32_MAX, &u);
	(void)json_get_string(args, "client", &s);
	(void)json_get_string(args, "uri", &s);
	(void)json_get_string(args, "name", &s);
	(void)json_get_uint(args, "request_id", UINT32_MAX, &u);
	(void)json_get_uint(args, "subscription", UINT32_MAX, &u);
	(void)json_get_bool(args, "include_offline", &b);
	if (json_get_uint(args, "request_id", UINT32_MAX, &u) == 0)
		FUZZ_CHECK(u <= UINT32_MAX);
	/* SUBSCRIBE's filters are the payload itself. */
	check_feed_filter(args, NULL);
	/* READ's and CALL's arguments, when they are an object, go to the resource or call. */
	if (!json_is_object(inner))
		inner = args;
	check_page(inner);
	check_strings(inner);
	check_report_opts(inner);
	check_perf_event(inner);
	check_feed_filter(inner, watch_args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_message m = {0};
	json_t *args;

	if (size < 1)
		return 0;
	m.type = data[0] % (WIRE_TYPE_MAX + 1);
	m.length = (uint32_t)(size - 1);
	m.payload = (uint8_t *)fuzz_text(data + 1, size - 1);
	check_reply_decode(&m);

	/* As dispatch: a JSON object, or refused before any handler. */
	args = json_loadb((const char *)m.payload, m.length, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(args))
		check_requests(args);
	json_decref(args);
	free(m.payload);
	return 0;
}
