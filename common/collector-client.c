/* collector-client.c: connect, HELLO, send requests and reassemble replies over the collectord socket. */
#include "build-config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "collector-client.h"
#include "json-util.h"
#include "macro.h"

struct collector_client {
	int fd;
	uint32_t next_id;
	bool reset_seen;
	json_t *hello;
	struct wire_assembler in;
	uint8_t dgram[WIRE_DATAGRAM_MAX];
};

const char *collector_socket_path(const char *explicit_path)
{
	const char *e;

	if (explicit_path && *explicit_path)
		return explicit_path;
	e = getenv("COLLECTORD_SOCKET");
	if (e && *e)
		return e;
	return DEFAULT_SOCKET_PATH;
}

char *collector_connect_error(const char *path, int err)
{
	char *s = NULL;
	int r;

	switch (err) {
	case -ENOENT:
	case -ECONNREFUSED:
		r = asprintf(&s,
			     "collectord is not running (cannot connect to %s: %s). Start it with "
			     "'systemctl start collectord.socket', or for development "
			     "'sudo collectord --foreground --socket %s'.",
			     path, strerror(-err), path);
		break;
	case -EACCES:
	case -EPERM:
		r = asprintf(&s,
			     "permission denied on %s: this user is not allowed to use collectord. "
			     "Add it to the 'collectord' group ('sudo usermod -aG collectord USER', "
			     "then log in again).",
			     path);
		break;
	case -ETIMEDOUT:
		r = asprintf(&s, "collectord at %s did not answer in time; check 'systemctl status collectord'.",
			     path);
		break;
	case -ENAMETOOLONG:
		r = asprintf(&s, "socket path %s is too long for a Unix socket.", path);
		break;
	default:
		r = asprintf(&s, "cannot talk to collectord at %s: %s.", path, strerror(-err));
		break;
	}
	return r < 0 ? NULL : s;
}

static int deadline_remaining(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)MIN(ms, 1LL << 30);
}

static void deadline_set(struct timespec *d, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += timeout_ms / 1000;
	d->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
}

static int wait_message(struct collector_client *c, const struct timespec *deadline,
			struct wire_message *ret)
{
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r = collector_client_receive(c, ret);

		if (r != 0)
			return r;
		r = poll(&p, 1, deadline_remaining(deadline));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
	}
}

static int send_hello(struct collector_client *c, const char *client_name)
{
	_cleanup_json_ json_t *hello = json_pack("{s:s, s:s, s:i}", "client", client_name, "version",
						 PROJECT_VERSION, "protocol", WIRE_VERSION);

	if (!hello)
		return -ENOMEM;
	return collector_client_send(c, WIRE_HELLO, hello, NULL);
}

static int receive_hello(struct collector_client *c, int timeout_ms, char **ret_error)
{
	struct wire_message m = { 0 };
	struct timespec deadline;
	json_t *hello;
	int r;

	deadline_set(&deadline, timeout_ms);
	r = wait_message(c, &deadline, &m);
	if (r < 0)
		return r;
	if (m.type == WIRE_ERROR) {
		r = collector_reply_decode(&m, NULL, ret_error);
		wire_message_done(&m);
		return r < 0 ? r : -EPROTO;
	}
	if (m.type != WIRE_HELLO) {
		wire_message_done(&m);
		return -EPROTO;
	}
	hello = json_loadb((const char *)m.payload, m.length, 0, NULL);
	wire_message_done(&m);
	if (!json_is_object(hello)) {
		json_decref(hello);
		return -EPROTO;
	}
	c->hello = hello;
	return 0;
}

int collector_client_connect(const char *path, const char *client_name, int timeout_ms,
			     struct collector_client **ret, char **ret_error)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct collector_client *c;
	char *err = NULL;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(sa.sun_path, path);

	c = calloc(1, sizeof(*c));
	if (!c) {
		r = -ENOMEM;
		goto fail;
	}
	c->next_id = 1;
	wire_assembler_init(&c->in, WIRE_MESSAGE_LIMIT);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		r = -errno;
		goto fail_free;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto fail_free;
	}
	r = send_hello(c, client_name);
	/* A refused peer may find the socket closed before its HELLO went
	 * out; the collector's reason is still waiting to be read. */
	if (r < 0 && r != -ECONNRESET)
		goto fail_free;
	r = receive_hello(c, timeout_ms, &err);
	if (r < 0)
		goto fail_free;
	*ret = c;
	return 0;

fail_free:
	collector_client_free(c);
