/* wire.c: wire protocol v1 codec: header checks, reassembly and splitting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "wire.h"

static const struct wire_type_info wire_types[WIRE_TYPE_MAX] = {
	[WIRE_HELLO] = { "hello", WIRE_PAYLOAD_JSON, WIRE_DIR_BOTH },
	[WIRE_REPLY] = { "reply", WIRE_PAYLOAD_JSON, WIRE_DIR_TO_CLIENT },
	[WIRE_ERROR] = { "error", WIRE_PAYLOAD_JSON, WIRE_DIR_TO_CLIENT },
	[WIRE_PING] = { "ping", WIRE_PAYLOAD_EMPTY, WIRE_DIR_TO_SERVER },
	[WIRE_STATUS] = { "status", WIRE_PAYLOAD_EMPTY, WIRE_DIR_TO_SERVER },
	[WIRE_READ] = { "read", WIRE_PAYLOAD_JSON, WIRE_DIR_TO_SERVER },
	[WIRE_RELOAD] = { "reload", WIRE_PAYLOAD_EMPTY, WIRE_DIR_TO_SERVER },
	[WIRE_CLIENTS] = { "clients", WIRE_PAYLOAD_EMPTY, WIRE_DIR_TO_SERVER },
	[WIRE_CALL] = { "call", WIRE_PAYLOAD_JSON, WIRE_DIR_TO_SERVER },
	[WIRE_CANCEL] = { "cancel", WIRE_PAYLOAD_JSON, WIRE_DIR_TO_SERVER },
	[WIRE_PROGRESS] = { "progress", WIRE_PAYLOAD_JSON, WIRE_DIR_TO_CLIENT },
	[WIRE_SUBSCRIBE] = { "subscribe", WIRE_PAYLOAD_JSON, WIRE_DIR_TO_SERVER },
	[WIRE_UNSUBSCRIBE] = { "unsubscribe", WIRE_PAYLOAD_JSON, WIRE_DIR_TO_SERVER },
	[WIRE_EVENTS] = { "events", WIRE_PAYLOAD_BINARY, WIRE_DIR_TO_CLIENT },
};

const struct wire_type_info *wire_type_lookup(unsigned type)
{
	if (type >= WIRE_TYPE_MAX || !wire_types[type].name)
		return NULL;
	return &wire_types[type];
}

int wire_header_check(const struct wire_header *h, size_t datagram_len, size_t limit)
{
	const struct wire_type_info *info;

	if (datagram_len < sizeof(*h) || datagram_len > WIRE_DATAGRAM_MAX)
		return -EBADMSG;
	if (h->magic != WIRE_MAGIC)
		return -EBADMSG;
	if (h->version != WIRE_VERSION)
		return -EPROTO;
	if (h->flags & ~(uint32_t)WIRE_FLAG_ALL)
		return -EBADMSG;
	info = wire_type_lookup(h->type);
	if (!info)
		return -EBADMSG;
	if (h->length != datagram_len - sizeof(*h) || h->length > h->total)
		return -EBADMSG;
	if (h->total > limit || h->total > WIRE_MESSAGE_LIMIT)
		return -EMSGSIZE;
	if (info->payload == WIRE_PAYLOAD_EMPTY && h->total != 0)
		return -EBADMSG;
	/* A last part must complete its message exactly; a non-last part must
	 * be full, which keeps the part count of a message bounded. */
	if (h->flags & WIRE_FLAG_MORE) {
		if (h->length != WIRE_PART_MAX)
			return -EBADMSG;
	}
	return 0;
}

void wire_message_done(struct wire_message *m)
{
	free(m->payload);
	m->payload = NULL;
	m->length = 0;
}

void wire_assembler_init(struct wire_assembler *a, size_t limit)
{
	*a = (struct wire_assembler){ .limit = MIN(limit, (size_t)WIRE_MESSAGE_LIMIT) };
}

void wire_assembler_reset(struct wire_assembler *a)
{
	free(a->buf);
	wire_assembler_init(a, a->limit);
}

static int assembler_start(struct wire_assembler *a, const struct wire_header *h)
{
	a->buf = malloc((size_t)h->total + 1);
	if (!a->buf)
		return -ENOMEM;
	a->active = true;
	a->type = h->type;
	a->request_id = h->request_id;
	a->total = h->total;
	a->have = 0;
	return 0;
}

int wire_assembler_feed(struct wire_assembler *a, const void *datagram, size_t len,
			struct wire_message *ret)
{
	struct wire_header h;
	bool last;
	int r;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, datagram, sizeof(h)); /* the datagram may not be aligned */
	r = wire_header_check(&h, len, a->limit);
	if (r < 0)
		return r;

	if (!a->active) {
		r = assembler_start(a, &h);
		if (r < 0)
			return r;
	} else if (h.type != a->type || h.request_id != a->request_id || h.total != a->total) {
		/* a part of another message in the middle of this one */
		return -EBADMSG;
	}
	if ((size_t)a->have + h.length > a->total)
		return -EBADMSG;
	memcpy(a->buf + a->have, (const uint8_t *)datagram + sizeof(h), h.length);
	a->have += h.length;

	last = !(h.flags & WIRE_FLAG_MORE);
	if (!last)
		return 0;
	if (a->have != a->total)
		return -EBADMSG;

	a->buf[a->total] = 0;
	*ret = (struct wire_message){
		.type = a->type,
		.request_id = a->request_id,
		.length = a->total,
		.payload = TAKE_PTR(a->buf),
	};
	wire_assembler_init(a, a->limit);
	return 1;
}

int wire_split(uint16_t type, uint32_t request_id, const void *payload, size_t len,
	       wire_emit_fn emit, void *userdata)
{
	uint8_t dgram[WIRE_DATAGRAM_MAX];
	size_t off = 0;

	if (len > WIRE_MESSAGE_LIMIT)
		return -EMSGSIZE;
	do {
		size_t part = MIN(len - off, (size_t)WIRE_PART_MAX);
		struct wire_header h = {
			.magic = WIRE_MAGIC,
			.version = WIRE_VERSION,
			.type = type,
			.flags = off + part < len ? WIRE_FLAG_MORE : 0,
			.request_id = request_id,
			.length = (uint32_t)part,
			.total = (uint32_t)len,
		};
		int r;

		memcpy(dgram, &h, sizeof(h));
		if (part)
			memcpy(dgram + sizeof(h), (const uint8_t *)payload + off, part);
		r = emit(userdata, dgram, sizeof(h) + part);
		if (r < 0)
			return r;
		off += part;
	} while (off < len);
	return 0;
}

static const char *const access_names[WIRE_ACCESS_MAX] = {
	[WIRE_ACCESS_NONE] = "none",
	[WIRE_ACCESS_READ] = "read",
	[WIRE_ACCESS_ADMIN] = "admin",
};

const char *wire_access_to_string(enum wire_access a)
{
	return (unsigned)a < WIRE_ACCESS_MAX ? access_names[a] : "invalid";
}

int wire_access_from_string(const char *s)
{
	for (unsigned i = 0; i < WIRE_ACCESS_MAX; i++)
		if (strcmp(s, access_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}
