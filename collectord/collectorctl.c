/* collectorctl.c: the operator's CLI over the collectord socket: a verb table, tables or --json. */
#include "build-config.h"
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector-client.h"
#include "ctl-events.h"
#include "ctl-render.h"
#include "flamegraph.h"
#include "json-util.h"
#include "macro.h"

enum exit_code {
	EXIT_OK = 0,
	EXIT_REQUEST_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_CONNECT = 3,
	EXIT_PROTOCOL = 4,
};

struct ctl {
	const char *socket;
	bool json;
	bool pretty;
	int timeout_ms;
	struct collector_client *client;
};

struct verb {
	const char *name;
	const char *args;
	const char *help;
	int min_args, max_args;
	int (*run)(struct ctl *c, int argc, char **argv);
};

static int print_error(const struct ctl *c, int code, const char *msg)
{
	if (c->json) {
		_cleanup_json_ json_t *e = json_pack("{s:s}", "error", msg ? msg : "unknown error");
		_cleanup_free_ char *s = json_dumps(e, c->pretty ? JSON_INDENT(2) : JSON_COMPACT);

		printf("%s\n", s ? s : "{\"error\":\"out of memory\"}");
	} else {
		fprintf(stderr, "collectorctl: %s\n", msg ? msg : "unknown error");
	}
	return code;
}

