/* test-wire.c: unit tests for wire.c (header checks, reassembly, splitting) and collector_reply_decode. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector-client.h"
#include "json-util.h"
#include "test-util.h"
#include "wire.h"

/* Every datagram wire_split emitted, in order. */
struct capture {
	size_t n;
	size_t fail_at; /* emit returns -EPIPE on this call (1-based); 0: never */
	uint8_t *dgram[64];
	size_t len[64];
};

static int capture_emit(void *userdata, const void *datagram, size_t len)
{
	struct capture *c = userdata;

	if (c->fail_at && c->n + 1 == c->fail_at) {
		c->n++;
		return -EPIPE;
	}
	if (c->n >= ELEMENTSOF(c->dgram))
		return -ENOBUFS;
	c->dgram[c->n] = malloc(len);
	if (!c->dgram[c->n])
		abort();
	memcpy(c->dgram[c->n], datagram, len);
	c->len[c->n] = len;
	c->n++;
	return 0;
}

static void capture_done(struct capture *c)
{
	for (size_t i = 0; i < c->n && i < ELEMENTSOF(c->dgram); i++)
		free(c->dgram[i]);
	memset(c, 0, sizeof(*c));
}

static struct wire_header header_of(const struct capture *c, size_t i)
{
	struct wire_header h;

	memcpy(&h, c->dgram[i], sizeof(h));
	return h;
}

static struct wire_header good_header(uint16_t type, uint32_t length, uint32_t total)
{
	return (struct wire_header){
		.magic = WIRE_MAGIC,
		.version = WIRE_VERSION,
		.type = type,
		.request_id = 9,
		.length = length,
		.total = total,
	};
}

/* A datagram with header h followed by payload_len bytes of 'x'. */
static uint8_t *make_dgram(const struct wire_header *h, size_t payload_len, size_t *ret_len)
{
	uint8_t *d = malloc(sizeof(*h) + payload_len);

	if (!d)
		abort();
	memcpy(d, h, sizeof(*h));
	memset(d + sizeof(*h), 'x', payload_len);
	*ret_len = sizeof(*h) + payload_len;
	return d;
}

static int check_header(const struct wire_header *h, size_t payload_len, size_t limit)
{
	return wire_header_check(h, sizeof(*h) + payload_len, limit);
}

static void test_header_check(void)
{
	struct wire_header h;

	/* The reference: every case below differs from it in one field. */
	h = good_header(WIRE_HELLO, 10, 10);
	CHECK_INT_EQ(0, check_header(&h, 10, 1024));

	/* Short datagram: not even a header; and one over the datagram size. */
	CHECK_INT_EQ(-EBADMSG, wire_header_check(&h, sizeof(h) - 1, 1024));
	CHECK_INT_EQ(-EBADMSG, wire_header_check(&h, 0, 1024));
	h = good_header(WIRE_HELLO, WIRE_PART_MAX + 1, WIRE_PART_MAX + 1);
	CHECK_INT_EQ(-EBADMSG, wire_header_check(&h, WIRE_DATAGRAM_MAX + 1, SIZE_MAX));

	h = good_header(WIRE_HELLO, 10, 10);
	h.magic = 0x534d4350u; /* byte-swapped */
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 10, 1024));
	h.magic = 0;
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 10, 1024));

	h = good_header(WIRE_HELLO, 10, 10);
	h.version = WIRE_VERSION + 1;
	CHECK_INT_EQ(-EPROTO, check_header(&h, 10, 1024));
	h.version = 0;
	CHECK_INT_EQ(-EPROTO, check_header(&h, 10, 1024));

	h = good_header(0, 10, 10);
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 10, 1024));
	h.type = WIRE_TYPE_MAX;
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 10, 1024));
	h.type = 0xffff;
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 10, 1024));
	/* Every defined type passes with a payload its kind allows. */
	for (unsigned t = 1; t < WIRE_TYPE_MAX; t++) {
		const struct wire_type_info *info = wire_type_lookup(t);
		uint32_t n = info && info->payload == WIRE_PAYLOAD_EMPTY ? 0 : 3;

		CHECK(info != NULL);
		h = good_header((uint16_t)t, n, n);
		CHECK_INT_EQ(0, check_header(&h, n, 1024));
	}

	h = good_header(WIRE_HELLO, 10, 10);
	h.flags = 1u << 1;
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 10, 1024));
	h.flags = 1u << 31;
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 10, 1024));

	/* length must be exactly what follows the header. */
	h = good_header(WIRE_HELLO, 10, 20);
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 9, 1024));
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 11, 1024));
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 0, 1024));

	h = good_header(WIRE_HELLO, 10, 9);
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 10, 1024));

	h = good_header(WIRE_HELLO, 10, 1025);
	CHECK_INT_EQ(-EMSGSIZE, check_header(&h, 10, 1024));
	h = good_header(WIRE_HELLO, 10, 1024);
	CHECK_INT_EQ(0, check_header(&h, 10, 1024));
	/* The hard ceiling holds whatever the caller's limit. */
	h = good_header(WIRE_HELLO, 10, WIRE_MESSAGE_LIMIT + 1);
	CHECK_INT_EQ(-EMSGSIZE, check_header(&h, 10, SIZE_MAX));
	h = good_header(WIRE_HELLO, 10, UINT32_MAX);
	CHECK_INT_EQ(-EMSGSIZE, check_header(&h, 10, SIZE_MAX));

	/* An EMPTY-payload type carries nothing. */
	h = good_header(WIRE_PING, 0, 0);
	CHECK_INT_EQ(0, check_header(&h, 0, 1024));
	h = good_header(WIRE_PING, 0, 1);
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 0, 1024));
	h = good_header(WIRE_STATUS, 4, 4);
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 4, 1024));

	/* A part with MORE must be full. */
	h = good_header(WIRE_REPLY, WIRE_PART_MAX, 200000);
	h.flags = WIRE_FLAG_MORE;
	CHECK_INT_EQ(0, check_header(&h, WIRE_PART_MAX, SIZE_MAX));
	h = good_header(WIRE_REPLY, 100, 200000);
	h.flags = WIRE_FLAG_MORE;
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 100, SIZE_MAX));
	h = good_header(WIRE_REPLY, 0, 200000);
	h.flags = WIRE_FLAG_MORE;
	CHECK_INT_EQ(-EBADMSG, check_header(&h, 0, SIZE_MAX));
}

