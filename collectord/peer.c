/* peer.c: per-connection I/O on the event loop: receive and reassemble, queue and flush replies. */
#include <errno.h>
#include <inttypes.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "calls.h"
#include "dispatch.h"
#include "feed.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "peer.h"
#include "profile.h"

/* Datagrams read per wake-up, so one busy client cannot starve the others. */
#define PEER_READ_BURST 16
#define PEER_GROUPS_MAX 256

static void peer_update_reading(struct peer *p);

static void peer_read_comm(struct peer *p)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)p->cred.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, p->comm, sizeof(p->comm) - 1);
	if (n <= 0)
		return;
	p->comm[n] = 0;
	p->comm[strcspn(p->comm, "\n")] = 0;
}

static bool peer_in_group(int fd, const struct ucred *cred, gid_t gid)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t len = sizeof(groups);

	if (gid == (gid_t)-1)
		return false;
	if (cred->gid == gid)
		return true;
	/* SO_PEERGROUPS: the supplementary groups the peer had at connect(). */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static enum wire_access peer_access(const struct manager *m, int fd, const struct ucred *cred)
{
	if (cred->uid == 0)
		return WIRE_ACCESS_ADMIN;
	if (peer_in_group(fd, cred, m->config.admin_gid))
		return WIRE_ACCESS_ADMIN;
	if (peer_in_group(fd, cred, m->socket_gid))
		return WIRE_ACCESS_READ;
	return WIRE_ACCESS_NONE;
}

static int peer_flush(struct peer *p)
{
	while (p->out_head) {
		struct outbuf *b = p->out_head;
		ssize_t n = send(p->fd, b->data, b->len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -errno;
		}
		p->out_head = b->next;
		if (!p->out_head)
			p->out_tail = &p->out_head;
		p->queued_bytes -= b->len;
		if (b->ends_reply && p->in_flight > 0)
			p->in_flight--;
		free(b);
	}
	return 0;
}

static void peer_update_events(struct peer *p)
{
	if (p->out_head)
		event_add(p->ev_write, NULL);
	else
		event_del(p->ev_write);
	peer_update_reading(p);
}

static void peer_on_write(evutil_socket_t fd, short what, void *userdata)
{
	struct peer *p = userdata;
	int r = peer_flush(p);

	if (r < 0) {
		log_debug_errno(r, "peer %" PRIu64 ": send failed: %m", p->id);
		peer_free(p);
		return;
	}
	if (p->closing && !p->out_head) {
		peer_free(p);
		return;
	}
	/* a live-feed subscriber's queue refills its output as the socket drains */
	if (p->m->feed && !p->closing)
		feed_peer_writable(p->m->feed, p);
	peer_update_events(p);
}

struct queue_ctx {
	struct peer *p;
	struct outbuf *head, **tail;
	size_t bytes;
};

static int queue_emit(void *userdata, const void *datagram, size_t len)
{
	struct queue_ctx *q = userdata;
	struct outbuf *b = malloc(sizeof(*b) + len);

	if (!b)
		return -ENOMEM;
	b->next = NULL;
	b->len = len;
	b->ends_reply = false;
	memcpy(b->data, datagram, len);
	*q->tail = b;
	q->tail = &b->next;
	q->bytes += len;
	return 0;
}

static void outbufs_free(struct outbuf *b)
{
	while (b) {
		struct outbuf *next = b->next;

		free(b);
		b = next;
	}
}

int peer_send(struct peer *p, uint16_t type, uint32_t id, const json_t *payload, bool ends_reply)
{
	_cleanup_free_ char *s = NULL;
	size_t len = 0;

	if (payload) {
		s = json_dump_compact(payload, &len);
		if (!s)
			return -ENOMEM;
	}
	return peer_send_bytes(p, type, id, s, len, ends_reply);
}

