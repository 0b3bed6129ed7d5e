/* analyze.h: the analyze_waker_wakee and analyze_softirq calls: answers over a window of the
 * aggregation ring (who wakes whom, softirq time), at once. */
#pragma once

#include <jansson.h>

struct call;

int analyze_waker_wakee_start(struct call *c, const json_t *args, char **ret_error);
int analyze_softirq_start(struct call *c, const json_t *args, char **ret_error);
