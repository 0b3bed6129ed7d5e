/* feed-synthetic.c: the live feed's path from collectord to a front-end, fed with synthetic records:
 * collectord's per-record code (record check, subscriber filter, bounded queue, batches cut into
 * WIRE_EVENTS datagrams) -> a real SOCK_SEQPACKET socket -> the front-end's decoder (reassembly,
 * batch check, and per record the JSON line schedmcp's events://stream queues). Records/s and drops.
 *
 * Not linked: feed.c's libbpf ring-buffer callback and peer.c's output queue; the first is the
 * kernel's side (measured by the real-path benchmark), the second is mirrored here (a FIFO of
 * malloc'd datagrams under the same high-water mark, sent with MSG_DONTWAIT). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "events-json.h"
#include "feed.h"
#include "feedfilter.h"
#include "feedqueue.h"
#include "wire.h"

#define POOL_RECORDS 4096
#define PRODUCE_BURST 4096 /* records pushed between flushes: a ring-buffer poll's worth */
#define DEFAULT_QUEUE_BYTES (4u << 20) /* MaxQueuedBytes' default */

enum reader {
	READER_RAW,    /* recv only: the socket's ceiling */
	READER_DECODE, /* + reassembly and sched_event_batch_parse() */
	READER_JSON,   /* + sched_event_to_json() and json_dumps(), as events-stream.c does per record */
	READER_FORMAT, /* + the same line from sched_event_format_json(), copied out as a queue would */
	READER_MAX,
};
static const char *const reader_names[READER_MAX] = { "socket only", "decode", "decode + JSON line",
						       "decode + direct JSON" };

enum mix {
	MIX_SWITCH, /* sched_switch only: the largest record */
	MIX_PIPE,   /* what a pipe ping-pong emits: a switch, a waking and a wakeup per half-cycle */
	MIX_MAX,
};
static const char *const mix_names[MIX_MAX] = { "sched_switch", "switch+wakeups" };

struct producer_stats {
	uint64_t produced, delivered, dropped;
};

struct consumer_stats {
	uint64_t records, batches, bytes, dropped_reported, bad;
	double first, last;
};

/* ---- synthetic records ---- */

static void fill_comm(char *c, const char *name, unsigned n)
{
	snprintf(c, SCHED_EVENT_COMM_LEN, "%s-%u", name, n % 100);
}

static size_t make_switch(uint8_t *p, unsigned i)
{
	struct sched_event_switch e = { 0 };

	e.h = (struct sched_event_header){ .type = SCHED_EVENT_SWITCH, .size = sizeof(e), .cpu = i & 1,
					   .ts_ns = 1000000000ull + i * 1234ull };
	e.prev_pid = e.prev_tgid = 1000 + i % 97;
	e.next_pid = e.next_tgid = 2000 + i % 89;
	e.prev_prio = e.next_prio = 120;
	e.prev_state = i % 3 ? 1 : 0;
	e.flags = SCHED_SWITCH_RQ_LAT | (e.prev_state ? 0 : SCHED_SWITCH_PREEMPT);
	e.rq_lat_ns = 1000 + (i * 7919u) % 50000;
	fill_comm(e.prev_comm, "sched-pipe", i);
	fill_comm(e.next_comm, "worker", i + 1);
	memcpy(p, &e, sizeof(e));
	return sizeof(e);
}

static size_t make_wakeup(uint8_t *p, unsigned i, uint16_t type)
{
	struct sched_event_wakeup e = { 0 };

	e.h = (struct sched_event_header){ .type = type, .size = sizeof(e), .cpu = i & 1,
					   .ts_ns = 1000000000ull + i * 1234ull };
	e.pid = e.tgid = 2000 + i % 89;
	e.prio = 120;
	e.target_cpu = (i + 1) & 1;
	e.waker_pid = e.waker_tgid = 1000 + i % 97;
	fill_comm(e.comm, "worker", i);
	fill_comm(e.waker_comm, "sched-pipe", i);
	memcpy(p, &e, sizeof(e));
	return sizeof(e);
}

