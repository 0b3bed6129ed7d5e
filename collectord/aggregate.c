/* aggregate.c: every interval, read the BPF aggregation maps (schedagg) into the window ring (schedwin). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregate.h"
#include "errmsg.h"
#include "log.h"
#include "schedagg.h"

#define MIN_GAP_NS (100ull * 1000 * 1000)

struct aggregate {
	struct schedagg *agg;
	struct schedwin *win;
	struct event *timer;
	unsigned interval_ms;
	uint64_t reads, failures, last_read_ns;
	bool failing;
};

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int take(struct aggregate *a)
{
	struct agg_read r = { 0 };
	uint64_t t0 = mono_now();
	int k;

	k = schedagg_read(a->agg, &r);
	if (k >= 0)
		k = schedwin_add(a->win, &r);
	agg_read_done(&r);
	a->last_read_ns = mono_now() - t0;
	if (k < 0) {
		a->failures++;
		if (!a->failing)
			log_warning_errno(k, "reading the BPF aggregation maps failed: %m");
		a->failing = true;
		return k;
	}
	if (a->failing)
		log_info("reading the BPF aggregation maps works again");
	a->failing = false;
	a->reads++;
	return 0;
}

static void on_tick(evutil_socket_t fd, short what, void *userdata)
{
	take(userdata);
}

static int arm(struct aggregate *a)
{
	struct timeval tv = { .tv_sec = a->interval_ms / 1000, .tv_usec = (a->interval_ms % 1000) * 1000 };

	return event_add(a->timer, &tv) < 0 ? -ENOMEM : 0;
}

int aggregate_new(struct schedagg *agg, struct event_base *base, unsigned interval_ms, struct aggregate **ret)
{
	struct aggregate *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	a->agg = agg;
	a->interval_ms = interval_ms;
	r = schedwin_new(interval_ms, &a->win);
	if (r < 0)
		goto fail;
	a->timer = event_new(base, -1, EV_PERSIST, on_tick, a);
	if (!a->timer) {
		r = -ENOMEM;
		goto fail;
	}
	take(a); /* a failure is reported by the answers */
	r = arm(a);
	if (r < 0)
		goto fail;
	*ret = a;
	return 0;
fail:
	aggregate_free(a);
	return r;
}

void aggregate_free(struct aggregate *a)
{
	if (!a)
		return;
	if (a->timer)
		event_free(a->timer);
	schedwin_free(a->win);
	free(a);
}

int aggregate_set_interval(struct aggregate *a, unsigned interval_ms)
{
	int r;

	if (interval_ms == a->interval_ms)
		return 0;
	r = schedwin_set_interval(a->win, interval_ms);
	if (r < 0)
		return r;
	a->interval_ms = interval_ms;
	take(a);
	return arm(a);
}

int aggregate_window(struct aggregate *a, struct schedwin **ret, char **ret_error)
{
	while (schedwin_count(a->win) < 2) {
		const struct agg_read *l = schedwin_latest(a->win);
		int r;

		if (l) {
			uint64_t now = mono_now();

			if (now - l->mono_ns < MIN_GAP_NS) {
				uint64_t wait = MIN_GAP_NS - (now - l->mono_ns);
				struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)wait };

				while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
					;
			}
		}
		r = take(a);
		if (r < 0)
			return errmsg_set(ret_error, r, "reading the BPF aggregation maps failed: %s", strerror(-r));
	}
	*ret = a->win;
	return 0;
}

const struct schedwin *aggregate_peek(const struct aggregate *a)
{
	return a->win;
}

void aggregate_stats(const struct aggregate *a, uint64_t *ret_reads, uint64_t *ret_failures,
		     uint64_t *ret_last_read_ns)
{
	*ret_reads = a->reads;
	*ret_failures = a->failures;
	*ret_last_read_ns = a->last_read_ns;
}
