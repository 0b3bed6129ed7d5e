/* fileio.h: bounded reads of small kernel files (sysfs, procfs, debugfs) and strict number parsing. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file of at most size-1 bytes into buf and strips one trailing
 * newline. -EFBIG when it does not fit, -EINVAL when it holds a NUL byte. */
int read_small_file(const char *path, char *buf, size_t size);

/* Reads a whole file of at most max bytes into a new NUL-terminated buffer. */
int read_text_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* Decimal digits only (no sign, no blanks, no trailing text); -ERANGE on overflow. */
int parse_u64(const char *s, uint64_t *ret);
/* An optional '-' then digits; -ERANGE outside int64_t. */
int parse_i64(const char *s, int64_t *ret);

/* read_small_file() then parse_u64(). */
int read_u64_file(const char *path, uint64_t *ret);
