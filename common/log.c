/* log.c: leveled logging; picks the journal when stderr is connected to it. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "log.h"

static struct {
	const char *ident;
	int max_level;
	enum log_target target;
} log_state = { "schedmcp", LOG_INFO, LOG_TARGET_STDERR };

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit",
	[LOG_ERR] = "error",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

/* systemd sets JOURNAL_STREAM to the dev:ino of the stream it connected. */
static int stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_setup(const char *ident, int max_level)
{
	log_state.ident = ident;
	log_state.max_level = max_level;
	log_state.target = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
}

void log_set_max_level(int level)
{
	if (level >= LOG_EMERG && level <= LOG_DEBUG)
		log_state.max_level = level;
}

int log_get_max_level(void)
{
	return log_state.max_level;
}

int log_level_from_string(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
		if (level_names[i] && strcmp(level_names[i], s) == 0)
			return (int)i;
	if (strcmp(s, "err") == 0)
		return LOG_ERR;
	if (strcmp(s, "warn") == 0)
		return LOG_WARNING;
	return -EINVAL;
}

const char *log_level_to_string(int level)
{
	if (level < 0 || (size_t)level >= ELEMENTSOF(level_names))
		return "unknown";
	return level_names[level];
}

int log_internal(int level, int r, const char *file, int line, const char *fmt, ...)
{
	int saved = errno;
	char msg[2048];
	va_list ap;

	if (level > log_state.max_level)
		return r;
	if (r < 0)
		errno = -r;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_state.target == LOG_TARGET_JOURNAL)
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%i", level, "CODE_FILE=%s", file,
				"CODE_LINE=%i", line, "SYSLOG_IDENTIFIER=%s", log_state.ident, NULL);
	else
		fprintf(stderr, "%s: %s%s\n", log_state.ident,
			level <= LOG_ERR ? "error: " : level == LOG_WARNING ? "warning: " : "", msg);
	errno = saved;
	return r;
}
