/* feed-reader.c: a live-feed reader under a switch load, for the feed-throughput benchmark: an MCP
 * client of schedmcp (resources/subscribe to events://stream, then resources/read back to back),
 * `collectorctl --json events`, or a wire client of collectord itself that decodes each batch (and
 * optionally prints each record's JSON line): the feed without a front-end. It runs the load command itself and prints, as KEY=VALUE words,
 * what arrived: events, sched_switch events stamped inside the load's window beside the kernel's
 * context-switch count over that window (/proc/stat ctxt), and the drops the feed reported. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"
#include "collector-client.h"
#include "events-json.h"

#define LINE_MAX_BYTES (64u << 20)
/* The window's events have all come (or been dropped) once one stamped this long after it came:
 * the ring buffer keeps the order events were written in. */
#define PAST_WINDOW_NS 20000000ull
#define QUIET_S 0.5
#define DRAIN_MAX_S 30.0 /* a reader still this far behind is reported as such */
#define MAX(a, b) ((a) > (b) ? (a) : (b)) /* the feed has drained once nothing came for this long after the load */

struct child {
	pid_t pid;
	int in, out; /* our ends: its stdin, its stdout */
	char *buf;
	size_t have, size;
};

struct tally {
	uint64_t events, switches_in_window, dropped, lost_kernel, reads, empty_reads;
	uint64_t window_start_ns, window_end_ns; /* CLOCK_MONOTONIC, as the records' ts_ns */
	uint64_t latest_ts_ns;
	double max_read_s, read_s, last_event_s;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int ctxt_read(uint64_t *ret)
{
	char line[256];
	FILE *f = fopen("/proc/stat", "re");
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ctxt %" SCNu64, ret) == 1) {
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

static int child_start(struct child *c, char *const argv[], bool want_stdin)
{
	int to[2] = { -1, -1 }, from[2];

	if ((want_stdin && pipe2(to, O_CLOEXEC) < 0) || pipe2(from, O_CLOEXEC) < 0)
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		if (want_stdin)
			dup2(to[0], 0);
		dup2(from[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	if (want_stdin)
		close(to[0]);
	close(from[1]);
	c->in = to[1];
	c->out = from[0];
	c->size = 1 << 20;
	c->buf = malloc(c->size);
	return c->buf ? 0 : -ENOMEM;
}

static void child_stop(struct child *c, int sig)
{
	if (c->in >= 0)
		close(c->in);
	if (sig)
		kill(c->pid, sig);
	close(c->out);
	waitpid(c->pid, NULL, 0);
	free(c->buf);
}

/* One line from the child into *ret (NUL-terminated, valid until the next call):
 * 1, 0 when none came within timeout_ms, or a negative errno. */
static int child_line(struct child *c, int timeout_ms, char **ret, size_t *consumed)
{
	memmove(c->buf, c->buf + *consumed, c->have - *consumed);
	c->have -= *consumed;
	*consumed = 0;
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);
		struct pollfd p = { .fd = c->out, .events = POLLIN };
		ssize_t n;

		if (nl) {
			*nl = 0;
			*ret = c->buf;
			*consumed = (size_t)(nl - c->buf) + 1;
			return 1;
		}
		if (c->have == c->size) {
			char *b = c->size < LINE_MAX_BYTES ? realloc(c->buf, c->size * 2) : NULL;

			if (!b)
				return -EMSGSIZE;
			c->buf = b;
			c->size *= 2;
		}
		if (poll(&p, 1, timeout_ms) <= 0)
			return 0;
		n = read(c->out, c->buf + c->have, c->size - c->have);
		if (n <= 0)
			return -EPIPE;
		c->have += (size_t)n;
	}
}

static int child_write(struct child *c, const char *s)
{
	size_t len = strlen(s);

	return write(c->in, s, len) == (ssize_t)len ? 0 : -EPIPE;
}

/* One NDJSON event line: counted, and a sched_switch inside the window counted apart. */
static void tally_event(struct tally *t, const char *line)
{
	static const char sw[] = "{\"type\":\"sched_switch\",";
	const char *ts = strstr(line, "\"ts_ns\":");
	uint64_t v;

	t->events++;
	if (!ts)
		return;
	v = strtoull(ts + 8, NULL, 10);
	t->latest_ts_ns = v > t->latest_ts_ns ? v : t->latest_ts_ns;
	if (strncmp(line, sw, sizeof(sw) - 1) == 0 && v >= t->window_start_ns && v < t->window_end_ns)
		t->switches_in_window++;
}

/* ---- schedmcp ---- */

/* How long an answer may take before the front-end is reported as stalled. */
static int read_timeout_ms = 10000;

static int mcp_call(struct child *c, unsigned id, const char *request, json_t **ret)
{
	size_t consumed = 0;
	char *line;
	int r;

	r = child_write(c, request);
	while (r >= 0) {
		json_t *j, *jid;

		r = child_line(c, read_timeout_ms, &line, &consumed);
		if (r <= 0)
			return r < 0 ? r : -ETIMEDOUT;
		j = json_loads(line, 0, NULL);
		jid = json_object_get(j, "id");
		if (json_is_integer(jid) && json_integer_value(jid) == id) {
			c->have -= consumed;
			memmove(c->buf, c->buf + consumed, c->have);
			*ret = j;
			return 0;
		}
		json_decref(j); /* notifications/resources/updated and the like */
	}
	return r;
}

/* A read's text: the header line, then one event a line. Returns the events it held. */
static int tally_read(struct tally *t, const char *text)
{
	const char *nl = strchr(text, '\n');
	json_t *head = json_loadb(text, nl ? (size_t)(nl - text) : strlen(text), 0, NULL);
	int n = 0;

	if (!head)
		return -EBADMSG;
	t->dropped += (uint64_t)json_integer_value(json_object_get(head, "dropped"));
	t->lost_kernel += (uint64_t)json_integer_value(json_object_get(head, "lost_kernel"));
	if (json_object_get(head, "error"))
		fprintf(stderr, "feed-reader: the stream says: %s\n", json_string_value(json_object_get(head, "error")));
	json_decref(head);
	while (nl && nl[1]) {
		const char *line = nl + 1;

		nl = strchr(line, '\n');
		tally_event(t, line);
		n++;
	}
	return n;
}

static int mcp_read(struct child *c, unsigned id, struct tally *t)
{
	char req[160];
	json_t *resp = NULL;
	const char *text;
	double t0 = bench_now(), dt;
	int r;

	snprintf(req, sizeof(req),
		 "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"resources/read\",\"params\":{\"uri\":\"events://stream\"}}\n",
		 id);
	r = mcp_call(c, id, req, &resp);
	if (r < 0)
		return r;
	dt = bench_now() - t0;
	t->read_s += dt;
	t->max_read_s = dt > t->max_read_s ? dt : t->max_read_s;
	t->reads++;
	text = json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(resp, "result"),
										     "contents"), 0), "text"));
	r = text ? tally_read(t, text) : -EBADMSG;
	if (!text)
		fprintf(stderr, "feed-reader: unexpected answer: %.300s\n", json_dumps(resp, JSON_COMPACT));
	json_decref(resp);
	if (r == 0)
		t->empty_reads++;
	return r;
}

