/* tracefs.c: streams tracefs' available_events and available_filter_functions into paged, filtered lists. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "json-util.h"
#include "macro.h"
#include "tracefs.h"

/* Bounds the subsystem table a corrupt file could grow; kernels have ~100. */
#define MAX_SUBSYSTEMS 10000

/* The tracefs directory: ROOT/sys/kernel/tracing, else the older
 * ROOT/sys/kernel/debug/tracing; either counts when it holds available_events
 * or the file asked for. */
static int tracefs_dir(const char *root, const char *file, char *buf, size_t size)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char probe[600];

	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		snprintf(buf, size, "%s%s", root, dirs[i]);
		snprintf(probe, sizeof(probe), "%s/%s", buf, file);
		if (access(probe, F_OK) == 0)
			return 0;
		snprintf(probe, sizeof(probe), "%s/available_events", buf);
		if (access(probe, F_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static const char *errno_hint(int r)
{
	/* Root being refused a tracefs file is the lockdown LSM at work. */
	return r == -EPERM && geteuid() == 0 ? " (the kernel is locked down: see kernel_lockdown(7))" : "";
}

static bool is_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]) || s[i] == ':' || s[i] == '[' || s[i] == ']')
			return false;
	return true;
}

static bool matches(const char *filter, const char *a, const char *b)
{
	return !filter || strcasestr(a, filter) || (b && strcasestr(b, filter));
}

/* Calls fn for every line of the file (without its newline), enforcing the size
 * bound; lines over TRACEFS_MAX_LINE are counted in *skipped instead. */
static int for_each_line(FILE *f, const char *path, uint64_t max_bytes,
			 int (*fn)(char *line, size_t len, void *ud), void *ud, unsigned *skipped,
			 char **ret_error)
{
	_cleanup_free_ char *line = NULL;
	uint64_t total = 0;
	size_t cap = 0;
	ssize_t n;

	while ((errno = 0, n = getline(&line, &cap, f)) >= 0) {
		int r;

		total += (uint64_t)n;
		if (total > max_bytes)
			return errmsg_set(ret_error, -EFBIG,
					  "%s is larger than %llu MiB; refusing to parse it", path,
					  (unsigned long long)(max_bytes >> 20));
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		if (n == 0)
			continue;
		if ((size_t)n > TRACEFS_MAX_LINE || strlen(line) != (size_t)n) {
			(*skipped)++;
			continue;
		}
		r = fn(line, (size_t)n, ud);
		if (r < 0)
			return r;
		if (r == 0)
			(*skipped)++;
	}
	if (ferror(f))
		return errmsg_set(ret_error, errno ? -errno : -EIO, "reading %s failed: %s", path,
				  strerror(errno ? errno : EIO));
	return 0;
}

/* ---- available_events ---- */

struct events_walk {
	const struct tracefs_query *q;
	json_t *known;	  /* subsystem -> all its events */
	json_t *matching; /* subsystem -> events that pass the filter */
	json_t *events;
	uint64_t total;
};

static int count_in(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (v)
		return json_integer_set(v, json_integer_value(v) + 1);
	if (json_object_size(o) >= MAX_SUBSYSTEMS)
		return -E2BIG;
	return json_object_set_new(o, key, json_integer(1)) < 0 ? -ENOMEM : 0;
}

