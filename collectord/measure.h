/* measure.h: the measure_switches call: per-CPU context switches over a requested window. */
#pragma once

#include <jansson.h>

struct call;

int measure_switches_start(struct call *c, const json_t *args, char **ret_error);
void measure_switches_cancel(struct call *c);
