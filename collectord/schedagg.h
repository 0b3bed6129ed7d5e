/* schedagg.h: loader of the always-on scheduler aggregation BPF programs. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct schedagg;

/* Opens, loads and attaches; tp_btf when `prefer_btf`, raw_tp otherwise or
 * when tp_btf fails to load. */
int schedagg_start(bool prefer_btf, struct schedagg **ret);
/* Detaches and frees everything; accepts NULL. */
void schedagg_stop(struct schedagg *s);

/* The attach flavour in use: "tp_btf" or "raw_tp". */
const char *schedagg_attach_kind(const struct schedagg *s);
/* Possible CPUs: the size of per-CPU arrays. */
unsigned schedagg_nr_cpus(const struct schedagg *s);
/* Sum and per-CPU context switch counts since attach. */
int schedagg_switches(const struct schedagg *s, uint64_t *ret_total, uint64_t *per_cpu, unsigned nr_cpus);
/* {"attach": ..., "programs": [{"name","id"}], "sched_switch_count": N, "per_cpu": [...]} */
json_t *schedagg_to_json(const struct schedagg *s);
