/* topology.h: CPU, cache, core and NUMA topology read from a sysfs tree, and its JSON form. */
#pragma once

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>

#include "macro.h"

/* Bounds on what a sysfs tree may make us allocate; x86 CONFIG_NR_CPUS and
 * NODES_SHIFT top out at these. */
#define TOPO_MAX_CPUS 8192
#define TOPO_MAX_NODES 1024

/* A cpu set is a bitmap of CPULIST_LONGS(nr_bits) unsigned longs. */
#define CPULIST_BITS_PER_LONG (sizeof(unsigned long) * CHAR_BIT)
#define CPULIST_LONGS(nr_bits) (((nr_bits) + CPULIST_BITS_PER_LONG - 1) / CPULIST_BITS_PER_LONG)

/* Unknown values are -1 in these structs. */
struct topo_cpu {
	int id;
	int core_id;    /* topology/core_id; offline cpus usually have no topology/ */
	int package_id; /* topology/physical_package_id (socket) */
	int die_id;     /* topology/die_id; part of the core key on multi-die packages */
	int llc_id;     /* index into topology.llcs[] */
	int node_id;    /* NUMA node id (not an index); 0 when the tree has no node/ */
	int core_index; /* index into topology.cores[] */
	bool present;   /* cpuN/ exists; possible-but-absent cpus have nothing else */
	bool online;
	unsigned smt_sibling_count; /* entries in smt_siblings, from thread_siblings_list */
	int *smt_siblings;          /* cpu ids, ascending, including this cpu */
	long capacity;              /* cpu_capacity */
	/* cpufreq/scaling_cur_freq, cpuinfo_min_freq, cpuinfo_max_freq, base_frequency */
	long cur_khz, min_khz, max_khz, base_khz;
};

/* One last-level cache; id is the dense index, not the kernel's cache id. */
struct topo_llc {
	int id;
	int level;
	long size_kb;
	int node_id; /* node of its first cpu */
	int nr_cpus;
	int *cpus;
};

/* A physical core: one unique (package_id, die_id, core_id) triple. */
struct topo_core {
	int id; /* dense index */
	int package_id;
	int die_id;
	int core_id;
	int nr_cpus;
	int *cpus;
};

struct topo_node {
	int id; /* kernel node id; ids may be sparse */
	int nr_cpus;
	int *cpus;
	int nr_distances; /* node/nodeN/distance, one per node in id order; 0 if unknown */
	int *distances;
	long mem_total_kb; /* nodeN/meminfo MemTotal */
};

struct topology {
	int nr_cpus; /* highest possible cpu + 1 (cpu/possible, else the cpuN dirs) */
	int nr_online;
	int nr_packages;
	int nr_cores;
	int nr_llcs;
	int nr_nodes;
	bool smt_active; /* cpu/smt/active, else whether any online cpu has a sibling */
	struct topo_cpu *cpus; /* indexed by cpu id */
	struct topo_llc *llcs;
	struct topo_core *cores;
	struct topo_node *nodes; /* ascending node id */
};

/* Reads ROOT/sys/devices/system/{cpu,node}. Optional values (frequencies,
 * capacity, cache size, MemTotal) that are absent or unreadable become -1;
 * structural files (cpu lists, ids, online, level) that exist but do not
 * parse fail the load with -EINVAL or -ERANGE. -ENOENT if there is no cpu
 * directory or no online cpu. A hotplug event during the load can give a
 * torn view; callers that care reload. *ret is untouched on failure. */
int topology_load(const char *root, struct topology **ret);
void topology_free(struct topology *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct topology *, topology_free);

/* Index into t->nodes[] of a kernel node id, or -ENOENT. */
int topology_node_index(const struct topology *t, int node_id);

enum topo_detail {
	TOPO_DETAIL_SUMMARY,
	TOPO_DETAIL_FULL,
	TOPO_DETAIL_MAX,
};

/* JSON form. Unknown values are omitted, never written as -1 or null.
 * include_offline=false drops offline cpus from every cpu list (the counts
 * still say what the kernel says). SUMMARY has the counts, compact cpu list
 * strings ("0-7,9") per LLC and node, and the frequency range. */
int topology_to_json(const struct topology *t, enum topo_detail detail, bool include_offline, json_t **ret);

/* Parses a kernel cpu list ("0-3,8,10-11\n"; empty means no cpus) into
 * bitmap, which it clears first. Returns the number of cpus set, -EINVAL on
 * bad syntax or a reversed range, -ERANGE for a cpu >= nr_bits. The bitmap
 * is untouched on failure. */
int cpulist_parse(const char *s, unsigned nr_bits, unsigned long *bitmap);

/* The inverse: a compact list, "" for an empty set. 0 or -ENOMEM. */
int cpulist_format(const unsigned long *bitmap, unsigned nr_bits, char **ret);
