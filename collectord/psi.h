/* psi.h: pressure stall information from /proc/pressure/{cpu,memory,io,irq}, from text or from a root. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define PSI_MAX_BYTES 4096

enum psi_resource {
	PSI_CPU,
	PSI_MEMORY,
	PSI_IO,
	PSI_IRQ, /* 6.1+, with CONFIG_IRQ_TIME_ACCOUNTING; "full" only */
	PSI_RESOURCE_MAX,
};

const char *psi_resource_to_string(enum psi_resource r);

struct psi_line {
	bool present;
	uint32_t avg10, avg60, avg300; /* hundredths of a percent: the kernel prints two places */
	uint64_t total_us; /* stall time since boot, microseconds */
};

struct psi_stats {
	struct psi_line some, full;
};

/* Parses one pressure file: "some|full avg10=A avg60=B avg300=C total=T"
 * lines, the four fields in any order. At least one line; a repeated line
 * or field, a missing field, an average above 100.00 or a bad number is
 * -EINVAL (-ERANGE out of range), with a message in *ret_error (may be NULL).
 * *ret is untouched on failure. */
int psi_parse(const char *text, struct psi_stats *ret, char **ret_error);

struct psi_all {
	bool have_dir; /* ROOT/proc/pressure exists */
	char dir_reason[160]; /* why not */
	int error[PSI_RESOURCE_MAX]; /* 0 when stats[] is valid */
	char *reason[PSI_RESOURCE_MAX];
	struct psi_stats stats[PSI_RESOURCE_MAX];
};

/* Reads every pressure file under ROOT/proc/pressure; a missing or bad file
 * is recorded, not fatal. Only allocation failure is an error. */
int psi_read_all(const char *root, struct psi_all *ret);
void psi_all_done(struct psi_all *p);

/* {"available": true, "cpu": {"some": {...}, "full": {...}}, "memory": ..., "io": ...}
 * with {"available": false, "reason": ...} for a resource or the whole
 * thing when unreadable; irq appears only when the kernel has it. */
json_t *psi_to_json(const struct psi_all *p);
