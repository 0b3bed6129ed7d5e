/* report.h: a profile's results: symbolized top symbols, stacks and folded stacks, filtered, paged, budgeted. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proctab;
struct stacktab;
struct symbolizer;

enum report_format {
	REPORT_TOP,
	REPORT_STACKS,
	REPORT_FOLDED,
	REPORT_FORMAT_MAX,
};

enum report_sort {
	REPORT_SORT_SELF,
	REPORT_SORT_TOTAL,
	REPORT_SORT_MAX,
};

#define REPORT_LIMIT_DEFAULT 20
#define REPORT_LIMIT_MAX 1000
#define REPORT_BUDGET_DEFAULT (48u * 1024u)
#define REPORT_BUDGET_MIN 4096u

struct report_opts {
	enum report_format format;
	enum report_sort sort;
	uint64_t offset, limit;
	bool include_stacks; /* top: the heaviest stacks too */
	pid_t pid;           /* 0: every process; else this process or thread */
	const char *focus;   /* NULL: all; else stacks through a frame whose symbol or module contains it */
	size_t budget;       /* bytes of JSON the lists may take */
	bool addresses;      /* admin: unknown frames keep their address */
};

/* Symbolized frames, interned, and the address -> frame memo of one profile. */
struct frame_memo;
int frame_memo_new(struct frame_memo **ret);
void frame_memo_free(struct frame_memo *fm);
/* Forgets the address memo (a running profile's processes may change). */
void frame_memo_reset(struct frame_memo *fm);

/* Parses get_perf_results arguments (format, sort, limit, offset,
 * include_stacks, pid, focus, max_bytes). -EINVAL with a sentence. */
int report_opts_parse(const json_t *args, size_t max_budget, struct report_opts *ret, char **ret_error);

/* Adds the results to o: counts, the kernel/user split, then symbols /
 * stacks / folded by format, with total/offset/limit/next_offset and, when
 * the budget cut the page short, "truncated" saying how to get the rest. */
int report_build(const struct stacktab *tab, struct proctab *procs, struct symbolizer *sym, struct frame_memo *fm,
		 const struct report_opts *o, json_t *out);

/* For tests and collectorctl: the folded line of frames (outermost first). */
const char *report_format_to_string(enum report_format f);
