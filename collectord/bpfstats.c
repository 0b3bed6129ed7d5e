/* bpfstats.c: holds BPF_ENABLE_STATS(RUN_TIME) while clients read program statistics, then lets it go. */
#include <bpf/bpf.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "bpfstats.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

static void release(struct bpf_stats_hold *h)
{
	if (!h->held)
		return;
	safe_close(h->fd);
	h->fd = -1;
	h->held = false;
}

static void on_idle(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	log_info("no BPF statistics read for %d s: run-time statistics off", BPF_STATS_IDLE_RELEASE_SEC);
	release(&m->bpf_stats);
}

int bpfstats_want(struct manager *m)
{
	struct bpf_stats_hold *h = &m->bpf_stats;
	struct timeval tv = { .tv_sec = BPF_STATS_IDLE_RELEASE_SEC };

	if (!h->release_ev) {
		h->release_ev = evtimer_new(m->base, on_idle, m);
		if (!h->release_ev)
			return -ENOMEM;
	}
	if (!h->held) {
		int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

		if (fd < 0) {
			int r = negative_errno();

			snprintf(h->error, sizeof(h->error), "BPF_ENABLE_STATS refused: %s", strerror(-r));
			return r;
		}
		h->fd = fd;
		h->held = true;
		h->since_ns = now_mono_ns();
		h->error[0] = 0;
		log_info("BPF run-time statistics on (released after %d s without a read)",
			 BPF_STATS_IDLE_RELEASE_SEC);
	}
	/* Adding a pending timer moves its deadline. */
	if (event_add(h->release_ev, &tv) < 0)
		return -ENOMEM;
	return 0;
}

int bpfstats_describe(const struct manager *m, bool just_enabled, json_t *o)
{
	const struct bpf_stats_hold *h = &m->bpf_stats;
	int r = 0;

	r |= json_object_set_new(o, "stats_enabled", json_boolean(h->held));
	r |= json_object_set_new(o, "stats_since_s",
				 h->held ? json_real((double)((now_mono_ns() - h->since_ns) / 1000000) / 1e3)
					 : json_null());
	r |= json_object_set_new(o, "stats_release_after_s", json_integer(BPF_STATS_IDLE_RELEASE_SEC));
	if (!h->held)
		r |= json_object_set_new(o, "stats_reason",
					 json_string(h->error[0] ? h->error
								 : "off: read with enable_stats=true to turn "
								   "run-time statistics on"));
	else if (just_enabled)
		r |= json_object_set_new(
		    o, "stats_note",
		    json_string("statistics were off until this read: run counts grow from "
				"now on, read again in a moment"));
	return r ? -ENOMEM : 0;
}

void bpfstats_free(struct manager *m)
{
	release(&m->bpf_stats);
	if (m->bpf_stats.release_ev) {
		event_free(m->bpf_stats.release_ev);
		m->bpf_stats.release_ev = NULL;
	}
}
