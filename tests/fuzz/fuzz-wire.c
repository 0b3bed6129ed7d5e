/* fuzz-wire.c: libFuzzer target for the wire codec: header checks and reassembly of datagram sequences.
 *
 * The input is a sequence of chunks, each one datagram for a wire_assembler:
 *   u16 n (little-endian), then
 *   n < FUZZ_WIRE_SYNTHETIC: a raw datagram, the next n bytes (fewer when the input ends);
 *   n >= FUZZ_WIRE_SYNTHETIC: a synthetic datagram: the next 24 bytes are its header, and the
 *     payload is h.length bytes of filler (n & 0xff), one byte less or more when bit 8 or 9 of n
 *     is set, capped so that the datagram is at most WIRE_DATAGRAM_MAX + 1 bytes.
 * Synthetic chunks let a short input carry full 64 KiB parts, so multi-part reassembly is reachable.
 * Every completed message is split again and reassembled, and must come back identical. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define FUZZ_WIRE_SYNTHETIC 0x8000u
#define FUZZ_ASSEMBLER_LIMIT (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct resplit {
	struct wire_assembler a;
	struct wire_message m;
	int last;
};

static int resplit_emit(void *userdata, const void *datagram, size_t len)
{
	struct resplit *rs = userdata;

	if (rs->last != 0) /* a message completed before its last part */
		abort();
	rs->last = wire_assembler_feed(&rs->a, datagram, len, &rs->m);
	return rs->last < 0 ? rs->last : 0;
}

/* What wire_split makes of a message, reassembled, is the message. */
static void check_roundtrip(const struct wire_message *m)
{
	struct resplit rs = { .last = 0 };

	wire_assembler_init(&rs.a, FUZZ_ASSEMBLER_LIMIT);
	if (wire_split(m->type, m->request_id, m->payload, m->length, resplit_emit, &rs) < 0)
		abort();
	if (rs.last != 1 || rs.m.type != m->type || rs.m.request_id != m->request_id ||
	    rs.m.length != m->length || memcmp(rs.m.payload, m->payload, m->length + 1) != 0)
		abort();
	wire_message_done(&rs.m);
	wire_assembler_reset(&rs.a);
}

static void feed(struct wire_assembler *a, const uint8_t *dgram, size_t len)
{
	struct wire_message m = { 0 };
	int r = wire_assembler_feed(a, dgram, len, &m);

	if (r == 1) {
		if (!m.payload || m.payload[m.length] != 0 || !wire_type_lookup(m.type))
			abort();
		check_roundtrip(&m);
		wire_message_done(&m);
	} else if (r < 0) {
		/* The connection would be closed; go on as a new one. */
		wire_assembler_reset(a);
	} else if (r != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_assembler a;
	size_t off = 0;

	/* The whole input as one datagram. */
	if (size >= sizeof(struct wire_header)) {
		struct wire_header h;

		memcpy(&h, data, sizeof(h));
		(void)wire_header_check(&h, size, WIRE_MESSAGE_LIMIT);
		(void)wire_header_check(&h, size, 0);
	}

	wire_assembler_init(&a, FUZZ_ASSEMBLER_LIMIT);
	while (size - off >= 2) {
		unsigned n = data[off] | (unsigned)data[off + 1] << 8;
		size_t len;
		uint8_t *dgram;

		off += 2;
		if (n < FUZZ_WIRE_SYNTHETIC) {
			len = n < size - off ? n : size - off;
			/* An exact-size copy, so ASan sees any read past the datagram. */
			dgram = malloc(len ? len : 1);
			if (!dgram)
				abort();
			memcpy(dgram, data + off, len);
			off += len;
		} else {
			struct wire_header h;
			size_t payload;

			if (size - off < sizeof(h))
				break;
			memcpy(&h, data + off, sizeof(h));
			off += sizeof(h);
			payload = h.length;
			if (n & 0x100)
				payload = payload ? payload - 1 : 0;
			if (n & 0x200)
				payload++;
			if (payload > WIRE_DATAGRAM_MAX + 1 - sizeof(h))
				payload = WIRE_DATAGRAM_MAX + 1 - sizeof(h);
			len = sizeof(h) + payload;
			dgram = malloc(len);
			if (!dgram)
				abort();
			memcpy(dgram, &h, sizeof(h));
			memset(dgram + sizeof(h), (int)(n & 0xff), payload);
		}
		feed(&a, dgram, len);
		free(dgram);
	}
	wire_assembler_reset(&a);
	return 0;
}
