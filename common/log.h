/* log.h: leveled logging to stderr or, under systemd, to the journal. */
#pragma once

#include <syslog.h>

#include "macro.h"

enum log_target {
	LOG_TARGET_STDERR,
	LOG_TARGET_JOURNAL,
	LOG_TARGET_MAX,
};

/* Set once at start-up; the only process-wide state outside a daemon's
 * context, because every file logs and threading it through is noise. */
void log_setup(const char *ident, int max_level);
void log_set_max_level(int level);
int log_get_max_level(void);
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/* Returns r (a negative errno) so callers can "return log_error_errno(r, ...)".
 * %m in the format prints strerror(-r). */
int log_internal(int level, int r, const char *file, int line, const char *fmt, ...) _printf_(5, 6);

#define log_full_errno(level, r, ...) log_internal(level, r, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(r, ...) log_full_errno(LOG_DEBUG, r, __VA_ARGS__)
#define log_warning_errno(r, ...) log_full_errno(LOG_WARNING, r, __VA_ARGS__)
#define log_error_errno(r, ...) log_full_errno(LOG_ERR, r, __VA_ARGS__)
