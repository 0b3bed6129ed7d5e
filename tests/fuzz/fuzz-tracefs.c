/* fuzz-tracefs.c: libFuzzer target for the tracefs catalogs (available_events, available_filter_functions).
 *
 * Input: a query line "FLAGS\tSUBSYSTEM\tFILTER\tOFFSET\tLIMIT\n", then the catalog file's text.
 * FLAGS: 'k' reads it as available_filter_functions (else available_events), 'd' puts it under
 * the old debugfs location, 'u' says kprobes are unavailable, 's' and 'f' pass SUBSYSTEM and
 * FILTER, 'm' caps the file at 1 KiB. Checked: the answer is JSON that loads back equal; a page
 * holds exactly the matching lines from offset, at most limit of them; every listed event or
 * function passes the subsystem and filter asked for, with names free of blanks and ':'; the
 * per-subsystem counts add up to the total; a refusal has a message. */
#include <inttypes.h>

#include "fuzz-util.h"
#include "tracefs.h"

static bool token_ok(const char *s)
{
	return s && *s && !strpbrk(s, ": \t\n[]");
}

static void check_page(const json_t *o, const struct tracefs_query *q, size_t listed)
{
	json_int_t total = json_integer_value(json_object_get(o, "total"));
	uint64_t want = 0;

	FUZZ_CHECK(total >= 0);
	if ((uint64_t)total > q->page.offset)
		want = (uint64_t)total - q->page.offset < q->page.limit ? (uint64_t)total - q->page.offset
									: q->page.limit;
	FUZZ_CHECK(listed == want);
}

static void check_events(const json_t *o, const struct tracefs_query *q)
{
	const json_t *events = json_object_get(o, "events"), *subs = json_object_get(o, "subsystems"), *e, *v;
	json_int_t sum = 0;
	const char *key;
	size_t i;

	FUZZ_CHECK(json_is_array(events));
	check_page(o, q, json_array_size(events));
	json_array_foreach ((json_t *)events, i, e) {
		const char *s = json_string_value(json_object_get(e, "subsystem"));
		const char *ev = json_string_value(json_object_get(e, "event"));
		char both[TRACEFS_MAX_LINE + 2];

		FUZZ_CHECK(token_ok(s) && ev && *ev && !strpbrk(ev, " \t\n"));
		FUZZ_CHECK(!q->subsystem || strcmp(q->subsystem, s) == 0);
		snprintf(both, sizeof(both), "%s:%s", s, ev);
		FUZZ_CHECK(!q->filter || strcasestr(both, q->filter));
	}
	FUZZ_CHECK(!subs == !!q->subsystem);
	json_object_foreach ((json_t *)subs, key, v) {
		FUZZ_CHECK(token_ok(key) && json_integer_value(v) > 0);
		sum += json_integer_value(v);
	}
	FUZZ_CHECK(!subs || sum == json_integer_value(json_object_get(o, "total")));
}

static void check_functions(const json_t *o, const struct tracefs_query *q)
{
	const json_t *functions = json_object_get(o, "functions"), *e;
	size_t i;

	FUZZ_CHECK(json_is_array(functions));
	check_page(o, q, json_array_size(functions));
	json_array_foreach ((json_t *)functions, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const json_t *m = json_object_get(e, "module");

		FUZZ_CHECK(token_ok(name) && (!m || token_ok(json_string_value(m))));
		FUZZ_CHECK(!q->filter || strcasestr(name, q->filter) ||
			   (m && strcasestr(json_string_value(m), q->filter)));
	}
}

/* A query value as a client's JSON could carry it: valid UTF-8, at most 256 bytes. */
static const char *arg(const char *s, bool given)
{
	json_t *j = given ? json_string(s) : NULL;

	json_decref(j);
	return j && strlen(s) <= 256 ? s : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cut(&data, &size, '\n'), *fields[5] = {0}, *p = line, root[300], *err = NULL;
	struct tracefs_query q = {.page = {.limit = 100}};
	bool functions;
	json_t *o = NULL;
	int r;

	for (int i = 0; i < 5; i++)
		fields[i] = p ? strsep(&p, "\t") : NULL;
	functions = strchr(fields[0], 'k');
	q.subsystem = functions ? NULL : arg(fields[1] ?: "", strchr(fields[0], 's'));
	q.filter = arg(fields[2] ?: "", strchr(fields[0], 'f'));
	if (fields[3])
		q.page.offset = strtoull(fields[3], NULL, 10) % (PAGE_OFFSET_MAX + 1);
	if (fields[4])
		q.page.limit = strtoull(fields[4], NULL, 10) % (PAGE_LIMIT_MAX + 1);
	q.max_bytes = strchr(fields[0], 'm') ? 1024 : 0;

	snprintf(root, sizeof(root), "%s/root", fuzz_scratch());
	fuzz_write_file(root,
			strchr(fields[0], 'd')
			    ? (functions ? "sys/kernel/debug/tracing/available_filter_functions"
					 : "sys/kernel/debug/tracing/available_events")
			    : (functions ? "sys/kernel/tracing/available_filter_functions"
					 : "sys/kernel/tracing/available_events"),
			data, size);
	if (functions)
		r = tracefs_functions(root, strchr(fields[0], 'u') ? "no kprobes here" : NULL, &q, &o, &err);
	else
		r = tracefs_events(root, &q, &o, &err);
	if (r < 0) {
		FUZZ_CHECK(!o && err && (r == -EINVAL || r == -EFBIG || r == -EBADMSG));
		free(err);
	} else {
		FUZZ_CHECK(!err);
		fuzz_check_json(o);
		if (json_is_true(json_object_get(o, "available")))
			(functions ? check_functions : check_events)(o, &q);
		else
			FUZZ_CHECK(json_is_string(json_object_get(o, "reason")));
	}
	json_decref(o);
	fuzz_rm_tree(root);
	free(line);
	return 0;
}
