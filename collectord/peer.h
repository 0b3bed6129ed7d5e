/* peer.h: one connected client: credentials, access level, reassembly and a bounded output queue. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "wire.h"

struct manager;

struct outbuf {
	struct outbuf *next;
	size_t len;
	bool ends_reply; /* last datagram of a reply: the request is no longer in flight */
	uint8_t data[];
};

struct peer {
	LIST_ENTRY(peer) link;
	struct manager *m;
	uint64_t id;
	int fd;
	struct event *ev_read, *ev_write;
	bool reading; /* ev_read armed; off while the output queue is over its limit */

	struct ucred cred;
	char comm[32];
	enum wire_access access;
	bool hello_done;
	bool closing; /* flush what is queued, then close */
	char client_name[64];

	struct wire_assembler in;
	struct outbuf *out_head, **out_tail;
	size_t queued_bytes;
	unsigned in_flight;

	uint64_t connected_ns;
	uint64_t requests, errors, refused;
};

/* Takes ownership of fd: reads the peer's credentials, decides its access
 * level and either registers it or refuses it with an ERROR. */
int peer_accept(struct manager *m, int fd);
void peer_free(struct peer *p);

/* Queues a message for the peer; `ends_reply` marks an answer to a request. */
int peer_send(struct peer *p, uint16_t type, uint32_t id, const json_t *payload, bool ends_reply);
/* The same with a payload already encoded (binary ones: WIRE_EVENTS). */
int peer_send_bytes(struct peer *p, uint16_t type, uint32_t id, const void *payload, size_t len, bool ends_reply);
/* Queues {"errno": -err, "error": message} for request id. */
int peer_send_error(struct peer *p, uint32_t id, int err, const char *message);
/* Stops reading, flushes the queue, then closes. */
void peer_close_after_flush(struct peer *p);

json_t *peer_to_json(const struct peer *p);
