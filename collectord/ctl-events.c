/* ctl-events.c: collectorctl events (tail the live feed: lines or NDJSON) and top (per-CPU and
 * per-process scheduling figures refreshed in the terminal). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl-events.h"
#include "events-json.h"
#include "json-util.h"
#include "macro.h"

enum {
	CTL_OK = 0,
	CTL_FAILED = 1,
	CTL_USAGE = 2,
	CTL_PROTOCOL = 4,
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = 1;
}

static int fail(const struct ctl_live *c, int code, const char *msg)
{
	if (c->json) {
		_cleanup_json_ json_t *e = json_pack("{s:s}", "error", msg);
		_cleanup_free_ char *s = json_dumps(e, JSON_COMPACT);

		printf("%s\n", s ? s : "{\"error\":\"out of memory\"}");
	} else {
		fprintf(stderr, "collectorctl: %s\n", msg);
	}
	return code;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* KEY=VALUE words: a VALUE that parses as JSON is taken as such. */
static int kv_args(int argc, char **argv, json_t *args)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		json_t *v;

		if (!eq || eq == argv[i])
			return -EINVAL;
		*eq = 0;
		v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
		json_object_set_new(args, argv[i], v ? v : json_string(eq + 1));
		*eq = '=';
	}
	return 0;
}

/* ---- events ---- */

struct tail {
	const struct ctl_live *c;
	uint64_t printed, max;
};

static void print_field(const char *key, const json_t *v)
{
	if (json_is_string(v))
		printf(" %s=%s", key, json_string_value(v));
	else if (json_is_integer(v))
		printf(" %s=%" JSON_INTEGER_FORMAT, key, json_integer_value(v));
	else if (json_is_real(v))
		printf(" %s=%.2f", key, json_real_value(v));
	else if (json_is_boolean(v))
		printf(" %s=%s", key, json_is_true(v) ? "yes" : "no");
}

/* One line per event: seconds (CLOCK_MONOTONIC), CPU, type, then its fields. */
static void print_human(const json_t *e)
{
	const char *type = json_string_value(json_object_get(e, "type")), *key;
	double ts = (double)json_integer_value(json_object_get(e, "ts_ns")) / 1e9;
	json_t *v;

	printf("%15.6f cpu%-3d %-18s", ts, (int)json_integer_value(json_object_get(e, "cpu")), type ? type : "?");
	if (type && strcmp(type, "sched_switch") == 0) {
		printf(" %s:%" JSON_INTEGER_FORMAT " [%s] -> %s:%" JSON_INTEGER_FORMAT,
		       json_string_value(json_object_get(e, "prev_comm")),
		       json_integer_value(json_object_get(e, "prev_pid")),
		       json_string_value(json_object_get(e, "prev_state")),
		       json_string_value(json_object_get(e, "next_comm")),
		       json_integer_value(json_object_get(e, "next_pid")));
		if ((v = json_object_get(e, "rq_lat_us")))
			printf(" waited %.2f us", json_real_value(v));
		printf("\n");
		return;
	}
	json_object_foreach((json_t *)e, key, v)
		if (strcmp(key, "type") && strcmp(key, "cpu") && strcmp(key, "ts_ns"))
			print_field(key, v);
	printf("\n");
}

static int on_event(void *userdata, const struct sched_event_header *h)
{
	struct tail *t = userdata;
	_cleanup_json_ json_t *e = NULL;

	if (t->max && t->printed >= t->max)
		return 0;
	if (t->c->json) {
		/* the line schedmcp's events://stream gives, without a jansson object per event */
		char line[SCHED_EVENT_JSON_MAX];
		int n = sched_event_format_json(h, line, sizeof(line));

		if (n < 0)
			return n;
		line[n] = '\n';
		fwrite(line, 1, (size_t)n + 1, stdout);
	} else {
		e = sched_event_to_json(h);
		if (!e)
			return -ENOMEM;
		print_human(e);
	}
	t->printed++;
	return 0;
}

static void report_drops(const struct ctl_live *c, const struct sched_event_batch *b)
{
	if (!b->dropped && !b->lost_kernel)
		return;
	if (c->json)
		printf("{\"dropped\":%llu,\"lost_kernel\":%llu,\"sample_rate\":%u}\n",
		       (unsigned long long)b->dropped, (unsigned long long)b->lost_kernel, b->sample_rate);
	else
		fprintf(stderr, "# %llu events dropped (this reader was slow), %llu lost in the kernel (ring buffer full)\n",
			(unsigned long long)b->dropped, (unsigned long long)b->lost_kernel);
}

