/* config.c: parse collectord.conf ([Section] and Key=Value lines) with a table of keys. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "macro.h"

#define CONFIG_FILE_MAX (64u * 1024u)

struct config_key {
	const char *section;
	const char *key;
	size_t offset;
	unsigned long long min, max;
};

static int parse_unsigned(const char *value, unsigned long long min, unsigned long long max,
			  bool suffixes, unsigned long long *ret, const char **ret_reason)
{
	unsigned long long v, mult = 1;
	char *end;

	if (*value == '-' || *value == '\0') {
		*ret_reason = "expected a non-negative number";
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || end == value) {
		*ret_reason = "expected a number";
		return -EINVAL;
	}
	if (suffixes && *end) {
		switch (*end++) {
		case 'K': mult = 1ULL << 10; break;
		case 'M': mult = 1ULL << 20; break;
		case 'G': mult = 1ULL << 30; break;
		default: end--; break;
		}
	}
	if (*end) {
		*ret_reason = suffixes ? "trailing characters after the number (suffixes: K, M, G)"
				       : "trailing characters after the number";
		return -EINVAL;
	}
	if (v > ULLONG_MAX / mult) {
		*ret_reason = "value out of range";
		return -ERANGE;
	}
	v *= mult;
	if (v < min || v > max) {
		*ret_reason = "value out of range";
		return -ERANGE;
	}
	*ret = v;
	return 0;
}

static const struct config_key config_keys[] = {
	{ "Access", "AdminGroup", offsetof(struct config, admin_group), 0, 0 },
	{ "Limits", "MaxClients", offsetof(struct config, max_clients), 1, 4096 },
	{ "Limits", "MaxRequestsInFlight", offsetof(struct config, max_requests_in_flight), 1, 1024 },
	{ "Limits", "MaxQueuedBytes", offsetof(struct config, max_queued_bytes), 64 * 1024, 1ULL << 30 },
	{ "Limits", "MaxMessageBytes", offsetof(struct config, max_message_bytes), 64 * 1024, 256ULL << 20 },
	{ "Sampling", "IntervalMSec", offsetof(struct config, interval_msec), 100, 60000 },
	{ "Sampling", "HistorySeconds", offsetof(struct config, history_seconds), 10, 86400 },
	{ "Limits", "MaxSubscriptions", offsetof(struct config, max_subscriptions), 1, 64 },
	{ "Tracing", "RingBufferBytes", offsetof(struct config, ring_buffer_bytes), 64 * 1024, 1ULL << 30 },
	{ "Tracing", "MaxTasks", offsetof(struct config, max_tasks), 256, 1u << 20 },
};

void config_defaults(struct config *c)
{
	*c = (struct config){
		.admin_gid = (gid_t)-1,
		.max_clients = 64,
		.max_requests_in_flight = 32,
		.max_queued_bytes = 4u << 20,
		.max_message_bytes = 16u << 20,
		.interval_msec = 1000,
		.history_seconds = 600,
		.max_subscriptions = 4,
		.ring_buffer_bytes = 8u << 20,
		.max_tasks = 16384,
	};
}

static int set_admin_group(struct config *c, const char *value, const char **ret_reason)
{
	struct group *g;

	if (strlen(value) >= sizeof(c->admin_group)) {
		*ret_reason = "group name too long";
		return -EINVAL;
	}
	if (!*value) {
		c->admin_group[0] = 0;
		c->admin_gid = (gid_t)-1;
		return 0;
	}
	g = getgrnam(value);
	if (!g) {
		*ret_reason = "no such group";
		return -ENOENT;
	}
	strcpy(c->admin_group, value);
	c->admin_gid = g->gr_gid;
	return 0;
}

static int set_key(struct config *c, const struct config_key *k, const char *value,
		   const char **ret_reason)
{
	unsigned long long v;
	uint8_t *field = (uint8_t *)c + k->offset;
	bool is_size = k->offset == offsetof(struct config, max_queued_bytes) ||
		       k->offset == offsetof(struct config, max_message_bytes) ||
		       k->offset == offsetof(struct config, ring_buffer_bytes);
	int r;

	if (k->offset == offsetof(struct config, admin_group))
		return set_admin_group(c, value, ret_reason);
	r = parse_unsigned(value, k->min, k->max, is_size, &v, ret_reason);
	if (r < 0)
		return r;
	if (is_size)
		*(size_t *)field = (size_t)v;
	else
		*(unsigned *)field = (unsigned)v;
	return 0;
}

static char *strip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static _printf_(4, 5) int fail(char **ret_error, const char *name, unsigned line, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (ret_error && asprintf(ret_error, "%s:%u: %s", name, line, reason) < 0)
		*ret_error = NULL;
	return -EINVAL;
}

static int parse_line(struct config *c, char *line, char *section, size_t section_size,
		      const char *name, unsigned lineno, char **ret_error)
{
	const char *reason = NULL;
	char *eq, *key, *value;

	line = strip(line);
	if (!*line || *line == '#' || *line == ';')
		return 0;
	if (*line == '[') {
		char *end = strchr(line, ']');

		if (!end || end[1])
			return fail(ret_error, name, lineno, "malformed section header");
		*end = 0;
		for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
			if (strcmp(config_keys[i].section, line + 1) == 0) {
				snprintf(section, section_size, "%s", line + 1);
				return 0;
			}
		return fail(ret_error, name, lineno, "unknown section [%s]", line + 1);
	}
	eq = strchr(line, '=');
	if (!eq)
		return fail(ret_error, name, lineno, "expected Key=Value");
	*eq = 0;
	key = strip(line);
	value = strip(eq + 1);
	if (!*section)
		return fail(ret_error, name, lineno, "%s= outside of a section", key);
	for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		if (strcmp(k->section, section) || strcmp(k->key, key))
			continue;
		if (set_key(c, k, value, &reason) < 0) {
			if (k->max)
				return fail(ret_error, name, lineno, "%s=%s: %s (allowed %llu..%llu)", key,
					    value, reason, k->min, k->max);
			return fail(ret_error, name, lineno, "%s=%s: %s", key, value, reason);
		}
		return 0;
	}
	return fail(ret_error, name, lineno, "unknown key %s= in [%s]", key, section);
}

int config_parse(const char *name, const char *text, struct config *ret, char **ret_error)
{
	_cleanup_free_ char *copy = strdup(text);
	char section[32] = "";
	struct config c = *ret;
	unsigned lineno = 0;
	char *save = NULL, *line, *p;
	int r;

	if (!copy)
		return -ENOMEM;
	/* strtok_r would merge empty lines and miscount; walk by hand. */
	for (p = copy; p; p = save) {
		line = p;
		save = strchr(p, '\n');
		if (save)
			*save++ = 0;
		lineno++;
		r = parse_line(&c, line, section, sizeof(section), name, lineno, ret_error);
		if (r < 0)
			return r;
	}
	*ret = c;
	return 0;
}

int config_load(const char *path, struct config *ret, char **ret_error)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	struct config c;
	size_t n;
	int r;

	config_defaults(&c);
	f = fopen(path, "re");
	if (!f) {
		r = -errno; /* before asprintf(), which may change errno */
		if (r == -ENOENT) {
			*ret = c;
			return 0;
		}
		if (ret_error && asprintf(ret_error, "%s: %m", path) < 0)
			*ret_error = NULL;
		return r;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f))
		return fail(ret_error, path, 0, "read error");
	if (n > CONFIG_FILE_MAX)
		return fail(ret_error, path, 0, "file larger than %u bytes", CONFIG_FILE_MAX);
	if (memchr(buf, 0, n))
		return fail(ret_error, path, 0, "file contains a NUL byte");
	buf[n] = 0;
	r = config_parse(path, buf, &c, ret_error);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}
