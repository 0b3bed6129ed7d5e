/* dispatch.h: the table that routes a request to its handler, after the access check. */
#pragma once

#include "peer.h"
#include "wire.h"

/* The {type, who may send it, handler} table, one row per request type, expanded by dispatch.c
 * into its table and by the wire-abuse test, which sends every admin type as a read-level peer:
 * a new admin type cannot be left out of that test. A type without a row (REPLY, ERROR,
 * PROGRESS, EVENTS) reaches no handler. */
#define DISPATCH_TABLE(ROW)                                                                     \
	ROW(WIRE_HELLO, WIRE_ACCESS_READ, handle_hello)                                         \
	ROW(WIRE_PING, WIRE_ACCESS_READ, handle_ping)                                           \
	ROW(WIRE_STATUS, WIRE_ACCESS_READ, handle_status)                                       \
	ROW(WIRE_READ, WIRE_ACCESS_READ, handle_read)                                           \
	ROW(WIRE_RELOAD, WIRE_ACCESS_ADMIN, handle_reload)                                      \
	ROW(WIRE_CLIENTS, WIRE_ACCESS_ADMIN, handle_clients)                                    \
	ROW(WIRE_CALL, WIRE_ACCESS_READ, handle_call) /* each call checks its own level too */ \
	ROW(WIRE_CANCEL, WIRE_ACCESS_READ, handle_cancel)                                       \
	ROW(WIRE_SUBSCRIBE, WIRE_ACCESS_READ, handle_subscribe)                                 \
	ROW(WIRE_UNSUBSCRIBE, WIRE_ACCESS_READ, handle_unsubscribe)

/* Answers exactly one reply (REPLY or ERROR) for every request. */
void dispatch_message(struct peer *p, const struct wire_message *msg);

/* The access level a request type needs; WIRE_ACCESS_MAX for a type no
 * client may send. Exposed for the tests of the access table. */
enum wire_access dispatch_required_access(unsigned type);
