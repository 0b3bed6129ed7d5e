/* test-events-filter.c: unit tests for events-filter.c: events://stream query parameters to SUBSCRIBE
 * filters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events-filter.h"
#include "json-util.h"
#include "test-util.h"

/* JSON written with ' for " (no test needs a '). */
static json_t *load(const char *text)
{
	char *copy = strdup(text);
	json_t *v;

	if (!copy)
		abort();
	for (char *c = copy; *c; c++)
		*c = *c == '\'' ? '"' : *c;
	v = json_loads(copy, 0, NULL);
	free(copy);
	if (!v)
		abort();
	return v;
}

static void check_ok(const char *vars_text, const char *expected)
{
	json_t *vars = load(vars_text), *filters = NULL;
	char err[512] = "";
	char *got = NULL;
	int r = events_filter_from_vars(vars, &filters, err, sizeof(err));

	CHECK_INT_EQ(0, r);
	if (r < 0)
		fprintf(stderr, "  %s: %s\n", vars_text, err);
	else
		got = json_dumps(filters, JSON_COMPACT);
	CHECK_STR_EQ(expected, got);
	free(got);
	json_decref(filters);
	json_decref(vars);
}

/* Refused with -EINVAL, and the error says `expected` (a prefix of it) and names what is allowed. */
static void check_bad(const char *vars_text, const char *expected, const char *allowed)
{
	json_t *vars = load(vars_text), *filters = NULL;
	char err[512] = "";

	CHECK_INT_EQ(-EINVAL, events_filter_from_vars(vars, &filters, err, sizeof(err)));
	CHECK(filters == NULL);
	CHECK(strncmp(err, expected, strlen(expected)) == 0);
	CHECK(strstr(err, allowed) != NULL);
	if (strncmp(err, expected, strlen(expected)) != 0 || !strstr(err, allowed))
		fprintf(stderr, "  %s: got \"%s\"\n", vars_text, err);
	json_decref(vars);
}

static void test_good(void)
{
	check_ok("{}", "{}");
	/* types: canonical names in the feed's order, tracepoint names accepted, all = every type */
	check_ok("{'types':'sched_wakeup,sched_switch'}", "{\"types\":[\"sched_switch\",\"sched_wakeup\"]}");
	check_ok("{'types':'sched_process_fork,fork'}", "{\"types\":[\"fork\"]}");
	check_ok(
	    "{'types':'all'}",
	    "{\"types\":[\"sched_switch\",\"sched_wakeup\",\"sched_waking\",\"sched_wakeup_new\","
	    "\"sched_migrate_task\",\"fork\",\"exec\",\"exit\",\"wait\",\"softirq\",\"ipi\",\"cpuhp_enter\","
	    "\"cpuhp_exit\",\"hw_pressure\",\"sched_hang\",\"cpu_frequency\"]}");
	check_ok("{'pids':'1234','tgids':'0,2147483647'}", "{\"pids\":[1234],\"tgids\":[0,2147483647]}");
	check_ok("{'cpus':'0-3,8,8191'}", "{\"cpus\":\"0-3,8,8191\"}");
	check_ok("{'comm':'kworker/0:1H-kb'}", "{\"comm\":\"kworker/0:1H-kb\"}");
	check_ok("{'comm':''}", "{}");
	check_ok("{'min_latency_us':'250'}", "{\"min_latency_us\":250.0}");
	check_ok("{'min_latency_us':'.5'}", "{\"min_latency_us\":0.5}");
	check_ok("{'min_latency_us':'60000000'}", "{\"min_latency_us\":60000000.0}");
	check_ok("{'sample_rate':'1000000'}", "{\"sample_rate\":1000000}");
	/* the filters come in a fixed order, whatever the URI's */
	check_ok("{'sample_rate':'10','pids':'7','types':'exec'}",
		 "{\"types\":[\"exec\"],\"pids\":[7],\"sample_rate\":10}");
}

