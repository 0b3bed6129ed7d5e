/* probe.h: what the running kernel offers, probed once at start and reported with reasons. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

enum feature {
	FEATURE_BTF,
	FEATURE_TP_BTF,
	FEATURE_RAW_TP,
	FEATURE_RINGBUF,
	FEATURE_SCHED_EXT,
	FEATURE_KPROBE,
	FEATURE_FENTRY,
	FEATURE_HW_PMU,
	FEATURE_PERF_SW,
	FEATURE_BPF_STATS,
	FEATURE_PSI,
	FEATURE_TRACEFS,
	FEATURE_DEBUGFS,
	FEATURE_MAX,
};

struct feature_state {
	bool available;
	char detail[192]; /* why not, or a note such as "mounted by collectord" */
};

struct features {
	struct feature_state f[FEATURE_MAX];
	bool mounted_tracefs;
	bool mounted_debugfs;
};

const char *feature_to_string(enum feature f);

/* Probes every feature. `root` prefixes file paths (tests use a fixture
 * tree); kernel-object probes (BPF, perf) always ask the running kernel.
 * When `mount_missing` is set, tracefs and debugfs are mounted if absent. */
void features_probe(struct features *ret, const char *root, bool mount_missing);

/* {"name": {"available": bool, "reason"|"note": "..."}} */
json_t *features_to_json(const struct features *f);