/* POOL_RECORDS records in FEED_QUEUE_SLOT_SIZE slots: what the ring buffer would hand over. */
static uint8_t *pool_new(enum mix mix)
{
	uint8_t *pool = calloc(POOL_RECORDS, FEED_QUEUE_SLOT_SIZE);

	for (unsigned i = 0; pool && i < POOL_RECORDS; i++) {
		uint8_t *p = pool + (size_t)i * FEED_QUEUE_SLOT_SIZE;

		if (mix == MIX_SWITCH || i % 4 < 2)
			make_switch(p, i);
		else
			make_wakeup(p, i, i % 4 == 2 ? SCHED_EVENT_WAKING : SCHED_EVENT_WAKEUP);
	}
	return pool;
}

/* ---- the collectord side ---- */

struct outq { /* peer.c's output queue, mirrored */
	struct outbuf {
		struct outbuf *next;
		size_t len;
		uint8_t data[];
	} *head, **tail;
	size_t bytes;
};

static int outq_emit(void *userdata, const void *datagram, size_t len)
{
	struct outq *q = userdata;
	struct outbuf *b = malloc(sizeof(*b) + len);

	if (!b)
		return -ENOMEM;
	b->next = NULL;
	b->len = len;
	memcpy(b->data, datagram, len);
	*q->tail = b;
	q->tail = &b->next;
	q->bytes += len;
	return 0;
}

