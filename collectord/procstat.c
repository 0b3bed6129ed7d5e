/* procstat.c: parses /proc/stat (cpu times, interrupts, context switches) and /proc/softirqs. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "macro.h"
#include "procfs.h"
#include "procstat.h"

static const char *const cpu_time_names[CPU_TIME_MAX] = {
	[CPU_TIME_USER] = "user",	[CPU_TIME_NICE] = "nice",
	[CPU_TIME_SYSTEM] = "system",	[CPU_TIME_IDLE] = "idle",
	[CPU_TIME_IOWAIT] = "iowait",	[CPU_TIME_IRQ] = "irq",
	[CPU_TIME_SOFTIRQ] = "softirq", [CPU_TIME_STEAL] = "steal",
	[CPU_TIME_GUEST] = "guest",	[CPU_TIME_GUEST_NICE] = "guest_nice",
};

const char *cpu_time_to_string(enum cpu_time t)
{
	return t < CPU_TIME_MAX ? cpu_time_names[t] : NULL;
}

/* The single-number lines; the rest of the table is the order of the mask bits. */
enum stat_line {
	STAT_CPU_TOTAL,
	STAT_INTR,
	STAT_CTXT,
	STAT_BTIME,
	STAT_PROCESSES,
	STAT_PROCS_RUNNING,
	STAT_PROCS_BLOCKED,
	STAT_LINE_MAX,
};

static const struct {
	const char *key;
	size_t offset;
} stat_scalars[] = {
	[STAT_INTR] = { "intr", offsetof(struct procstat, intr) },
	[STAT_CTXT] = { "ctxt", offsetof(struct procstat, ctxt) },
	[STAT_BTIME] = { "btime", offsetof(struct procstat, btime) },
	[STAT_PROCESSES] = { "processes", offsetof(struct procstat, processes) },
	[STAT_PROCS_RUNNING] = { "procs_running", offsetof(struct procstat, procs_running) },
	[STAT_PROCS_BLOCKED] = { "procs_blocked", offsetof(struct procstat, procs_blocked) },
};

void procstat_done(struct procstat *s)
{
	if (!s)
		return;
	free(s->cpus);
	s->cpus = NULL;
	s->nr_cpus = 0;
}