int peer_send_bytes(struct peer *p, uint16_t type, uint32_t id, const void *s, size_t len, bool ends_reply)
{
	struct queue_ctx q = { .p = p };
	int r;

	if (len > p->m->config.max_message_bytes)
		return -EMSGSIZE;
	q.tail = &q.head;
	/* Split into a private list first, so a failure queues nothing and
	 * the parts of one message stay contiguous in the peer's queue. */
	r = wire_split(type, id, s, len, queue_emit, &q);
	if (r < 0) {
		outbufs_free(q.head);
		return r;
	}
	if (ends_reply) {
		struct outbuf *last = q.head;

		while (last->next)
			last = last->next;
		last->ends_reply = true;
	}
	*p->out_tail = q.head;
	p->out_tail = q.tail;
	p->queued_bytes += q.bytes;
	r = peer_flush(p);
	if (r < 0)
		return r;
	peer_update_events(p);
	return 0;
}

int peer_send_error(struct peer *p, uint32_t id, int err, const char *message)
{
	_cleanup_json_ json_t *e = json_pack("{s:i, s:s}", "errno", err < 0 ? -err : err, "error",
					     message ? message : strerror(err < 0 ? -err : err));

	if (!e)
		return -ENOMEM;
	p->errors++;
	return peer_send(p, WIRE_ERROR, id, e, true);
}

void peer_close_after_flush(struct peer *p)
{
	p->closing = true;
	peer_update_events(p);
	/* Freed from the write callback, never under a caller's feet. */
	if (!p->out_head)
		event_active(p->ev_write, EV_WRITE, 1);
}

static int peer_receive_one(struct peer *p, uint8_t *dgram)
{
	struct wire_message msg = { 0 };
	ssize_t n;
	int r;

	n = recv(p->fd, dgram, WIRE_DATAGRAM_MAX, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n > WIRE_DATAGRAM_MAX)
		r = -EMSGSIZE; /* cut by the kernel: cannot be framed */
	else
		r = wire_assembler_feed(&p->in, dgram, (size_t)n, &msg);
	if (r < 0)
		return r;
	if (r == 1) {
		p->requests++;
		dispatch_message(p, &msg);
		wire_message_done(&msg);
	}
	return 1;
}

static const char *framing_error_message(const struct peer *p, int r, char *msg, size_t size)
{
	switch (r) {
	case -EMSGSIZE:
		snprintf(msg, size, "message larger than MaxMessageBytes=%zu; closing the connection",
			 p->m->config.max_message_bytes);
		return msg;
	case -EPROTO:
		return "unsupported wire protocol version (this collector speaks version 1); closing the connection";
	case -ENOMEM:
		return "out of memory for this message; closing the connection";
	default:
		return "malformed wire message; closing the connection";
	}
}

static void peer_on_read(evutil_socket_t fd, short what, void *userdata)
{
	_Static_assert(WIRE_DATAGRAM_MAX <= 64 * 1024, "receive buffer lives on the stack");
	struct peer *p = userdata;
	uint8_t dgram[WIRE_DATAGRAM_MAX];
	uint64_t id = p->id;
	char why[160];

	for (int i = 0; i < PEER_READ_BURST && !p->closing; i++) {
		int r = peer_receive_one(p, dgram);

		if (r == 0)
			break;
		if (r == -ECONNRESET) {
			log_debug("peer %" PRIu64 " disconnected", id);
			peer_free(p);
			return;
		}
		if (r < 0) {
			/* The stream cannot be framed any more: say why, then close. */
			log_info("peer %" PRIu64 " (pid %d): bad message (%s), closing", id, (int)p->cred.pid,
				 strerror(-r));
			wire_assembler_reset(&p->in);
			peer_send_error(p, 0, r, framing_error_message(p, r, why, sizeof(why)));
			peer_close_after_flush(p);
			return;
		}
		if (!p->reading)
			break;
	}
}

static void peer_update_reading(struct peer *p)
{
	bool want = !p->closing && p->queued_bytes < p->m->config.max_queued_bytes;

	/* A client that does not read its replies stops being read: its
	 * queue, and so our memory, stays bounded. */
	if (want && !p->reading)
		event_add(p->ev_read, NULL);
	else if (!want && p->reading)
		event_del(p->ev_read);
	p->reading = want;
}

