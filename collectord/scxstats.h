/* scxstats.h: a client for the running sched_ext scheduler's scx_stats socket (stats://scheduler/raw). */
#pragma once

#include <jansson.h>
#include <stddef.h>

/* Where scx schedulers serve their statistics, below the --sysfs-root prefix. */
#define SCXSTATS_SOCKET_PATH	    "/var/run/scx/root/stats"
#define SCXSTATS_CONNECT_TIMEOUT_MS 1000
#define SCXSTATS_READ_TIMEOUT_MS    2000
#define SCXSTATS_MAX_REPLY	    (4u << 20)

struct scxstats_opts {
	const char *socket_path;
	const char *target;	/* NULL: "top" */
	int connect_timeout_ms; /* 0: SCXSTATS_CONNECT_TIMEOUT_MS */
	int read_timeout_ms;	/* 0: SCXSTATS_READ_TIMEOUT_MS, for both requests together */
	size_t max_reply;	/* 0: SCXSTATS_MAX_REPLY, per reply line */
};

/* Asks for "stats" (args {"target"}) and "stats_meta" on one connection.
 * 0 and {"available": true, "socket", "target", "stats", "stats_meta"}, or
 * {"available": false, "reason"} when no server listens at the path.
 * Negative errno and a message on a timeout (-ETIMEDOUT), an errno reply (that
 * errno), invalid JSON (-EBADMSG) or an oversized reply (-EMSGSIZE). */
int scxstats_query(const struct scxstats_opts *opts, json_t **ret, char **ret_error);

/* One reply line (without its newline; len bytes, need not be NUL-terminated) to request `req`:
 * {"errno": N, "args": {"resp": ...}}. 0 and resp (a new reference) when errno is 0; that errno
 * (EIO outside 1..4095) when not; -EBADMSG for invalid JSON or another shape. The message names req. */
int scxstats_parse_reply(const char *req, const char *line, size_t len, json_t **ret, char **ret_error);
