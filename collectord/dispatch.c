/* dispatch.c: the {type, who may send it, handler} table and the request handlers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "calls.h"
#include "dispatch.h"
#include "feed.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "resources.h"
#include "status.h"

/* A handler returns 0 with a reply, 1 when the answer comes later (a CALL
 * answers itself), or a negative errno with an optional message. */
typedef int (*dispatch_fn)(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			   char **ret_error);

struct dispatch_entry {
	enum wire_access access; /* the least a peer must have */
	dispatch_fn handler;
};

#define DISPATCH_DECLARE(type, access, handler)                                                         \
	static int handler(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply, \
			   char **ret_error);
DISPATCH_TABLE(DISPATCH_DECLARE)

#define DISPATCH_ROW(type, access, handler) [type] = { access, handler },
static const struct dispatch_entry dispatch_table[WIRE_TYPE_MAX] = { DISPATCH_TABLE(DISPATCH_ROW) };

enum wire_access dispatch_required_access(unsigned type)
{
	if (type >= WIRE_TYPE_MAX || !dispatch_table[type].handler)
		return WIRE_ACCESS_MAX;
	return dispatch_table[type].access;
}

static int handle_hello(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			char **ret_error)
{
	const char *name = "unknown";
	uint64_t proto = 0;
	json_t *reply;

	if (p->hello_done) {
		*ret_error = strdup("HELLO was already exchanged on this connection");
		return -EPROTO;
	}
	if (json_get_uint(args, "protocol", UINT32_MAX, &proto) < 0 || proto != WIRE_VERSION) {
		if (asprintf(ret_error, "this collector speaks wire protocol %d only", WIRE_VERSION) < 0)
			*ret_error = NULL;
		return -EPROTONOSUPPORT;
	}
	if (json_get_string(args, "client", &name) < 0)
		name = "unknown";
	snprintf(p->client_name, sizeof(p->client_name), "%s", name);

	reply = status_hello(p->m, p);
	if (!reply)
		return -ENOMEM;
	p->hello_done = true;
	*ret_reply = reply;
	return 0;
}

static int handle_ping(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			char **ret_error)
{
	*ret_reply = json_pack("{s:I}", "now_ns", (json_int_t)now_mono_ns());
	return *ret_reply ? 0 : -ENOMEM;
}

static int handle_status(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			char **ret_error)
{
	*ret_reply = status_to_json(p->m, p);
	return *ret_reply ? 0 : -ENOMEM;
}

static int handle_read(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			char **ret_error)
{
	const char *uri;
	const json_t *rargs;
	int r;

	if (json_get_string(args, "uri", &uri) < 0) {
		*ret_error = strdup("READ needs a string member \"uri\"");
		return -EINVAL;
	}
	rargs = json_object_get(args, "args");
	if (rargs && !json_is_object(rargs)) {
		*ret_error = strdup("READ member \"args\" must be an object");
		return -EINVAL;
	}
	/* The answer goes out as printed text (maybe kept from an earlier read). */
	r = resource_answer(p, request_id, uri, rargs, ret_error);
	return r < 0 ? r : 1;
}

static int handle_reload(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			char **ret_error)
{
	int r = manager_reload(p->m, ret_error);

	if (r < 0)
		return r;
	*ret_reply = json_pack("{s:b}", "reloaded", 1);
	return *ret_reply ? 0 : -ENOMEM;
}

static int handle_clients(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			char **ret_error)
{
	json_t *list = json_array();
	struct peer *q;

	if (!list)
		return -ENOMEM;
	LIST_FOREACH(q, &p->m->peers, link)
		json_array_append_new(list, peer_to_json(q));
	*ret_reply = json_pack("{s:o}", "clients", list);
	return *ret_reply ? 0 : -ENOMEM;
}

static int handle_call(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			char **ret_error)
{
	int r;

	if (!args) {
		*ret_error = strdup("CALL needs a payload {\"name\": ..., \"args\": {...}}");
		return -EINVAL;
	}
	r = calls_start(p, request_id, args, ret_error);
	return r < 0 ? r : 1;
}

