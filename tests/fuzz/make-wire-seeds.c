/* make-wire-seeds.c: writes fuzz-wire's seed corpus, real messages made with wire_split, into a directory.
 *
 * Built with -Dfuzz=true; regenerate the committed seeds with
 *   build-fuzz/tests/fuzz/make-wire-seeds tests/fuzz/corpus/wire
 * The chunk format (u16 length, raw or synthetic datagram) is described in fuzz-wire.c. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define FUZZ_WIRE_SYNTHETIC 0x8000u

/* The chunks of one seed file. */
struct seed {
	uint8_t buf[256 * 1024];
	size_t len;
};

/* A raw chunk for a datagram that fits one; a synthetic one (header only,
 * filler payload) for a full part, as fuzz-wire.c expands it. */
static int seed_emit(void *userdata, const void *datagram, size_t len)
{
	struct seed *s = userdata;
	const struct wire_header *h = datagram;
	unsigned n = (unsigned)len;
	size_t body = len;

	if (len >= FUZZ_WIRE_SYNTHETIC) {
		n = FUZZ_WIRE_SYNTHETIC | ((const uint8_t *)datagram)[sizeof(*h)];
		body = sizeof(*h);
	}
	if (s->len + 2 + body > sizeof(s->buf))
		return -ENOBUFS;
	s->buf[s->len++] = n & 0xff;
	s->buf[s->len++] = n >> 8;
	memcpy(s->buf + s->len, datagram, body);
	s->len += body;
	return 0;
}

static void seed_add(struct seed *s, uint16_t type, uint32_t id, const void *payload, size_t len)
{
	if (wire_split(type, id, payload, len, seed_emit, s) < 0) {
		fprintf(stderr, "wire_split failed\n");
		exit(EXIT_FAILURE);
	}
}

static void seed_write(struct seed *s, const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(EXIT_FAILURE);
	}
	s->len = 0;
}

static void add_json(struct seed *s, uint16_t type, uint32_t id, const char *json)
{
	seed_add(s, type, id, json, strlen(json));
}

int main(int argc, char **argv)
{
	static struct seed s;
	static uint8_t big[WIRE_PART_MAX + 100];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return EXIT_FAILURE;
	}

	add_json(&s, WIRE_HELLO, 1, "{\"client\":\"schedmcp\",\"version\":\"0.1.0\",\"protocol\":1}");
	seed_write(&s, argv[1], "hello-client");

	add_json(&s, WIRE_HELLO, 0,
		 "{\"server\":\"collectord\",\"version\":\"0.1.0\",\"protocol\":1,\"access\":\"read\","
		 "\"features\":[\"bpf\",\"sched_ext\",\"fentry\",\"pmu\"]}");
	add_json(&s, WIRE_REPLY, 2, "{\"now_ns\":123456789}");
	add_json(&s, WIRE_ERROR, 3,
		 "{\"errno\":2,\"error\":\"no such resource\",\"hint\":\"see topology://info\"}");
	seed_write(&s, argv[1], "server-session");

	seed_add(&s, WIRE_PING, 2, NULL, 0);
	seed_add(&s, WIRE_STATUS, 3, NULL, 0);
	add_json(&s, WIRE_READ, 4, "{\"uri\":\"topology://info\",\"args\":{}}");
	seed_add(&s, WIRE_CLIENTS, 5, NULL, 0);
	seed_write(&s, argv[1], "client-session");

	/* Two parts: a full one (synthetic chunk) and the rest. */
	memset(big, 'r', sizeof(big));
	seed_add(&s, WIRE_REPLY, 6, big, sizeof(big));
	seed_write(&s, argv[1], "reply-two-parts");

	/* A message cut short by another one in its middle. */
	seed_add(&s, WIRE_REPLY, 7, big, sizeof(big));
	s.len = 2 + sizeof(struct wire_header); /* keep the first part only */
	add_json(&s, WIRE_REPLY, 8, "{}");
	seed_write(&s, argv[1], "reply-interleaved");
	return EXIT_SUCCESS;
}