/* 0 when the socket is full, 1 when the queue emptied, or a negative errno. */
static int outq_flush(struct outq *q, int fd)
{
	while (q->head) {
		struct outbuf *b = q->head;
		ssize_t n = send(fd, b->data, b->len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		q->head = b->next;
		if (!q->head)
			q->tail = &q->head;
		q->bytes -= b->len;
		free(b);
	}
	return 1;
}

struct producer {
	int fd;
	uint32_t sub_id;      /* EVENTS carry it */
	bool serving;         /* a collectord stand-in: answers its client, produces while subscribed */
	bool subscribed, gone;
	struct wire_assembler in;
	uint8_t *pool;
	uint64_t next;
	struct feed_filter filter;
	struct feed_queue fq;
	struct outq oq;
	struct producer_stats st;
};

/* feed.c's sub_flush: batches while the peer holds less than its high-water mark. */
static int sub_flush(struct producer *pr)
{
	_Alignas(8) uint8_t buf[WIRE_PART_MAX];
	int r;

	while (pr->fq.count || pr->fq.dropped_pending) {
		struct sched_event_batch b = { .sample_rate = 1 };
		uint32_t count;
		size_t len;

		if (pr->oq.bytes >= FEED_PEER_HIGH_WATER)
			break;
		len = feed_queue_cut(&pr->fq, &b, buf, sizeof(buf), &count);
		r = wire_split(WIRE_EVENTS, pr->sub_id, buf, len, outq_emit, &pr->oq);
		if (r < 0)
			return r;
		pr->st.delivered += count;
		r = outq_flush(&pr->oq, pr->fd);
		if (r < 0)
			return r;
	}
	return outq_flush(&pr->oq, pr->fd);
}

/* Pushes records through the subscriber's filter and queue, as feed.c's on_record and deliver do;
 * each burst is stamped with the time it is produced, as BPF stamps records. */
static void produce(struct producer *pr, uint64_t n)
{
	struct timespec ts;
	uint64_t now_ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (uint64_t k = 0; k < n; k++) {
		uint8_t *p = pr->pool + (size_t)(pr->next++ % POOL_RECORDS) * FEED_QUEUE_SLOT_SIZE;
		struct sched_event_header *h = (void *)p;
		int size;

		h->ts_ns = now_ns;
		size = sched_event_check(p, FEED_QUEUE_SLOT_SIZE);
		pr->st.produced++;
		if (size < 0 || !feed_filter_match(&pr->filter, h))
			continue;
		feed_queue_push(&pr->fq, h);
	}
}

/* ---- a collectord stand-in for a real front-end: HELLO, SUBSCRIBE, UNSUBSCRIBE ---- */

static int send_json(struct producer *pr, uint16_t type, uint32_t id, const char *json)
{
	int r = wire_split(type, id, json, strlen(json), outq_emit, &pr->oq);

	return r < 0 ? r : outq_flush(&pr->oq, pr->fd);
}

static int serve_message(struct producer *pr, const struct wire_message *m)
{
	char reply[160];

	switch (m->type) {
	case WIRE_HELLO:
		return send_json(pr, WIRE_HELLO, m->request_id,
				 "{\"server\":\"feed-synthetic\",\"protocol\":1,\"access\":\"read\"}");
	case WIRE_SUBSCRIBE:
		pr->sub_id = m->request_id;
		pr->subscribed = true;
		snprintf(reply, sizeof(reply), "{\"subscription\":%u,\"sample_rate\":1,\"filter\":{},\"unavailable\":{}}",
			 m->request_id);
		return send_json(pr, WIRE_REPLY, m->request_id, reply);
	case WIRE_UNSUBSCRIBE:
		pr->subscribed = false;
		return send_json(pr, WIRE_REPLY, m->request_id, "{\"unsubscribed\":true}");
	default:
		return send_json(pr, WIRE_ERROR, m->request_id,
				 "{\"errno\":95,\"error\":\"feed-synthetic only serves the live feed\"}");
	}
}

/* What the client sent; sets gone when it closed. */
static int serve_input(struct producer *pr)
{
	static uint8_t dgram[WIRE_DATAGRAM_MAX];

	for (;;) {
		struct wire_message m = { 0 };
		ssize_t n = recv(pr->fd, dgram, sizeof(dgram), MSG_DONTWAIT | MSG_TRUNC);
		int r;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0 && errno != ECONNRESET)
			return -errno;
		if (n <= 0 || (size_t)n > sizeof(dgram)) {
			pr->gone = true;
			return 0;
		}
		r = wire_assembler_feed(&pr->in, dgram, (size_t)n, &m);
		if (r < 0)
			return r;
		if (r == 1) {
			r = serve_message(pr, &m);
			wire_message_done(&m);
			if (r < 0)
				return r;
		}
	}
}

/* ---- the producing loop ---- */

/* rate 0: as fast as the reader takes them, waiting while the socket is full (no drops by design).
 * rate > 0: `rate` records a second; a reader too slow makes the queue drop, as in collectord.
 * Serving, it produces while its client is subscribed, for at most `seconds`. */
static int producer_run(struct producer *pr, double rate, double seconds)
{
	double t0 = bench_now(), now = t0, started = 0;
	int r = 0;

	while (now - t0 < seconds && !pr->gone) {
		uint64_t want = PRODUCE_BURST;
		struct pollfd pfd = { .fd = pr->fd, .events = pr->serving ? POLLIN : 0 };
		bool producing = !pr->serving || pr->subscribed;

		if (producing && started == 0)
			started = now;
		if (rate > 0) {
			double due = (now - started) * rate - (double)pr->st.produced;

			want = due > PRODUCE_BURST ? PRODUCE_BURST : due > 0 ? (uint64_t)due : 0;
		}
		if (producing && (rate > 0 || pr->fq.count < PRODUCE_BURST))
			produce(pr, want);
		r = sub_flush(pr);
		/* socket full: wait until it drains; nothing due yet: sleep a millisecond */
		if (r == 0 || (r > 0 && (!producing || (rate > 0 && want == 0)))) {
			pfd.events |= r == 0 ? POLLOUT : 0;
			poll(&pfd, 1, 1);
		}
		if (r >= 0 && pr->serving)
			r = serve_input(pr);
		if (pr->serving && (r == -EPIPE || r == -ECONNRESET)) {
			pr->gone = true; /* the client went away: the end of the run */
			r = 0;
		}
		if (r < 0)
			break;
		now = bench_now();
	}
	/* what is still queued reaches the reader before the end */
	while (r >= 0 && !pr->gone && (pr->fq.count || pr->oq.head)) {
		struct pollfd pfd = { .fd = pr->fd, .events = POLLOUT };

		r = sub_flush(pr);
		if (r == 0)
			poll(&pfd, 1, 100);
	}
	pr->st.dropped = pr->fq.dropped_total;
	return r < 0 ? r : 0;
}

