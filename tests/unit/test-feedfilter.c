/* test-feedfilter.c: unit tests for feedfilter.c: parsing and its refusals, matching records, and the
 * union the BPF side applies for several subscribers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feedfilter.h"
#include "json-util.h"
#include "test-util.h"

static int parse(const char *text, struct feed_filter *f, char **error)
{
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);

	if (!j)
		abort();
	free(*error);
	*error = NULL;
	return feed_filter_parse(j, NULL, f, error);
}

static struct sched_event_switch sw(uint32_t cpu, uint32_t prev, uint32_t next, const char *comm, int64_t lat_ns)
{
	struct sched_event_switch e;

	memset(&e, 0, sizeof(e));
	e.h = (struct sched_event_header){ .type = SCHED_EVENT_SWITCH, .size = sizeof(e), .cpu = cpu };
	e.prev_pid = e.prev_tgid = prev;
	e.next_pid = e.next_tgid = next;
	strcpy(e.next_comm, comm);
	strcpy(e.prev_comm, "swapper/0");
	if (lat_ns >= 0) {
		e.flags = SCHED_SWITCH_RQ_LAT;
		e.rq_lat_ns = (uint64_t)lat_ns;
	}
	return e;
}

static void test_parse(void)
{
	_cleanup_free_ char *error = NULL;
	struct feed_filter f;

	CHECK_INT_EQ(0, parse("{}", &f, &error));
	CHECK_INT_EQ(SCHED_EVENT_MASK_ALL, f.types);
	CHECK_INT_EQ(1, f.sample);
	CHECK(!f.has_cpus && !f.nr_pids && !f.comm_len);

	CHECK_INT_EQ(0, parse("{\"types\":\"sched_switch,softirq\",\"pids\":5,\"cpus\":\"0-2,7\",\"comm\":\"ba\","
			      "\"min_latency_us\":1.5,\"sample_rate\":10}",
			      &f, &error));
	CHECK_INT_EQ(SCHED_EVENT_MASK(SCHED_EVENT_SWITCH) | SCHED_EVENT_MASK(SCHED_EVENT_SOFTIRQ), f.types);
	CHECK_INT_EQ(1, f.nr_pids);
	CHECK_INT_EQ(5, f.pids[0]);
	CHECK(f.has_cpus && (f.cpus[0] & 0x87) == 0x87 && !(f.cpus[0] & 0x8));
	CHECK_INT_EQ(2, f.comm_len);
	CHECK_INT_EQ(1500, f.min_lat_ns);
	CHECK_INT_EQ(10, f.sample);

	CHECK_INT_EQ(0, parse("{\"types\":[\"sched_process_exec\",\"fork\"],\"tgids\":[1,2,3],\"cpus\":[1]}", &f, &error));
	CHECK_INT_EQ(SCHED_EVENT_MASK(SCHED_EVENT_EXEC) | SCHED_EVENT_MASK(SCHED_EVENT_FORK), f.types);
	CHECK_INT_EQ(3, f.nr_tgids);

	/* refusals say what is wrong */
	CHECK_INT_EQ(-EINVAL, parse("{\"types\":\"sched_bogus\"}", &f, &error));
	CHECK(error && strstr(error, "unknown event type 'sched_bogus'") && strstr(error, "sched_switch"));
	CHECK_INT_EQ(-EINVAL, parse("{\"types\":[]}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"types\":5}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"pids\":-1}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"pids\":\"12\"}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"cpus\":\"0-\"}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"cpus\":[99999]}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"cpus\":[]}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"comm\":\"0123456789abcdef\"}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"min_latency_us\":-1}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"sample_rate\":0}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"sample_rate\":1000001}", &f, &error));
	CHECK_INT_EQ(-EINVAL, parse("{\"pid\":1}", &f, &error));
	CHECK(error && strstr(error, "unknown argument 'pid'"));
	{
		char big[1024] = "{\"pids\":[";

		for (int i = 0; i < 65; i++)
			sprintf(big + strlen(big), "%s%d", i ? "," : "", i + 1);
		strcat(big, "]}");
		CHECK_INT_EQ(-EINVAL, parse(big, &f, &error));
		CHECK(error && strstr(error, "at most 64"));
	}
}

static void test_match(void)
{
	_cleanup_free_ char *error = NULL;
	struct sched_event_switch a = sw(1, 10, 20, "bash", 5000), b = sw(2, 30, 40, "vim", -1);
	struct sched_event_cpu_frequency fr = { .h = { .type = SCHED_EVENT_CPU_FREQUENCY, .size = sizeof(fr), .cpu = 1 } };
	struct feed_filter f;

	CHECK_INT_EQ(0, parse("{}", &f, &error));
	CHECK(feed_filter_match(&f, &a.h) && feed_filter_match(&f, &b.h) && feed_filter_match(&f, &fr.h));
	CHECK_INT_EQ(0, parse("{\"types\":\"softirq\"}", &f, &error));
	CHECK(!feed_filter_match(&f, &a.h));
	CHECK_INT_EQ(0, parse("{\"cpus\":1}", &f, &error));
	CHECK(feed_filter_match(&f, &a.h) && !feed_filter_match(&f, &b.h));
	/* either side of a switch matches a pid; task-less events do not */
	CHECK_INT_EQ(0, parse("{\"pids\":[20]}", &f, &error));
	CHECK(feed_filter_match(&f, &a.h) && !feed_filter_match(&f, &b.h) && !feed_filter_match(&f, &fr.h));
	CHECK_INT_EQ(0, parse("{\"tgids\":[30]}", &f, &error));
	CHECK(!feed_filter_match(&f, &a.h) && feed_filter_match(&f, &b.h));
	CHECK_INT_EQ(0, parse("{\"comm\":\"ba\"}", &f, &error));
	CHECK(feed_filter_match(&f, &a.h) && !feed_filter_match(&f, &b.h));
	CHECK_INT_EQ(0, parse("{\"comm\":\"swap\"}", &f, &error));
	CHECK(feed_filter_match(&f, &a.h) && feed_filter_match(&f, &b.h));
	/* a latency filter keeps switches with a known, long enough wait */
	CHECK_INT_EQ(0, parse("{\"min_latency_us\":4}", &f, &error));
	CHECK(feed_filter_match(&f, &a.h) && !feed_filter_match(&f, &b.h) && feed_filter_match(&f, &fr.h));
	CHECK_INT_EQ(0, parse("{\"min_latency_us\":6}", &f, &error));
	CHECK(!feed_filter_match(&f, &a.h));
}