static int cpu_cmp(const void *a, const void *b)
{
	const struct procstat_cpu *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int procstat_parse(const char *text, struct procstat *ret, char **ret_error)
{
	struct procstat s = {};
	_cleanup_free_ struct procstat_cpu *cpus = NULL;
	size_t cap = 0;
	unsigned seen = 0, line = 0, columns = 0;
	const char *eol;

	if (text_check_lines(text, ret_error) < 0)
		return -EINVAL;

	for (const char *p = text; *p; p = eol + 1) {
		const char *key = p, *bad = NULL;
		size_t klen;

		line++;
		eol = strchr(p, '\n');
		while (p < eol && *p != ' ' && *p != '\t')
			p++;
		klen = (size_t)(p - key);

		if (klen >= 3 && strncmp(key, "cpu", 3) == 0) {
			uint64_t v[CPU_TIME_MAX] = {};
			struct procstat_cpu *c;
			uint64_t id = 0;
			const char *q = key + 3;
			int n;

			if (klen > 3 && (parse_u64_at(&q, &id) < 0 || q != p || id > PROCSTAT_MAX_CPU_ID))
				return errmsg_set(ret_error, -EINVAL,
						  "line %u: '%.*s' is not cpu<N> with N <= %u", line,
						  (int)MIN(klen, 32u), key, PROCSTAT_MAX_CPU_ID);
			n = parse_u64_list(p, eol, v, CPU_TIME_MAX, &bad, NULL);
			if (n < 0)
				return errmsg_set(ret_error, n, "line %u: %.*s: %s number at '%.*s'", line,
						  (int)klen, key, n == -ERANGE ? "out-of-range" : "bad",
						  snippet_len(bad), bad);
			if (n < CPU_TIME_REQUIRED)
				return errmsg_set(ret_error, -EINVAL,
						  "line %u: %.*s has %d numbers, expected at least %d", line,
						  (int)klen, key, n, CPU_TIME_REQUIRED);
			if (columns && (unsigned)n != columns)
				return errmsg_set(ret_error, -EINVAL,
						  "line %u: %.*s has %d numbers, earlier cpu lines have %u",
						  line, (int)klen, key, n, columns);
			columns = (unsigned)n;
			/* A newer kernel's extra columns are checked, not kept: nr_columns
			 * indexes t[] (found by fuzz-procstat: it said 11 for 10 slots). */
			s.nr_columns = MIN(columns, (unsigned)CPU_TIME_MAX);
			if (klen == 3) {
				if (seen & (1u << STAT_CPU_TOTAL))
					return errmsg_set(ret_error, -EINVAL, "line %u: a second 'cpu' line",
							  line);
				seen |= 1u << STAT_CPU_TOTAL;
				memcpy(s.total.t, v, sizeof(v));
				continue;
			}
			if (s.nr_cpus == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct procstat_cpu *nc = reallocarray(cpus, ncap, sizeof(*cpus));

				if (!nc)
					return -ENOMEM;
				cpus = nc;
				cap = ncap;
			}
			c = &cpus[s.nr_cpus++];
			c->id = (unsigned)id;
			memcpy(c->t, v, sizeof(v));
			continue;
		}

		for (unsigned i = STAT_INTR; i < STAT_LINE_MAX; i++) {
			uint64_t v[1];
			int n;

			if (klen != strlen(stat_scalars[i].key) ||
			    strncmp(key, stat_scalars[i].key, klen) != 0)
				continue;
			if (seen & (1u << i))
				return errmsg_set(ret_error, -EINVAL, "line %u: a second '%s' line", line,
						  stat_scalars[i].key);
			/* intr is the total then one count per irq: all checked, the total kept. */
			n = parse_u64_list(p, eol, v, 1, &bad, NULL);
			if (n < 0)
				return errmsg_set(ret_error, n, "line %u: %s: %s number at '%.*s'", line,
						  stat_scalars[i].key, n == -ERANGE ? "out-of-range" : "bad",
						  snippet_len(bad), bad);
			if (n == 0 || (i != STAT_INTR && n != 1))
				return errmsg_set(ret_error, -EINVAL,
						  "line %u: %s: expected %s, got %d numbers", line,
						  stat_scalars[i].key,
						  i == STAT_INTR ? "at least one number" : "one number", n);
			*(uint64_t *)((char *)&s + stat_scalars[i].offset) = v[0];
			seen |= 1u << i;
			break;
		}
	}

	for (unsigned i = 0; i < STAT_LINE_MAX; i++)
		if (!(seen & (1u << i)))
			return errmsg_set(ret_error, -EINVAL, "no '%s' line (cut off or not /proc/stat?)",
					  i == STAT_CPU_TOTAL ? "cpu" : stat_scalars[i].key);
	if (s.nr_cpus == 0)
		return errmsg_set(ret_error, -EINVAL, "no cpu<N> line");
	qsort(cpus, s.nr_cpus, sizeof(*cpus), cpu_cmp);
	for (unsigned i = 1; i < s.nr_cpus; i++)
		if (cpus[i].id == cpus[i - 1].id)
			return errmsg_set(ret_error, -EINVAL, "cpu%u appears twice", cpus[i].id);
	/* Samples are kept for a minute: give back the growth slack. */
	if (cap > s.nr_cpus) {
		struct procstat_cpu *fit = reallocarray(cpus, s.nr_cpus, sizeof(*cpus));

		if (fit)
			cpus = fit;
	}
	s.cpus = TAKE_PTR(cpus);
	*ret = s;
	return 0;
}

DEFINE_PROCFS_READ(procstat, struct procstat, "/proc/stat", PROCSTAT_MAX_BYTES)

int softirqs_parse(const char *text, struct softirq_counts *ret, char **ret_error)
{
	struct softirq_counts s = {};
	_cleanup_free_ uint64_t *row = NULL;
	unsigned line = 1;
	const char *p = text, *eol;

	if (text_check_lines(text, ret_error) < 0)
		return -EINVAL;

	/* Header: one "CPU<n>" per column. */
	eol = strchr(p, '\n');
	for (;;) {
		uint64_t id;

		p = skip_blanks(p);
		if (p == eol)
			break;
		if (strncmp(p, "CPU", 3) != 0)
			return errmsg_set(ret_error, -EINVAL,
					  "line 1: expected CPU<n> column names, got '%.*s'", snippet_len(p),
					  p);
		p += 3;
		if (parse_u64_at(&p, &id) < 0 || (p != eol && *p != ' ' && *p != '\t'))
			return errmsg_set(ret_error, -EINVAL, "line 1: bad column name near '%.*s'",
					  snippet_len(p), p);
		s.nr_cpus++;
	}
	if (s.nr_cpus == 0)
		return errmsg_set(ret_error, -EINVAL, "line 1: no CPU columns");
	row = calloc(s.nr_cpus, sizeof(*row));
	if (!row)
		return -ENOMEM;

	for (p = eol + 1; *p; p = eol + 1) {
		char name[SOFTIRQ_NAME_MAX];
		const char *bad = NULL;
		uint64_t sum = 0;
		int n;

		line++;
		eol = strchr(p, '\n');
		p = parse_label(p, eol, name, sizeof(name));
		if (!p)
			return errmsg_set(ret_error, -EINVAL,
					  "line %u: expected 'NAME:' (at most %d characters)", line,
					  SOFTIRQ_NAME_MAX - 1);
		if (s.nr == SOFTIRQ_MAX_TYPES)
			return errmsg_set(ret_error, -E2BIG, "line %u: more than %d softirq types", line,
					  SOFTIRQ_MAX_TYPES);
		for (unsigned i = 0; i < s.nr; i++)
			if (strcmp(s.name[i], name) == 0)
				return errmsg_set(ret_error, -EINVAL, "line %u: %s appears twice", line, name);
		n = parse_u64_list(p, eol, row, s.nr_cpus, &bad, NULL);
		if (n < 0)
			return errmsg_set(ret_error, n, "line %u: %s: %s number at '%.*s'", line, name,
					  n == -ERANGE ? "out-of-range" : "bad", snippet_len(bad), bad);
		if ((unsigned)n != s.nr_cpus)
			return errmsg_set(ret_error, -EINVAL, "line %u: %s has %d numbers for %u CPU columns",
					  line, name, n, s.nr_cpus);
		for (unsigned i = 0; i < s.nr_cpus; i++)
			sum += row[i];
		strcpy(s.name[s.nr], name);
		s.sum[s.nr++] = sum;
	}
	if (s.nr == 0)
		return errmsg_set(ret_error, -EINVAL, "no softirq rows (cut off?)");
	*ret = s;
	return 0;
}

DEFINE_PROCFS_READ(softirqs, struct softirq_counts, "/proc/softirqs", SOFTIRQS_MAX_BYTES)

uint64_t softirq_delta(uint64_t before, uint64_t after)
{
	return (after - before) & UINT32_MAX;
}