static void test_bad(void)
{
	const char *ids = "up to 64 thread ids from 0 to 2147483647";
	char many[400] = "{'pids':'";

	check_bad("{'pid':'1'}",
		  "unknown parameter 'pid'; the parameters are types, pids, tgids, cpus, comm, "
		  "min_latency_us, sample_rate",
		  "sample_rate");
	check_bad("{'pids':1}", "pids: must be a string", "string");
	check_bad("{'types':'sched_switch,bogus'}", "types: 'bogus' is not an event type",
		  "of sched_switch, sched_wakeup, ");
	check_bad("{'types':''}", "types: it is empty", "or all");
	check_bad("{'types':'sched_switch,'}", "types: 'sched_switch,' has an empty item", "or all");
	check_bad("{'types':'a_name_much_longer_than_any_event_type'}",
		  "types: 'a_name_much_longer_than_any_e", "or all");
	check_bad("{'pids':'12a'}", "pids: '12a' is not an id", ids);
	check_bad("{'pids':'-1'}", "pids: '-1' is not an id", ids);
	check_bad("{'pids':'2147483648'}", "pids: '2147483648' is out of range", ids);
	check_bad("{'pids':'99999999999'}", "pids: '99999999999' is out of range", ids);
	check_bad("{'pids':'1,,2'}", "pids: '1,,2' has an empty item", ids);
	check_bad("{'tgids':' 1'}", "tgids: ' 1' is not an id", "process ids");
	for (int i = 0; i < 65; i++)
		strcat(many, i ? ",1" : "1");
	strcat(many, "'}");
	check_bad(many, "pids: it has more than 64 ids", ids);
	check_bad("{'cpus':'8192'}", "cpus: '8192' is out of range", "from 0 to 8191");
	check_bad("{'cpus':'3-1'}", "cpus: '3-1' is a range that ends before it starts", "e.g. 0-3,8");
	check_bad("{'cpus':'0-'}", "cpus: '0-' is not a CPU number or range", "e.g. 0-3,8");
	check_bad("{'cpus':'1-2-3'}", "cpus: '1-2-3' is not a CPU number or range", "e.g. 0-3,8");
	check_bad("{'cpus':'x'}", "cpus: 'x' is not a CPU number or range", "e.g. 0-3,8");
	check_bad("{'comm':'sixteen_bytes_xx'}", "comm: 'sixteen_bytes_xx' is 16 bytes long",
		  "at most 15 bytes");
	check_bad("{'min_latency_us':'-1'}", "min_latency_us: '-1' is not a number", "from 0 to 60000000");
	check_bad("{'min_latency_us':'1e3'}", "min_latency_us: '1e3' is not a number", "from 0 to 60000000");
	check_bad("{'min_latency_us':'nan'}", "min_latency_us: 'nan' is not a number", "from 0 to 60000000");
	check_bad("{'min_latency_us':'.'}", "min_latency_us: '.' is not a number", "from 0 to 60000000");
	check_bad("{'min_latency_us':'60000000.5'}", "min_latency_us: '60000000.5' is out of range",
		  "from 0 to 60000000");
	check_bad("{'sample_rate':'0'}", "sample_rate: '0' is out of range",
		  "from 1 (every event) to 1000000");
	check_bad("{'sample_rate':'1000001'}", "sample_rate: '1000001' is out of range", "to 1000000");
	check_bad("{'sample_rate':'ten'}", "sample_rate: 'ten' is not a whole number", "to 1000000");
	check_bad("{'sample_rate':''}", "sample_rate: '' is not a whole number", "to 1000000");
}

/* A small error buffer gets a cut message, never an overrun. */
static void test_small_err(void)
{
	json_t *vars = load("{'types':'bogus'}"), *filters = NULL;
	char err[40];

	memset(err, 'x', sizeof(err));
	CHECK_INT_EQ(-EINVAL, events_filter_from_vars(vars, &filters, err, sizeof(err)));
	CHECK_INT_EQ(sizeof(err) - 1, strlen(err));
	json_decref(vars);
}

int main(void)
{
	test_good();
	test_bad();
	test_small_err();
	return test_result("test-events-filter");
}
