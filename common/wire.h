/* wire.h: collectord wire protocol v1: message header, types and continuation framing.
 *
 * Transport is SOCK_SEQPACKET, so one send() is one message and there is no
 * stream framing. Every datagram is a struct wire_header followed by `length`
 * payload bytes. Integers are in host byte order: the socket never leaves the
 * machine. A payload larger than WIRE_PART_MAX is split into parts that carry
 * WIRE_FLAG_MORE on all but the last; the parts of one message are sent back
 * to back on their connection (senders queue whole messages FIFO), so a
 * receiver reassembles one message at a time. `total` repeats the whole
 * payload size in every part, so the receiver can allocate once and check
 * every part against it. See docs/protocol.md. */
#pragma once

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC 0x50434d53u /* "SMCP" read as little-endian bytes */
#define WIRE_VERSION 1
#define WIRE_DATAGRAM_MAX (64u * 1024u)
#define WIRE_PART_MAX (WIRE_DATAGRAM_MAX - (unsigned)sizeof(struct wire_header))
/* Hard ceiling for a reassembled payload; configurations may set less. */
#define WIRE_MESSAGE_LIMIT (256u << 20)

enum wire_flag {
	WIRE_FLAG_MORE = 1u << 0, /* another part of this message follows */
	WIRE_FLAG_ALL = WIRE_FLAG_MORE,
};

struct wire_header {
	__u32 magic;
	__u16 version;
	__u16 type;       /* enum wire_type */
	__u32 flags;      /* enum wire_flag */
	__u32 request_id; /* chosen by the client, echoed in the reply; 0 for server pushes */
	__u32 length;     /* payload bytes in this datagram */
	__u32 total;      /* payload bytes of the whole message, equal in every part */
};
_Static_assert(sizeof(struct wire_header) == 24, "wire header is 24 bytes on every ABI");

enum wire_payload {
	WIRE_PAYLOAD_EMPTY,
	WIRE_PAYLOAD_JSON,
	WIRE_PAYLOAD_BINARY,
	WIRE_PAYLOAD_MAX,
};

/* Who may send a type: the server checks that a client does not send a
 * server-only type, and the client checks the reverse. */
enum wire_dir {
	WIRE_DIR_TO_SERVER = 1u << 0,
	WIRE_DIR_TO_CLIENT = 1u << 1,
	WIRE_DIR_BOTH = WIRE_DIR_TO_SERVER | WIRE_DIR_TO_CLIENT,
};

enum wire_type {
	WIRE_HELLO = 1, /* both ways, first message; JSON */
	WIRE_REPLY,     /* server: JSON result of request_id */
	WIRE_ERROR,     /* server: {"errno":N,"error":"...","hint":"..."} for request_id */
	WIRE_PING,      /* client: empty; answered by REPLY {"now_ns":...} */
	WIRE_STATUS,    /* client: empty; REPLY with the collector's status */
	WIRE_READ,      /* client: {"uri":"...","args":{...}}; REPLY with the resource */
	WIRE_RELOAD,    /* client, admin: re-read the configuration file */
	WIRE_CLIENTS,   /* client, admin: list connected peers */
	WIRE_CALL,      /* client: {"name":"...","args":{...}}: an operation that may take long */
	WIRE_CANCEL,    /* client: {"request_id":N}: stop CALL N, which then answers ERROR ECANCELED */
	WIRE_PROGRESS,  /* server: {"progress":x,"total":y,"message":"..."} for a CALL in flight */
	WIRE_SUBSCRIBE, /* client: live-feed filters; REPLY {"subscription":id,...}, then EVENTS with its id */
	WIRE_UNSUBSCRIBE, /* client: {"subscription":id}: stop that feed */
	WIRE_EVENTS,    /* server: binary: struct sched_event_batch + records (common/events.h) */
	WIRE_TYPE_MAX,
};

struct wire_type_info {
	const char *name;
	enum wire_payload payload;
	unsigned dir; /* enum wire_dir bits */
};

/* NULL for a type that is not defined in this version. */
const struct wire_type_info *wire_type_lookup(unsigned type);

/* Checks one received datagram's header against the datagram length:
 * magic, version, known type and flags, length == len - header, length <=
 * total <= limit. Returns 0 or -EBADMSG / -EPROTO (version) / -EMSGSIZE. */
int wire_header_check(const struct wire_header *h, size_t datagram_len, size_t limit);

/* A complete message: `payload` is NUL-terminated (not counted in `length`)
 * so JSON payloads can be parsed in place. */
struct wire_message {
	uint16_t type;
	uint32_t request_id;
	uint32_t length;
	uint8_t *payload;
};
void wire_message_done(struct wire_message *m);

/* Reassembles parts into messages; one per connection direction. */
struct wire_assembler {
	size_t limit; /* largest payload accepted */
	bool active;
	uint16_t type;
	uint32_t request_id;
	uint32_t total;
	uint32_t have;
	uint8_t *buf;
};
void wire_assembler_init(struct wire_assembler *a, size_t limit);
void wire_assembler_reset(struct wire_assembler *a);
/* Feeds one datagram. Returns 1 with *ret filled when a message completed,
 * 0 when more parts are needed, or a negative errno when the stream cannot be
 * framed any more (-EBADMSG, -EPROTO, -EMSGSIZE, -ENOMEM): the connection
 * must then be closed. */
int wire_assembler_feed(struct wire_assembler *a, const void *datagram, size_t len,
			struct wire_message *ret);

/* Splits a payload into datagrams and hands each to emit (header + part,
 * contiguous). Stops at and returns emit's first negative return. */
typedef int (*wire_emit_fn)(void *userdata, const void *datagram, size_t len);
int wire_split(uint16_t type, uint32_t request_id, const void *payload, size_t len,
	       wire_emit_fn emit, void *userdata);

/* Access level a peer is granted; also a field of HELLO. */
enum wire_access {
	WIRE_ACCESS_NONE,
	WIRE_ACCESS_READ,
	WIRE_ACCESS_ADMIN,
	WIRE_ACCESS_MAX,
};
const char *wire_access_to_string(enum wire_access a);
int wire_access_from_string(const char *s);