static int parse_number(const char *s, double max, double *ret)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || end == s || v < 0 || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int ctl_events(const struct ctl_live *c, int argc, char **argv)
{
	_cleanup_json_ json_t *args = json_object(), *reply = NULL;
	struct sigaction sa = { .sa_handler = on_stop };
	struct tail t = { .c = c };
	double duration = 0, deadline = 0, count = 0;
	uint32_t id = 0, unsub_id = 0;
	bool subscribed = false, unsub_sent = false;
	int i, r;

	if (!args)
		return fail(c, CTL_FAILED, "out of memory");
	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--count") == 0 && parse_number(argv[i + 1], 1e12, &count) == 0)
			i++;
		else if (i + 1 < argc && strcmp(argv[i], "--duration") == 0 &&
			 parse_number(argv[i + 1], 86400, &duration) == 0)
			i++;
		else
			return fail(c, CTL_USAGE, "usage: collectorctl events [--count N] [--duration SECS] [KEY=VALUE...]");
	}
	if (kv_args(argc - i, argv + i, args) < 0)
		return fail(c, CTL_USAGE, "filters are KEY=VALUE, e.g. types=sched_switch pids=1234 cpus=0-3 comm=bash");
	t.max = (uint64_t)count;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = on_stop }, NULL);
	/* Fully buffered, flushed whenever the socket has nothing waiting: a write(2) per line
	 * kept this reader far behind the feed. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	r = collector_client_send(c->client, WIRE_SUBSCRIBE, args, &id);
	if (r < 0)
		return fail(c, CTL_PROTOCOL, "connection to collectord lost");
	if (duration > 0)
		deadline = mono_s() + duration;
	for (;;) {
		struct pollfd pfd = { .fd = collector_client_fd(c->client), .events = POLLIN };
		struct wire_message m = { 0 };
		bool done = stop_requested || (deadline && mono_s() >= deadline) || (t.max && t.printed >= t.max);

		if (done && subscribed && !unsub_sent) {
			_cleanup_json_ json_t *u = json_pack("{s:I}", "subscription", (json_int_t)id);

			if (!u || collector_client_send(c->client, WIRE_UNSUBSCRIBE, u, &unsub_id) < 0)
				return CTL_OK;
			unsub_sent = true;
		}
		if (done && !subscribed)
			return CTL_OK;
		r = collector_client_receive(c->client, &m);
		if (r < 0)
			return fail(c, CTL_PROTOCOL, "connection to collectord lost");
		if (r == 0) {
			fflush(stdout);
			if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
				return fail(c, CTL_PROTOCOL, strerror(errno));
			continue;
		}
		if (m.request_id == id && m.type == WIRE_EVENTS) {
			struct sched_event_batch b;

			r = sched_event_batch_parse(m.payload, m.length, &b, on_event, &t);
			wire_message_done(&m);
			if (r == -EBADMSG)
				return fail(c, CTL_PROTOCOL, "collectord sent a malformed event batch");
			report_drops(c, &b);
			continue;
		}
		if (m.request_id == id && !subscribed) {
			_cleanup_free_ char *error = NULL;

			r = collector_reply_decode(&m, &reply, &error);
			wire_message_done(&m);
			if (r < 0)
				return fail(c, CTL_FAILED, error ? error : strerror(-r));
			subscribed = true;
			if (!c->json) {
				const json_t *un = json_object_get(reply, "unavailable");
				const char *name;
				json_t *why;

				fprintf(stderr, "# subscribed: sample rate 1/%" JSON_INTEGER_FORMAT "%s\n",
					json_integer_value(json_object_get(reply, "sample_rate")),
					json_is_true(json_object_get(reply, "filtered_in_bpf")) ? ", filtered in BPF" : "");
				json_object_foreach((json_t *)un, name, why)
					fprintf(stderr, "# %s: unavailable: %s\n", name, json_string_value(why));
			}
			continue;
		}
		if (unsub_sent && m.request_id == unsub_id) {
			wire_message_done(&m);
			return CTL_OK;
		}
		wire_message_done(&m);
	}
}

/* ---- top ---- */

static int read_resource(const struct ctl_live *c, const char *uri, json_t *args, json_t **ret, char **ret_error)
{
	_cleanup_json_ json_t *req = json_pack("{s:s, s:O}", "uri", uri, "args", args);

	if (!req)
		return -ENOMEM;
	return collector_client_call(c->client, WIRE_READ, req, c->timeout_ms, ret, ret_error);
}

static double num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : -1;
}

static double sub_num(const json_t *o, const char *obj, const char *key)
{
	return num(json_object_get(o, obj), key);
}

/* A figure in a column of `width`, "-" when unknown; `us` appends the unit. */
static void show_cell(double v, int width, int decimals, bool us)
{
	if (v < 0)
		printf(" %*s", width, "-");
	else if (us)
		printf(" %*.*fus", width - 2, decimals, v);
	else
		printf(" %*.*f", width, decimals, v);
}

