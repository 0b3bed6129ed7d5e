/* load-client.c: many concurrent clients of collectord for the load test: half speak MCP through
 * schedmcp, half the wire protocol directly (as collectorctl does); every request must be answered,
 * or refused with an error that names the limit. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector-client.h"

struct counts {
	unsigned long ok, refused, failed;
};

static const char *const uris[] = { "topology://info", "stats://system/cpu", "stats://system/memory",
				    "scheduler://current", "collector://status" };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A refusal must say which limit; anything else is a failure. */
static bool is_limit_error(const char *msg)
{
	return msg && (strstr(msg, "too many") || strstr(msg, "Max"));
}

static void count_error(struct counts *c, int id, const char *msg)
{
	if (is_limit_error(msg)) {
		c->refused++;
		return;
	}
	c->failed++;
	fprintf(stderr, "client %d: unexpected error: %s\n", id, msg ? msg : "(none)");
}

static void wire_client(int id, const char *sock, double until, struct counts *c)
{
	struct collector_client *cl = NULL;
	char *err = NULL;
	unsigned i = 0;

	if (collector_client_connect(sock, "load", 5000, &cl, &err) < 0) {
		count_error(c, id, err);
		free(err);
		return;
	}
	while (now() < until) {
		json_t *body = NULL, *req = NULL;
		int r;

		err = NULL;
		if (i % 3 == 2) {
			r = collector_client_call(cl, WIRE_STATUS, NULL, 10000, &body, &err);
		} else {
			req = json_pack("{s:s, s:{}}", "uri", uris[i % 5 == 4 ? 0 : i % 5], "args");
			r = collector_client_call(cl, WIRE_READ, req, 10000, &body, &err);
		}
		if (r < 0)
			count_error(c, id, err);
		else
			c->ok++;
		json_decref(req);
		json_decref(body);
		free(err);
		i++;
	}
	/* One burst past MaxRequestsInFlight: each answered or refused by name. */
	uint32_t ids[64];
	for (unsigned k = 0; k < 64; k++)
		collector_client_send(cl, WIRE_PING, NULL, &ids[k]);
	for (unsigned got = 0; got < 64;) {
		struct wire_message m = { 0 };
		struct pollfd p = { .fd = collector_client_fd(cl), .events = POLLIN };
		int r = collector_client_receive(cl, &m);

		if (r < 0) {
			c->failed++;
			fprintf(stderr, "client %d: connection lost in the burst\n", id);
			break;
		}
		if (r == 0) {
			if (poll(&p, 1, 10000) <= 0) {
				c->failed++;
				fprintf(stderr, "client %d: burst answers missing\n", id);
				break;
			}
			continue;
		}
		err = NULL;
		if (collector_reply_decode(&m, NULL, &err) < 0)
			count_error(c, id, err);
		else
			c->ok++;
		free(err);
		wire_message_done(&m);
		got++;
	}
	collector_client_free(cl);
}

struct mcp_child {
	pid_t pid;
	FILE *in, *out;
};

static int mcp_start(struct mcp_child *m, const char *schedmcp, const char *sock)
{
	int to[2], from[2];

	if (pipe(to) < 0 || pipe(from) < 0)
		return -errno;
	m->pid = fork();
	if (m->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		execl(schedmcp, schedmcp, "--socket", sock, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	m->in = fdopen(to[1], "w");
	m->out = fdopen(from[0], "r");
	return m->in && m->out ? 0 : -ENOMEM;
}

static int mcp_call(struct mcp_child *m, const char *line, json_t **ret)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	fputs(line, m->in);
	fputc('\n', m->in);
	fflush(m->in);
	n = getline(&buf, &cap, m->out);
	if (n <= 0) {
		free(buf);
		return -EPIPE;
	}
	*ret = json_loadb(buf, (size_t)n, 0, NULL);
	free(buf);
	return *ret ? 0 : -EBADMSG;
}

static void mcp_client(int id, const char *schedmcp, const char *sock, double until, struct counts *c)
{
	struct mcp_child m;
	json_t *resp = NULL;
	char line[256];
	unsigned i = 0;

	if (mcp_start(&m, schedmcp, sock) < 0 ||
	    mcp_call(&m, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
			 "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"load\",\"version\":\"1\"}}}",
		     &resp) < 0) {
		c->failed++;
		fprintf(stderr, "client %d: schedmcp did not initialize\n", id);
		return;
	}
	json_decref(resp);
	while (now() < until) {
		const json_t *err, *res;

		if (i % 3 == 0)
			snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"ping\"}", i + 1);
		else if (i % 3 == 1)
			snprintf(line, sizeof(line),
				 "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"resources/read\",\"params\":{\"uri\":\"%s\"}}",
				 i + 1, uris[i % 5]);
		else
			snprintf(line, sizeof(line),
				 "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"tools/call\",\"params\":{\"name\":"
				 "\"get_topology\",\"arguments\":{}}}",
				 i + 1);
		if (mcp_call(&m, line, &resp) < 0) {
			c->failed++;
			fprintf(stderr, "client %d: schedmcp stopped answering\n", id);
			break;
		}
		err = json_object_get(resp, "error");
		res = json_object_get(resp, "result");
		if (err)
			count_error(c, id, json_string_value(json_object_get(err, "message")));
		else if (json_is_true(json_object_get(res, "isError")))
			count_error(c, id, json_string_value(json_object_get(
						   json_array_get(json_object_get(res, "content"), 0), "text")));
		else
			c->ok++;
		json_decref(resp);
		i++;
	}
	fclose(m.in);
	fclose(m.out);
	waitpid(m.pid, NULL, 0);
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *schedmcp = NULL;
	unsigned clients = 64, secs = 5;
	struct counts total = { 0 };
	int fds[2], o;

	while ((o = getopt(argc, argv, "S:m:k:t:")) >= 0) {
		switch (o) {
		case 'S': sock = optarg; break;
		case 'm': schedmcp = optarg; break;
		case 'k': clients = (unsigned)atoi(optarg); break;
		case 't': secs = (unsigned)atoi(optarg); break;
		default: return 2;
		}
	}
	if (!sock || !schedmcp || !clients || !secs) {
		fprintf(stderr, "usage: load-client -S SOCKET -m SCHEDMCP [-k CLIENTS] [-t SECONDS]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(fds) < 0)
		return 1;
	double until = now() + secs;
	for (unsigned k = 0; k < clients; k++) {
		if (fork() == 0) {
			struct counts c = { 0 };

			close(fds[0]);
			if (k % 2)
				wire_client((int)k, sock, until, &c);
			else
				mcp_client((int)k, schedmcp, sock, until, &c);
			if (write(fds[1], &c, sizeof(c)) != sizeof(c))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (struct counts c; read(fds[0], &c, sizeof(c)) == sizeof(c);) {
		total.ok += c.ok;
		total.refused += c.refused;
		total.failed += c.failed;
	}
	while (wait(NULL) > 0)
		;
	printf("clients %u, requests %lu, answered %lu, refused by a limit %lu, failed %lu\n", clients,
	       total.ok + total.refused + total.failed, total.ok, total.refused, total.failed);
	return total.failed ? 1 : 0;
}
