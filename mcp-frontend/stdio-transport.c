/* stdio-transport.c: split stdin into lines (bounded), write answers to stdout. */
#include <errno.h>
#include <event2/buffer.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "macro.h"
#include "stdio-transport.h"

struct stdio_transport {
	int in_fd, out_fd;
	size_t max_line;
	bool discarding; /* inside a line that was too long: drop until its newline */
	bool out_broken;
	struct event *ev;
	struct evbuffer *buf;
	struct stdio_callbacks cb;
	char chunk[64 * 1024]; /* read() lands here: evbuffer_read() asks FIONREAD first, a syscall per message */
};

static void deliver_lines(struct stdio_transport *t)
{
	for (;;) {
		struct evbuffer_ptr eol = evbuffer_search_eol(t->buf, NULL, NULL, EVBUFFER_EOL_LF);
		size_t have = evbuffer_get_length(t->buf);
		char *line;

		if (eol.pos < 0) {
			if (have > t->max_line) {
				/* Answer once, then throw the rest of it away as it comes. */
				if (!t->discarding)
					t->cb.too_long(t->cb.userdata, t->max_line);
				t->discarding = true;
				evbuffer_drain(t->buf, have);
			}
			return;
		}
		if (t->discarding || (size_t)eol.pos > t->max_line) {
			if (!t->discarding)
				t->cb.too_long(t->cb.userdata, t->max_line);
			t->discarding = false;
			evbuffer_drain(t->buf, (size_t)eol.pos + 1);
			continue;
		}
		line = (char *)evbuffer_pullup(t->buf, eol.pos + 1);
		if (!line)
			return;
		/* Tolerate CRLF from clients on other systems. */
		size_t len = (size_t)eol.pos;
		if (len && line[len - 1] == '\r')
			len--;
		if (len)
			t->cb.line(t->cb.userdata, line, len);
		evbuffer_drain(t->buf, (size_t)eol.pos + 1);
	}
}

static void on_readable(evutil_socket_t fd, short what, void *userdata)
{
	struct stdio_transport *t = userdata;
	ssize_t n = read(fd, t->chunk, sizeof(t->chunk));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && evbuffer_add(t->buf, t->chunk, (size_t)n) < 0)
		n = -1; /* out of memory: as if stdin ended */
	if (n <= 0) {
		event_del(t->ev);
		/* A last line without a newline still counts. */
		if (evbuffer_get_length(t->buf) && !t->discarding)
			evbuffer_add(t->buf, "\n", 1);
		deliver_lines(t);
		t->cb.eof(t->cb.userdata);
		return;
	}
	deliver_lines(t);
}

int stdio_transport_new(struct event_base *base, int in_fd, int out_fd, size_t max_line,
			const struct stdio_callbacks *cb, struct stdio_transport **ret)
{
	struct stdio_transport *t = calloc(1, sizeof(*t));
	int flags;

	if (!t)
		return -ENOMEM;
	t->in_fd = in_fd;
	t->out_fd = out_fd;
	t->max_line = max_line;
	t->cb = *cb;
	t->buf = evbuffer_new();
	flags = fcntl(in_fd, F_GETFL);
	if (flags >= 0)
		fcntl(in_fd, F_SETFL, flags | O_NONBLOCK);
	t->ev = event_new(base, in_fd, EV_READ | EV_PERSIST, on_readable, t);
	if (!t->buf || !t->ev || event_add(t->ev, NULL) < 0) {
		stdio_transport_free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

void stdio_transport_free(struct stdio_transport *t)
{
	if (!t)
		return;
	if (t->ev)
		event_free(t->ev);
	if (t->buf)
		evbuffer_free(t->buf);
	free(t);
}

int stdio_transport_write(struct stdio_transport *t, const char *line, size_t len)
{
	size_t total = len + 1, done = 0;

	if (t->out_broken)
		return -EPIPE;
	while (done < total) {
		struct iovec v[2];
		int cnt = 0;
		ssize_t n;

		/* Resume after a short write: the rest of the line, then "\n". */
		if (done < len)
			v[cnt++] = (struct iovec){ (char *)line + done, len - done };
		v[cnt++] = (struct iovec){ (void *)"\n", 1 };
		n = writev(t->out_fd, v, cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) { /* stdout shares a non-blocking description */
				struct pollfd p = { .fd = t->out_fd, .events = POLLOUT };

				poll(&p, 1, -1);
				continue;
			}
			t->out_broken = true;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}
