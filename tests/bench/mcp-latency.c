/* mcp-latency.c: round-trip latency and throughput of MCP requests through schedmcp (and collectord),
 * measured side by side with a bare JSON-RPC echo over the same kind of stdio pipe, against the goals. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

struct child {
	pid_t pid;
	int in, out; /* our ends: write requests to in, read answers from out */
	char buf[1 << 20];
	size_t have;
};

static int child_start(struct child *c, char *const argv[])
{
	int to[2], from[2];

	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	c->in = to[1];
	c->out = from[0];
	c->have = 0;
	return 0;
}

static void child_stop(struct child *c)
{
	close(c->in);
	close(c->out);
	waitpid(c->pid, NULL, 0);
}

/* An answer that is not what was asked for fails the run: an error
 * answered fast would make fine figures. */
static int answer_check(const char *line, size_t len, const char *want)
{
	char *copy;
	int r = 0;

	if (!want)
		return 0;
	copy = strndup(line, len);
	if (!copy)
		return -ENOMEM;
	if (strstr(copy, "\"error\"") || !strstr(copy, want)) {
		fprintf(stderr, "mcp-latency: unexpected answer (wanted %s): %.400s\n", want, copy);
		r = -EPROTO;
	}
	free(copy);
	return r;
}

/* Reads one answer line, checked to hold `want` when it is not NULL;
 * -ETIMEDOUT after 10 s. */
static int child_read_line(struct child *c, const char *want)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);
		struct pollfd p = { .fd = c->out, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t used = (size_t)(nl - c->buf) + 1;
			int r = answer_check(c->buf, used - 1, want);

			memmove(c->buf, c->buf + used, c->have - used);
			c->have -= used;
			return r;
		}
		if (c->have == sizeof(c->buf))
			return -EMSGSIZE;
		if (poll(&p, 1, 10000) <= 0)
			return -ETIMEDOUT;
		n = read(c->out, c->buf + c->have, sizeof(c->buf) - c->have);
		if (n <= 0)
			return -EPIPE;
		c->have += (size_t)n;
	}
}

static int child_call(struct child *c, const char *line, const char *want)
{
	size_t len = strlen(line);

	if (write(c->in, line, len) != (ssize_t)len)
		return -EPIPE;
	return child_read_line(c, want);
}

static const char init_line[] =
	"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
	"\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}\n";

struct target {
	const char *name;
	char *const *argv;
	const char *request; /* the request after its id: {"jsonrpc":"2.0","id":N<request> */
	const char *answer;  /* what the first answer must hold */
	bool mcp;            /* needs initialize */
};

/* One client doing `n` sequential requests; latencies appended to lat. */
static int client_run(const struct target *t, unsigned n, double *lat)
{
	struct child *c = calloc(1, sizeof(*c));
	char line[512];
	int r;

	if (!c)
		return -ENOMEM;
	r = child_start(c, t->argv);
	if (r >= 0 && t->mcp)
		r = child_call(c, init_line, "\"protocolVersion\"");
	for (unsigned i = 0; r >= 0 && i < n; i++) {
		double t0;

		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":%u%s", i + 1, t->request);
		t0 = bench_now();
		/* the first answer checked in full, the others only counted */
		r = child_call(c, line, i == 0 ? t->answer : NULL);
		lat[i] = bench_now() - t0;
	}
	child_stop(c);
	free(c);
	return r;
}

/* `clients` processes in parallel, each its own client; returns wall seconds. */
static int run_clients(const struct target *t, unsigned clients, unsigned n, double *lat, double *ret_wall)
{
	double t0 = bench_now();
	int status = 0;

	if (clients == 1) {
		int r = client_run(t, n, lat);

		*ret_wall = bench_now() - t0;
		return r;
	}
	/* Children write their latencies into a shared pipe: simple and bounded. */
	int fds[2];
	if (pipe(fds) < 0)
		return -errno;
	for (unsigned k = 0; k < clients; k++) {
		pid_t pid = fork();

		if (pid == 0) {
			double *mine = calloc(n, sizeof(double));
			int r = mine ? client_run(t, n, mine) : -ENOMEM;

			if (r >= 0 && write(fds[1], mine, n * sizeof(double)) != (ssize_t)(n * sizeof(double)))
				r = -EPIPE;
			_exit(r < 0 ? 1 : 0);
		}
	}
	close(fds[1]);
	size_t want = (size_t)clients * n * sizeof(double), got = 0;
	while (got < want) {
		ssize_t m = read(fds[0], (char *)lat + got, want - got);

		if (m <= 0)
			break;
		got += (size_t)m;
	}
	close(fds[0]);
	for (unsigned k = 0; k < clients; k++) {
		int st;

		wait(&st);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			status = -EIO;
	}
	*ret_wall = bench_now() - t0;
	return got == want ? status : -EIO;
}

/* The goals of issue 9, for ping and read: p50 <= 200 us, p99 <= 2 ms, each at most 3x the echo's. */
static void goals_print(double ping50, double ping99, double read50, double read99, double echo50, double echo99)
{
	const struct {
		const char *what;
		double value, limit;
	} goals[] = {
		{ "read p50 <= 200 us", read50, 200 },
		{ "read p99 <= 2 ms", read99, 2000 },
		{ "read p50 <= 3x echo", read50 / echo50, 3 },
		{ "read p99 <= 3x echo", read99 / echo99, 3 },
		{ "ping p50 <= 3x echo", ping50 / echo50, 3 },
		{ "ping p99 <= 3x echo", ping99 / echo99, 3 },
	};

	printf("  goals:");
	for (size_t i = 0; i < sizeof(goals) / sizeof(goals[0]); i++)
		printf("%s %s %s", i ? ";" : "", goals[i].what, goals[i].value <= goals[i].limit ? "met" : "MISSED");
	printf("\n");
}