fail:
	if (ret_error)
		*ret_error = err ? err : collector_connect_error(path, r);
	else
		free(err);
	return r;
}

void collector_client_free(struct collector_client *c)
{
	if (!c)
		return;
	safe_close(c->fd);
	json_decref(c->hello);
	wire_assembler_reset(&c->in);
	free(c);
}

int collector_client_fd(const struct collector_client *c)
{
	return c->fd;
}

const json_t *collector_client_hello(const struct collector_client *c)
{
	return c->hello;
}

static int emit_blocking(void *userdata, const void *datagram, size_t len)
{
	struct collector_client *c = userdata;

	/* Requests are small and the collector drains its socket promptly,
	 * so a blocking send is bounded; MSG_NOSIGNAL turns a dead peer into
	 * EPIPE instead of killing us. */
	for (;;) {
		ssize_t n = send(c->fd, datagram, len, MSG_NOSIGNAL);

		if (n >= 0)
			return n == (ssize_t)len ? 0 : -EIO;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			struct pollfd p = { .fd = c->fd, .events = POLLOUT };

			if (poll(&p, 1, 5000) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		return errno == EPIPE ? -ECONNRESET : -errno;
	}
}

int collector_client_send_text(struct collector_client *c, enum wire_type type, const char *text, size_t len,
			       uint32_t *ret_id)
{
	uint32_t id;
	int r;

	id = c->next_id++;
	if (c->next_id == 0) /* 0 is reserved for server pushes */
		c->next_id = 1;
	r = wire_split(type, id, text, len, emit_blocking, c);
	if (r < 0)
		return r;
	if (ret_id)
		*ret_id = id;
	return 0;
}

int collector_client_send(struct collector_client *c, enum wire_type type, const json_t *payload,
			  uint32_t *ret_id)
{
	_cleanup_free_ char *s = NULL;
	size_t len = 0;

	if (payload) {
		s = json_dump_compact(payload, &len);
		if (!s)
			return -ENOMEM;
	}
	return collector_client_send_text(c, type, s, len, ret_id);
}

int collector_client_receive(struct collector_client *c, struct wire_message *ret)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->dgram, sizeof(c->dgram), MSG_DONTWAIT | MSG_TRUNC);
		const struct wire_type_info *info;
		int r;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return c->reset_seen ? -ECONNRESET : 0;
			/* A peer that closed with our request unread makes the
			 * kernel report ECONNRESET once, before the messages it
			 * had sent us: read those first. */
			if (errno == ECONNRESET && !c->reset_seen) {
				c->reset_seen = true;
				continue;
			}
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		if ((size_t)n > sizeof(c->dgram))
			return -EMSGSIZE;
		r = wire_assembler_feed(&c->in, c->dgram, (size_t)n, ret);
		if (r <= 0) {
			if (r < 0)
				return r;
			continue;
		}
		info = wire_type_lookup(ret->type);
		if (!(info->dir & WIRE_DIR_TO_CLIENT)) {
			wire_message_done(ret);
			return -EPROTO;
		}
		return 1;
	}
}

int collector_reply_decode(const struct wire_message *m, json_t **ret_body, char **ret_error)
{
	_cleanup_json_ json_t *body = json_loadb((const char *)m->payload, m->length, 0, NULL);
	const char *msg = NULL;
	uint64_t e = 0;

	if (!body)
		return -EPROTO;
	if (m->type == WIRE_REPLY) {
		if (ret_body)
			*ret_body = TAKE_PTR(body);
		return 0;
	}
	if (m->type != WIRE_ERROR)
		return -EPROTO;
	if (json_get_uint(body, "errno", 4095, &e) < 0 || e == 0)
		e = EIO;
	if (ret_error) {
		if (json_get_string(body, "error", &msg) < 0)
			msg = strerror((int)e);
		*ret_error = strdup(msg);
	}
	return -(int)e;
}

int collector_client_call(struct collector_client *c, enum wire_type type, const json_t *payload,
			  int timeout_ms, json_t **ret_body, char **ret_error)
{
	struct timespec deadline;
	uint32_t id;
	int r;

	r = collector_client_send(c, type, payload, &id);
	if (r < 0)
		return r;
	deadline_set(&deadline, timeout_ms);
	for (;;) {
		struct wire_message m = { 0 };

		r = wait_message(c, &deadline, &m);
		if (r < 0)
			return r;
		if (m.request_id != id) { /* a push or a stale reply: not ours */
			wire_message_done(&m);
			continue;
		}
		r = collector_reply_decode(&m, ret_body, ret_error);
		wire_message_done(&m);
		return r;
	}
}
