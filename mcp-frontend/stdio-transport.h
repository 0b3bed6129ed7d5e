/* stdio-transport.h: newline-delimited messages on stdin/stdout, read on the event loop. */
#pragma once

#include <event2/event.h>
#include <stddef.h>

struct stdio_transport;

struct stdio_callbacks {
	void (*line)(void *userdata, const char *line, size_t len);
	void (*too_long)(void *userdata, size_t limit);
	void (*eof)(void *userdata);
	void *userdata;
};

int stdio_transport_new(struct event_base *base, int in_fd, int out_fd, size_t max_line,
			const struct stdio_callbacks *cb, struct stdio_transport **ret);
void stdio_transport_free(struct stdio_transport *t);

/* Writes one line (a newline is appended). Blocking: a client that stops
 * reading stalls us, which is the back-pressure stdio can give. Returns
 * -EPIPE once the reader is gone. */
int stdio_transport_write(struct stdio_transport *t, const char *line, size_t len);
