/* wire-abuse.c: sends collectord malformed and forbidden wire messages and checks each is answered
 * with an error, or the connection closed when it cannot be framed, while the daemon serves on.
 * Usage: wire-abuse SOCKET [--read-level]  (--read-level: run as a read-level peer; every request
 * type collectord's dispatch table marks admin must be refused before any handler runs). */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "collector-client.h"
#include "dispatch.h"
#include "wire.h"

/* The least access each request type needs, from collectord's own dispatch table
 * (WIRE_ACCESS_NONE: not a request). */
#define ACCESS_ROW(type, access, handler) [type] = access,
static const enum wire_access required_access[WIRE_TYPE_MAX] = { DISPATCH_TABLE(ACCESS_ROW) };

static int failures, checks;
static const char *sock_path;

static void report(bool ok, const char *what)
{
	checks++;
	printf("%s - %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

static int connect_raw(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		exit(2);
	}
	return fd;
}

static void send_dgram(int fd, uint16_t type, uint32_t flags, uint32_t id, const void *payload, uint32_t len,
		       uint32_t total)
{
	uint8_t buf[WIRE_DATAGRAM_MAX];
	struct wire_header h = { WIRE_MAGIC, WIRE_VERSION, type, flags, id, len, total };

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	send(fd, buf, sizeof(h) + len, MSG_NOSIGNAL);
}

static void send_json(int fd, uint16_t type, uint32_t id, const char *json)
{
	send_dgram(fd, type, 0, id, json, (uint32_t)strlen(json), (uint32_t)strlen(json));
}

/* Next message: its type and errno (0 for non-errors); -1 on EOF or timeout. */
static int recv_msg(int fd, uint16_t *ret_type, char *msg, size_t msg_size)
{
	uint8_t buf[WIRE_DATAGRAM_MAX + 1];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct wire_header h;
	json_t *j;
	ssize_t n;
	int e = 0;

	if (poll(&p, 1, 3000) <= 0)
		return -1;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < (ssize_t)sizeof(h)) {
		if (n < 0 && errno == ECONNRESET) /* reported once before the queued messages */
			return recv_msg(fd, ret_type, msg, msg_size);
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	*ret_type = h.type;
	buf[n] = 0;
	j = json_loads((char *)buf + sizeof(h), 0, NULL);
	if (h.type == WIRE_ERROR) {
		e = (int)json_integer_value(json_object_get(j, "errno"));
		snprintf(msg, msg_size, "%s", json_string_value(json_object_get(j, "error")) ?: "");
	}
	json_decref(j);
	return e;
}

static bool closed(int fd)
{
	uint16_t t;
	char m[256];

	for (int i = 0; i < 4; i++)
		if (recv_msg(fd, &t, m, sizeof(m)) < 0)
			return true;
	return false;
}

static void hello(int fd)
{
	uint16_t t;
	char m[256];

	send_json(fd, WIRE_HELLO, 1, "{\"client\":\"wire-abuse\",\"protocol\":1}");
	if (recv_msg(fd, &t, m, sizeof(m)) != 0 || t != WIRE_HELLO) {
		fprintf(stderr, "HELLO failed\n");
		exit(2);
	}
}

static void expect_error_then_close(const char *what, int fd)
{
	uint16_t t = 0;
	char m[256] = "";
	int e = recv_msg(fd, &t, m, sizeof(m));
	char line[512];

	snprintf(line, sizeof(line), "%s: ERROR (%s), then closed", what, m);
	report(e > 0 && t == WIRE_ERROR && closed(fd), line);
	close(fd);
}

static void expect_error_and_alive(const char *what, int fd, int want_errno)
{
	uint16_t t = 0;
	char m[256] = "", line[512];
	int e = recv_msg(fd, &t, m, sizeof(m));

	snprintf(line, sizeof(line), "%s: ERROR %d (%s)", what, e, m);
	report(t == WIRE_ERROR && (want_errno ? e == want_errno : e > 0), line);
	send_dgram(fd, WIRE_PING, 0, 99, NULL, 0, 0);
	e = recv_msg(fd, &t, m, sizeof(m));
	snprintf(line, sizeof(line), "%s: the connection still answers PING", what);
	report(e == 0 && t == WIRE_REPLY, line);
}

static void framing_cases(void)
{
	uint8_t junk[WIRE_PART_MAX];
	int fd;

	memset(junk, 'x', sizeof(junk));
	fd = connect_raw();
	static const char junk_header[] = "\xde\xad\xbe\xef this is not a header at all";

	send(fd, junk_header, sizeof(junk_header) - 1, MSG_NOSIGNAL);
	expect_error_then_close("bad magic", fd);

	fd = connect_raw();
	hello(fd);
	send(fd, "short", 5, MSG_NOSIGNAL);
	expect_error_then_close("a datagram shorter than the header", fd);

	fd = connect_raw();
	hello(fd);
	send_dgram(fd, WIRE_READ, 0, 2, "{}", 2, 1000); /* length != total without MORE */
	expect_error_then_close("a last part short of its total", fd);

	fd = connect_raw();
	hello(fd);
	send_dgram(fd, WIRE_READ, WIRE_FLAG_MORE, 3, junk, WIRE_PART_MAX, 2 * WIRE_PART_MAX);
	send_dgram(fd, WIRE_READ, 0, 4, junk, WIRE_PART_MAX, 2 * WIRE_PART_MAX);
	expect_error_then_close("a part of another message in the middle of one", fd);

	fd = connect_raw();
	hello(fd);
	send_dgram(fd, WIRE_READ, WIRE_FLAG_MORE, 5, junk, WIRE_PART_MAX, 1u << 30);
	expect_error_then_close("a message larger than MaxMessageBytes", fd);

	fd = connect_raw();
	send_dgram(fd, WIRE_STATUS, 0, 6, NULL, 0, 0);
	expect_error_then_close("a request before HELLO", fd);

	fd = connect_raw();
	hello(fd);
	send_dgram(fd, 200, 0, 7, NULL, 0, 0);
	expect_error_then_close("an unknown message type", fd);
}

static void payload_cases(void)
{
	int fd = connect_raw();

	hello(fd);
	send_json(fd, WIRE_READ, 10, "{not json");
	expect_error_and_alive("a READ whose payload is not JSON", fd, EINVAL);
	send_json(fd, WIRE_READ, 11, "[1,2]");
	expect_error_and_alive("a READ whose payload is not an object", fd, EINVAL);
	send_json(fd, WIRE_READ, 12, "{\"uri\":42}");
	expect_error_and_alive("a READ whose uri is not a string", fd, EINVAL);
	send_json(fd, WIRE_READ, 13, "{\"uri\":\"nope://x\"}");
	expect_error_and_alive("a READ of an unknown resource", fd, ENOENT);
	send_json(fd, WIRE_REPLY, 14, "{}");
	expect_error_and_alive("a client sending a REPLY", fd, EBADMSG);
	send_json(fd, WIRE_HELLO, 15, "{\"protocol\":1}");
	report(closed(fd), "a second HELLO: answered, then the connection closed");
	close(fd);
}

/* Every request type: an admin one is refused before its handler runs, a read one passes the
 * access check (whatever its handler then says of an empty payload). */
static void access_cases(void)
{
	int fd = connect_raw(), admin = 0;
	char what[512];

	hello(fd);
	for (unsigned type = 1; type < WIRE_TYPE_MAX; type++) {
		const struct wire_type_info *info = wire_type_lookup(type);

		if (required_access[type] == WIRE_ACCESS_NONE || type == WIRE_HELLO) /* a 2nd HELLO closes */
			continue;
		send_dgram(fd, (uint16_t)type, 0, 100 + type, NULL, 0, 0);
		if (required_access[type] == WIRE_ACCESS_ADMIN) {
			snprintf(what, sizeof(what), "admin request %s from a read-level peer", info->name);
			expect_error_and_alive(what, fd, EPERM);
			admin++;
		} else {
			uint16_t t = 0;
			char m[256] = "";
			int e = recv_msg(fd, &t, m, sizeof(m));

			snprintf(what, sizeof(what), "read-level request %s passes the access check (%s)", info->name,
				 t == WIRE_ERROR ? m : "answered");
			report(e >= 0 && e != EPERM, what);
		}
	}
	snprintf(what, sizeof(what), "the dispatch table has admin request types to refuse (%d)", admin);
	report(admin > 0, what);
	close(fd);
}

int main(int argc, char **argv)
{
	struct collector_client *other = NULL;
	json_t *body = NULL;
	char *err = NULL;

	if (argc < 2) {
		fprintf(stderr, "usage: wire-abuse SOCKET [--read-level]\n");
		return 2;
	}
	sock_path = argv[1];
	/* A well-behaved client connected through all of it. */
	if (collector_client_connect(sock_path, "bystander", 5000, &other, &err) < 0) {
		fprintf(stderr, "bystander: %s\n", err);
		return 2;
	}
	if (argc > 2 && strcmp(argv[2], "--read-level") == 0) {
		access_cases();
	} else {
		framing_cases();
		payload_cases();
	}
	report(collector_client_call(other, WIRE_STATUS, NULL, 5000, &body, &err) == 0,
	       "a bystander connected all along is still served");
	json_decref(body);
	collector_client_free(other);
	printf("%d passed, %d failed\n", checks - failures, failures);
	return failures ? 1 : 0;
}
