/* render-cache.h: READ answers kept as printed JSON text while what they come from stays the same. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* What an answer was computed from: another stamp means another answer.
 * `source` holds whatever identifies that state (the newest read of a ring
 * and its length, a hash of a sysfs file, ...); an entry also goes stale at
 * expires_ns (CLOCK_MONOTONIC; 0: never). */
struct render_stamp {
	uint64_t source[3];
	uint64_t expires_ns;
};

struct render_cache;

/* At most max_entries answers taking at most max_bytes together. */
int render_cache_new(size_t max_entries, size_t max_bytes, struct render_cache **ret);
void render_cache_free(struct render_cache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct render_cache *, render_cache_free);

/* The text stored under key with this stamp, not yet expired at now_ns;
 * NULL when there is none. Valid until the next render_cache_put(). */
const char *render_cache_get(struct render_cache *c, const char *key, const struct render_stamp *stamp,
			     uint64_t now_ns, size_t *ret_len);

/* Stores text (len bytes, taken over: freed by the cache, at once when it
 * does not fit) under key, replacing what was there, and the least recently
 * used entries when full. 0 stored, 1 too large to keep, or -ENOMEM (text
 * freed). */
int render_cache_put(struct render_cache *c, const char *key, const struct render_stamp *stamp, char *text,
		     size_t len);

/* Entries held, bytes of text they take, hits and misses so far. */
void render_cache_stats(const struct render_cache *c, size_t *ret_entries, size_t *ret_bytes,
			uint64_t *ret_hits, uint64_t *ret_misses);