static int producer_init(struct producer *pr, int fd, enum mix mix, bool serving)
{
	*pr = (struct producer){ .fd = fd, .sub_id = 1, .serving = serving,
				 .filter = { .types = SCHED_EVENT_MASK_ALL, .sample = 1 } };
	pr->oq.tail = &pr->oq.head;
	wire_assembler_init(&pr->in, 1u << 20);
	pr->pool = pool_new(mix);
	if (!pr->pool)
		return -ENOMEM;
	return feed_queue_init(&pr->fq, DEFAULT_QUEUE_BYTES);
}

static void producer_done(struct producer *pr)
{
	while (pr->oq.head) {
		struct outbuf *b = pr->oq.head;

		pr->oq.head = b->next;
		free(b);
	}
	wire_assembler_reset(&pr->in);
	feed_queue_done(&pr->fq);
	free(pr->pool);
}

/* -L: one front-end connects to `path` as to collectord, subscribes, and is fed. */
static int serve(const char *path, double rate, double seconds)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct producer pr;
	int lfd, fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	unlink(path);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0) {
		r = -errno;
		close(lfd);
		return r;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	unlink(path);
	if (fd < 0)
		return -errno;
	r = producer_init(&pr, fd, MIX_PIPE, true);
	if (r >= 0)
		r = producer_run(&pr, rate, seconds);
	if (r >= 0)
		printf("produced=%" PRIu64 " sent=%" PRIu64 " dropped=%" PRIu64 "\n", pr.st.produced, pr.st.delivered,
		       pr.st.dropped);
	producer_done(&pr);
	close(fd);
	return r;
}

/* ---- the front-end side ---- */

static int count_record(void *userdata, const struct sched_event_header *h)
{
	struct consumer_stats *st = userdata;

	st->records++;
	return 0;
}

