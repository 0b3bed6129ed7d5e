/* completion.c: complete and check pids and scheduler names, from /proc, /sys and the scx tools installed. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "completion.h"
#include "events-json.h"
#include "json-util.h"
#include "macro.h"

#define PID_MAX_LIMIT 4194304 /* the kernel's ceiling for pid_max */

static char root[256] = "";

void completion_set_root(const char *r)
{
	snprintf(root, sizeof(root), "%s", r ? r : "");
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int completion_pids(const char *argument, const char *prefix, const json_t *context, void *app,
		    json_t *values)
{
	_cleanup_free_ long *pids = NULL;
	size_t n = 0, cap = 0;
	char path[300];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc", root);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!all_digits(de->d_name) || strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (n == cap) {
			long *p = realloc(pids, (cap = cap ? cap * 2 : 256) * sizeof(*pids));

			if (!p) {
				closedir(d);
				return -ENOMEM;
			}
			pids = p;
		}
		pids[n++] = strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	/* No match leaves pids NULL, which qsort may not be given (found by fuzz-schedmcp under UBSan). */
	if (n)
		qsort(pids, n, sizeof(*pids), cmp_long);
	for (size_t i = 0; i < n; i++) {
		char buf[24];

		snprintf(buf, sizeof(buf), "%ld", pids[i]);
		json_array_append_new(values, json_string(buf));
	}
	return 0;
}

int completion_check_pid(const char *value, char *err, size_t err_size)
{
	char path[300];
	long pid;

	if (!all_digits(value) || strlen(value) > 7 || (pid = strtol(value, NULL, 10)) < 1 ||
	    pid > PID_MAX_LIMIT) {
		snprintf(err, err_size, "must be a process id (a whole number from 1 to %d)", PID_MAX_LIMIT);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/proc/%ld", root, pid);
	if (access(path, F_OK) < 0) {
		snprintf(err, err_size,
			 "no process %ld is running (completion/complete offers the running pids)", pid);
		return -EINVAL;
	}
	return 0;
}

/* sched_ext schedulers of the scx project, and the fair class's policies. */
static const char *const known_schedulers[] = {
    "scx_beerland", "scx_bpfland", "scx_central",  "scx_chaos", "scx_cosmos", "scx_flash",  "scx_flatcg",
    "scx_lavd",	    "scx_layered", "scx_mitosis",  "scx_nest",	"scx_p2dq",   "scx_pair",   "scx_prev",
    "scx_qmap",	    "scx_rlfifo",  "scx_rustland", "scx_rusty", "scx_sdt",    "scx_simple", "scx_tickless",
    "scx_userland", "scx_wd40",	   "eevdf",	   "cfs",	NULL,
};

static void add_unique(json_t *values, const char *name, const char *prefix)
{
	size_t i;
	json_t *v;

	if (strncmp(name, prefix, strlen(prefix)) != 0)
		return;
	json_array_foreach (values, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return;
	json_array_append_new(values, json_string(name));
}

/* /sys/kernel/sched_ext/root/ops names the running sched_ext scheduler
 * ("lavd_1.0.x" style names are cut at the first '_' after the first). */
static void add_running(json_t *values, const char *prefix)
{
	char path[300], ops[128] = "";
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/root/ops", root);
	f = fopen(path, "re");
	if (!f || !fgets(ops, sizeof(ops), f))
		return;
	ops[strcspn(ops, "\n")] = '\0';
	if (ops[0]) {
		char name[140];

		snprintf(name, sizeof(name), "%s%s", strncmp(ops, "scx_", 4) == 0 ? "" : "scx_", ops);
		name[strcspn(name + 4, "_") + 4] = '\0';
		add_unique(values, name, prefix);
	}
}

static void add_installed(json_t *values, const char *prefix)
{
	static const char *const dirs[] = {"/usr/bin", "/usr/local/bin", "/usr/sbin", NULL};

	for (const char *const *dir = dirs; *dir; dir++) {
		char path[300];
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s%s", root, *dir);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d)))
			if (strncmp(de->d_name, "scx_", 4) == 0 && strlen(de->d_name) < 64 &&
			    completion_check_scheduler(de->d_name, path, sizeof(path)) == 0)
				add_unique(values, de->d_name, prefix);
		closedir(d);
	}
}

int completion_schedulers(const char *argument, const char *prefix, const json_t *context, void *app,
			  json_t *values)
{
	add_running(values, prefix);
	add_installed(values, prefix);
	for (const char *const *p = known_schedulers; *p; p++)
		add_unique(values, *p, prefix);
	return 0;
}

int completion_check_scheduler(const char *value, char *err, size_t err_size)
{
	size_t n = strlen(value);

	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)value[i]) && value[i] != '_' && value[i] != '-' &&
		    value[i] != '.') {
			snprintf(err, err_size,
				 "a scheduler name has letters, digits, '_', '-' and '.' only (e.g. "
				 "scx_lavd or eevdf)");
			return -EINVAL;
		}
	if (n == 0 || n > 64) {
		snprintf(err, err_size, "must be 1 to 64 characters (e.g. scx_lavd or eevdf)");
		return -EINVAL;
	}
	return 0;
}

/* The items of a comma-separated list already given: ",name," holds name. */
static bool list_has(const char *head, size_t head_len, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = head; p < head + head_len;) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len + 1;
	}
	return false;
}

/* head + value, for each value of `last` (what completes the last item). */
static void list_complete(const char *head, size_t head_len, const json_t *last, json_t *values)
{
	size_t i;
	json_t *v;

	json_array_foreach ((json_t *)last, i, v) {
		char *item;

		if (list_has(head, head_len, json_string_value(v)) ||
		    asprintf(&item, "%.*s%s", (int)head_len, head, json_string_value(v)) < 0)
			continue;
		json_array_append_new(values, json_string(item));
		free(item);
	}
}

static int complete_event_types(const char *prefix, json_t *last)
{
	if (strncmp("all", prefix, strlen(prefix)) == 0)
		json_array_append_new(last, json_string("all"));
	for (unsigned t = 1; t < SCHED_EVENT_TYPE_MAX; t++) {
		const char *name = sched_event_type_name(t);

		if (name && strncmp(name, prefix, strlen(prefix)) == 0)
			json_array_append_new(last, json_string(name));
	}
	return 0;
}

int completion_events_stream(const char *argument, const char *prefix, const json_t *context, void *app,
			     json_t *values)
{
	const char *comma = strrchr(prefix, ',');
	size_t head_len = comma ? (size_t)(comma - prefix) + 1 : 0;
	_cleanup_json_ json_t *last = json_array();
	int r = 0;

	if (!last)
		return -ENOMEM;
	if (strcmp(argument, "types") == 0)
		r = complete_event_types(prefix + head_len, last);
	else if (strcmp(argument, "pids") == 0 || strcmp(argument, "tgids") == 0)
		r = completion_pids(argument, prefix + head_len, context, app, last);
	if (r < 0)
		return r;
	list_complete(prefix, head_len, last, values);
	return 0;
}
