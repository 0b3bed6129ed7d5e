/* procfs.c: bounded reads of kernel files under a root tests redirect, and strict parsing of their text. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "procfs.h"

/* read(2) again after a signal; a negative errno on failure. */
static ssize_t read_retry(int fd, char *p, size_t len)
{
	for (;;) {
		ssize_t k = read(fd, p, len);

		if (k >= 0)
			return k;
		if (errno != EINTR)
			return negative_errno();
	}
}

/* Reads fd to its end into *buf, of *size bytes with room for the NUL it
 * adds; a growable buffer is doubled up to max bytes of text. Once the
 * buffer is full, any byte more makes the file too large. */
static int read_to_end(int fd, char **buf, size_t *size, size_t max, bool growable, size_t *ret_len)
{
	size_t n = 0;

	for (;;) {
		ssize_t k;

		if (n == *size - 1 && growable && MIN(n * 2, max) > n) {
			size_t nsize = MIN(n * 2, max) + 1;
			char *nbuf = realloc(*buf, nsize);

			if (!nbuf)
				return -ENOMEM;
			*buf = nbuf;
			*size = nsize;
		}
		if (n == *size - 1) {
			char more;

			k = read_retry(fd, &more, 1);
			if (k > 0)
				return -EFBIG;
		} else
			k = read_retry(fd, *buf + n, *size - 1 - n);
		if (k < 0)
			return (int)k;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	(*buf)[n] = '\0';
	if (memchr(*buf, '\0', n))
		return -EINVAL;
	*ret_len = n;
	return 0;
}

int read_file_at(int dirfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t n;

	if (fd < 0)
		return negative_errno();
	return read_to_end(fd, &buf, &size, size - 1, false, &n);
}

int read_small_file(const char *path, char *buf, size_t size)
{
	int r = read_file_at(AT_FDCWD, path, buf, size);
	size_t n;

	if (r < 0)
		return r;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

int read_u64_file(const char *path, uint64_t *ret)
{
	char buf[64];
	int r;

	r = read_small_file(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	return parse_u64(buf, ret);
}

int procfs_read(const char *root, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *full = NULL, *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t size = MIN(16384, max) + 1, n;
	int r;

	if (asprintf(&full, "%s%s", root ? root : "", path) < 0)
		return -ENOMEM;
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	r = read_to_end(fd, &buf, &size, max, true, &n);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = n;
	return 0;
}

int parse_u64_at(const char **p, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	*p = s;
	return 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v;
	int r = parse_u64_at(&s, &v);

	if (r < 0)
		return r;
	if (*s)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_i64(const char *s, int64_t *ret)
{
	bool neg = *s == '-';
	uint64_t v;
	int r = parse_u64(s + neg, &v);

	if (r < 0)
		return r;
	if (v > (uint64_t)INT64_MAX + neg)
		return -ERANGE;
	/* -(INT64_MAX + 1) without overflowing on the way */
	*ret = neg ? -(int64_t)(v - 1) - 1 : (int64_t)v;
	return 0;
}

int parse_u64_list(const char *p, const char *eol, uint64_t *v, unsigned max, const char **ret_bad,
		   unsigned *ret_index)
{
	unsigned n = 0;

	for (;;) {
		uint64_t x;
		int r;

		p = skip_blanks(p);
		if (p == eol)
			return (int)n;
		r = parse_u64_at(&p, &x);
		if (r < 0 || (p != eol && *p != ' ' && *p != '\t')) {
			*ret_bad = p;
			if (ret_index)
				*ret_index = n;
			return r < 0 ? r : -EINVAL;
		}
		if (n < max)
			v[n] = x;
		n++;
	}
}

const char *parse_label(const char *p, const char *eol, char *name, size_t size)
{
	const char *start = skip_blanks(p);
	size_t len;

	/* dev_valid_name() and the softirq names forbid ':' and blanks. */
	for (p = start; p < eol && *p != ':' && *p != ' ' && *p != '\t';)
		p++;
	len = (size_t)(p - start);
	if (p == eol || *p != ':' || len == 0 || len >= size)
		return NULL;
	memcpy(name, start, len);
	name[len] = '\0';
	return p + 1;
}

const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int text_check_lines(const char *text, char **ret_error)
{
	size_t len = strlen(text);

	if (len == 0 || text[len - 1] != '\n')
		return errmsg_set(ret_error, -EINVAL,
				  "empty, or the last line is cut off (no final newline)");
	return 0;
}
