/* json-util.h: jansson cleanup helpers and typed getters that check before use. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* jansson >= 2.9 provides json_decrefp(). */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* Optional typed members: 0 and the value when present and of the right
 * type, -ENOENT when absent, -EINVAL when of the wrong type or out of range. */
int json_get_string(const json_t *obj, const char *key, const char **ret);
int json_get_bool(const json_t *obj, const char *key, bool *ret);
int json_get_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *ret);

/* A JSON string of s, with every byte that does not start a valid UTF-8 sequence
 * replaced by '?': jansson refuses text that is not UTF-8, which would fail the
 * whole message it goes in. NULL only when out of memory. */
json_t *json_string_lossy(const char *s);

/* Serializes compactly; NULL on allocation failure. */
char *json_dump_compact(const json_t *j, size_t *ret_len);