static void test_type_lookup(void)
{
	CHECK(wire_type_lookup(0) == NULL);
	CHECK(wire_type_lookup(WIRE_TYPE_MAX) == NULL);
	CHECK(wire_type_lookup(UINT32_MAX) == NULL);
	CHECK_STR_EQ("hello", wire_type_lookup(WIRE_HELLO)->name);
	CHECK_INT_EQ(WIRE_DIR_BOTH, wire_type_lookup(WIRE_HELLO)->dir);
	CHECK_INT_EQ(WIRE_PAYLOAD_EMPTY, wire_type_lookup(WIRE_PING)->payload);
	CHECK_INT_EQ(WIRE_DIR_TO_CLIENT, wire_type_lookup(WIRE_ERROR)->dir);
}

/* Feeds a datagram made of header + payload_len bytes into a fresh assembler. */
static int feed_one(const struct wire_header *h, size_t payload_len, size_t limit)
{
	struct wire_assembler a;
	struct wire_message m = { 0 };
	size_t len;
	uint8_t *d = make_dgram(h, payload_len, &len);
	int r;

	wire_assembler_init(&a, limit);
	r = wire_assembler_feed(&a, d, len, &m);
	if (r == 1)
		wire_message_done(&m);
	wire_assembler_reset(&a);
	free(d);
	return r;
}

static void test_truncated(void)
{
	struct wire_assembler a;
	struct wire_message m = { 0 };
	struct wire_header h = good_header(WIRE_HELLO, 100, 100);
	uint8_t buf[sizeof(h)];

	CHECK_INT_EQ(1, feed_one(&h, 100, 1024));
	/* The header promises 100 bytes; fewer (or more) arrived. */
	CHECK_INT_EQ(-EBADMSG, feed_one(&h, 50, 1024));
	CHECK_INT_EQ(-EBADMSG, feed_one(&h, 0, 1024));
	CHECK_INT_EQ(-EBADMSG, feed_one(&h, 101, 1024));
	/* A lone last part that does not complete its message. */
	h = good_header(WIRE_HELLO, 100, 101);
	CHECK_INT_EQ(-EBADMSG, feed_one(&h, 100, 1024));
	/* Limits go through the assembler too. */
	h = good_header(WIRE_HELLO, 100, 100);
	CHECK_INT_EQ(-EMSGSIZE, feed_one(&h, 100, 99));
	h.version = 7;
	CHECK_INT_EQ(-EPROTO, feed_one(&h, 100, 1024));

	/* Less than a header: refused before anything is read past len. */
	wire_assembler_init(&a, 1024);
	h = good_header(WIRE_PING, 0, 0);
	memcpy(buf, &h, sizeof(h));
	for (size_t n = 0; n < sizeof(h); n++)
		CHECK_INT_EQ(-EBADMSG, wire_assembler_feed(&a, buf, n, &m));
	CHECK(!a.active);
	CHECK_INT_EQ(1, wire_assembler_feed(&a, buf, sizeof(h), &m));
	wire_message_done(&m);
	wire_assembler_reset(&a);
}

