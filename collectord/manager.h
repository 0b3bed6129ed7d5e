/* manager.h: collectord's one context: the event loop, the socket, its peers and every data source. */
#pragma once

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "bpfstats.h"
#include "config.h"
#include "probe.h"

struct peer;
struct sampler;
struct schedagg;
struct aggregate;
struct feed;
struct dsqlive;
struct profiler;
struct render_cache;

struct manager_options {
	const char *socket_path;   /* NULL: default; ignored under socket activation */
	const char *socket_group;  /* NULL: "collectord" when it exists, else root */
	mode_t socket_mode;
	const char *config_path;
	const char *sysfs_root;    /* "" for the running system */
	unsigned exit_on_idle_sec; /* 0: never */
	bool no_bpf;               /* for tests of the socket layer without privileges */
	bool force_raw_tp;         /* raw_tp even where tp_btf attaches (--bpf-attach raw_tp) */
};

struct manager {
	struct event_base *base;
	struct manager_options opt;
	struct config config;

	int listen_fd;
	bool socket_activated;
	bool socket_owned; /* we bound it, so we unlink it on exit */
	char socket_path[108];
	gid_t socket_gid;
	struct event *listen_ev;
	struct event *accept_resume_ev; /* re-arms accepting after running out of fds */

	struct event *sig_term, *sig_int, *sig_hup;
	struct event *watchdog_ev, *idle_ev;
	uint64_t watchdog_usec;

	LIST_HEAD(, peer) peers;
	LIST_HEAD(, call) calls; /* CALL requests still running, of every peer */
	unsigned nr_peers;
	uint64_t next_peer_id;
	uint64_t peers_total, peers_refused;

	struct features features;
	struct schedagg *schedagg;
	struct profiler *profiler; /* perf profiling sessions and the shared symbolizer; made on first use */
	char schedagg_error[160];
	struct aggregate *aggregate; /* BPF maps read every interval into a window ring */
	struct feed *feed;           /* the live event feed: BPF ring buffer -> subscribers */
	struct dsqlive *dsqlive;     /* stats://aggregated/dsq's collection while a sched_ext scheduler runs */
	struct sampler *sampler; /* /proc samples behind the stats://system resources */
	struct bpf_stats_hold bpf_stats; /* BPF_ENABLE_STATS while bpf://programs readers want it */
	struct render_cache *render_cache; /* printed READ answers, made on first use (resources.c) */

	uint64_t start_mono_ns;
	int exit_code;
};

int manager_new(const struct manager_options *opt, struct manager **ret);
int manager_start(struct manager *m);
int manager_run(struct manager *m);
void manager_free(struct manager *m);

/* Re-reads the configuration file; keeps the running one on error. */
int manager_reload(struct manager *m, char **ret_error);

/* Called by peer.c when a peer goes away, so idle exit can be armed. */
void manager_peer_gone(struct manager *m, struct peer *p);

uint64_t now_mono_ns(void);
