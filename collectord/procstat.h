/* procstat.h: /proc/stat and /proc/softirqs parsed into counters, from text or from a root. */
#pragma once

#include <stdint.h>

/* /proc/stat and /proc/softirqs grow with the cpu count: ~1 MiB covers
 * 8192 cpus; a larger file is refused with -EFBIG rather than cut. */
#define PROCSTAT_MAX_BYTES (1u << 20)
#define SOFTIRQS_MAX_BYTES (1u << 20)
#define PROCSTAT_MAX_CPU_ID 65535
#define SOFTIRQ_MAX_TYPES 16
#define SOFTIRQ_NAME_MAX 16

/* The columns of a cpu line, in the kernel's order (USER_HZ ticks). guest and
 * guest_nice are already inside user and nice. */
enum cpu_time {
	CPU_TIME_USER,
	CPU_TIME_NICE,
	CPU_TIME_SYSTEM,
	CPU_TIME_IDLE,
	CPU_TIME_IOWAIT,
	CPU_TIME_IRQ,
	CPU_TIME_SOFTIRQ,
	CPU_TIME_STEAL,
	CPU_TIME_GUEST,
	CPU_TIME_GUEST_NICE,
	CPU_TIME_MAX,
};
/* Columns every line must have: the ones that add up to all time. */
#define CPU_TIME_REQUIRED (CPU_TIME_STEAL + 1)

const char *cpu_time_to_string(enum cpu_time t);

struct procstat_cpu {
	unsigned id;
	uint64_t t[CPU_TIME_MAX]; /* columns the kernel did not print are 0 */
};

struct procstat {
	struct procstat_cpu total; /* the "cpu" line; id is unused */
	unsigned nr_cpus; /* online cpus: the kernel prints no line for offline ones */
	struct procstat_cpu *cpus; /* ascending id */
	unsigned nr_columns; /* columns per cpu line kept in t[]: CPU_TIME_REQUIRED..CPU_TIME_MAX */
	uint64_t intr; /* interrupts since boot, all sources */
	uint64_t ctxt; /* context switches since boot */
	uint64_t btime; /* boot time, seconds since the epoch */
	uint64_t processes; /* forks since boot */
	uint64_t procs_running;
	uint64_t procs_blocked;
};

/* Parses /proc/stat text. Required: the "cpu" line, at least one cpuN line,
 * intr, ctxt, btime, processes, procs_running, procs_blocked. Unknown lines
 * are skipped; a duplicate, a bad number, a short cpu line or text without a
 * final newline is -EINVAL (-ERANGE for numbers out of range) with a message
 * in *ret_error (may be NULL). *ret is untouched on failure. */
int procstat_parse(const char *text, struct procstat *ret, char **ret_error);
int procstat_read(const char *root, struct procstat *ret, char **ret_error);
void procstat_done(struct procstat *s);

/* Per softirq type, summed over cpus. The kernel keeps per-cpu counts in 32
 * bits, so the sums wrap; see softirq_delta(). */
struct softirq_counts {
	unsigned nr;
	unsigned nr_cpus; /* columns of the file */
	char name[SOFTIRQ_MAX_TYPES][SOFTIRQ_NAME_MAX];
	uint64_t sum[SOFTIRQ_MAX_TYPES];
};

/* Parses /proc/softirqs text: a "CPU0 CPU1 ..." header, then "NAME: n n ..."
 * rows with one number per header column. Errors as procstat_parse(). */
int softirqs_parse(const char *text, struct softirq_counts *ret, char **ret_error);
int softirqs_read(const char *root, struct softirq_counts *ret, char **ret_error);

/* Increase of a per-type sum between two readings. Each cpu's count wraps at
 * 2^32, which takes 2^32 off the sum; modulo 2^32 gives the true increase as
 * long as it is below 2^32 (4 billion softirqs between two samples). */
uint64_t softirq_delta(uint64_t before, uint64_t after);
