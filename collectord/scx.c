/* scx.c: reads /sys/kernel/sched_ext and /sys/kernel/debug/sched/ext into typed fields. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "procfs.h"
#include "scx.h"

/* Both files are a few dozen short lines; this is generous. */
#define SCX_TEXT_MAX (64 * 1024)

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static bool is_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* Calls fn on each line of text (a private copy, split in place). */
static int for_each_line(const char *text, int (*fn)(char *line, json_t *o, unsigned *skipped), json_t *o,
			 unsigned *skipped)
{
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int r = fn(line, o, skipped);

		if (r < 0)
			return r;
	}
	return 0;
}

static int event_line(char *line, json_t *o, unsigned *skipped)
{
	char *name = trim(line), *value, *sp;
	uint64_t v;

	if (!*name)
		return 0;
	sp = strpbrk(name, " \t");
	if (!sp) {
		(*skipped)++;
		return 0;
	}
	*sp = 0;
	value = trim(sp + 1);
	if (!is_name(name) || parse_u64(value, &v) < 0 || v > INT64_MAX) {
		(*skipped)++;
		return 0;
	}
	return json_object_set_new(o, name, json_integer((json_int_t)v)) < 0 ? -ENOMEM : 0;
}

static int debug_line(char *line, json_t *o, unsigned *skipped)
{
	char *colon = strchr(line, ':'), *key, *value;
	json_t *k;
	int64_t v;
	int r;

	if (!*trim(line))
		return 0;
	if (!colon) {
		(*skipped)++;
		return 0;
	}
	*colon = 0;
	key = trim(line);
	value = trim(colon + 1);
	if (!*key) {
		(*skipped)++;
		return 0;
	}
	/* JSON holds UTF-8 only: a key or value that is not goes in lossily, rather than failing
	 * the whole read as out of memory (found by fuzz-scx). */
	k = json_string_lossy(key);
	if (!k)
		return -ENOMEM;
	r = json_object_set_new(o, json_string_value(k),
				parse_i64(value, &v) == 0 ? json_integer(v) : json_string_lossy(value));
	json_decref(k);
	return r < 0 ? -ENOMEM : 0;
}

static int parse_with(const char *text, int (*fn)(char *, json_t *, unsigned *), json_t **ret,
		      unsigned *ret_skipped)
{
	json_t *o = json_object();
	unsigned skipped = 0;
	int r;

	if (!o)
		return -ENOMEM;
	r = for_each_line(text, fn, o, &skipped);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = o;
	*ret_skipped = skipped;
	return 0;
}

int scx_parse_events(const char *text, json_t **ret, unsigned *ret_skipped)
{
	return parse_with(text, event_line, ret, ret_skipped);
}

int scx_parse_debug(const char *text, json_t **ret, unsigned *ret_skipped)
{
	return parse_with(text, debug_line, ret, ret_skipped);
}

static json_t *u64_or_null(const char *root, const char *rel)
{
	char path[512];
	uint64_t v;

	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/%s", root, rel);
	if (read_u64_file(path, &v) < 0 || v > INT64_MAX)
		return json_null();
	return json_integer((json_int_t)v);
}

/* Parses one text file with fn into o[key]; a missing or unreadable file is
 * null, with the reason in o[reason_key] when one is given. */
static int add_parsed_file(json_t *o, const char *path, const char *key, const char *reason_key,
			   int (*parse)(const char *, json_t **, unsigned *), unsigned *skipped)
{
	_cleanup_free_ char *text = NULL;
	json_t *v = NULL;
	unsigned n = 0;
	int r;

	r = procfs_read(NULL, path, SCX_TEXT_MAX, &text, NULL);
	if (r < 0) {
		if (reason_key) {
			char reason[640];

			snprintf(reason, sizeof(reason), "%s: %s", path, strerror(-r));
			json_object_set_new(o, reason_key, json_string(reason));
		}
		return json_object_set_new(o, key, json_null()) < 0 ? -ENOMEM : 0;
	}
	r = parse(text, &v, &n);
	if (r < 0)
		return r;
	*skipped += n;
	return json_object_set_new(o, key, v) < 0 ? -ENOMEM : 0;
}

int scx_stats_read(const char *root, json_t **ret)
{
	char path[512], state[64], ops[128];
	unsigned skipped = 0;
	json_t *o;
	int r;

	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/state", root);
	r = read_small_file(path, state, sizeof(state));
	if (r < 0) {
		char reason[640];

		if (r == -ENOENT)
			snprintf(
			    reason, sizeof(reason),
			    "sched_ext is not available: kernel built without CONFIG_SCHED_CLASS_EXT (no %s)",
			    path);
		else
			snprintf(reason, sizeof(reason), "reading %s failed: %s", path, strerror(-r));
		o = json_pack("{s:b, s:s}", "available", 0, "reason", reason);
		goto done;
	}

	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/root/ops", root);
	if (read_small_file(path, ops, sizeof(ops)) < 0)
		ops[0] = 0;
	/* state and ops lossily: a byte that is not UTF-8 must not fail the read (found by fuzz-scx). */
	o = json_pack("{s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "available", 1, "state",
		      json_string_lossy(state), "ops", ops[0] ? json_string_lossy(ops) : json_null(),
		      "switch_all", u64_or_null(root, "switch_all"), "nr_rejected",
		      u64_or_null(root, "nr_rejected"), "hotplug_seq", u64_or_null(root, "hotplug_seq"),
		      "enable_seq", u64_or_null(root, "enable_seq"));
	if (!o)
		return -ENOMEM;
	/* switch_all is a flag in sysfs ("0"/"1"): shown as one. */
	if (json_is_integer(json_object_get(o, "switch_all")))
		json_object_set_new(o, "switch_all",
				    json_boolean(json_integer_value(json_object_get(o, "switch_all")) != 0));

	/* events and root/ exist only while a scheduler is attached (6.15+ for events). */
	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/root/events", root);
	r = add_parsed_file(o, path, "events", NULL, scx_parse_events, &skipped);
	if (r < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/sys/kernel/debug/sched/ext", root);
	r = add_parsed_file(o, path, "debug", "debug_reason", scx_parse_debug, &skipped);
	if (r < 0)
		goto fail;
	if (skipped)
		json_object_set_new(o, "skipped_lines", json_integer(skipped));
done:
	if (!o)
		return -ENOMEM;
	*ret = o;
	return 0;
fail:
	json_decref(o);
	return r;
}