static void print_top(const json_t *cpu, const json_t *proc)
{
	const json_t *x;
	size_t i;

	printf("schedmcp top: window %.1f s (collectord aggregation, BPF)\n\n", num(cpu, "window_s"));
	printf("%4s %6s %8s %10s %10s %9s %9s %9s %9s %9s\n", "CPU", "UTIL%", "MHz", "SWITCH/s", "WAKEUP/s",
	       "MIGR/s", "RQ avg", "RQ p50", "RQ p99", "RQ max");
	json_array_foreach(json_object_get(cpu, "cpus"), i, x) {
		const json_t *rq = json_object_get(x, "rq_latency");

		printf("%4d", (int)num(x, "cpu"));
		show_cell(num(x, "utilization_pct"), 6, 1, false);
		show_cell(num(x, "frequency_mhz"), 8, 0, false);
		show_cell(num(x, "switches_per_s"), 10, 0, false);
		show_cell(num(x, "wakeups_per_s"), 10, 0, false);
		show_cell(num(x, "migrations_in_per_s"), 9, 1, false);
		show_cell(num(rq, "avg_us"), 9, 1, true);
		show_cell(num(rq, "p50_us"), 9, 1, true);
		show_cell(num(rq, "p99_us"), 9, 1, true);
		show_cell(num(rq, "max_us"), 9, 1, true);
		printf("\n");
	}
	printf("\n%8s %8s %-16s %6s %9s %9s %9s %9s %9s\n", "PID", "TGID", "COMM", "CPU%", "SWITCH/s", "WAKEUP/s",
	       "MIGR/s", "RQ p50", "RQ p99");
	json_array_foreach(json_object_get(proc, "tasks"), i, x) {
		double w = num(proc, "window_s");

		printf("%8d %8d %-16.16s", (int)num(x, "pid"), (int)num(x, "tgid"),
		       json_string_value(json_object_get(x, "comm")) ? json_string_value(json_object_get(x, "comm")) : "?");
		show_cell(num(x, "cpu_pct"), 6, 1, false);
		show_cell(w > 0 ? num(x, "switches") / w : -1, 9, 0, false);
		show_cell(w > 0 ? num(x, "wakeups") / w : -1, 9, 0, false);
		show_cell(w > 0 ? num(x, "migrations") / w : -1, 9, 1, false);
		show_cell(sub_num(x, "rq_latency", "p50_us"), 9, 1, true);
		show_cell(sub_num(x, "rq_latency", "p99_us"), 9, 1, true);
		printf("\n");
	}
}

int ctl_top(const struct ctl_live *c, int argc, char **argv)
{
	double iterations = 0, interval = 1, limit = 15;
	const char *sort = "runtime";
	struct sigaction sa = { .sa_handler = on_stop };

	for (int i = 0; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--iterations") == 0 && parse_number(argv[i + 1], 1e9, &iterations) == 0)
			i++;
		else if (i + 1 < argc && strcmp(argv[i], "--interval") == 0 &&
			 parse_number(argv[i + 1], 60, &interval) == 0 && interval >= 1)
			i++;
		else if (i + 1 < argc && strcmp(argv[i], "--limit") == 0 && parse_number(argv[i + 1], 1000, &limit) == 0)
			i++;
		else if (i + 1 < argc && strcmp(argv[i], "--sort") == 0)
			sort = argv[++i];
		else
			return fail(c, CTL_USAGE,
				    "usage: collectorctl top [--iterations N] [--interval SECS] [--limit N] [--sort FIELD]");
	}
	sigaction(SIGINT, &sa, NULL);
	for (unsigned n = 0; !stop_requested && (!iterations || n < (unsigned)iterations); n++) {
		_cleanup_json_ json_t *cpu = NULL, *proc = NULL;
		_cleanup_json_ json_t *cargs = json_pack("{s:i}", "window", (int)interval);
		_cleanup_json_ json_t *pargs = json_pack("{s:i, s:i, s:s}", "window", (int)interval, "limit", (int)limit,
							 "sort", sort);
		_cleanup_free_ char *error = NULL;
		int r;

		if (n > 0)
			sleep((unsigned)interval);
		if (!cargs || !pargs)
			return fail(c, CTL_FAILED, "out of memory");
		r = read_resource(c, "stats://aggregated/cpu", cargs, &cpu, &error);
		if (r >= 0)
			r = read_resource(c, "stats://aggregated/process", pargs, &proc, &error);
		if (r < 0)
			return fail(c, r == -ECONNRESET || r == -EPROTO ? CTL_PROTOCOL : CTL_FAILED,
				    error ? error : strerror(-r));
		if (c->json) {
			_cleanup_json_ json_t *o = json_pack("{s:O, s:O}", "cpu", cpu, "process", proc);
			_cleanup_free_ char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));

			printf("%s\n", s ? s : "{}");
		} else {
			if (isatty(STDOUT_FILENO) || n > 0)
				printf("\033[H\033[2J");
			print_top(cpu, proc);
		}
		fflush(stdout);
	}
	return CTL_OK;
}
