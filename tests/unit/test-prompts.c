/* test-prompts.c: schedmcp's prompts name only resources and tools its tables have; completion of their
 * arguments. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "completion.h"
#include "json-util.h"
#include "mcp-server.h"
#include "prompts.h"
#include "resources.h"
#include "templates.h"
#include "test-util.h"
#include "tools.h"

/* Every resource and tool FEATURES.md names: a prompt may mention one only
 * when this build's tables have it. */
static const char *const planned[] = {
    "scheduler://current",
    "stats://scheduler/raw",
    "stats://scheduler/scx",
    "topology://info",
    "stats://aggregated/cpu",
    "stats://aggregated/llc",
    "stats://aggregated/node",
    "stats://aggregated/dsq",
    "stats://aggregated/process",
    "stats://system/cpu",
    "stats://system/memory",
    "stats://system/network",
    "events://perf",
    "events://kprobe",
    "bpf://programs",
    "profiling://perf/status",
    "profiling://perf/results",
    "events://stream",
    "collector://status",
    "query_stats",
    "get_topology",
    "list_events",
    "list_event_subsystems",
    "start_perf_profiling",
    "stop_perf_profiling",
    "get_perf_results",
    "watch_events",
    "analyze_waker_wakee",
    "analyze_softirq",
    "measure_context_switches",
    NULL,
};

static char *last_text;

static int capture(void *userdata, const char *line, size_t len)
{
	json_t *msg = json_loadb(line, len, 0, NULL);
	json_t *result = json_object_get(msg, "result");
	const char *text = json_string_value(json_object_get(
	    json_object_get(json_array_get(json_object_get(result, "messages"), 0), "content"), "text"));

	free(last_text);
	last_text = text ? strdup(text) : NULL;
	if (!text && json_integer_value(json_object_get(msg, "id")) != 0)
		fprintf(stderr, "no prompt text in %.*s\n", (int)len, line);
	json_decref(msg);
	return 0;
}

static struct mcp_server *server(void)
{
	struct mcp_server *s = NULL;
	struct mcp_server_config cfg = {
	    .name = "schedmcp",
	    .version = "0",
	    .resources = schedmcp_resources,
	    .n_resources = schedmcp_n_resources,
	    .templates = schedmcp_templates,
	    .n_templates = schedmcp_n_templates,
	    .tools = schedmcp_tools,
	    .n_tools = schedmcp_n_tools,
	    .prompts = schedmcp_prompts,
	    .n_prompts = schedmcp_n_prompts,
	    .write = capture,
	};
	const char *init =
	    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
	    "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"0\"}}}";

	/* The real tables must make a server: their schemas and templates parse. */
	CHECK_INT_EQ(0, mcp_server_new(&cfg, &s));
	if (!s)
		abort();
	mcp_server_handle_line(s, init, strlen(init));
	return s;
}

/* Every `name` in backticks is a resource, template or tool of the tables;
 * every URI is in backticks; no planned name that is missing appears. */
static void check_text(const char *prompt, const char *text)
{
	const char *p = text;

	while ((p = strchr(p, '`'))) {
		const char *end = strchr(p + 1, '`');
		char name[160];
		size_t len;

		CHECK(end != NULL);
		if (!end)
			break;
		len = strcspn(p + 1, "(`");
		snprintf(name, sizeof(name), "%.*s", (int)len, p + 1);
		if (!schedmcp_offers(name))
			fprintf(stderr, "%s names `%s`, which schedmcp does not offer\n", prompt, name);
		CHECK(schedmcp_offers(name));
		p = end + 1;
	}
	for (p = text; (p = strstr(p, "://")); p += 3) {
		const char *start = p;

		while (start > text && (isalnum((unsigned char)start[-1])))
			start--;
		CHECK(start > text && start[-1] == '`');
	}
	for (const char *const *n = planned; *n; n++)
		if (!schedmcp_offers(*n) && strstr(text, *n)) {
			fprintf(stderr, "%s mentions %s, which this build lacks\n", prompt, *n);
			CHECK(false);
		}
}

static void get(struct mcp_server *s, const char *name, const char *args)
{
	char line[512];

	free(last_text);
	last_text = NULL;
	snprintf(line, sizeof(line),
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/"
		 "get\",\"params\":{\"name\":\"%s\",\"arguments\":%s}}",
		 name, args);
	mcp_server_handle_line(s, line, strlen(line));
	CHECK(last_text != NULL);
	if (last_text) {
		CHECK(strlen(last_text) > 400); /* a workflow, not a one-liner */
		CHECK(strstr(last_text, "2. ") != NULL);
		check_text(name, last_text);
	}
}

