/* procfs.h: bounded reads of kernel files under a root tests redirect, and strict parsing of their text. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "errmsg.h"
#include "macro.h"

/* ---- reading: a file that does not fit is -EFBIG, never cut short; a NUL inside is -EINVAL ---- */

/* Reads the file at path, relative to dirfd (AT_FDCWD: as it is), whole into
 * buf: at most size-1 bytes, then a NUL. */
int read_file_at(int dirfd, const char *path, char *buf, size_t size);

/* read_file_at(AT_FDCWD, ...) with one trailing newline stripped. */
int read_small_file(const char *path, char *buf, size_t size);

/* read_small_file() then parse_u64(). */
int read_u64_file(const char *path, uint64_t *ret);

/* Reads ROOT/PATH whole into a new NUL-terminated buffer (NULL or "" root:
 * PATH as it is), growing it as it reads since /proc files report size 0.
 * At most max bytes. *ret is untouched on failure. */
int procfs_read(const char *root, const char *path, size_t max, char **ret, size_t *ret_len);

/* Defines `int NAME_read(const char *root, TYPE *ret, char **ret_error)`:
 * ROOT/PATH read whole (at most MAX bytes) and parsed by NAME_parse(); the
 * message of a failure names the file. */
#define DEFINE_PROCFS_READ(name, type, path, max)                                                        \
	int name##_read(const char *root, type *ret, char **ret_error)                                   \
	{                                                                                                \
		_cleanup_free_ char *_text = NULL, *_error = NULL;                                       \
		int _r = procfs_read(root, path, max, &_text, NULL);                                     \
                                                                                                         \
		if (_r < 0)                                                                              \
			return errmsg_set(ret_error, _r, "reading %s%s: %s", root, path, strerror(-_r)); \
		_r = name##_parse(_text, ret, &_error);                                                  \
		if (_r < 0)                                                                              \
			return errmsg_set(ret_error, _r, "%s%s: %s", root, path,                         \
					  _error ? _error : strerror(-_r));                              \
		return 0;                                                                                \
	}

/* ---- parsing ---- */

/* Parses the unsigned decimal number at *p: digits only (no sign, no
 * blanks, no base prefix). -EINVAL when *p is not a digit, -ERANGE when it
 * does not fit in 64 bits. Advances *p past the digits on success. */
int parse_u64_at(const char **p, uint64_t *ret);

/* A whole string that is an unsigned decimal number, as parse_u64_at(). */
int parse_u64(const char *s, uint64_t *ret);

/* A whole string that is an optional '-' then digits; -ERANGE outside int64_t. */
int parse_i64(const char *s, int64_t *ret);

/* The numbers separated by blanks from p up to eol, the first max stored in v.
 * Returns how many there are (beyond max: counted, not stored), or a negative
 * errno with *ret_bad at the text that is not a number and *ret_index
 * (may be NULL) its position. */
int parse_u64_list(const char *p, const char *eol, uint64_t *v, unsigned max, const char **ret_bad,
		   unsigned *ret_index);

/* "NAME:" after optional blanks, NAME free of blanks and ':' and shorter than
 * size (with its NUL). Copies NAME to name and returns the text after the
 * colon; NULL when the line is not so. */
const char *parse_label(const char *p, const char *eol, char *name, size_t size);

/* Skips blanks (spaces and tabs, never a newline). */
const char *skip_blanks(const char *p);

/* The kernel ends every line of its text files with '\n'; text that does not
 * is a cut-off read. 0, or -EINVAL with the message for empty or unterminated text. */
int text_check_lines(const char *text, char **ret_error);

/* How much of the text at p to quote in a message: up to 16 characters of its line. */
static inline int snippet_len(const char *p)
{
	size_t n = 0;

	while (n < 16 && p[n] && p[n] != '\n')
		n++;
	return (int)n;
}
