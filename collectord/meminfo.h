/* meminfo.h: /proc/meminfo totals and the /proc/vmstat event counters, from text or from a root. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define MEMINFO_MAX_BYTES (64u * 1024u)
#define VMSTAT_MAX_BYTES (256u * 1024u)

/* The /proc/meminfo lines we report. MemTotal and MemAvailable are required. */
enum meminfo_field {
	MEMINFO_MEM_TOTAL,
	MEMINFO_MEM_FREE,
	MEMINFO_MEM_AVAILABLE,
	MEMINFO_BUFFERS,
	MEMINFO_CACHED,
	MEMINFO_SWAP_CACHED,
	MEMINFO_ACTIVE,
	MEMINFO_INACTIVE,
	MEMINFO_SWAP_TOTAL,
	MEMINFO_SWAP_FREE,
	MEMINFO_DIRTY,
	MEMINFO_WRITEBACK,
	MEMINFO_ANON_PAGES,
	MEMINFO_MAPPED,
	MEMINFO_SHMEM,
	MEMINFO_SLAB,
	MEMINFO_SRECLAIMABLE,
	MEMINFO_SUNRECLAIM,
	MEMINFO_KERNEL_STACK,
	MEMINFO_PAGE_TABLES,
	MEMINFO_COMMIT_LIMIT,
	MEMINFO_COMMITTED_AS,
	MEMINFO_HUGEPAGES_TOTAL,
	MEMINFO_HUGEPAGES_FREE,
	MEMINFO_HUGEPAGESIZE,
	MEMINFO_MAX,
};

struct meminfo {
	uint64_t v[MEMINFO_MAX]; /* kB, except the HugePages_ counts */
	uint64_t present; /* bit per field */
};

/* The JSON name of a field: "mem_total_kb", "hugepages_total", ... */
const char *meminfo_field_json_name(enum meminfo_field f);

/* Parses /proc/meminfo text ("Key:   N kB" lines, any order). A known key
 * with a bad number, the wrong unit or twice is -EINVAL (-ERANGE out of
 * range); unknown keys are skipped; MemTotal or MemAvailable missing, or
 * MemTotal 0, is -EINVAL. Message in *ret_error (may be NULL); *ret is
 * untouched on failure. */
int meminfo_parse(const char *text, struct meminfo *ret, char **ret_error);
int meminfo_read(const char *root, struct meminfo *ret, char **ret_error);

static inline bool meminfo_has(const struct meminfo *mi, enum meminfo_field f)
{
	return mi->present & (1ull << f);
}

/* Every present field by its JSON name, plus used_ratio and available_ratio
 * ((MemTotal - MemAvailable) / MemTotal and MemAvailable / MemTotal) and
 * swap_used_ratio (null with swap_note when there is no swap). */
json_t *meminfo_to_json(const struct meminfo *mi);

/* /proc/vmstat counters we turn into rates. pgscan and pgsteal are sums over
 * reclaim origins (kswapd, direct, khugepaged, proactive; per-zone lines on
 * old kernels); the anon/file split would count every page twice. */
enum vmstat_counter {
	VMSTAT_PGFAULT,
	VMSTAT_PGMAJFAULT,
	VMSTAT_PSWPIN,
	VMSTAT_PSWPOUT,
	VMSTAT_PGPGIN,
	VMSTAT_PGPGOUT,
	VMSTAT_PGSCAN,
	VMSTAT_PGSTEAL,
	VMSTAT_MAX,
};

struct vmstat {
	uint64_t v[VMSTAT_MAX];
	uint32_t present; /* bit per counter: a kernel without VM event counters has none */
};

const char *vmstat_counter_to_string(enum vmstat_counter c);

/* Parses /proc/vmstat text ("name value" lines). Counters we use are
 * checked strictly and must not repeat; other lines need only a name and a
 * value. Errors as meminfo_parse(). */
int vmstat_parse(const char *text, struct vmstat *ret, char **ret_error);
int vmstat_read(const char *root, struct vmstat *ret, char **ret_error);
