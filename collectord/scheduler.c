/* scheduler.c: which scheduler runs the machine: a loaded sched_ext ops, or the fair class and its policy. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "json-util.h"
#include "procfs.h"
#include "scheduler.h"

const char *fair_policy_for_release(const char *release)
{
	unsigned major, minor;

	if (sscanf(release, "%u.%u", &major, &minor) != 2)
		return "unknown";
	/* EEVDF replaced CFS's pick logic in 6.6. */
	return major > 6 || (major == 6 && minor >= 6) ? "EEVDF" : "CFS";
}

/* A fixture tree brings its own release; the running system is asked directly. */
static void kernel_release(const char *root, char *buf, size_t size)
{
	char path[512];
	struct utsname u;

	snprintf(path, sizeof(path), "%s/proc/sys/kernel/osrelease", root);
	if (read_small_file(path, buf, size) == 0 && buf[0])
		return;
	if (!root[0] && uname(&u) == 0) {
		snprintf(buf, size, "%s", u.release);
		return;
	}
	snprintf(buf, size, "unknown");
}

static json_t *sched_ext_json(const char *root, char *ops, size_t ops_size, bool *ret_loaded,
			      bool *ret_switch_all)
{
	char path[512], state[64];
	uint64_t seq, all;
	json_t *o;
	int r;

	*ret_loaded = false;
	*ret_switch_all = false;
	ops[0] = 0;
	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/state", root);
	r = read_small_file(path, state, sizeof(state));
	if (r < 0) {
		char reason[640];

		if (r == -ENOENT)
			snprintf(reason, sizeof(reason),
				 "kernel built without CONFIG_SCHED_CLASS_EXT (no %s)", path);
		else
			snprintf(reason, sizeof(reason), "reading %s failed: %s", path, strerror(-r));
		return json_pack("{s:b, s:s}", "available", 0, "reason", reason);
	}
	/* Text read from files goes in lossily: a byte that is not UTF-8 must not fail the whole
	 * answer as out of memory (found by fuzz-scx). */
	o = json_pack("{s:b, s:o}", "available", 1, "state", json_string_lossy(state));
	if (!o)
		return NULL;

	/* root/ exists only while a scheduler is attached. */
	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/root/ops", root);
	if (read_small_file(path, ops, ops_size) < 0)
		ops[0] = 0;
	json_object_set_new(o, "ops", ops[0] ? json_string_lossy(ops) : json_null());

	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/enable_seq", root);
	json_object_set_new(o, "enable_seq",
			    read_u64_file(path, &seq) == 0 ? json_integer((json_int_t)seq) : json_null());
	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/switch_all", root);
	if (read_u64_file(path, &all) == 0) {
		*ret_switch_all = all != 0;
		json_object_set_new(o, "switch_all", json_boolean(all != 0));
	} else {
		json_object_set_new(o, "switch_all", json_null());
	}
	*ret_loaded = strcmp(state, "enabled") == 0;
	return o;
}

int scheduler_current(const char *root, json_t **ret)
{
	char release[256], ops[128], desc[384];
	bool loaded, switch_all;
	const char *policy;
	json_t *scx, *o;

	kernel_release(root, release, sizeof(release));
	policy = fair_policy_for_release(release);
	scx = sched_ext_json(root, ops, sizeof(ops), &loaded, &switch_all);
	if (!scx)
		return -ENOMEM;

	if (loaded && switch_all)
		snprintf(desc, sizeof(desc), "sched_ext scheduler '%s' is loaded and runs all normal tasks",
			 ops[0] ? ops : "unknown");
	else if (loaded)
		snprintf(desc, sizeof(desc),
			 "sched_ext scheduler '%s' is loaded and runs the tasks with policy SCHED_EXT; "
			 "the others stay in the fair class (%s)",
			 ops[0] ? ops : "unknown", policy);
	else
		snprintf(desc, sizeof(desc), "the kernel's fair class (%s) schedules normal tasks; %s",
			 policy,
			 json_is_true(json_object_get(scx, "available")) ? "no sched_ext scheduler is loaded"
									 : "sched_ext is not available");
	o = json_pack("{s:o, s:s, s:s, s:o, s:o, s:o}", "name",
		      json_string_lossy(loaded && ops[0] ? ops : policy), "class",
		      loaded ? "sched_ext" : "fair", "fair_policy", policy, "kernel",
		      json_string_lossy(release), "description", json_string_lossy(desc), "sched_ext", scx);
	if (!o)
		return -ENOMEM;
	*ret = o;
	return 0;
}
