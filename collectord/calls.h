/* calls.h: CALL requests: named operations that may answer later, report progress and be cancelled. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "wire.h"

struct call;
struct manager;
struct peer;

struct call_def {
	const char *name;
	const char *description;
	enum wire_access access; /* the least a peer must have to start it */
	/* Starts the work. 0: it answers later with call_reply()/call_fail()
	 * (or already did). A negative errno, with ret_error, when it could not
	 * start: the core answers, and the call must not have answered. */
	int (*start)(struct call *c, const json_t *args, char **ret_error);
	/* Stops the work and frees what it holds; the core then answers
	 * ECANCELED. NULL when start always answers at once. */
	void (*cancel)(struct call *c);
};

/* Answers and frees the call. */
void call_reply(struct call *c, json_t *body /* stolen */);
void call_fail(struct call *c, int err, const char *message);
/* Tells the caller how far the work is; not an answer. */
void call_progress(struct call *c, double done, double total, const char *message);

struct manager *call_manager(const struct call *c);
const struct peer *call_peer(const struct call *c);
void call_set_data(struct call *c, void *data);
void *call_data(const struct call *c);

/* From dispatch: start CALL request_id of peer p with payload {"name","args"}. */
int calls_start(struct peer *p, uint32_t request_id, const json_t *payload, char **ret_error);
/* From dispatch: CANCEL {"request_id": N} of peer p. -ENOENT when N is not running. */
int calls_cancel(struct peer *p, const json_t *payload, char **ret_error);
/* A peer went away: cancel and free its calls without answering. */
void calls_peer_gone(struct manager *m, struct peer *p);
/* Cancel everything (shutdown). */
void calls_cancel_all(struct manager *m);
/* [{"name","description","access"}] */
json_t *calls_list(void);