/* Splits len bytes of a pattern, feeds every part, checks the result. */
static void roundtrip(size_t len, size_t expected_parts)
{
	struct capture c = { 0 };
	struct wire_assembler a;
	struct wire_message m = { 0 };
	uint8_t *payload = malloc(len + 1);
	int r = 0;

	if (!payload)
		abort();
	for (size_t i = 0; i < len; i++)
		payload[i] = (uint8_t)(i * 7 + i / 251);
	CHECK_INT_EQ(0, wire_split(WIRE_REPLY, 0xdeadbeef, payload, len, capture_emit, &c));
	CHECK_INT_EQ(expected_parts, c.n);

	wire_assembler_init(&a, WIRE_MESSAGE_LIMIT);
	for (size_t i = 0; i < c.n; i++) {
		struct wire_header h = header_of(&c, i);
		bool last = i + 1 == c.n;

		CHECK_INT_EQ(len, h.total);
		CHECK_INT_EQ(last ? 0 : WIRE_FLAG_MORE, h.flags);
		CHECK_INT_EQ(c.len[i] - sizeof(h), h.length);
		r = wire_assembler_feed(&a, c.dgram[i], c.len[i], &m);
		CHECK_INT_EQ(last ? 1 : 0, r);
	}
	if (r == 1) {
		CHECK_INT_EQ(WIRE_REPLY, m.type);
		CHECK_INT_EQ(0xdeadbeef, m.request_id);
		CHECK_INT_EQ(len, m.length);
		CHECK(m.payload != NULL);
		if (m.payload) {
			CHECK(len == 0 || memcmp(m.payload, payload, len) == 0);
			CHECK_INT_EQ(0, m.payload[len]);
		}
		wire_message_done(&m);
		CHECK(m.payload == NULL);
	}
	/* The assembler is ready for the next message. */
	CHECK(!a.active);
	wire_assembler_reset(&a);
	capture_done(&c);
	free(payload);
}

static void test_reassembly(void)
{
	roundtrip(200 * 1024, 4);
	roundtrip(0, 1);
	roundtrip(1, 1);
	roundtrip(WIRE_PART_MAX - 1, 1);
	roundtrip(WIRE_PART_MAX, 1);
	roundtrip(WIRE_PART_MAX + 1, 2);
	roundtrip(2 * WIRE_PART_MAX, 2);
	roundtrip(2 * WIRE_PART_MAX + 1, 3);
}

static void test_zero_length(void)
{
	struct capture c = { 0 };
	struct wire_assembler a;
	struct wire_message m = { 0 };
	struct wire_header h;

	CHECK_INT_EQ(0, wire_split(WIRE_PING, 7, NULL, 0, capture_emit, &c));
	CHECK_INT_EQ(1, c.n);
	CHECK_INT_EQ(sizeof(struct wire_header), c.len[0]);
	h = header_of(&c, 0);
	CHECK_INT_EQ(WIRE_MAGIC, h.magic);
	CHECK_INT_EQ(WIRE_VERSION, h.version);
	CHECK_INT_EQ(WIRE_PING, h.type);
	CHECK_INT_EQ(7, h.request_id);
	CHECK_INT_EQ(0, h.length);
	CHECK_INT_EQ(0, h.total);
	CHECK_INT_EQ(0, h.flags);

	wire_assembler_init(&a, 1024);
	CHECK_INT_EQ(1, wire_assembler_feed(&a, c.dgram[0], c.len[0], &m));
	CHECK_INT_EQ(WIRE_PING, m.type);
	CHECK_INT_EQ(7, m.request_id);
	CHECK_INT_EQ(0, m.length);
	CHECK(m.payload != NULL && m.payload[0] == 0);
	wire_message_done(&m);
	wire_assembler_reset(&a);
	capture_done(&c);
}

