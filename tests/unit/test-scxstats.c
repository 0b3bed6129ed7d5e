/* test-scxstats.c: unit tests for scxstats.c against fake-scx-stats in each of its modes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json-util.h"
#include "scxstats.h"
#include "test-util.h"

static const char *fake;
static char dir[] = "/tmp/test-scxstats.XXXXXX";
static char sock[100];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts the fake server and waits for its "ready" line. */
static pid_t server_start(const char *mode)
{
	char line[16] = "";
	int p[2];
	pid_t pid;
	FILE *f;

	if (pipe(p) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execl(fake, fake, sock, mode, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || strcmp(line, "ready\n") != 0) {
		fprintf(stderr, "%s %s did not start\n", fake, mode);
		abort();
	}
	fclose(f);
	return pid;
}

static void server_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(sock);
}

static int query(const char *mode, const struct scxstats_opts *extra, json_t **ret, char **ret_error)
{
	struct scxstats_opts o = extra ? *extra : (struct scxstats_opts){ 0 };
	pid_t pid = mode ? server_start(mode) : 0;
	int r;

	o.socket_path = sock;
	r = scxstats_query(&o, ret, ret_error);
	if (pid)
		server_stop(pid);
	return r;
}

static void test_normal(void)
{
	_cleanup_json_ json_t *o = NULL;
	_cleanup_free_ char *error = NULL;
	const json_t *stats, *meta;

	CHECK_INT_EQ(0, query("normal", NULL, &o, &error));
	stats = json_object_get(o, "stats");
	meta = json_object_get(o, "stats_meta");
	CHECK(json_is_true(json_object_get(o, "available")));
	CHECK_STR_EQ(sock, json_string_value(json_object_get(o, "socket")));
	CHECK_STR_EQ("top", json_string_value(json_object_get(o, "target")));
	CHECK_INT_EQ(4, json_integer_value(json_object_get(stats, "nr_cpus")));
	CHECK(json_real_value(json_object_get(stats, "busy")) == 12.5);
	CHECK_INT_EQ(7, json_integer_value(json_object_get(
			    json_object_get(json_object_get(stats, "layers"), "batch"), "tasks")));
	CHECK_STR_EQ("top", json_string_value(json_object_get(json_object_get(meta, "top"), "name")));
	CHECK(error == NULL);
}

static void test_unknown_target(void)
{
	struct scxstats_opts o = { .target = "nosuch" };
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(-EINVAL, query("normal", &o, &j, &error));
	CHECK(j == NULL);
	CHECK(error && strstr(error, "errno 22") && strstr(error, "unknown stat target"));
}

static void test_errno(void)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(-EBUSY, query("errno", NULL, &j, &error));
	CHECK(error && strstr(error, "refused \"stats\": errno 16") && strstr(error, "scheduler is busy"));
}

static void test_garbage(void)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(-EBADMSG, query("garbage", NULL, &j, &error));
	CHECK(error && strstr(error, "scx_stats server sent invalid JSON"));
}

/* With the default bounds: the answer must come within the read timeout. */
static void test_hang(void)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *error = NULL;
	double t0 = now_s(), took;

	CHECK_INT_EQ(-ETIMEDOUT, query("hang", NULL, &j, &error));
	took = now_s() - t0;
	CHECK(took >= SCXSTATS_READ_TIMEOUT_MS / 1000.0 - 0.05);
	CHECK(took < SCXSTATS_READ_TIMEOUT_MS / 1000.0 + 0.5);
	CHECK(error && strstr(error, "did not answer the \"stats\" request within 2000 ms"));
}

static void test_huge(void)
{
	struct scxstats_opts o = { .max_reply = 256 * 1024 };
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(-EMSGSIZE, query("huge", &o, &j, &error));
	CHECK(error && strstr(error, "larger than 262144 bytes"));
}

static void test_close(void)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(-ECONNRESET, query("close", NULL, &j, &error));
	CHECK(error && strstr(error, "closed the connection"));
}

static void test_absent(void)
{
	_cleanup_json_ json_t *o = NULL;
	_cleanup_free_ char *error = NULL;
	const char *reason;

	CHECK_INT_EQ(0, query(NULL, NULL, &o, &error));
	reason = json_string_value(json_object_get(o, "reason"));
	CHECK(json_is_false(json_object_get(o, "available")));
	CHECK(reason && strstr(reason, "no sched_ext scheduler is running (no stats socket at ") &&
	      strstr(reason, sock));
}

/* A socket file nobody listens on, as a crashed scheduler leaves. */
static void test_stale(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_json_ json_t *o = NULL;
	_cleanup_free_ char *error = NULL;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	close(fd);
	CHECK_INT_EQ(0, query(NULL, NULL, &o, &error));
	CHECK(json_is_false(json_object_get(o, "available")));
	CHECK(strstr(json_string_value(json_object_get(o, "reason")), "no scx_stats server listens") != NULL);
	unlink(sock);
}

/* The reply parser alone, on lines no fake server needs to send. */
static void test_parse_reply(void)
{
	static const char ok[] = "{\"errno\":0,\"args\":{\"resp\":{\"a\":1}}}";
	json_t *resp = NULL;
	char *err = NULL;

	CHECK_INT_EQ(0, scxstats_parse_reply("stats", ok, strlen(ok), &resp, &err));
	CHECK(json_integer_value(json_object_get(resp, "a")) == 1);
	json_decref(resp);
	/* len bounds the line: what follows is not read */
	CHECK_INT_EQ(-EBADMSG, scxstats_parse_reply("stats", ok, strlen(ok) - 1, &resp, &err));
	CHECK(err && strstr(err, "invalid JSON"));
	free(err);
	err = NULL;
	CHECK_INT_EQ(-ENOENT, scxstats_parse_reply("stats", "{\"errno\":2,\"args\":{}}",
						   strlen("{\"errno\":2,\"args\":{}}"), &resp, &err));
	CHECK(err && strstr(err, "errno 2"));
	free(err);
	err = NULL;
	CHECK_INT_EQ(-EIO, scxstats_parse_reply("stats", "{\"errno\":-7,\"args\":{}}",
						strlen("{\"errno\":-7,\"args\":{}}"), &resp, &err));
	free(err);
	err = NULL;
	CHECK_INT_EQ(-EBADMSG, scxstats_parse_reply("stats", "{\"errno\":0,\"args\":{}}",
						    strlen("{\"errno\":0,\"args\":{}}"), &resp, &err));
	CHECK(err && strstr(err, "no \"resp\""));
	free(err);
	err = NULL;
	CHECK_INT_EQ(-EBADMSG,
		     scxstats_parse_reply("stats", "{\"errno\":0}", strlen("{\"errno\":0}"), &resp, &err));
	free(err);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/fake-scx-stats\n", argv[0]);
		return 2;
	}
	fake = argv[1];
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		abort();
	snprintf(sock, sizeof(sock), "%s/stats", dir);
	test_parse_reply();
	test_normal();
	test_unknown_target();
	test_errno();
	test_garbage();
	test_hang();
	test_huge();
	test_close();
	test_absent();
	test_stale();
	rmdir(dir);
	return test_result("test-scxstats");
}