static int peer_new(struct manager *m, int fd, const struct ucred *cred, struct peer **ret)
{
	struct peer *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->m = m;
	p->fd = fd;
	p->cred = *cred;
	p->id = ++m->next_peer_id;
	p->out_tail = &p->out_head;
	p->connected_ns = now_mono_ns();
	wire_assembler_init(&p->in, m->config.max_message_bytes);
	p->ev_read = event_new(m->base, fd, EV_READ | EV_PERSIST, peer_on_read, p);
	p->ev_write = event_new(m->base, fd, EV_WRITE | EV_PERSIST, peer_on_write, p);
	if (!p->ev_read || !p->ev_write) {
		if (p->ev_read)
			event_free(p->ev_read);
		if (p->ev_write)
			event_free(p->ev_write);
		free(p);
		return -ENOMEM;
	}
	LIST_INSERT_HEAD(&m->peers, p, link);
	m->nr_peers++;
	*ret = p;
	return 0;
}

static void peer_refuse(struct peer *p, const char *why)
{
	p->m->peers_refused++;
	log_info("refused peer pid %d uid %u (%s): %s", (int)p->cred.pid, p->cred.uid, p->comm, why);
	peer_send_error(p, 0, -EACCES, why);
	peer_close_after_flush(p);
}

int peer_accept(struct manager *m, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct peer *p;
	char why[256];
	int r;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		r = -errno;
		close(fd);
		return log_warning_errno(r, "SO_PEERCRED failed: %m");
	}
	r = peer_new(m, fd, &cred, &p);
	if (r < 0) {
		close(fd);
		return r;
	}
	m->peers_total++;
	peer_read_comm(p);
	p->access = peer_access(m, fd, &cred);
	if (p->access == WIRE_ACCESS_NONE) {
		struct group *g = getgrgid(m->socket_gid);

		snprintf(why, sizeof(why),
			 "permission denied: uid %u is not in group '%s'; add the user with "
			 "'usermod -aG %s USER' and log in again",
			 cred.uid, g ? g->gr_name : "collectord", g ? g->gr_name : "collectord");
		peer_refuse(p, why);
		return 0;
	}
	/* Counted after the access check, so refusing costs the refused. */
	if (m->nr_peers > m->config.max_clients) {
		snprintf(why, sizeof(why), "too many clients (MaxClients=%u); try again later",
			 m->config.max_clients);
		peer_refuse(p, why);
		return 0;
	}
	peer_update_reading(p);
	log_debug("peer %" PRIu64 ": pid %d uid %u (%s), access %s", p->id, (int)cred.pid, cred.uid,
		  p->comm, wire_access_to_string(p->access));
	return 0;
}

void peer_free(struct peer *p)
{
	struct manager *m;

	if (!p)
		return;
	m = p->m;
	calls_peer_gone(m, p);
	profile_peer_gone(m, p); /* profiling outlives its start call, not its client */
	if (m->feed)
		feed_peer_gone(m->feed, p); /* its live-feed subscriptions end */
	LIST_REMOVE(p, link);
	m->nr_peers--;
	event_free(p->ev_read);
	event_free(p->ev_write);
	safe_close(p->fd);
	outbufs_free(p->out_head);
	wire_assembler_reset(&p->in);
	manager_peer_gone(m, p);
	free(p);
}

json_t *peer_to_json(const struct peer *p)
{
	struct feed_peer_stats fs;

	feed_peer_stats(p->m->feed, p, &fs);
	return json_pack("{s:I, s:i, s:i, s:i, s:s, s:s, s:s, s:I, s:i, s:I, s:I, s:I, s:i, s:I, s:I}", "id",
			 (json_int_t)p->id, "pid", (int)p->cred.pid, "uid", (int)p->cred.uid, "gid",
			 (int)p->cred.gid, "comm", p->comm, "client", p->client_name, "access",
			 wire_access_to_string(p->access), "connected_s",
			 (json_int_t)((now_mono_ns() - p->connected_ns) / 1000000000ull), "in_flight",
			 (int)p->in_flight, "queued_bytes", (json_int_t)p->queued_bytes, "requests",
			 (json_int_t)p->requests, "errors", (json_int_t)p->errors, "subscriptions",
			 (int)fs.subscriptions, "events_delivered", (json_int_t)fs.delivered, "events_dropped",
			 (json_int_t)fs.dropped);
}
