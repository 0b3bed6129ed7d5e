/* profile.h: perf profiling sessions: start/stop/results calls, the profiling:// resources, client lifetime. */
#pragma once

#include <jansson.h>

struct call;
struct manager;
struct peer;
struct profiler;

/* Sessions running at once, all clients together. */
#define PROFILE_MAX_RUNNING 4

/* Stops and frees every session (shutdown). Accepts NULL. */
void profiler_free(struct profiler *pr);
/* A client went away: what it started is stopped and forgotten. */
void profile_peer_gone(struct manager *m, const struct peer *p);

/* The calls, one session per client. */
int profile_start(struct call *c, const json_t *args, char **ret_error);
int profile_stop(struct call *c, const json_t *args, char **ret_error);
int profile_results(struct call *c, const json_t *args, char **ret_error);

/* profiling://perf/status and profiling://perf/results, for the asking client. */
int profile_status_read(struct manager *m, const struct peer *p, const json_t *args, json_t **ret,
			char **ret_error);
int profile_results_read(struct manager *m, const struct peer *p, const json_t *args, json_t **ret,
			 char **ret_error);