static void print_json(const struct ctl *c, const json_t *j)
{
	_cleanup_free_ char *s = json_dumps(j, (c->pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_ENCODE_ANY |
						   JSON_REAL_PRECISION(12));

	printf("%s\n", s ? s : "null");
}

static int ctl_connect(struct ctl *c)
{
	_cleanup_free_ char *error = NULL;
	const char *path = collector_socket_path(c->socket);
	int r;

	if (c->client)
		return EXIT_OK;
	r = collector_client_connect(path, "collectorctl", c->timeout_ms, &c->client, &error);
	if (r < 0)
		return print_error(c, EXIT_CONNECT, error ? error : strerror(-r));
	return EXIT_OK;
}

/* One request; on failure prints the collector's message and maps the exit code. */
static int ctl_call(struct ctl *c, enum wire_type type, const json_t *payload, json_t **ret)
{
	_cleanup_free_ char *error = NULL;
	int r = ctl_connect(c);

	if (r != EXIT_OK)
		return r;
	r = collector_client_call(c->client, type, payload, c->timeout_ms, ret, &error);
	if (r == -EPROTO || r == -ECONNRESET || r == -ETIMEDOUT) {
		_cleanup_free_ char *msg = collector_connect_error(collector_socket_path(c->socket), r);

		return print_error(c, EXIT_PROTOCOL, error ? error : msg);
	}
	if (r < 0)
		return print_error(c, EXIT_REQUEST_FAILED, error ? error : strerror(-r));
	return EXIT_OK;
}

static const char *jstr(const json_t *o, const char *key, const char *def)
{
	const char *s;

	return json_get_string(o, key, &s) == 0 ? s : def;
}

static long long jint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static void print_features(const json_t *features)
{
	const char *name;
	json_t *f;

	printf("Features:\n");
	json_object_foreach((json_t *)features, name, f) {
		bool avail = json_is_true(json_object_get(f, "available"));
		const char *why = jstr(f, avail ? "note" : "reason", "");

		printf("  %-10s %-11s %s\n", name, avail ? "available" : "unavailable", why);
	}
}

/* The tracepoints collectord traces: attached, waiting for a subscriber, or why not. */
static void print_events(const json_t *events, const json_t *tracing)
{
	const char *name;
	json_t *e;

	if (!json_is_object(events))
		return;
	printf("Events:\n");
	json_object_foreach((json_t *)events, name, e) {
		bool avail = json_is_true(json_object_get(e, "available"));
		bool attached = json_is_true(json_object_get(e, "attached"));

		printf("  %-20s %-11s %-7s %s\n", name, avail ? (attached ? "attached" : "on demand") : "unavailable",
		       avail ? jstr(e, "attach", "") : "", avail ? jstr(e, "role", "") : jstr(e, "reason", ""));
	}
	if (json_is_true(json_object_get(tracing, "aggregating"))) {
		const json_t *t = json_object_get(tracing, "tasks");

		printf("Tracing:  read every %lld ms, %lld tasks tracked (%lld evicted), feed: %lld events sent, "
		       "%lld lost to a full ring buffer\n",
		       jint(tracing, "interval_ms"), jint(t, "entries"), jint(t, "evicted"),
		       jint(json_object_get(tracing, "feed"), "emitted"),
		       jint(json_object_get(tracing, "feed"), "lost_ring_full"));
	}
}

static int verb_status(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_t *s = NULL;
	const json_t *sock, *clients, *bpf;
	int r = ctl_call(c, WIRE_STATUS, NULL, &s);

	if (r != EXIT_OK)
		return r;
	if (c->json) {
		print_json(c, s);
		return EXIT_OK;
	}
	sock = json_object_get(s, "socket");
	clients = json_object_get(s, "clients");
	bpf = json_object_get(s, "bpf");
	printf("collectord %s (pid %lld), protocol %lld, up %lld s\n", jstr(s, "version", "?"),
	       jint(s, "pid"), jint(s, "protocol"), jint(s, "uptime_s"));
	printf("Socket:   %s%s\n", jstr(sock, "path", "?"),
	       json_is_true(json_object_get(sock, "activated")) ? " (socket-activated)" : "");
	printf("Access:   %s\n", jstr(s, "access", "?"));
	printf("Clients:  %lld connected (max %lld), %lld since start, %lld refused\n",
	       jint(clients, "connected"), jint(clients, "max"), jint(clients, "total"),
	       jint(clients, "refused"));
	if (json_is_true(json_object_get(bpf, "loaded"))) {
		const json_t *progs = json_object_get(bpf, "programs"), *p;
		size_t i;

		printf("BPF:      sched_switch via %s, %lld context switches counted\n",
		       jstr(bpf, "attach", "?"), jint(bpf, "sched_switch_count"));
		json_array_foreach(progs, i, p)
			printf("          program %s (id %lld)\n", jstr(p, "name", "?"), jint(p, "id"));
	} else {
		printf("BPF:      not loaded: %s\n", jstr(bpf, "reason", "?"));
	}
	print_features(json_object_get(s, "features"));
	print_events(json_object_get(s, "events"), json_object_get(s, "tracing"));
	return EXIT_OK;
}

static int verb_ping(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_t *reply = NULL;
	struct timespec a, b;
	double ms;
	int r;

	r = ctl_connect(c);
	if (r != EXIT_OK)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = ctl_call(c, WIRE_PING, NULL, &reply);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (r != EXIT_OK)
		return r;
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	if (c->json) {
		_cleanup_json_ json_t *o = json_pack("{s:b, s:f}", "ok", 1, "rtt_ms", ms);

		print_json(c, o);
	} else {
		printf("pong from collectord in %.3f ms\n", ms);
	}
	return EXIT_OK;
}

/* KEY=VALUE words into an args object: a VALUE that parses as JSON is
 * taken as such (limit=5, flag=true), anything else as a string. */
static int parse_kv_args(int argc, char **argv, json_t *args)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		json_t *v;

		if (!eq || eq == argv[i])
			return -EINVAL;
		*eq = 0;
		v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
		json_object_set_new(args, argv[i], v ? v : json_string(eq + 1));
	}
	return 0;
}

static int verb_show(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_t *req = json_pack("{s:s, s:{}}", "uri", argv[0], "args"), *reply = NULL;
	int r;

	if (!req)
		return print_error(c, EXIT_REQUEST_FAILED, "out of memory");
	if (parse_kv_args(argc - 1, argv + 1, json_object_get(req, "args")) < 0)
		return print_error(c, EXIT_USAGE, "resource arguments are KEY=VALUE");
	r = ctl_call(c, WIRE_READ, req, &reply);
	if (r != EXIT_OK)
		return r;
	if (c->json)
		print_json(c, reply);
	else if (ctl_render(stdout, reply) < 0)
		return print_error(c, EXIT_REQUEST_FAILED, "out of memory");
	return EXIT_OK;
}