static int mcp_start(struct child *c, const char *schedmcp, const char *sock, const char *tokens)
{
	char *argv[] = { (char *)schedmcp, "--socket", (char *)sock, "--max-answer-tokens", (char *)tokens, NULL };
	json_t *resp = NULL;
	int r;

	r = child_start(c, argv, true);
	if (r >= 0)
		r = mcp_call(c, 1,
			     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
			     "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"feed-bench\",\"version\":\"1\"}}}\n",
			     &resp);
	json_decref(resp);
	resp = NULL;
	if (r >= 0)
		r = child_write(c, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
	if (r >= 0)
		r = mcp_call(c, 2,
			     "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/subscribe\",\"params\":{\"uri\":"
			     "\"events://stream\"}}\n",
			     &resp);
	if (r >= 0 && !json_object_get(resp, "result")) {
		fprintf(stderr, "feed-reader: resources/subscribe failed: %s\n", json_dumps(resp, JSON_COMPACT));
		r = -EIO;
	}
	json_decref(resp);
	return r;
}

/* ---- collectorctl ---- */

static int ctl_line(struct tally *t, const char *line)
{
	json_t *j;

	if (strncmp(line, "{\"type\":", 8) == 0) {
		tally_event(t, line);
		return 1;
	}
	j = json_loads(line, 0, NULL);
	if (!j)
		return -EBADMSG;
	t->dropped += (uint64_t)json_integer_value(json_object_get(j, "dropped"));
	t->lost_kernel += (uint64_t)json_integer_value(json_object_get(j, "lost_kernel"));
	json_decref(j);
	return 0;
}

/* What waits on collectorctl's stdout, without blocking longer than timeout_ms. Returns events read. */
static int ctl_drain(struct child *c, struct tally *t, int timeout_ms)
{
	size_t consumed = 0;
	char *line;
	int n = 0, r;

	while ((r = child_line(c, n ? 0 : timeout_ms, &line, &consumed)) == 1) {
		r = ctl_line(t, line);
		if (r < 0)
			return r;
		n += r;
	}
	c->have -= consumed;
	memmove(c->buf, c->buf + consumed, c->have);
	return r < 0 ? r : n;
}

/* ---- collectord's socket, no front-end ---- */

struct wire_reader {
	struct collector_client *client;
	struct tally *t;
	bool json;
	uint64_t json_bytes;
};

static int wire_record(void *userdata, const struct sched_event_header *h)
{
	struct wire_reader *w = userdata;
	struct tally *t = w->t;

	t->events++;
	t->latest_ts_ns = h->ts_ns > t->latest_ts_ns ? h->ts_ns : t->latest_ts_ns;
	if (h->type == SCHED_EVENT_SWITCH && h->ts_ns >= t->window_start_ns && h->ts_ns < t->window_end_ns)
		t->switches_in_window++;
	if (w->json) {
		char line[SCHED_EVENT_JSON_MAX];
		int n = sched_event_format_json(h, line, sizeof(line));

		if (n < 0)
			return n;
		w->json_bytes += (uint64_t)n + 1;
	}
	return 0;
}

static int wire_start(struct wire_reader *w, const char *sock)
{
	json_t *filters = json_object();
	char *error = NULL;
	int r;

	r = collector_client_connect(sock, "feed-bench", 5000, &w->client, &error);
	if (r < 0) {
		fprintf(stderr, "feed-reader: %s\n", error ? error : strerror(-r));
		free(error);
		json_decref(filters);
		return r;
	}
	r = collector_client_send(w->client, WIRE_SUBSCRIBE, filters, NULL);
	json_decref(filters);
	return r;
}

/* What waits on the socket, after waiting at most timeout_ms for it. Returns events read. */
static int wire_drain(struct wire_reader *w, struct tally *t, int timeout_ms)
{
	struct pollfd p = { .fd = collector_client_fd(w->client), .events = POLLIN };
	uint64_t before = t->events;
	int r;

	w->t = t;
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	for (;;) {
		struct wire_message m = { 0 };
		struct sched_event_batch b;

		r = collector_client_receive(w->client, &m);
		if (r <= 0)
			break;
		if (m.type == WIRE_ERROR) {
			fprintf(stderr, "feed-reader: collectord refused: %.*s\n", (int)m.length, (const char *)m.payload);
			r = -EIO;
		} else if (m.type == WIRE_EVENTS) {
			r = sched_event_batch_parse(m.payload, m.length, &b, wire_record, w);
			if (r >= 0) {
				t->dropped += b.dropped;
				t->lost_kernel += b.lost_kernel;
			}
		}
		wire_message_done(&m);
		if (r < 0)
			break;
	}
	return r < 0 ? r : (int)(t->events - before);
}

/* ---- the run ---- */


struct opts {
	const char *sock, *schedmcp, *collectorctl, *tokens;
	bool wire, wire_json;
	char **load;
	double settle_s;
};

/* An MCP answer that did not come in time: the run ends there, and says so. */
static bool stall_check(const struct opts *o, int *r, struct tally *t)
{
	if (!o->schedmcp || *r != -ETIMEDOUT)
		return false;
	t->max_read_s = read_timeout_ms / 1e3;
	*r = 0;
	return true;
}

/* Events read, or a negative errno. An MCP read that found nothing waits 2 ms before the next:
 * a client polling in a tight loop would only take CPU from the feed. */
static int reader_poll(struct child *c, struct wire_reader *w, const struct opts *o, unsigned *id,
		       struct tally *t)
{
	int r = o->schedmcp ? mcp_read(c, (*id)++, t) : o->wire ? wire_drain(w, t, 50) : ctl_drain(c, t, 50);

	if (r > 0)
		t->last_event_s = bench_now();
	else if (r == 0 && o->schedmcp)
		poll(NULL, 0, 2);
	return r;
}

int main(int argc, char **argv)
{
	struct opts o = { .tokens = "20000", .settle_s = 0.5 };
	struct child reader = { .in = -1 };
	struct wire_reader wire = { 0 };
	struct tally t = { 0 };
	uint64_t ctxt0 = 0, ctxt1 = 0;
	double t0, t1, quiet_since;
	unsigned id = 10;
	bool stalled = false;
	pid_t load;
	int c, r, status;

	while ((c = getopt(argc, argv, "+S:s:c:t:w:WJT:")) >= 0) {
		switch (c) {
		case 'T': read_timeout_ms = (int)(atof(optarg) * 1000); break;
		case 'W': o.wire = true; break;
		case 'J': o.wire = o.wire_json = true; break;
		case 'S': o.sock = optarg; break;
		case 's': o.schedmcp = optarg; break;
		case 'c': o.collectorctl = optarg; break;
		case 't': o.tokens = optarg; break;
		case 'w': o.settle_s = atof(optarg); break;
		default: return 2;
		}
	}
	if (!o.sock || !!o.schedmcp + !!o.collectorctl + o.wire != 1 || optind >= argc) {
		fprintf(stderr, "usage: feed-reader -S SOCKET (-s SCHEDMCP [-t ANSWER_TOKENS] | -c COLLECTORCTL | -W | -J) "
				"[-w SETTLE_S] [-T READ_TIMEOUT_S] LOAD_COMMAND [ARGS...]\n"
				"  -W: collectord's socket, records decoded; -J: and printed as JSON lines\n"
				"  an MCP read unanswered for READ_TIMEOUT_S (default 10) ends the run with stalled=1\n");
		return 2;
	}
	o.load = argv + optind;
	signal(SIGPIPE, SIG_IGN);
	if (o.schedmcp) {
		r = mcp_start(&reader, o.schedmcp, o.sock, o.tokens);
		stalled = stall_check(&o, &r, &t);
	} else if (o.wire) {
		wire.json = o.wire_json;
		r = wire_start(&wire, o.sock);
	} else {
		char *cargv[] = { (char *)o.collectorctl, "--socket", (char *)o.sock, "--json", "events", NULL };

		r = child_start(&reader, cargv, false);
	}
	if (r < 0) {
		fprintf(stderr, "feed-reader: starting the reader failed: %s\n", strerror(-r));
		return 1;
	}
	/* the subscription settles; what arrives before the window is read and not counted as in it */
	t.window_start_ns = t.window_end_ns = UINT64_MAX - PAST_WINDOW_NS;
	for (t0 = bench_now(); r >= 0 && !stalled && bench_now() - t0 < o.settle_s;)
		r = reader_poll(&reader, &wire, &o, &id, &t);
	stalled = stall_check(&o, &r, &t) || stalled;
	memset(&t, 0, sizeof(t));
	t.window_end_ns = UINT64_MAX - PAST_WINDOW_NS;
	if (r >= 0)
		r = ctxt_read(&ctxt0);
	t.window_start_ns = mono_ns();
	t0 = bench_now();
	load = fork();
	if (load == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, 1);
		execvp(o.load[0], o.load);
		_exit(127);
	}
	while (r >= 0 && !stalled && waitpid(load, &status, WNOHANG) == 0)
		r = reader_poll(&reader, &wire, &o, &id, &t);
	/* a front-end that stopped answering is a result: the load runs its course, no drain */
	stalled = stall_check(&o, &r, &t) || stalled;
	if (r >= 0 && waitpid(load, &status, 0) >= 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 124)) /* 124: timeout(1) ended it, as meant */
		fprintf(stderr, "feed-reader: the load exited with status %d\n", status);
	t.window_end_ns = mono_ns();
	t1 = bench_now();
	if (r >= 0)
		r = ctxt_read(&ctxt1);
	/* the rest of the window's events: until one from after it, or nothing for a while */
	for (quiet_since = bench_now(); r >= 0 && !stalled && t.latest_ts_ns < t.window_end_ns + PAST_WINDOW_NS &&
					 bench_now() - quiet_since < QUIET_S && bench_now() - t1 < DRAIN_MAX_S;) {
		r = reader_poll(&reader, &wire, &o, &id, &t);
		if (r > 0)
			quiet_since = bench_now();
	}
	stalled = stall_check(&o, &r, &t) || stalled;
	if (r < 0) {
		kill(load, SIGKILL);
		fprintf(stderr, "feed-reader: reading the feed failed: %s\n", strerror(-r));
		if (!o.wire)
			child_stop(&reader, SIGKILL);
		collector_client_free(wire.client);
		return 1;
	}
	if (stalled)
		t.max_read_s = read_timeout_ms / 1e3;
	if (!o.wire)
		child_stop(&reader, stalled ? SIGKILL : o.collectorctl ? SIGINT : 0);
	collector_client_free(wire.client);
	printf("seconds=%.3f events=%" PRIu64 " events_per_s=%.0f switches_in_window=%" PRIu64 " ctxt=%" PRIu64
	       " switch_ratio=%.3f dropped=%" PRIu64 " lost_kernel=%" PRIu64 " reads=%" PRIu64 " empty_reads=%" PRIu64
	       " mean_read_ms=%.2f max_read_ms=%.1f behind_s=%.2f caught_up=%d stalled=%d\n",
	       t1 - t0, t.events, (double)t.events / (MAX(t.last_event_s, t1) - t0), t.switches_in_window, ctxt1 - ctxt0,
	       ctxt1 > ctxt0 ? (double)t.switches_in_window / (double)(ctxt1 - ctxt0) : 0.0, t.dropped, t.lost_kernel,
	       t.reads, t.empty_reads, t.reads ? t.read_s / (double)t.reads * 1e3 : 0.0, t.max_read_s * 1e3,
	       MAX(t.last_event_s, t1) - t1, t.latest_ts_ns >= t.window_end_ns + PAST_WINDOW_NS, stalled);
	return 0;
}
