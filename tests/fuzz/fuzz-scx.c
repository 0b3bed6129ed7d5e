/* fuzz-scx.c: libFuzzer target for the sched_ext sysfs/debugfs readers and the current-scheduler reader.
 *
 * Input: a text up to the first NUL byte, parsed as /sys/kernel/sched_ext/root/events ("NAME VALUE"
 * lines), as /sys/kernel/debug/sched/ext ("key : value" lines) and as a kernel release; then a
 * tree of "PATH=CONTENT" records separated by NUL bytes, PATH under ROOT (see fuzz-util.h), read
 * by scx_stats_read() (stats://scheduler/scx) and scheduler_current() (scheduler://current).
 * Checked: whatever the files hold, each answer is a JSON object that serializes and loads back
 * equal (only a failed allocation may fail them), event counts are non-negative integers, and the
 * scheduler's class and fair policy are among the documented values. */
#include "fuzz-util.h"
#include "scheduler.h"
#include "scx.h"

static void check_texts(const char *text)
{
	const char *policy = fair_policy_for_release(text), *key;
	unsigned skipped = 12345;
	json_t *o = NULL, *v;

	FUZZ_CHECK(strcmp(policy, "EEVDF") == 0 || strcmp(policy, "CFS") == 0 ||
		   strcmp(policy, "unknown") == 0);
	FUZZ_CHECK(scx_parse_events(text, &o, &skipped) == 0 && skipped != 12345);
	fuzz_check_json(o);
	json_object_foreach (o, key, v)
		FUZZ_CHECK(*key && json_is_integer(v) && json_integer_value(v) >= 0);
	json_decref(o);
	o = NULL;
	FUZZ_CHECK(scx_parse_debug(text, &o, &skipped) == 0);
	fuzz_check_json(o);
	json_object_foreach (o, key, v)
		FUZZ_CHECK(*key && (json_is_integer(v) || json_is_string(v)));
	json_decref(o);
}

static void check_tree(const char *root)
{
	const char *cls;
	json_t *o = NULL;

	FUZZ_CHECK(scx_stats_read(root, &o) == 0);
	fuzz_check_json(o);
	FUZZ_CHECK(json_is_boolean(json_object_get(o, "available")));
	json_decref(o);
	o = NULL;
	FUZZ_CHECK(scheduler_current(root, &o) == 0);
	fuzz_check_json(o);
	cls = json_string_value(json_object_get(o, "class"));
	FUZZ_CHECK(cls && (strcmp(cls, "sched_ext") == 0 || strcmp(cls, "fair") == 0));
	FUZZ_CHECK(json_is_string(json_object_get(o, "fair_policy")) &&
		   json_is_string(json_object_get(o, "name")));
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cut(&data, &size, 0), root[300];

	check_texts(text);
	free(text);
	snprintf(root, sizeof(root), "%s/root", fuzz_scratch());
	fuzz_tree(root, "", data, size, 64);
	check_tree(root);
	fuzz_rm_tree(root);
	return 0;
}
