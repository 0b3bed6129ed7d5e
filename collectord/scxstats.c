/* scxstats.c: speaks scx_stats (newline-delimited JSON over a unix stream socket) with bounded waits. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "errmsg.h"
#include "json-util.h"
#include "macro.h"
#include "scxstats.h"

#define READ_CHUNK (64 * 1024)

struct conn {
	int fd;
	const char *path;
	char *buf; /* bytes received and not yet returned as a line */
	size_t len, cap, max;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on fd until deadline: 0 ready, -ETIMEDOUT, or an error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - mono_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)MIN(left, INT32_MAX));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n > 0)
			return 0;
	}
}

static int connect_unix(const char *path, int64_t deadline, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	socklen_t len;
	int err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return negative_errno();
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* A full backlog: the server is busy; try again until the deadline. */
			if (mono_ms() >= deadline)
				return -ETIMEDOUT;
			poll(NULL, 0, 10);
			continue;
		}
		if (errno != EINPROGRESS)
			return negative_errno();
		err = wait_fd(fd, POLLOUT, deadline);
		if (err < 0)
			return err;
		len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			return negative_errno();
		if (err)
			return -err;
		break;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			int r;

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return negative_errno();
			r = wait_fd(fd, POLLOUT, deadline);
			if (r < 0)
				return r;
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One reply line, without its newline, NUL-terminated in a new buffer. */
static int recv_line(struct conn *c, int64_t deadline, char **ret, size_t *ret_len)
{
	size_t scanned = 0;

	for (;;) {
		char *nl = c->len > scanned ? memchr(c->buf + scanned, '\n', c->len - scanned) : NULL;
		ssize_t n;
		int r;

		if (nl) {
			size_t line = (size_t)(nl - c->buf);
			char *out = malloc(line + 1);

			if (!out)
				return -ENOMEM;
			memcpy(out, c->buf, line);
			out[line] = 0;
			memmove(c->buf, nl + 1, c->len - line - 1);
			c->len -= line + 1;
			*ret = out;
			*ret_len = line;
			return 0;
		}
		scanned = c->len;
		if (c->len > c->max)
			return -EMSGSIZE;
		if (c->cap - c->len < READ_CHUNK) {
			size_t cap = MAX(c->cap * 2, c->len + READ_CHUNK);
			char *b = realloc(c->buf, cap);

			if (!b)
				return -ENOMEM;
			c->buf = b;
			c->cap = cap;
		}
		n = recv(c->fd, c->buf + c->len, MIN(c->cap - c->len, c->max + 1 - c->len), 0);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return negative_errno();
		r = wait_fd(c->fd, POLLIN, deadline);
		if (r < 0)
			return r;
	}
}

int scxstats_parse_reply(const char *req, const char *line, size_t len, json_t **ret, char **ret_error)
{
	_cleanup_json_ json_t *reply = NULL;
	json_error_t jerr;
	json_t *resp, *e;

	reply = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!reply)
		return errmsg_set(ret_error, -EBADMSG,
				  "scx_stats server sent invalid JSON in reply to \"%s\": %s", req,
				  jerr.text);
	e = json_object_get(reply, "errno");
	if (!json_is_integer(e) || !json_is_object(json_object_get(reply, "args")))
		return errmsg_set(
		    ret_error, -EBADMSG,
		    "scx_stats server sent a reply to \"%s\" without an integer \"errno\" and an "
		    "\"args\" object",
		    req);
	resp = json_object_get(json_object_get(reply, "args"), "resp");
	if (json_integer_value(e) != 0) {
		json_int_t n = json_integer_value(e);
		_cleanup_free_ char *detail = resp ? json_dumps(resp, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		int err = n > 0 && n < 4096 ? (int)n : EIO;

		return errmsg_set(ret_error, -err, "scx_stats server refused \"%s\": errno %lld (%s)%s%s",
				  req, (long long)n, strerror(err), detail ? ": " : "", detail ? detail : "");
	}
	if (!resp)
		return errmsg_set(ret_error, -EBADMSG, "scx_stats reply to \"%s\" has no \"resp\"", req);
	*ret = json_incref(resp);
	return 0;
}

