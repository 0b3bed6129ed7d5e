/* json-util.h: jansson cleanup helpers, typed getters that check before use, JSON text checked and printed fast. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
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

/* Containers nested deeper than this are refused, as jansson's parser refuses them. */
#define JSON_TEXT_MAX_DEPTH 2048

/* Checks, without building anything, that text[0..len) is one JSON object or
 * array (RFC 8259) that jansson would accept: valid UTF-8, no control
 * characters or \u0000 in strings, surrogate escapes in pairs, at most
 * JSON_TEXT_MAX_DEPTH deep. Unlike jansson it does not refuse integers past
 * 64 bits or reals past a double, and it refuses a NUL byte between tokens,
 * which jansson skips. 0 or -EINVAL. */
int json_text_check(const char *text, size_t len);

/* Printing s[0..len) (valid UTF-8) as a JSON string, quotes included, byte
 * for byte as json_dump_compact() prints it: the size, and the printing into
 * dst (which must hold that size; returns the end). For long strings: jansson
 * escapes a byte at a time. */
size_t json_string_printed_size(const char *s, size_t len);
char *json_string_print(char *dst, const char *s, size_t len);

/* Serializes compactly; NULL on allocation failure. */
char *json_dump_compact(const json_t *j, size_t *ret_len);