static int verb_reload(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_t *reply = NULL;
	int r = ctl_call(c, WIRE_RELOAD, NULL, &reply);

	if (r != EXIT_OK)
		return r;
	if (c->json)
		print_json(c, reply);
	else
		printf("configuration reloaded\n");
	return EXIT_OK;
}

static int verb_clients(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_t *reply = NULL;
	const json_t *p;
	size_t i;
	int r = ctl_call(c, WIRE_CLIENTS, NULL, &reply);

	if (r != EXIT_OK)
		return r;
	if (c->json) {
		print_json(c, reply);
		return EXIT_OK;
	}
	printf("%6s %8s %6s %-16s %-14s %-6s %8s %10s %8s %5s %10s\n", "ID", "PID", "UID", "COMM", "CLIENT",
	       "ACCESS", "INFLIGHT", "QUEUED", "REQS", "SUBS", "DROPS");
	json_array_foreach(json_object_get(reply, "clients"), i, p)
		printf("%6lld %8lld %6lld %-16s %-14s %-6s %8lld %10lld %8lld %5lld %10lld\n", jint(p, "id"),
		       jint(p, "pid"), jint(p, "uid"), jstr(p, "comm", "?"), jstr(p, "client", "?"),
		       jstr(p, "access", "?"), jint(p, "in_flight"), jint(p, "queued_bytes"),
		       jint(p, "requests"), jint(p, "subscriptions"), jint(p, "events_dropped"));
	return EXIT_OK;
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	interrupted = 1;
}

static void print_progress(const struct ctl *c, const struct wire_message *m)
{
	_cleanup_json_ json_t *p = json_loadb((const char *)m->payload, m->length, 0, NULL);
	const char *msg = NULL;

	if (c->json || !p)
		return;
	json_get_string(p, "message", &msg);
	fprintf(stderr, "  ... %s\n", msg ? msg : "working");
}

