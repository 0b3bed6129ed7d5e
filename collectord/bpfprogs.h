/* bpfprogs.h: every BPF program loaded on the machine, with its run-time statistics (bpf://programs). */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "paging.h"

/* Walks every program id; for those in the page, fills
 * {"id", "name", "type", "tag", "sched_ext"?, "attach"?: {"kind", "target"},
 *  "run_cnt", "run_time_ns", "ns_per_run", "recursion_misses", "verified_insns",
 *  "memlock_bytes", "loaded_at", "loaded_s_ago", "uid", "nr_maps"}.
 * run_cnt and run_time_ns only grow while BPF_ENABLE_STATS is held by someone. */
int bpfprogs_list(const struct page *pg, json_t **ret_programs, uint64_t *ret_total, char **ret_error);

/* The "memlock:" value of a /proc/PID/fdinfo/FD text. -ENOENT when absent. */
int bpfprogs_fdinfo_memlock(const char *fdinfo, uint64_t *ret);

/* How a program with that type and attach BTF name attaches: "tp_btf",
 * "function", "iter", "lsm", "freplace", "struct_ops", or NULL when not from
 * BTF; *ret_target points into btf_name. */
const char *bpfprogs_attach_kind(unsigned prog_type, const char *btf_name, const char **ret_target);

/* "struct_ops (sched_ext scheduler)" for a struct_ops program whose struct is
 * sched_ext_ops, else libbpf's name of the type, else "unknown". */
const char *bpfprogs_type_string(unsigned prog_type, const char *attach_btf_name);
