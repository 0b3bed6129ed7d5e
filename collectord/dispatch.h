/* dispatch.h: the table that routes a request to its handler, after the access check. */
#pragma once

#include "peer.h"
#include "wire.h"

/* Answers exactly one reply (REPLY or ERROR) for every request. */
void dispatch_message(struct peer *p, const struct wire_message *msg);

/* The access level a request type needs; WIRE_ACCESS_MAX for a type no
 * client may send. Exposed for the tests of the access table. */
enum wire_access dispatch_required_access(unsigned type);