/* Feeds parts 0..n-1 of `first`, then `intruder`; returns the last result. */
static int feed_interleaved(const struct capture *first, size_t n, const void *intruder, size_t len)
{
	struct wire_assembler a;
	struct wire_message m = { 0 };
	int r;

	wire_assembler_init(&a, WIRE_MESSAGE_LIMIT);
	for (size_t i = 0; i < n; i++) {
		r = wire_assembler_feed(&a, first->dgram[i], first->len[i], &m);
		CHECK_INT_EQ(0, r);
	}
	r = wire_assembler_feed(&a, intruder, len, &m);
	if (r == 1)
		wire_message_done(&m);
	wire_assembler_reset(&a);
	return r;
}

static void test_interleaved(void)
{
	static uint8_t payload[3 * WIRE_PART_MAX];
	struct capture a = { 0 }, other_id = { 0 }, other_type = { 0 }, other_total = { 0 };
	struct wire_header h;
	uint8_t *d;
	size_t len;

	memset(payload, 'p', sizeof(payload));
	CHECK_INT_EQ(0, wire_split(WIRE_REPLY, 1, payload, sizeof(payload), capture_emit, &a));
	CHECK_INT_EQ(0, wire_split(WIRE_REPLY, 2, payload, sizeof(payload), capture_emit, &other_id));
	CHECK_INT_EQ(0, wire_split(WIRE_HELLO, 1, payload, sizeof(payload), capture_emit, &other_type));
	CHECK_INT_EQ(0, wire_split(WIRE_REPLY, 1, payload, sizeof(payload) - 1, capture_emit, &other_total));
	CHECK_INT_EQ(3, a.n);

	/* The control: the message's own next part is accepted. */
	CHECK_INT_EQ(0, feed_interleaved(&a, 1, a.dgram[1], a.len[1]));
	CHECK_INT_EQ(1, feed_interleaved(&a, 2, a.dgram[2], a.len[2]));

	CHECK_INT_EQ(-EBADMSG, feed_interleaved(&a, 1, other_id.dgram[1], other_id.len[1]));
	CHECK_INT_EQ(-EBADMSG, feed_interleaved(&a, 1, other_type.dgram[1], other_type.len[1]));
	CHECK_INT_EQ(-EBADMSG, feed_interleaved(&a, 1, other_total.dgram[1], other_total.len[1]));
	CHECK_INT_EQ(-EBADMSG, feed_interleaved(&a, 2, other_id.dgram[2], other_id.len[2]));
	/* A new one-part message cannot start in the middle either. */
	h = good_header(WIRE_REPLY, 5, 5);
	h.request_id = 1;
	d = make_dgram(&h, 5, &len);
	CHECK_INT_EQ(-EBADMSG, feed_interleaved(&a, 1, d, len));
	free(d);

	/* The last part short of total; and a part past total. */
	h = good_header(WIRE_REPLY, 100, sizeof(payload));
	h.request_id = 1;
	d = make_dgram(&h, 100, &len);
	CHECK_INT_EQ(-EBADMSG, feed_interleaved(&a, 2, d, len));
	free(d);
	h = good_header(WIRE_REPLY, WIRE_PART_MAX, sizeof(payload) - 1);
	h.request_id = 1;
	h.flags = WIRE_FLAG_MORE;
	d = make_dgram(&h, WIRE_PART_MAX, &len);
	CHECK_INT_EQ(-EBADMSG, feed_interleaved(&other_total, 2, d, len));
	free(d);

	capture_done(&a);
	capture_done(&other_id);
	capture_done(&other_type);
	capture_done(&other_total);
}

static void test_split_errors(void)
{
	static uint8_t payload[3 * WIRE_PART_MAX];
	struct capture c = { 0 };

	c.fail_at = 2;
	CHECK_INT_EQ(-EPIPE, wire_split(WIRE_REPLY, 1, payload, sizeof(payload), capture_emit, &c));
	CHECK_INT_EQ(2, c.n); /* stopped at the failing call */
	capture_done(&c);

	c.fail_at = 1;
	CHECK_INT_EQ(-EPIPE, wire_split(WIRE_PING, 1, NULL, 0, capture_emit, &c));
	CHECK_INT_EQ(1, c.n);
	capture_done(&c);

	/* Over the ceiling: refused before anything is emitted (or read). */
	CHECK_INT_EQ(-EMSGSIZE, wire_split(WIRE_REPLY, 1, payload, (size_t)WIRE_MESSAGE_LIMIT + 1,
					   capture_emit, &c));
	CHECK_INT_EQ(0, c.n);
}

