/* procfs.h: bounded reads of /proc files under a root that tests redirect, and strict number parsing. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Reads ROOT/PATH whole into a NUL-terminated buffer ("" root: the running
 * system). A file larger than max bytes is -EFBIG, never cut short; a NUL
 * inside the text is -EINVAL. *ret is untouched on failure. */
int procfs_read(const char *root, const char *path, size_t max, char **ret, size_t *ret_len);

/* Parses the unsigned decimal number at *p: digits only (no sign, no
 * blanks, no base prefix). -EINVAL when *p is not a digit, -ERANGE when it
 * does not fit in 64 bits. Advances *p past the digits on success. */
int parse_u64_at(const char **p, uint64_t *ret);

/* Skips blanks (spaces and tabs, never a newline). */
const char *skip_blanks(const char *p);

/* The kernel ends every line of these files with '\n'; text that does not is
 * a cut-off read. 0, or -EINVAL for empty or unterminated text. */
int text_check_terminated(const char *text, size_t len);

/* How much of the text at p to quote in a message: up to 16 characters of its line. */
static inline int snippet_len(const char *p)
{
	size_t n = 0;

	while (n < 16 && p[n] && p[n] != '\n')
		n++;
	return (int)n;
}
