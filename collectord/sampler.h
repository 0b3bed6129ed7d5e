/* sampler.h: a ring of timestamped /proc samples taken on a steady timer, and rates over a window of it. */
#pragma once

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>

#include "macro.h"

/* The longest window a reader may ask for; the ring keeps this much. */
#define SAMPLER_MAX_WINDOW_S 60
#define SAMPLER_DEFAULT_WINDOW_S 10
/* A read that finds fewer than two samples takes one now, at least this
 * long after the previous: a shorter window holds too few clock ticks. */
#define SAMPLER_MIN_GAP_NS (100ull * 1000 * 1000)

struct sampler;

/* root prefixes every /proc path ("" for the running system). Takes no
 * sample and arms nothing yet. */
int sampler_new(const char *root, unsigned interval_ms, struct sampler **ret);
void sampler_free(struct sampler *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct sampler *, sampler_free);

/* Takes the first sample now and then one every interval on base's loop. */
int sampler_start(struct sampler *s, struct event_base *base);

/* A new interval (configuration reload): the ring is resized keeping the
 * newest samples, and the timer re-armed. */
int sampler_set_interval(struct sampler *s, unsigned interval_ms);

/* Reads every source under the root and appends the sample with timestamp
 * mono_ns (CLOCK_MONOTONIC; tests pass their own). A source that fails is
 * recorded as failed in that sample; only allocation failure is an error. */
int sampler_take(struct sampler *s, uint64_t mono_ns);

/* Samples in the ring, and its capacity. */
size_t sampler_count(const struct sampler *s);
size_t sampler_capacity(const struct sampler *s);

/* The answers. args is the READ request's argument object (may be NULL).
 * All take window (seconds, 1..60, default 10); cpu and network also take
 * offset and limit (paging.h) over cpus and interfaces. -EINVAL with a
 * message for bad arguments; -EAGAIN (or the read's errno) with a message
 * when no window can be formed because a source fails. */
int sampler_cpu_json(struct sampler *s, const json_t *args, json_t **ret, char **ret_error);
int sampler_memory_json(struct sampler *s, const json_t *args, json_t **ret, char **ret_error);
int sampler_network_json(struct sampler *s, const json_t *args, json_t **ret, char **ret_error);