static void test_access(void)
{
	CHECK_STR_EQ("none", wire_access_to_string(WIRE_ACCESS_NONE));
	CHECK_STR_EQ("read", wire_access_to_string(WIRE_ACCESS_READ));
	CHECK_STR_EQ("admin", wire_access_to_string(WIRE_ACCESS_ADMIN));
	CHECK_STR_EQ("invalid", wire_access_to_string(WIRE_ACCESS_MAX));
	CHECK_STR_EQ("invalid", wire_access_to_string((enum wire_access)-1));

	CHECK_INT_EQ(WIRE_ACCESS_NONE, wire_access_from_string("none"));
	CHECK_INT_EQ(WIRE_ACCESS_READ, wire_access_from_string("read"));
	CHECK_INT_EQ(WIRE_ACCESS_ADMIN, wire_access_from_string("admin"));
	CHECK_INT_EQ(-EINVAL, wire_access_from_string("Admin"));
	CHECK_INT_EQ(-EINVAL, wire_access_from_string(""));
	CHECK_INT_EQ(-EINVAL, wire_access_from_string("invalid"));
	for (int i = 0; i < WIRE_ACCESS_MAX; i++)
		CHECK_INT_EQ(i, wire_access_from_string(wire_access_to_string(i)));
}

static int decode(uint16_t type, const char *payload, json_t **ret_body, char **ret_error)
{
	struct wire_message m = {
		.type = type,
		.request_id = 1,
		.length = (uint32_t)strlen(payload),
		.payload = (uint8_t *)payload,
	};

	return collector_reply_decode(&m, ret_body, ret_error);
}

static void test_reply_decode(void)
{
	json_t *body = NULL;
	char *error = NULL;

	CHECK_INT_EQ(0, decode(WIRE_REPLY, "{\"now_ns\":42}", &body, &error));
	CHECK(json_is_object(body));
	CHECK_INT_EQ(42, json_integer_value(json_object_get(body, "now_ns")));
	CHECK(error == NULL);
	json_decref(body);
	body = NULL;
	CHECK_INT_EQ(0, decode(WIRE_REPLY, "[]", NULL, NULL));

	CHECK_INT_EQ(-ENOENT, decode(WIRE_ERROR, "{\"errno\":2,\"error\":\"no such resource\"}", &body,
				     &error));
	CHECK_STR_EQ("no such resource", error);
	CHECK(body == NULL);
	free(error);
	error = NULL;
	CHECK_INT_EQ(-EPERM, decode(WIRE_ERROR, "{\"errno\":1,\"error\":\"x\"}", NULL, NULL));

	/* Without errno (or a useless one) the error is EIO. */
	CHECK_INT_EQ(-EIO, decode(WIRE_ERROR, "{\"error\":\"broken\"}", NULL, &error));
	CHECK_STR_EQ("broken", error);
	free(error);
	error = NULL;
	CHECK_INT_EQ(-EIO, decode(WIRE_ERROR, "{\"errno\":0}", NULL, NULL));
	CHECK_INT_EQ(-EIO, decode(WIRE_ERROR, "{\"errno\":-5}", NULL, NULL));
	CHECK_INT_EQ(-EIO, decode(WIRE_ERROR, "{\"errno\":100000}", NULL, NULL));
	CHECK_INT_EQ(-EIO, decode(WIRE_ERROR, "{\"errno\":\"2\"}", NULL, NULL));
	/* Without a message, strerror's. */
	CHECK_INT_EQ(-EACCES, decode(WIRE_ERROR, "{\"errno\":13}", NULL, &error));
	CHECK_STR_EQ(strerror(EACCES), error);
	free(error);
	error = NULL;

	CHECK_INT_EQ(-EPROTO, decode(WIRE_REPLY, "not json", &body, &error));
	CHECK_INT_EQ(-EPROTO, decode(WIRE_REPLY, "", &body, &error));
	CHECK_INT_EQ(-EPROTO, decode(WIRE_ERROR, "{\"errno\":2", &body, &error));
	CHECK_INT_EQ(-EPROTO, decode(WIRE_HELLO, "{}", &body, &error));
	CHECK(body == NULL);
	CHECK(error == NULL);
}

int main(void)
{
	test_header_check();
	test_type_lookup();
	test_truncated();
	test_reassembly();
	test_zero_length();
	test_interleaved();
	test_split_errors();
	test_access();
	test_reply_decode();
	return test_result("test-wire");
}