/* 1 for a used line, 0 for a malformed one, negative on error. */
static int event_line(char *line, size_t len, void *ud)
{
	struct events_walk *w = ud;
	char *colon = strchr(line, ':');
	const char *subsys, *event;
	int r;

	if (!colon || !is_token(line, (size_t)(colon - line)) ||
	    !is_token(colon + 1, len - (size_t)(colon - line) - 1))
		return 0;
	*colon = 0;
	subsys = line;
	event = colon + 1;
	r = count_in(w->known, subsys);
	if (r < 0)
		return r;
	if (w->q->subsystem && strcmp(w->q->subsystem, subsys) != 0)
		return 1;
	*colon = ':';
	if (!matches(w->q->filter, line, NULL))
		return 1;
	*colon = 0;
	if (!w->q->subsystem) {
		r = count_in(w->matching, subsys);
		if (r < 0)
			return r;
	}
	if (page_contains(&w->q->page, w->total) &&
	    json_array_append_new(w->events, json_pack("{s:s, s:s}", "subsystem", subsys, "event", event)) <
		0)
		return -ENOMEM;
	w->total++;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of o, sorted; the strings belong to o. */
static const char **sorted_keys(json_t *o)
{
	const char **keys = calloc(json_object_size(o) + 1, sizeof(char *));
	const char *k;
	size_t n = 0;
	json_t *v;

	if (!keys)
		return NULL;
	json_object_foreach (o, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(char *), cmp_str);
	return keys;
}

static int unknown_subsystem(json_t *known, const char *name, char **ret_error)
{
	_cleanup_free_ const char **keys = sorted_keys(known);
	_cleanup_free_ char *list = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t size = 0;

	if (!keys)
		return -ENOMEM;
	f = open_memstream(&list, &size);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; keys[i]; i++)
		fprintf(f, "%s%s", i ? ", " : "", keys[i]);
	if (fclose(TAKE_PTR(f)) != 0)
		return -ENOMEM;
	return errmsg_set(ret_error, -EINVAL, "unknown subsystem '%s'; the known subsystems are: %s", name,
			  list[0] ? list : "(none)");
}

static json_t *sorted_copy(json_t *o)
{
	_cleanup_free_ const char **keys = sorted_keys(o);
	json_t *s = json_object();

	if (!keys || !s) {
		json_decref(s);
		return NULL;
	}
	for (size_t i = 0; keys[i]; i++)
		json_object_set(s, keys[i], json_object_get(o, keys[i]));
	return s;
}

static json_t *unavailable(const char *fmt, ...) _printf_(1, 2);
static json_t *unavailable(const char *fmt, ...)
{
	_cleanup_free_ char *reason = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&reason, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	return json_pack("{s:b, s:s}", "available", 0, "reason", reason);
}

static int open_catalog(const char *root, const char *file, const char *config, char *path, size_t size,
			FILE **ret_f, json_t **ret_unavailable)
{
	char dir[512];
	FILE *f;
	int r;

	*ret_f = NULL;
	*ret_unavailable = NULL;
	r = tracefs_dir(root, file, dir, sizeof(dir));
	snprintf(path, size, "%s/%s", r < 0 ? "(tracefs)" : dir, file);
	if (r < 0) {
		*ret_unavailable =
		    unavailable("tracefs is not mounted: found neither %s/sys/kernel/tracing/%s nor "
				"%s/sys/kernel/debug/tracing/%s",
				root, file, root, file);
		return *ret_unavailable ? 0 : -ENOMEM;
	}
	f = fopen(path, "re");
	if (!f) {
		r = negative_errno();
		if (r == -ENOENT)
			*ret_unavailable =
			    unavailable("this kernel has no %s (built without %s)", path, config);
		else
			*ret_unavailable =
			    unavailable("cannot read %s: %s%s", path, strerror(-r), errno_hint(r));
		return *ret_unavailable ? 0 : -ENOMEM;
	}
	*ret_f = f;
	return 0;
}

