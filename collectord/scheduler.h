/* scheduler.h: which scheduler runs the machine (scheduler://current). */
#pragma once

#include <jansson.h>

/* {"name", "class": "sched_ext"|"fair", "fair_policy": "EEVDF"|"CFS"|"unknown",
 *  "kernel", "description",
 *  "sched_ext": {"available": true, "state", "ops", "enable_seq", "switch_all"}
 *             | {"available": false, "reason"}}
 * read under `root` ("" for the running system). */
int scheduler_current(const char *root, json_t **ret);

/* "EEVDF" for Linux >= 6.6, "CFS" before, "unknown" when release does not
 * start with MAJOR.MINOR. */
const char *fair_policy_for_release(const char *release);