static int exchange(struct conn *c, const char *req, json_t *args, int64_t deadline, int timeout_ms,
		    json_t **ret, char **ret_error)
{
	_cleanup_json_ json_t *request = json_pack("{s:s, s:O}", "req", req, "args", args);
	_cleanup_free_ char *line = NULL, *text = NULL;
	size_t len;
	int r;

	if (!request)
		return -ENOMEM;
	text = json_dump_compact(request, &len);
	if (!text)
		return -ENOMEM;
	text[len] = '\n'; /* the NUL becomes the line end */
	r = send_all(c->fd, text, len + 1, deadline);
	if (r == 0)
		r = recv_line(c, deadline, &line, &len);
	if (r == -ETIMEDOUT)
		return errmsg_set(ret_error, r,
				  "scx_stats server at %s did not answer the \"%s\" request within %d ms",
				  c->path, req, timeout_ms);
	if (r == -EMSGSIZE)
		return errmsg_set(ret_error, r,
				  "scx_stats reply to \"%s\" is larger than %zu bytes; refusing it", req,
				  c->max);
	if (r == -ECONNRESET || r == -EPIPE)
		return errmsg_set(ret_error, -ECONNRESET,
				  "scx_stats server at %s closed the connection before answering \"%s\"",
				  c->path, req);
	if (r < 0)
		return errmsg_set(ret_error, r, "talking to the scx_stats server at %s failed: %s", c->path,
				  strerror(-r));

	return scxstats_parse_reply(req, line, len, ret, ret_error);
}

/* Synchronous on purpose, for now: the daemon's loop waits at most
 * connect_timeout + read_timeout (3 s by default) for a scheduler that hangs. */
int scxstats_query(const struct scxstats_opts *opts, json_t **ret, char **ret_error)
{
	const char *target = opts->target ? opts->target : "top";
	int connect_ms =
	    opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : SCXSTATS_CONNECT_TIMEOUT_MS;
	int read_ms = opts->read_timeout_ms > 0 ? opts->read_timeout_ms : SCXSTATS_READ_TIMEOUT_MS;
	struct conn c = { .fd = -1,
			  .path = opts->socket_path,
			  .max = opts->max_reply ? opts->max_reply : SCXSTATS_MAX_REPLY };
	_cleanup_json_ json_t *stats_args = json_pack("{s:s}", "target", target), *meta_args = json_object();
	json_t *stats = NULL, *meta = NULL, *o;
	int64_t deadline;
	int r;

	if (!stats_args || !meta_args)
		return -ENOMEM;
	r = connect_unix(c.path, mono_ms() + connect_ms, &c.fd);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		char reason[700];

		if (r == -ENOENT)
			snprintf(reason, sizeof(reason),
				 "no sched_ext scheduler is running (no stats socket at %s)", c.path);
		else
			snprintf(reason, sizeof(reason),
				 "no scx_stats server listens on %s (a scheduler that exited left its socket "
				 "behind)",
				 c.path);
		o = json_pack("{s:b, s:s, s:s}", "available", 0, "reason", reason, "socket", c.path);
		goto done;
	}
	if (r == -ETIMEDOUT)
		return errmsg_set(ret_error, r,
				  "connecting to the scx_stats server at %s timed out after %d ms", c.path,
				  connect_ms);
	if (r < 0)
		return errmsg_set(ret_error, r, "connecting to the scx_stats server at %s failed: %s", c.path,
				  strerror(-r));

	deadline = mono_ms() + read_ms;
	r = exchange(&c, "stats", stats_args, deadline, read_ms, &stats, ret_error);
	if (r == 0)
		r = exchange(&c, "stats_meta", meta_args, deadline, read_ms, &meta, ret_error);
	safe_close(c.fd);
	free(c.buf);
	if (r < 0) {
		json_decref(stats);
		return r;
	}
	o = json_pack("{s:b, s:s, s:s, s:o, s:o}", "available", 1, "socket", c.path, "target", target,
		      "stats", stats, "stats_meta", meta);
done:
	if (!o)
		return -ENOMEM;
	*ret = o;
	return 0;
}