int main(int argc, char **argv)
{
	const char *schedmcp = NULL, *echo = NULL, *sock = NULL;
	unsigned requests = 2000, rounds = 5, only_clients = 0;
	int c;

	while ((c = getopt(argc, argv, "s:e:S:n:r:c:")) >= 0) {
		switch (c) {
		case 's': schedmcp = optarg; break;
		case 'e': echo = optarg; break;
		case 'S': sock = optarg; break;
		case 'n': requests = (unsigned)atoi(optarg); break;
		case 'r': rounds = (unsigned)atoi(optarg); break;
		case 'c': only_clients = (unsigned)atoi(optarg); break;
		default: return 2;
		}
	}
	if (!schedmcp || !echo || !sock || requests == 0 || rounds == 0) {
		fprintf(stderr, "usage: mcp-latency -s SCHEDMCP -e ECHO -S SOCKET [-n REQUESTS] [-r ROUNDS]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	char *echo_argv[] = { (char *)echo, NULL };
	char *mcp_argv[] = { (char *)schedmcp, "--socket", (char *)sock, NULL };
	static const char ping[] = ",\"method\":\"ping\"}\n";
	const char *uri = getenv("BENCH_READ_URI") ? getenv("BENCH_READ_URI") : "stats://aggregated/cpu";
	char read_req[256];

	snprintf(read_req, sizeof(read_req), ",\"method\":\"resources/read\",\"params\":{\"uri\":\"%s\"}}\n",
		 uri);
	char read_answer[300];

	snprintf(read_answer, sizeof(read_answer), "{\"contents\":[{\"uri\":\"%s\"", uri);
	const struct target targets[] = {
		{ "echo", echo_argv, ping, "\"result\":{}", false },
		{ "ping", mcp_argv, ping, "\"result\":{}", true },
		{ "read", mcp_argv, read_req, read_answer, true },
	};
	unsigned client_counts[] = { 1, 8 };
	size_t n_counts = 2;

	if (only_clients) {
		client_counts[0] = only_clients;
		n_counts = 1;
	}

	printf("# MCP latency: %u requests per client, %u interleaved rounds, median of rounds\n", requests, rounds);
	printf("# read: resources/read %s\n", uri);
	for (size_t cc = 0; cc < n_counts; cc++) {
		unsigned clients = client_counts[cc];
		struct bench_series p50[3] = { 0 }, p99[3] = { 0 }, rps[3] = { 0 };
		double *lat = calloc((size_t)clients * requests, sizeof(double));

		if (!lat)
			return 1;
		for (unsigned r = 0; r < rounds; r++) {
			for (size_t k = 0; k < 3; k++) {
				size_t ti = (k + r) % 3; /* rotate the order every round */
				double wall = 0;

				if (run_clients(&targets[ti], clients, requests, lat, &wall) < 0) {
					fprintf(stderr, "mcp-latency: %s with %u clients failed\n", targets[ti].name, clients);
					return 1;
				}
				bench_series_add(&p50[ti], bench_percentile(lat, (size_t)clients * requests, 50) * 1e6);
				bench_series_add(&p99[ti], bench_percentile(lat, (size_t)clients * requests, 99) * 1e6);
				bench_series_add(&rps[ti], (double)clients * requests / wall);
			}
		}
		free(lat);
		printf("\n%u client%s          schedmcp ping   schedmcp read   echo baseline   ping/echo  read/echo\n",
		       clients, clients > 1 ? "s" : " ");
		printf("  p50 (us)      %14.1f  %14.1f  %14.1f  %9.2fx %9.2fx\n", bench_median(&p50[1]),
		       bench_median(&p50[2]), bench_median(&p50[0]), bench_median(&p50[1]) / bench_median(&p50[0]),
		       bench_median(&p50[2]) / bench_median(&p50[0]));
		printf("  p99 (us)      %14.1f  %14.1f  %14.1f  %9.2fx %9.2fx\n", bench_median(&p99[1]),
		       bench_median(&p99[2]), bench_median(&p99[0]), bench_median(&p99[1]) / bench_median(&p99[0]),
		       bench_median(&p99[2]) / bench_median(&p99[0]));
		printf("  requests/s    %14.0f  %14.0f  %14.0f  %9.2fx %9.2fx\n", bench_median(&rps[1]),
		       bench_median(&rps[2]), bench_median(&rps[0]), bench_median(&rps[1]) / bench_median(&rps[0]),
		       bench_median(&rps[2]) / bench_median(&rps[0]));
		printf("  spread p50: ping %.1f..%.1f us, read %.1f..%.1f us, echo %.1f..%.1f us over %u rounds\n",
		       bench_min(&p50[1]), bench_max(&p50[1]), bench_min(&p50[2]), bench_max(&p50[2]),
		       bench_min(&p50[0]), bench_max(&p50[0]), rounds);
		goals_print(bench_median(&p50[1]), bench_median(&p99[1]), bench_median(&p50[2]),
			    bench_median(&p99[2]), bench_median(&p50[0]), bench_median(&p99[0]));
	}
	return 0;
}
