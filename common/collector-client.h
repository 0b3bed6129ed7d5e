/* collector-client.h: the client side of the wire protocol, shared by schedmcp and collectorctl. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "wire.h"

struct collector_client;

/* Socket path: explicit argument, else $COLLECTORD_SOCKET, else the default. */
const char *collector_socket_path(const char *explicit_path);

/* Connects and exchanges HELLO. On failure returns a negative errno and, when
 * ret_error is given, a sentence for a person saying what went wrong and how
 * to fix it (start the collector, join the group, ...). */
int collector_client_connect(const char *path, const char *client_name, int timeout_ms,
			     struct collector_client **ret, char **ret_error);
void collector_client_free(struct collector_client *c);

int collector_client_fd(const struct collector_client *c);
/* The collector's HELLO: version, features, granted access. */
const json_t *collector_client_hello(const struct collector_client *c);

/* Sends a request; payload may be NULL for types without one. The id is
 * chosen here and returned so the caller can match the reply. */
int collector_client_send(struct collector_client *c, enum wire_type type, const json_t *payload,
			  uint32_t *ret_id);
/* The same with the payload already printed: len bytes of JSON text. */
int collector_client_send_text(struct collector_client *c, enum wire_type type, const char *text, size_t len,
			       uint32_t *ret_id);

/* Reads what is waiting without blocking. Returns 1 with a message, 0 when
 * nothing complete is waiting, -ECONNRESET when the collector went away, or
 * another negative errno when the stream is broken. */
int collector_client_receive(struct collector_client *c, struct wire_message *ret);

/* Decodes a REPLY or ERROR message. On REPLY returns 0 and the JSON body; on
 * ERROR returns the collector's negative errno and its message. */
int collector_reply_decode(const struct wire_message *m, json_t **ret_body, char **ret_error);

/* Blocking request/response, for the CLI and tests. */
int collector_client_call(struct collector_client *c, enum wire_type type, const json_t *payload,
			  int timeout_ms, json_t **ret_body, char **ret_error);

/* The sentence to show for a failed connect(), with the fix. */
char *collector_connect_error(const char *path, int err);
