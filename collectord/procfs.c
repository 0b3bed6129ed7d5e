/* procfs.c: bounded reads of /proc files under a root that tests redirect, and strict number parsing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "procfs.h"

int procfs_read(const char *root, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *full = NULL, *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t size = 16384, n = 0;

	if (asprintf(&full, "%s%s", root ? root : "", path) < 0)
		return -ENOMEM;
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	/* /proc files report size 0: read until EOF, growing up to max + 1 so
	 * that a file of exactly max bytes is accepted and a larger one is not. */
	size = MIN(size, max + 1);
	buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k;

		if (n == size) {
			size_t nsize = MIN(size * 2, max + 1);
			char *nbuf;

			if (nsize == size)
				return -EFBIG;
			nbuf = realloc(buf, nsize + 1);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			size = nsize;
		}
		k = read(fd, buf + n, size - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > max)
		return -EFBIG;
	buf[n] = '\0';
	if (memchr(buf, '\0', n))
		return -EINVAL;
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

const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int text_check_terminated(const char *text, size_t len)
{
	if (len == 0 || text[len - 1] != '\n')
		return -EINVAL;
	return 0;
}
