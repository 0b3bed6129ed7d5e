/* test-collector-link.c: collector-link.c's answers as text against a fake collectord in a child
 * process: the payload exactly as sent (several datagrams too), a payload that is not JSON or not
 * UTF-8 refused, the collector's errors and an unreachable collector said in words; no callback of a
 * subscription after it was unsubscribed. */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector-link.h"
#include "json-util.h"
#include "test-util.h"
#include "wire.h"

struct reply {
	uint16_t type;
	const char *payload;
	size_t len;
};

static int emit(void *userdata, const void *datagram, size_t len)
{
	int fd = *(int *)userdata;

	return send(fd, datagram, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

/* What the fake collector answers a READ of uri with. */
static struct reply reply_for(const char *uri, char *big, size_t big_len)
{
	static const char bad_utf8[] = "{\"s\":\"\xc3\x28\"}";

	if (strcmp(uri, "test://good") == 0)
		return (struct reply){WIRE_REPLY, "{\"a\":1.25,\"s\":\"x\\\"y\\u00e9\",\"n\":null}", 0};
	if (strcmp(uri, "test://big") == 0)
		return (struct reply){WIRE_REPLY, big, big_len};
	if (strcmp(uri, "test://not-json") == 0)
		return (struct reply){WIRE_REPLY, "{\"a\":", 0};
	if (strcmp(uri, "test://not-utf8") == 0)
		return (struct reply){WIRE_REPLY, bad_utf8, 0};
	return (struct reply){WIRE_ERROR, "{\"errno\":2,\"error\":\"unknown resource\"}", 0};
}

/* The fake collectord: HELLO, then one answer per READ, until the peer goes. */
static void serve(int listen_fd, char *big, size_t big_len)
{
	static uint8_t dgram[WIRE_DATAGRAM_MAX];
	struct wire_assembler in;
	int fd = accept(listen_fd, NULL, NULL);

	if (fd < 0)
		_exit(1);
	wire_assembler_init(&in, WIRE_MESSAGE_LIMIT);
	for (;;) {
		struct wire_message m = {0};
		ssize_t n = recv(fd, dgram, sizeof(dgram), 0);
		json_t *args;
		struct reply r;

		if (n <= 0)
			_exit(0);
		if (wire_assembler_feed(&in, dgram, (size_t)n, &m) != 1)
			continue;
		if (m.type == WIRE_HELLO) {
			static const char hello[] =
			    "{\"version\":\"test\",\"protocol\":1,\"access\":\"read\",\"features\":{}}";

			wire_split(WIRE_HELLO, m.request_id, hello, strlen(hello), emit, &fd);
			wire_message_done(&m);
			continue;
		}
		args = json_loadb((const char *)m.payload, m.length, 0, NULL);
		r = reply_for(json_string_value(json_object_get(args, "uri")) ?: "", big, big_len);
		wire_split(r.type, m.request_id, r.payload, r.len ? r.len : strlen(r.payload), emit, &fd);
		json_decref(args);
		wire_message_done(&m);
	}
}

struct answer {
	bool done;
	int err;
	char *text;
	size_t len;
	char *message;
};

static void on_text(void *userdata, int err, const char *text, size_t len, const char *message)
{
	struct answer *a = userdata;

	a->done = true;
	a->err = err;
	a->text = text ? strndup(text, len) : NULL;
	a->len = len;
	a->message = message ? strdup(message) : NULL;
}

/* READ of uri, its payload sent as JSON or, with as_text, already printed. */
static void ask_as(struct event_base *base, struct collector_link *l, const char *uri, bool as_text,
		   struct answer *a)
{
	json_t *payload = json_pack("{s:s, s:{}}", "uri", uri, "args");
	char *text = json_dumps(payload, JSON_COMPACT);
	const struct collector_request_opts opts = { .payload_text = text };

	memset(a, 0, sizeof(*a));
	collector_link_request_text(l, WIRE_READ, as_text ? NULL : payload, as_text ? &opts : NULL, on_text, a);
	json_decref(payload);
	free(text);
	while (!a->done)
		event_base_loop(base, EVLOOP_ONCE);
}

static void ask(struct event_base *base, struct collector_link *l, const char *uri, struct answer *a)
{
	ask_as(base, l, uri, false, a);
}

static void answer_done(struct answer *a)
{
	free(a->text);
	free(a->message);
}

/* A subscription's callbacks count their calls: after unsubscribing, none may run. */
static void on_sub_reply(void *userdata, int err, const json_t *body, const char *message)
{
	(*(int *)userdata)++;
}

static void on_sub_events(void *userdata, const void *payload, size_t len)
{
	(*(int *)userdata)++;
}

static void on_sub_end(void *userdata, int err, const char *message)
{
	(*(int *)userdata)++;
}

int main(void)
{
	char dir[] = "/tmp/test-collector-link.XXXXXX", path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct collector_link *l = NULL;
	struct event_base *base;
	struct answer a;
	size_t big_len = 3 * WIRE_DATAGRAM_MAX;
	char *big = malloc(big_len);
	int fd;
	pid_t child;

	signal(SIGPIPE, SIG_IGN);
	/* a payload of several datagrams: {"s":"xxxx..."} */
	memset(big, 'x', big_len);
	memcpy(big, "{\"s\":\"", 6);
	memcpy(big + big_len - 2, "\"}", 2);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/c.sock", dir);
	memcpy(sa.sun_path, path, sizeof(path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
		return 1;
	child = fork();
	if (child == 0)
		serve(fd, big, big_len);
	close(fd);
	base = event_base_new();
	CHECK_INT_EQ(0, collector_link_new(base, path, 5000, &l));

	ask(base, l, "test://good", &a);
	CHECK_INT_EQ(0, a.err);
	CHECK_STR_EQ("{\"a\":1.25,\"s\":\"x\\\"y\\u00e9\",\"n\":null}", a.text);
	answer_done(&a);

	/* the request's payload already printed */
	ask_as(base, l, "test://good", true, &a);
	CHECK_INT_EQ(0, a.err);
	CHECK_STR_EQ("{\"a\":1.25,\"s\":\"x\\\"y\\u00e9\",\"n\":null}", a.text);
	answer_done(&a);

	ask(base, l, "test://big", &a);
	CHECK_INT_EQ(0, a.err);
	CHECK_INT_EQ(big_len, a.len);
	CHECK(a.text && memcmp(a.text, big, big_len) == 0);
	answer_done(&a);

	ask(base, l, "test://not-json", &a);
	CHECK_INT_EQ(-EPROTO, a.err);
	CHECK(a.text == NULL && a.message && strstr(a.message, "not a JSON document"));
	answer_done(&a);

	ask(base, l, "test://not-utf8", &a);
	CHECK_INT_EQ(-EPROTO, a.err);
	answer_done(&a);

	ask(base, l, "test://unknown", &a);
	CHECK_INT_EQ(-ENOENT, a.err);
	CHECK_STR_EQ("unknown resource", a.message);
	answer_done(&a);

	/* unsubscribed before SUBSCRIBE's answer (an error from this fake): the answer reaches no
	 * callback, whose owner may be gone (schedmcp wrote to a freed feed so) */
	{
		json_t *filters = json_object();
		int calls = 0;
		uint32_t id = collector_link_subscribe(l, filters, on_sub_reply, on_sub_events, on_sub_end, &calls);

		CHECK(id != 0);
		collector_link_unsubscribe(l, id);
		ask(base, l, "test://good", &a); /* answered in order: after SUBSCRIBE's answer */
		CHECK_INT_EQ(0, a.err);
		CHECK_INT_EQ(0, calls);
		answer_done(&a);
		json_decref(filters);
	}

	/* the collector goes: the next request says how to start it */
	collector_link_free(l);
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	unlink(path);
	CHECK_INT_EQ(0, collector_link_new(base, path, 5000, &l));
	ask(base, l, "test://good", &a);
	CHECK_INT_EQ(-ENOTCONN, a.err);
	CHECK(a.message && strstr(a.message, "collectord is not running"));
	answer_done(&a);

	collector_link_free(l);
	event_base_free(base);
	rmdir(dir);
	free(big);
	return test_result("test-collector-link");
}