static int json_record(void *userdata, const struct sched_event_header *h)
{
	struct consumer_stats *st = userdata;
	json_t *e = sched_event_to_json(h);
	char *line;

	if (!e)
		return -ENOMEM;
	line = json_dumps(e, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(e);
	if (!line)
		return -ENOMEM;
	st->bytes += strlen(line) + 1;
	free(line);
	st->records++;
	return 0;
}

static int format_record(void *userdata, const struct sched_event_header *h)
{
	struct consumer_stats *st = userdata;
	char buf[SCHED_EVENT_JSON_MAX], *line;
	int n = sched_event_format_json(h, buf, sizeof(buf));

	if (n < 0)
		return n;
	line = strndup(buf, (size_t)n);
	if (!line)
		return -ENOMEM;
	st->bytes += (size_t)n + 1;
	free(line);
	st->records++;
	return 0;
}

static const sched_event_fn reader_fns[READER_MAX] = {
	[READER_DECODE] = count_record,
	[READER_JSON] = json_record,
	[READER_FORMAT] = format_record,
};

/* The EVENTS datagram's batch count, without decoding: for the socket-only reader. */
static void raw_count(const uint8_t *d, size_t n, struct consumer_stats *st)
{
	struct sched_event_batch b;

	if (n < sizeof(struct wire_header) + sizeof(b))
		return;
	memcpy(&b, d + sizeof(struct wire_header), sizeof(b));
	st->records += b.count;
	st->dropped_reported += b.dropped;
}

static int consumer_run(int fd, enum reader reader, struct consumer_stats *st)
{
	static uint8_t dgram[WIRE_DATAGRAM_MAX];
	struct wire_assembler in;
	int r = 0;

	wire_assembler_init(&in, WIRE_MESSAGE_LIMIT);
	for (;;) {
		struct wire_message m = { 0 };
		struct sched_event_batch b;
		ssize_t n = recv(fd, dgram, sizeof(dgram), MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		if (!st->batches++)
			st->first = bench_now();
		if (reader == READER_RAW) {
			raw_count(dgram, (size_t)n, st);
			continue;
		}
		r = wire_assembler_feed(&in, dgram, (size_t)n, &m);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		r = sched_event_batch_parse(m.payload, m.length, &b, reader_fns[reader], st);
		wire_message_done(&m);
		if (r < 0) {
			st->bad++;
			continue;
		}
		st->dropped_reported += b.dropped;
	}
	st->last = bench_now();
	wire_assembler_reset(&in);
	return r;
}

/* ---- one run: a producer process, this process reading ---- */

struct result {
	double records_per_s, mb_per_s;
	uint64_t produced, delivered, received, dropped, dropped_reported;
};

static int run_once(enum mix mix, enum reader reader, double rate, double seconds, struct result *ret)
{
	struct producer_stats ps = { 0 };
	struct consumer_stats cs = { 0 };
	int sv[2], pv[2], status, r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe(pv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(sv[1]);
		close(pv[0]);
		struct producer pr;

		r = producer_init(&pr, sv[0], mix, false);
		if (r >= 0)
			r = producer_run(&pr, rate, seconds);
		ps = pr.st;
		producer_done(&pr);
		shutdown(sv[0], SHUT_WR);
		if (write(pv[1], &ps, sizeof(ps)) != sizeof(ps))
			r = -EPIPE;
		_exit(r < 0 ? 1 : 0);
	}
	close(sv[0]);
	close(pv[1]);
	r = consumer_run(sv[1], reader, &cs);
	close(sv[1]);
	if (read(pv[0], &ps, sizeof(ps)) != sizeof(ps) && r >= 0)
		r = -EPIPE;
	close(pv[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		r = r < 0 ? r : -EIO;
	if (r < 0)
		return r;
	if (cs.bad || cs.records != ps.delivered || cs.last <= cs.first) {
		fprintf(stderr, "feed-synthetic: the reader saw %llu records (%llu bad batches), the producer sent %llu\n",
			(unsigned long long)cs.records, (unsigned long long)cs.bad, (unsigned long long)ps.delivered);
		return -EBADMSG;
	}
	*ret = (struct result){
		.records_per_s = (double)cs.records / (cs.last - cs.first),
		.mb_per_s = (double)cs.bytes / (cs.last - cs.first) / 1e6,
		.produced = ps.produced,
		.delivered = ps.delivered,
		.received = cs.records,
		.dropped = ps.dropped,
		.dropped_reported = cs.dropped_reported,
	};
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = 1, paced_rate = 1e6;
	unsigned rounds = 3, only = READER_MAX;
	const char *listen_path = NULL;
	int c;

	while ((c = getopt(argc, argv, "d:r:p:o:L:")) >= 0) {
		switch (c) {
		case 'd': seconds = atof(optarg); break;
		case 'r': rounds = (unsigned)atoi(optarg); break;
		case 'p': paced_rate = atof(optarg); break;
		case 'o': only = (unsigned)atoi(optarg); break;
		case 'L': listen_path = optarg; break;
		default:
			fprintf(stderr,
				"usage: feed-synthetic [-d SECONDS] [-r ROUNDS] [-p PACED_RATE] [-o READER] [-L SOCKET]\n"
				"  -o 0|1|2|3: one run of that reader (socket only, decode, JSON, direct JSON), for a profiler\n"
				"  -L SOCKET: stand in for collectord on SOCKET: one client (schedmcp, collectorctl) subscribes\n"
				"             and gets switch+wakeups records at -p records/s (0: as fast as it reads) for at\n"
				"             most -d seconds; prints produced=, sent=, dropped=\n");
			return 2;
		}
	}
	if (seconds <= 0 || rounds == 0 || rounds > BENCH_ROUNDS_MAX || paced_rate < 0 || only > READER_MAX ||
	    (paced_rate == 0 && !listen_path))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	if (listen_path) {
		int e = serve(listen_path, paced_rate, seconds);

		if (e < 0)
			fprintf(stderr, "feed-synthetic: serving %s failed: %s\n", listen_path, strerror(-e));
		return e < 0 ? 1 : 0;
	}
	if (only < READER_MAX) {
		struct result res;
		int e = run_once(MIX_PIPE, only, 0, seconds, &res);

		if (e < 0)
			return 1;
		printf("%s: %.0f records/s\n", reader_names[only], res.records_per_s);
		return 0;
	}
	printf("synthetic path: collectord's filter, queue and EVENTS batches -> SOCK_SEQPACKET -> front-end decoder\n");
	printf("  reader as fast as it can (the writer waits on a full socket), %.1f s, median of %u interleaved rounds\n",
	       seconds, rounds);
	printf("  %-15s %-19s %14s %10s %12s\n", "records", "reader", "records/s", "vs 1M/s", "JSON MB/s");
	for (unsigned mix = 0; mix < MIX_MAX; mix++) {
		struct bench_series rps[READER_MAX] = { 0 }, mbs[READER_MAX] = { 0 };

		for (unsigned r = 0; r < rounds; r++)
			for (unsigned k = 0; k < READER_MAX; k++) {
				unsigned reader = (k + r) % READER_MAX; /* rotate the order every round */
				struct result res;
				int e = run_once(mix, reader, 0, seconds, &res);

				if (e < 0) {
					fprintf(stderr, "feed-synthetic: %s / %s failed: %s\n", mix_names[mix],
						reader_names[reader], strerror(-e));
					return 1;
				}
				bench_series_add(&rps[reader], res.records_per_s);
				bench_series_add(&mbs[reader], res.mb_per_s);
			}
		for (unsigned k = 0; k < READER_MAX; k++) {
			char mb[32] = "-";

			if (k >= READER_JSON)
				snprintf(mb, sizeof(mb), "%.0f", bench_median(&mbs[k]));
			printf("  %-15s %-19s %14.0f %9.2fx %12s\n", mix_names[mix], reader_names[k], bench_median(&rps[k]),
			       bench_median(&rps[k]) / 1e6, mb);
		}
	}

	printf("\n  paced: the writer offers %.0f records/s, switch+wakeups, %.1f s; drops as collectord counts them\n",
	       paced_rate, seconds);
	printf("  %-19s %12s %12s %12s %14s\n", "reader", "offered", "delivered", "dropped", "delivered/s");
	for (unsigned reader = READER_DECODE; reader < READER_MAX; reader++) {
		struct result res;
		int e = run_once(MIX_PIPE, reader, paced_rate, seconds, &res);

		if (e < 0) {
			fprintf(stderr, "feed-synthetic: paced %s failed: %s\n", reader_names[reader], strerror(-e));
			return 1;
		}
		if (res.dropped != res.dropped_reported) {
			fprintf(stderr, "feed-synthetic: %llu dropped but the batches reported %llu\n",
				(unsigned long long)res.dropped, (unsigned long long)res.dropped_reported);
			return 1;
		}
		printf("  %-19s %12llu %12llu %12llu %14.0f\n", reader_names[reader], (unsigned long long)res.produced,
		       (unsigned long long)res.received, (unsigned long long)res.dropped, res.records_per_s);
	}
	return 0;
}
