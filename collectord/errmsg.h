/* errmsg.h: sets the message a failed READ returns beside its negative errno. */
#pragma once

#include <stdarg.h>
#include <stdio.h>

#include "macro.h"

/* Returns r, so a reader can `return errmsg_set(ret_error, -EINVAL, "...")`.
 * A failed allocation leaves *ret_error NULL: the caller then shows strerror(r). */
static inline int errmsg_set(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static inline int errmsg_set(char **ret_error, int r, const char *fmt, ...)
{
	va_list ap;

	if (!ret_error)
		return r;
	va_start(ap, fmt);
	if (vasprintf(ret_error, fmt, ap) < 0)
		*ret_error = NULL;
	va_end(ap);
	return r;
}
