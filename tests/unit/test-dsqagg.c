/* test-dsqagg.c: unit tests for dsqagg.c with synthetic records, as a sched_ext kernel would feed it
 * (this machine has no sched_ext): counts, depth, latency, built-in DSQ names, the DSQ limit. */
#include <errno.h>
#include <string.h>

#include "dsqagg.h"
#include "json-util.h"
#include "test-util.h"

#define SCX_DSQ_GLOBAL ((1ull << 63) | 1)
#define SCX_DSQ_LOCAL_ON ((1ull << 63) | (1ull << 62))

static const json_t *find_dsq(const json_t *o, uint64_t id)
{
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(o, "dsqs"), i, d)
		if ((uint64_t)json_integer_value(json_object_get(d, "dsq_id")) == id)
			return d;
	return NULL;
}

static void test_counts(void)
{
	struct dsqagg *d = NULL;
	_cleanup_json_ json_t *o = NULL;
	const json_t *q, *g;

	CHECK_INT_EQ(0, dsqagg_new(&d));
	/* DSQ 7: 10 enqueues, 6 dispatches after 1..6 ms; timestamps span 2 s */
	for (int i = 0; i < 10; i++)
		CHECK_INT_EQ(0, dsqagg_add(d, &(struct dsq_record){ .dsq_id = 7, .ts_ns = 1000000000ull + i,
								    .kind = DSQ_ENQUEUE }));
	for (int i = 1; i <= 6; i++)
		CHECK_INT_EQ(0, dsqagg_add(d, &(struct dsq_record){ .dsq_id = 7, .ts_ns = 3000000000ull, .kind = DSQ_DISPATCH,
								    .lat_ns = (uint64_t)i * 1000000, .has_lat = true }));
	/* the global DSQ: dispatches only (a live feed sees no enqueues) */
	for (int i = 0; i < 20; i++)
		CHECK_INT_EQ(0, dsqagg_add(d, &(struct dsq_record){ .dsq_id = SCX_DSQ_GLOBAL, .ts_ns = 2000000000ull,
								    .kind = DSQ_DISPATCH, .lat_ns = 5000, .has_lat = true }));
	CHECK_INT_EQ(-EINVAL, dsqagg_add(d, &(struct dsq_record){ .dsq_id = 1, .kind = DSQ_KIND_MAX }));
	CHECK_INT_EQ(36, dsqagg_records(d));

	o = dsqagg_to_json(d);
	CHECK(o != NULL);
	CHECK(json_real_value(json_object_get(o, "window_s")) > 1.99 && json_real_value(json_object_get(o, "window_s")) < 2.01);
	/* most dispatches first */
	CHECK((uint64_t)json_integer_value(json_object_get(json_array_get(json_object_get(o, "dsqs"), 0), "dsq_id")) ==
	      SCX_DSQ_GLOBAL);
	q = find_dsq(o, 7);
	CHECK(q != NULL);
	CHECK_INT_EQ(10, json_integer_value(json_object_get(q, "enqueues")));
	CHECK_INT_EQ(6, json_integer_value(json_object_get(q, "dispatches")));
	CHECK_INT_EQ(4, json_integer_value(json_object_get(q, "depth")));
	CHECK(json_is_null(json_object_get(q, "name")));
	CHECK_INT_EQ(6, json_integer_value(json_object_get(json_object_get(q, "latency"), "count")));
	CHECK(json_real_value(json_object_get(json_object_get(q, "latency"), "avg_us")) == 3500.0);
	CHECK(json_real_value(json_object_get(json_object_get(q, "latency"), "max_us")) == 6000.0);
	g = find_dsq(o, SCX_DSQ_GLOBAL);
	CHECK_STR_EQ("SCX_DSQ_GLOBAL", json_string_value(json_object_get(g, "name")));
	CHECK(json_is_null(json_object_get(g, "depth"))); /* no enqueue seen: unknown, not negative */
	CHECK(json_real_value(json_object_get(g, "dispatches_per_s")) == 10.0);
	dsqagg_reset(d);
	CHECK_INT_EQ(0, dsqagg_records(d));
	dsqagg_free(d);
}

static void test_switch_records(void)
{
	struct dsqagg *d = NULL;
	struct sched_event_switch e;
	_cleanup_json_ json_t *o = NULL;
	char buf[48];

	CHECK_INT_EQ(0, dsqagg_new(&d));
	memset(&e, 0, sizeof(e));
	e.h = (struct sched_event_header){ .type = SCHED_EVENT_SWITCH, .size = sizeof(e), .ts_ns = 1 };
	CHECK_INT_EQ(0, dsqagg_add_switch(d, &e)); /* not sched_ext: ignored */
	CHECK_INT_EQ(0, dsqagg_records(d));
	e.flags = SCHED_SWITCH_SCX | SCHED_SWITCH_SCX_DSQ | SCHED_SWITCH_RQ_LAT;
	e.scx_dsq_id = SCX_DSQ_LOCAL_ON | 3;
	e.scx_dsq_lat_ns = 2500;
	CHECK_INT_EQ(0, dsqagg_add_switch(d, &e));
	o = dsqagg_to_json(d);
	CHECK_STR_EQ("SCX_DSQ_LOCAL_ON|3", json_string_value(json_object_get(find_dsq(o, SCX_DSQ_LOCAL_ON | 3), "name")));
	CHECK_STR_EQ("SCX_DSQ_LOCAL_ON|3", dsq_builtin_name(SCX_DSQ_LOCAL_ON | 3, buf, sizeof(buf)));
	CHECK(dsq_builtin_name(42, buf, sizeof(buf)) == NULL);
	dsqagg_free(d);
}

static void test_limit(void)
{
	struct dsqagg *d = NULL;
	_cleanup_json_ json_t *o = NULL;

	CHECK_INT_EQ(0, dsqagg_new(&d));
	for (uint64_t i = 0; i < DSQAGG_MAX_DSQS; i++)
		CHECK_INT_EQ(0, dsqagg_add(d, &(struct dsq_record){ .dsq_id = i, .ts_ns = 1, .kind = DSQ_ENQUEUE }));
	CHECK_INT_EQ(-ENOSPC, dsqagg_add(d, &(struct dsq_record){ .dsq_id = 99999, .ts_ns = 1, .kind = DSQ_ENQUEUE }));
	o = dsqagg_to_json(d);
	CHECK_INT_EQ(1, json_integer_value(json_object_get(o, "overflow")));
	CHECK_INT_EQ(DSQAGG_MAX_DSQS, json_array_size(json_object_get(o, "dsqs")));
	dsqagg_free(d);
}

int main(void)
{
	test_counts();
	test_switch_records();
	test_limit();
	return test_result("test-dsqagg");
}