static void test_prompt_texts(void)
{
	struct mcp_server *s = server();
	char pid[64];

	CHECK_INT_EQ(5, schedmcp_n_prompts);
	get(s, "analyze_scheduler_performance", "{\"focus_area\":\"latency\"}");
	get(s, "analyze_scheduler_performance", "{\"focus_area\":\"throughput\"}");
	get(s, "analyze_scheduler_performance", "{\"focus_area\":\"balance\"}");
	get(s, "analyze_scheduler_performance", "{\"focus_area\":\"general\"}");
	get(s, "debug_high_latency", "{}");
	snprintf(pid, sizeof(pid), "{\"pid\":\"%d\"}", (int)getpid());
	get(s, "debug_high_latency", pid);
	CHECK(last_text && strstr(last_text, "process "));
	get(s, "analyze_cpu_imbalance", "{}");
	get(s, "investigate_scheduler_behavior", "{}");
	get(s, "investigate_scheduler_behavior", "{\"scheduler_name\":\"scx_lavd\"}");
	CHECK(last_text && strstr(last_text, "scx_lavd"));
	get(s, "summarize_system", "{}");
	/* The focus shapes the workflow. */
	get(s, "analyze_scheduler_performance", "{\"focus_area\":\"latency\"}");
	CHECK(last_text && !strstr(last_text, "Balance:"));
	mcp_server_free(s);
	free(last_text);
	last_text = NULL;
}

static void test_offers(void)
{
	CHECK(schedmcp_offers("topology://info"));
	CHECK(schedmcp_offers("get_topology"));
	CHECK(schedmcp_offers("topology://info{?detail,include_offline}"));
	CHECK(!schedmcp_offers("topology://"));
	CHECK(!schedmcp_offers("no_such_tool"));
}

static char *joined(json_t *values)
{
	static char buf[512];
	size_t i;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach (values, i, v) {
		strncat(buf, i ? "," : "", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, json_string_value(v), sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

static void test_completion(const char *fixture_root)
{
	json_t *v = json_array();
	char err[200], self[32];
	bool found = false;
	size_t i;
	json_t *x;

	/* The real /proc: our own pid is there. */
	snprintf(self, sizeof(self), "%d", (int)getpid());
	CHECK_INT_EQ(0, completion_pids("pid", "", NULL, NULL, v));
	json_array_foreach (v, i, x)
		found |= strcmp(json_string_value(x), self) == 0;
	CHECK(found);
	CHECK_INT_EQ(0, completion_check_pid(self, err, sizeof(err)));
	json_array_clear(v);

	completion_set_root(fixture_root);
	CHECK_INT_EQ(0, completion_pids("pid", "", NULL, NULL, v));
	CHECK_STR_EQ("1,22,333", joined(v));
	json_array_clear(v);
	CHECK_INT_EQ(0, completion_pids("pid", "3", NULL, NULL, v));
	CHECK_STR_EQ("333", joined(v));
	json_array_clear(v);
	/* No pid matches: nothing, and no qsort(NULL, 0) (UBSan caught that in fuzz-schedmcp). */
	CHECK_INT_EQ(0, completion_pids("pid", "9", NULL, NULL, v));
	CHECK_INT_EQ(0, json_array_size(v));
	CHECK_INT_EQ(0, completion_check_pid("22", err, sizeof(err)));
	CHECK_INT_EQ(-EINVAL, completion_check_pid("23", err, sizeof(err)));
	CHECK(strstr(err, "no process 23") != NULL);
	CHECK_INT_EQ(-EINVAL, completion_check_pid("0", err, sizeof(err)));
	CHECK_INT_EQ(-EINVAL, completion_check_pid("-1", err, sizeof(err)));
	CHECK_INT_EQ(-EINVAL, completion_check_pid("12a", err, sizeof(err)));
	CHECK_INT_EQ(-EINVAL, completion_check_pid("99999999", err, sizeof(err)));
	CHECK_INT_EQ(-EINVAL, completion_check_pid("", err, sizeof(err)));

	/* The running scheduler first, then installed, then known ones. */
	CHECK_INT_EQ(0, completion_schedulers("scheduler_name", "scx_", NULL, NULL, v));
	CHECK_STR_EQ("scx_lavd", json_string_value(json_array_get(v, 0)));
	CHECK_STR_EQ("scx_custom", json_string_value(json_array_get(v, 1)));
	CHECK(json_array_size(v) > 10);
	json_array_clear(v);
	CHECK_INT_EQ(0, completion_schedulers("scheduler_name", "e", NULL, NULL, v));
	CHECK_STR_EQ("eevdf", joined(v));
	json_array_clear(v);
	CHECK_INT_EQ(0, completion_check_scheduler("scx_lavd", err, sizeof(err)));
	CHECK_INT_EQ(-EINVAL, completion_check_scheduler("scx lavd", err, sizeof(err)));
	CHECK_INT_EQ(-EINVAL, completion_check_scheduler("", err, sizeof(err)));
	CHECK_INT_EQ(-EINVAL, completion_check_scheduler("$(reboot)", err, sizeof(err)));
	completion_set_root(NULL);
	json_decref(v);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_ROOT\n", argv[0]);
		return EXIT_FAILURE;
	}
	test_offers();
	test_prompt_texts();
	test_completion(argv[1]);
	return test_result("test-prompts");
}