static int handle_cancel(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			 char **ret_error)
{
	int r;

	if (!args) {
		*ret_error = strdup("CANCEL needs a payload {\"request_id\": N}");
		return -EINVAL;
	}
	r = calls_cancel(p, args, ret_error);
	if (r < 0)
		return r;
	*ret_reply = json_pack("{s:b}", "cancelled", 1);
	return *ret_reply ? 0 : -ENOMEM;
}

/* The live feed needs the BPF programs; without them it says why. */
static int feed_or_error(struct peer *p, char **ret_error)
{
	if (p->m->feed)
		return 0;
	if (asprintf(ret_error, "the live event feed needs the scheduler BPF programs, which are not loaded: %s",
		     p->m->schedagg_error[0] ? p->m->schedagg_error : "not started") < 0)
		*ret_error = NULL;
	return -EOPNOTSUPP;
}

static int handle_subscribe(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			    char **ret_error)
{
	int r = feed_or_error(p, ret_error);

	return r < 0 ? r : feed_subscribe_peer(p->m->feed, p, request_id, args, ret_reply, ret_error);
}

static int handle_unsubscribe(struct peer *p, uint32_t request_id, const json_t *args, json_t **ret_reply,
			      char **ret_error)
{
	int r = feed_or_error(p, ret_error);

	return r < 0 ? r : feed_unsubscribe_peer(p->m->feed, p, args, ret_reply, ret_error);
}

static int refuse(struct peer *p, uint32_t id, int err, const char *msg)
{
	p->refused++;
	return peer_send_error(p, id, err, msg);
}

static int parse_payload(const struct wire_message *msg, enum wire_payload kind, json_t **ret,
			 char *err, size_t err_size)
{
	json_error_t jerr;
	json_t *j;

	if (kind != WIRE_PAYLOAD_JSON || msg->length == 0) {
		*ret = NULL;
		return 0;
	}
	j = json_loadb((const char *)msg->payload, msg->length, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		snprintf(err, err_size, "payload is not valid JSON: %s at byte %d", jerr.text, jerr.position);
		return -EINVAL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, err_size, "payload must be a JSON object");
		return -EINVAL;
	}
	*ret = j;
	return 0;
}

void dispatch_message(struct peer *p, const struct wire_message *msg)
{
	const struct wire_type_info *info = wire_type_lookup(msg->type);
	const struct dispatch_entry *e = &dispatch_table[msg->type];
	_cleanup_json_ json_t *args = NULL, *reply = NULL;
	_cleanup_free_ char *error = NULL;
	char err[256];
	int r;

	p->in_flight++;
	if (!e->handler) {
		snprintf(err, sizeof(err), "message type '%s' is not a request", info->name);
		refuse(p, msg->request_id, -EBADMSG, err);
		return;
	}
	if (!p->hello_done && msg->type != WIRE_HELLO) {
		refuse(p, msg->request_id, -EPROTO, "send HELLO first");
		peer_close_after_flush(p);
		return;
	}
	if (p->access < e->access) {
		snprintf(err, sizeof(err), "'%s' needs admin access; this peer has read access",
			 info->name);
		refuse(p, msg->request_id, -EPERM, err);
		return;
	}
	if (p->in_flight > p->m->config.max_requests_in_flight) {
		snprintf(err, sizeof(err),
			 "too many requests in flight (MaxRequestsInFlight=%u); read your replies first",
			 p->m->config.max_requests_in_flight);
		refuse(p, msg->request_id, -EBUSY, err);
		return;
	}
	r = parse_payload(msg, info->payload, &args, err, sizeof(err));
	if (r < 0) {
		refuse(p, msg->request_id, r, err);
		return;
	}
	r = e->handler(p, msg->request_id, args, &reply, &error);
	if (r > 0)
		return;
	if (r < 0) {
		peer_send_error(p, msg->request_id, r, error);
		if (msg->type == WIRE_HELLO)
			peer_close_after_flush(p);
		return;
	}
	r = peer_send(p, msg->type == WIRE_HELLO ? WIRE_HELLO : WIRE_REPLY, msg->request_id, reply, true);
	if (r == -EMSGSIZE) {
		snprintf(err, sizeof(err), "the reply is larger than MaxMessageBytes=%zu; ask for less",
			 p->m->config.max_message_bytes);
		peer_send_error(p, msg->request_id, r, err);
	} else if (r < 0) {
		log_debug_errno(r, "peer %" PRIu64 ": queueing reply failed: %m", p->id);
	}
}