int tracefs_events(const char *root, const struct tracefs_query *q, json_t **ret, char **ret_error)
{
	struct events_walk w = { .q = q };
	_cleanup_json_ json_t *known = json_object(), *matching = json_object(), *o = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	unsigned skipped = 0;
	char path[600];
	int r;

	if (!known || !matching)
		return -ENOMEM;
	r = open_catalog(root, "available_events", "CONFIG_EVENT_TRACING", path, sizeof(path), &f, &o);
	if (r < 0)
		return r;
	if (o) {
		*ret = TAKE_PTR(o);
		return 0;
	}
	o = json_pack("{s:b, s:s}", "available", 1, "source", path);
	w.known = known;
	w.matching = matching;
	w.events = json_array();
	if (!o || !w.events) {
		json_decref(w.events);
		return -ENOMEM;
	}
	if (q->subsystem)
		json_object_set_new(o, "subsystem", json_string(q->subsystem));
	if (q->filter)
		json_object_set_new(o, "filter", json_string(q->filter));
	r = for_each_line(f, path, q->max_bytes ? q->max_bytes : TRACEFS_MAX_BYTES, event_line, &w, &skipped,
			  ret_error);
	if (r == -E2BIG)
		r = errmsg_set(ret_error, -EBADMSG, "%s names more than %d subsystems; refusing it", path,
			       MAX_SUBSYSTEMS);
	if (r == 0 && q->subsystem && !json_object_get(known, q->subsystem))
		r = unknown_subsystem(known, q->subsystem, ret_error);
	if (r < 0) {
		json_decref(w.events);
		return r;
	}
	r = page_to_json(&q->page, w.total, o);
	if (r == 0 && !q->subsystem)
		r = json_object_set_new(o, "subsystems", sorted_copy(matching));
	if (r == 0)
		r = json_object_set_new(o, "events", w.events);
	else
		json_decref(w.events);
	if (r == 0)
		r = json_object_set_new(o, "skipped_lines", json_integer(skipped));
	if (r < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

/* ---- available_filter_functions ---- */

struct functions_walk {
	const struct tracefs_query *q;
	json_t *functions;
	uint64_t total;
};

static int function_line(char *line, size_t len, void *ud)
{
	struct functions_walk *w = ud;
	char *p = line, *module = NULL;
	size_t name_len = strcspn(line, " \t");
	json_t *e;

	if (!is_token(line, name_len))
		return 0;
	p = line + name_len;
	if (*p) {
		*p++ = 0;
		p += strspn(p, " \t");
		/* "[module]" */
		if (*p) {
			size_t n = strlen(p);

			while (n > 0 && isspace((unsigned char)p[n - 1]))
				p[--n] = 0;
			if (n < 3 || p[0] != '[' || p[n - 1] != ']' || !is_token(p + 1, n - 2))
				return 0;
			p[n - 1] = 0;
			module = p + 1;
		}
	}
	if (!matches(w->q->filter, line, module))
		return 1;
	if (page_contains(&w->q->page, w->total)) {
		e = module ? json_pack("{s:s, s:s}", "name", line, "module", module)
			   : json_pack("{s:s}", "name", line);
		if (json_array_append_new(w->functions, e) < 0)
			return -ENOMEM;
	}
	w->total++;
	return 1;
}

int tracefs_functions(const char *root, const char *kprobe_unavailable, const struct tracefs_query *q,
		      json_t **ret, char **ret_error)
{
	struct functions_walk w = { .q = q };
	_cleanup_json_ json_t *o = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	unsigned skipped = 0;
	char path[600];
	int r;

	r = open_catalog(root, "available_filter_functions", "CONFIG_DYNAMIC_FTRACE", path, sizeof(path), &f,
			 &o);
	if (r < 0)
		return r;
	if (kprobe_unavailable) {
		/* Listing what cannot be probed would mislead: say why instead. */
		const char *problem = json_string_value(json_object_get(o, "reason"));
		json_t *u =
		    unavailable("kprobes cannot be attached on this kernel: %s%s%s", kprobe_unavailable,
				problem ? "; besides, " : "", problem ? problem : "");

		json_decref(o);
		o = u;
		if (!o)
			return -ENOMEM;
		json_object_set_new(o, "source", json_string(path));
		json_object_set_new(o, "source_readable", json_boolean(f != NULL));
		*ret = TAKE_PTR(o);
		return 0;
	}
	if (o) {
		*ret = TAKE_PTR(o);
		return 0;
	}
	o = json_pack("{s:b, s:s}", "available", 1, "source", path);
	w.functions = json_array();
	if (!o || !w.functions) {
		json_decref(w.functions);
		return -ENOMEM;
	}
	if (q->filter)
		json_object_set_new(o, "filter", json_string(q->filter));
	r = for_each_line(f, path, q->max_bytes ? q->max_bytes : TRACEFS_MAX_BYTES, function_line, &w,
			  &skipped, ret_error);
	if (r < 0) {
		json_decref(w.functions);
		return r;
	}
	r = page_to_json(&q->page, w.total, o);
	if (r == 0)
		r = json_object_set_new(o, "functions", w.functions);
	else
		json_decref(w.functions);
	if (r == 0)
		r = json_object_set_new(o, "skipped_lines", json_integer(skipped));
	if (r < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}