/* Waits for the answer to CALL id, showing progress; Ctrl-C sends CANCEL. */
static int wait_call(struct ctl *c, uint32_t id, json_t **ret, char **ret_error)
{
	bool cancel_sent = false;

	for (;;) {
		struct pollfd pfd = { .fd = collector_client_fd(c->client), .events = POLLIN };
		struct wire_message m = { 0 };
		int r;

		if (interrupted && !cancel_sent) {
			_cleanup_json_ json_t *cancel = json_pack("{s:I}", "request_id", (json_int_t)id);

			if (!cancel || collector_client_send(c->client, WIRE_CANCEL, cancel, NULL) < 0)
				return -ECANCELED;
			cancel_sent = true;
		}
		r = collector_client_receive(c->client, &m);
		if (r < 0)
			return r;
		if (r == 0) {
			if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (m.request_id == id && m.type == WIRE_PROGRESS)
			print_progress(c, &m);
		else if (m.request_id == id)
			r = collector_reply_decode(&m, ret, ret_error);
		wire_message_done(&m);
		if (m.request_id == id && m.type != WIRE_PROGRESS)
			return r;
	}
}

static int verb_call(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_t *req = json_pack("{s:s, s:{}}", "name", argv[0], "args"), *reply = NULL;
	_cleanup_free_ char *error = NULL;
	struct sigaction sa = { .sa_handler = on_sigint };
	uint32_t id;
	int r;

	if (!req)
		return print_error(c, EXIT_REQUEST_FAILED, "out of memory");
	if (parse_kv_args(argc - 1, argv + 1, json_object_get(req, "args")) < 0)
		return print_error(c, EXIT_USAGE, "call arguments are KEY=VALUE");
	r = ctl_connect(c);
	if (r != EXIT_OK)
		return r;
	sigaction(SIGINT, &sa, NULL);
	r = collector_client_send(c->client, WIRE_CALL, req, &id);
	if (r >= 0)
		r = wait_call(c, id, &reply, &error);
	if (r == -ECANCELED)
		return print_error(c, EXIT_REQUEST_FAILED, "cancelled");
	if (r == -ECONNRESET || r == -EPROTO)
		return print_error(c, EXIT_PROTOCOL, "connection to collectord lost");
	if (r < 0)
		return print_error(c, EXIT_REQUEST_FAILED, error ? error : strerror(-r));
	if (!c->json)
		c->pretty = true;
	print_json(c, reply);
	return EXIT_OK;
}

/* ---- profile: start, wait, stop, results, and a flame graph of the folded stacks ---- */

#define PROFILE_FOLDED_PAGE 1000

static int profile_call(struct ctl *c, const char *name, const json_t *args, json_t **ret)
{
	_cleanup_json_ json_t *req = args ? json_pack("{s:s, s:O}", "name", name, "args", (json_t *)args)
					  : json_pack("{s:s, s:{}}", "name", name, "args");
	_cleanup_free_ char *error = NULL;
	uint32_t id;
	int r;

	if (!req)
		return print_error(c, EXIT_REQUEST_FAILED, "out of memory");
	r = collector_client_send(c->client, WIRE_CALL, req, &id);
	if (r >= 0)
		r = wait_call(c, id, ret, &error);
	if (r == -ECONNRESET || r == -EPROTO)
		return print_error(c, EXIT_PROTOCOL, "connection to collectord lost");
	if (r < 0)
		return print_error(c, EXIT_REQUEST_FAILED, error ? error : strerror(-r));
	return EXIT_OK;
}

static bool profile_still_running(struct ctl *c)
{
	_cleanup_json_ json_t *req = json_pack("{s:s, s:{}}", "uri", "profiling://perf/status", "args"), *st = NULL;
	_cleanup_free_ char *error = NULL;

	if (!req || collector_client_call(c->client, WIRE_READ, req, c->timeout_ms, &st, &error) < 0)
		return false;
	return strcmp(jstr(st, "state", ""), "running") == 0;
}

/* Every folded line of the profile, page after page. */
static int profile_folded(struct ctl *c, const char *focus, char ***ret, size_t *ret_n)
{
	char **lines = NULL;
	size_t n = 0, cap = 0;
	json_int_t offset = 0;
	int r;

	for (;;) {
		_cleanup_json_ json_t *args = json_pack("{s:s, s:i, s:I, s:i}", "format", "folded", "limit",
							PROFILE_FOLDED_PAGE, "offset", offset, "max_bytes", 4 << 20);
		_cleanup_json_ json_t *res = NULL;
		const json_t *v, *next;
		size_t i;

		if (args && focus)
			json_object_set_new(args, "focus", json_string(focus));
		r = args ? profile_call(c, "get_perf_results", args, &res) : EXIT_REQUEST_FAILED;
		if (r != EXIT_OK)
			goto fail;
		json_array_foreach(json_object_get(res, "folded"), i, v) {
			if (n == cap) {
				char **nv = realloc(lines, (cap = MAX(cap * 2, 256)) * sizeof(*nv));

				if (!nv)
					goto oom;
				lines = nv;
			}
			if (!(lines[n] = strdup(json_string_value(v) ?: "")))
				goto oom;
			n++;
		}
		next = json_object_get(json_object_get(res, "page"), "next_offset");
		if (!json_is_integer(next) || json_integer_value(next) <= offset)
			break;
		offset = json_integer_value(next);
	}
	*ret = lines;
	*ret_n = n;
	return EXIT_OK;
oom:
	r = print_error(c, EXIT_REQUEST_FAILED, "out of memory");
fail:
	while (n > 0)
		free(lines[--n]);
	free(lines);
	return r;
}

static int profile_write_files(struct ctl *c, const json_t *status, const char *folded, const char *svg,
			       const char *focus)
{
	char **lines = NULL, subtitle[256];
	size_t n = 0;
	FILE *f;
	int r = profile_folded(c, focus, &lines, &n);

	if (r != EXIT_OK)
		return r;
	if (folded) {
		f = fopen(folded, "we");
		if (!f) {
			r = print_error(c, EXIT_REQUEST_FAILED, "cannot write the folded stacks file");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s\n", lines[i]);
		if (fclose(f) != 0)
			r = print_error(c, EXIT_REQUEST_FAILED, "writing the folded stacks file failed");
	}
	if (svg && r == EXIT_OK) {
		const json_t *target = json_object_get(status, "target");

		if (json_object_get(target, "pid"))
			snprintf(subtitle, sizeof(subtitle), "pid %lld (%s), %s, %lld samples over %.1f s",
				 jint(target, "pid"), jstr(target, "comm", "?"), jstr(status, "event", "?"),
				 jint(status, "samples"), json_real_value(json_object_get(status, "duration_s")));
		else
			snprintf(subtitle, sizeof(subtitle), "system-wide, %s, %lld samples over %.1f s",
				 jstr(status, "event", "?"), jint(status, "samples"),
				 json_real_value(json_object_get(status, "duration_s")));
		f = fopen(svg, "we");
		if (!f || flamegraph_svg((const char *const *)lines, n,
					 &(struct flamegraph_opts){ .title = "collectord profile", .subtitle = subtitle },
					 f) < 0) {
			r = print_error(c, EXIT_REQUEST_FAILED, "cannot write the flame graph file");
			if (f)
				fclose(f);
		} else if (fclose(f) != 0) {
			r = print_error(c, EXIT_REQUEST_FAILED, "writing the flame graph file failed");
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return r;
}

static void profile_print(const json_t *status, const json_t *top)
{
	const json_t *target = json_object_get(status, "target"), *sym;
	const json_t *achieved = json_object_get(status, "freq_achieved");
	size_t i;

	if (json_object_get(target, "pid"))
		printf("Profiled pid %lld (%s)", jint(target, "pid"), jstr(target, "comm", "?"));
	else
		printf("Profiled the whole system");
	printf(" for %.2f s on %s (%s, call graph %s): %lld samples, %lld lost",
	       json_real_value(json_object_get(status, "duration_s")), jstr(status, "event", "?"),
	       jstr(status, "mode", "?"), jstr(status, "call_graph", "?"), jint(status, "samples"),
	       jint(status, "lost"));
	if (json_is_number(achieved))
		printf(", %lld Hz asked, %.1f Hz achieved", jint(status, "freq"), json_number_value(achieved));
	printf("\n");
	if (json_object_get(status, "fallback"))
		printf("Note: %s\n", jstr(status, "fallback", ""));
	if (json_object_get(status, "freq_note"))
		printf("Note: %s\n", jstr(status, "freq_note", ""));
	printf("Kernel %.1f%%, user %.1f%% of the samples; stopped: %s\n",
	       json_number_value(json_object_get(top, "kernel_pct")), json_number_value(json_object_get(top, "user_pct")),
	       jstr(status, "stop_reason", "?"));
	printf("\n%6s %7s %8s  %-40s %s\n", "SELF%", "TOTAL%", "SAMPLES", "SYMBOL", "MODULE");
	json_array_foreach(json_object_get(top, "symbols"), i, sym)
		printf("%6.2f %7.2f %8lld  %-40s %s\n", json_number_value(json_object_get(sym, "self_pct")),
		       json_number_value(json_object_get(sym, "total_pct")), jint(sym, "self"),
		       jstr(sym, "symbol", "?"), jstr(sym, "module", "?"));
}

static int verb_profile(struct ctl *c, int argc, char **argv)
{
	static const struct option options[] = {
		{ "pid", required_argument, NULL, 'p' },   { "duration", required_argument, NULL, 'd' },
		{ "freq", required_argument, NULL, 'F' },  { "event", required_argument, NULL, 'e' },
		{ "cpu", required_argument, NULL, 'C' },   { "mode", required_argument, NULL, 'm' },
		{ "call-graph", required_argument, NULL, 'g' }, { "max-samples", required_argument, NULL, 'n' },
		{ "limit", required_argument, NULL, 'l' }, { "focus", required_argument, NULL, 'f' },
		{ "svg", required_argument, NULL, 's' },   { "folded", required_argument, NULL, 'o' },
		{}
	};
	_cleanup_json_ json_t *args = json_object(), *started = NULL, *status = NULL, *top = NULL;
	const char *svg = NULL, *folded = NULL, *focus = NULL;
	struct sigaction sa = { .sa_handler = on_sigint };
	double duration = 10;
	long long limit = 20;
	struct timespec t0, now;
	int opt, r;

	if (!args)
		return print_error(c, EXIT_REQUEST_FAILED, "out of memory");
	optind = 0; /* a fresh scan of the verb's own arguments (argv[-1] is the verb) */
	while ((opt = getopt_long(argc + 1, argv - 1, "p:d:F:e:C:m:g:n:l:f:s:o:", options, NULL)) >= 0) {
		char *end = NULL;
		long long v = 0;

		if (strchr("pFCnl", opt)) {
			v = strtoll(optarg, &end, 10);
			if (*end || v < 0)
				return print_error(c, EXIT_USAGE, "--pid, --freq, --cpu, --max-samples and --limit take "
							       "non-negative integers");
		}
		switch (opt) {
		case 'p': json_object_set_new(args, "pid", json_integer(v)); break;
		case 'F': json_object_set_new(args, "freq", json_integer(v)); break;
		case 'C': json_object_set_new(args, "cpu", json_integer(v)); break;
		case 'n': json_object_set_new(args, "max_samples", json_integer(v)); break;
		case 'l': limit = v; break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || duration < 0.01 || duration > 3600)
				return print_error(c, EXIT_USAGE, "--duration takes seconds, from 0.01 to 3600");
			break;
		case 'e': json_object_set_new(args, "event", json_string(optarg)); break;
		case 'm': json_object_set_new(args, "mode", json_string(optarg)); break;
		case 'g': json_object_set_new(args, "call_graph", json_string(optarg)); break;
		case 'f': focus = optarg; break;
		case 's': svg = optarg; break;
		case 'o': folded = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind <= argc)
		return print_error(c, EXIT_USAGE, "collectorctl profile takes options only; see collectorctl help");
	json_object_set_new(args, "duration_secs", json_real(duration));
	r = ctl_connect(c);
	if (r != EXIT_OK)
		return r;
	sigaction(SIGINT, &sa, NULL);
	r = profile_call(c, "start_perf_profiling", args, &started);
	if (r != EXIT_OK)
		return r;
	if (!c->json) {
		fprintf(stderr, "Profiling on %s for %.1f s (Ctrl-C stops early)...\n", jstr(started, "event", "?"),
			duration);
		if (json_object_get(started, "fallback"))
			fprintf(stderr, "Note: %s\n", jstr(started, "fallback", ""));
		if (json_object_get(started, "freq_note"))
			fprintf(stderr, "Note: %s\n", jstr(started, "freq_note", ""));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned tick = 1; !interrupted; tick++) {
		struct timespec nap = { .tv_nsec = 100 * 1000000 };

		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 > duration + 0.5)
			break;
		/* Auto-stopped early (max_samples, the process exited)? */
		if (tick % 10 == 0 && !profile_still_running(c))
			break;
	}
	interrupted = 0;
	r = profile_call(c, "stop_perf_profiling", NULL, &status);
	if (r == EXIT_OK) {
		_cleanup_json_ json_t *targs = json_pack("{s:s, s:I}", "format", "top", "limit", (json_int_t)limit);

		if (targs && focus)
			json_object_set_new(targs, "focus", json_string(focus));
		r = targs ? profile_call(c, "get_perf_results", targs, &top) : EXIT_REQUEST_FAILED;
	}
	if (r == EXIT_OK && (svg || folded))
		r = profile_write_files(c, status, folded, svg, focus);
	if (r != EXIT_OK)
		return r;
	if (c->json) {
		_cleanup_json_ json_t *o = json_pack("{s:O, s:O}", "status", status, "results", top);

		if (o && svg)
			json_object_set_new(o, "svg", json_string(svg));
		if (o && folded)
			json_object_set_new(o, "folded", json_string(folded));
		print_json(c, o);
		return EXIT_OK;
	}
	profile_print(status, top);
	if (svg)
		printf("\nFlame graph: %s\n", svg);
	if (folded)
		printf("%sFolded stacks: %s\n", svg ? "" : "\n", folded);
	return EXIT_OK;
}

/* events and top live in ctl-events.c */
static int verb_events(struct ctl *c, int argc, char **argv)
{
	int r = ctl_connect(c);

	if (r != EXIT_OK)
		return r;
	return ctl_events(&(struct ctl_live){ .client = c->client, .json = c->json, .timeout_ms = c->timeout_ms },
			  argc, argv);
}

static int verb_top(struct ctl *c, int argc, char **argv)
{
	int r = ctl_connect(c);

	if (r != EXIT_OK)
		return r;
	return ctl_top(&(struct ctl_live){ .client = c->client, .json = c->json, .timeout_ms = c->timeout_ms },
		       argc, argv);
}

static int verb_help(struct ctl *c, int argc, char **argv);

static const struct verb verbs[] = {
	{ "status", "", "version, uptime, features, clients and BPF state", 0, 0, verb_status },
	{ "ping", "", "round trip to the collector", 0, 0, verb_ping },
	{ "show", "RESOURCE [KEY=VALUE...]", "print a resource, e.g. topology://info", 1, 64, verb_show },
	{ "call", "NAME [KEY=VALUE...]", "run an operation, e.g. measure_switches duration_secs=2 (Ctrl-C cancels)", 1, 64, verb_call },
	{ "profile", "[--pid P] [--duration S] [--freq HZ] [--svg FILE] [--folded FILE] ...",
	  "profile a process or the system; top symbols, flame graph (see collectorctl(8))", 0, 32, verb_profile },
	{ "events", "[--count N] [--duration S] [KEY=VALUE...]",
	  "tail the live event feed; filters types= pids= tgids= cpus= comm= min_latency_us= sample_rate=", 0, 64,
	  verb_events },
	{ "top", "[--iterations N] [--interval S] [--limit N] [--sort F]",
	  "per-CPU and per-process scheduling figures, refreshed", 0, 16, verb_top },
	{ "clients", "", "connected peers (admin)", 0, 0, verb_clients },
	{ "reload", "", "re-read the configuration file (admin)", 0, 0, verb_reload },
	{ "help", "", "this text", 0, 0, verb_help },
};

static int verb_help(struct ctl *c, int argc, char **argv)
{
	printf("Usage: collectorctl [--socket PATH] [--json] [--pretty] [--timeout MS] VERB [ARGS]\n\n"
	       "Verbs:\n");
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		printf("  %-8s %-26s %s\n", verbs[i].name, verbs[i].args, verbs[i].help);
	printf("\nExit status: 0 ok, 1 request failed, 2 usage, 3 cannot connect, 4 protocol error.\n"
	       "The socket is --socket, else $COLLECTORD_SOCKET, else %s.\n",
	       DEFAULT_SOCKET_PATH);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	struct ctl c = { .timeout_ms = 5000 };
	int opt, r;

	while ((opt = getopt_long(argc, argv, "+s:jpt:hV", options, NULL)) >= 0) {
		switch (opt) {
		case 's':
			c.socket = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'p':
			c.pretty = c.json = true;
			break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v <= 0 || v > 600000)
				return print_error(&c, EXIT_USAGE, "--timeout takes milliseconds (1..600000)");
			c.timeout_ms = (int)v;
			break;
		}
		case 'h':
			return verb_help(&c, 0, NULL);
		case 'V':
			printf("collectorctl %s\n", PROJECT_VERSION);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		r = verb_status(&c, 0, NULL);
		collector_client_free(c.client);
		return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
		const struct verb *v = &verbs[i];
		int n = argc - optind - 1;

		if (strcmp(v->name, argv[optind]) != 0)
			continue;
		if (n < v->min_args || n > v->max_args) {
			char msg[128];

			snprintf(msg, sizeof(msg), "usage: collectorctl %s %s", v->name, v->args);
			return print_error(&c, EXIT_USAGE, msg);
		}
		r = v->run(&c, n, argv + optind + 1);
		collector_client_free(c.client);
		return r;
	}
	{
		char msg[128];

		snprintf(msg, sizeof(msg), "unknown verb '%s'; try 'collectorctl help'", argv[optind]);
		return print_error(&c, EXIT_USAGE, msg);
	}
}