static void test_union(void)
{
	_cleanup_free_ char *error = NULL;
	struct feed_filter a, b, c;
	const struct feed_filter *fs[3] = { &a, &b, &c };
	struct schedagg_feed_filter u;
	unsigned long cpus[CPULIST_LONGS(64)];

	feed_filter_union(fs, 0, 64, cpus, &u);
	CHECK_INT_EQ(0, u.types); /* nobody: off */

	CHECK_INT_EQ(0, parse("{\"types\":\"sched_switch\",\"pids\":[1,2],\"cpus\":[0],\"comm\":\"bash\","
			      "\"min_latency_us\":10,\"sample_rate\":4}",
			      &a, &error));
	feed_filter_union(fs, 1, 64, cpus, &u);
	/* one subscriber: BPF applies exactly its filter */
	CHECK_INT_EQ(SCHED_EVENT_MASK(SCHED_EVENT_SWITCH), u.types);
	CHECK_INT_EQ(2, u.nr_pids);
	CHECK(u.cpus && u.cpus[0] == 1);
	CHECK_INT_EQ(4, u.comm_len);
	CHECK_INT_EQ(10000, u.min_lat_ns);
	CHECK_INT_EQ(4, u.sample);

	CHECK_INT_EQ(0, parse("{\"types\":\"softirq\",\"pids\":[2,3],\"cpus\":[3],\"comm\":\"bat\",\"sample_rate\":6}",
			      &b, &error));
	feed_filter_union(fs, 2, 64, cpus, &u);
	CHECK_INT_EQ(SCHED_EVENT_MASK(SCHED_EVENT_SWITCH) | SCHED_EVENT_MASK(SCHED_EVENT_SOFTIRQ), u.types);
	CHECK_INT_EQ(3, u.nr_pids);       /* 1, 2, 3 */
	CHECK(u.cpus && u.cpus[0] == 9);  /* 0 and 3 */
	CHECK_INT_EQ(2, u.comm_len);      /* "ba" passes bash and bat */
	CHECK_INT_EQ(0, u.min_lat_ns);    /* b wants all latencies */
	CHECK_INT_EQ(2, u.sample);        /* gcd(4, 6): each narrows 1/2 and 1/3 in user space */

	CHECK_INT_EQ(0, parse("{}", &c, &error));
	feed_filter_union(fs, 3, 64, cpus, &u);
	CHECK_INT_EQ(SCHED_EVENT_MASK_ALL, u.types);
	CHECK_INT_EQ(0, u.nr_pids);       /* c wants every task */
	CHECK(u.cpus == NULL);
	CHECK_INT_EQ(0, u.comm_len);
	CHECK_INT_EQ(1, u.sample);
	CHECK(feed_filter_equal(&a, &a) && !feed_filter_equal(&a, &b));
	{
		_cleanup_json_ json_t *j = feed_filter_to_json(&a);

		CHECK_STR_EQ("0", json_string_value(json_object_get(j, "cpus")));
		CHECK_STR_EQ("bash", json_string_value(json_object_get(j, "comm")));
		CHECK_INT_EQ(4, json_integer_value(json_object_get(j, "sample_rate")));
	}
}

static void test_union_overflow(void)
{
	_cleanup_free_ char *error = NULL;
	struct feed_filter a, b;
	const struct feed_filter *fs[2] = { &a, &b };
	struct schedagg_feed_filter u;
	unsigned long cpus[1];
	char text[1024];

	/* 40 + 40 distinct pids exceed the BPF map: BPF stops filtering by pid, user space still does */
	strcpy(text, "{\"pids\":[");
	for (int i = 0; i < 40; i++)
		sprintf(text + strlen(text), "%s%d", i ? "," : "", i + 1);
	strcat(text, "]}");
	CHECK_INT_EQ(0, parse(text, &a, &error));
	strcpy(text, "{\"pids\":[");
	for (int i = 0; i < 40; i++)
		sprintf(text + strlen(text), "%s%d", i ? "," : "", i + 100);
	strcat(text, "]}");
	CHECK_INT_EQ(0, parse(text, &b, &error));
	feed_filter_union(fs, 2, 2, cpus, &u);
	CHECK_INT_EQ(0, u.nr_pids);
	CHECK_INT_EQ(0, u.nr_tgids);
}

int main(void)
{
	test_parse();
	test_match();
	test_union();
	test_union_overflow();
	return test_result("test-feedfilter");
}
