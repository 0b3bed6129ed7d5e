/* perfmap.c: parses perf-PID.map files written by JIT compilers, sorted for binary search. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "perfmap.h"

#define PERFMAP_MAX_SYMS (4u << 20)

static int sym_cmp(const void *a, const void *b)
{
	const struct perfmap_sym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static const char *parse_hex(const char *p, const char *end, uint64_t *ret)
{
	uint64_t v = 0;
	const char *start;

	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	start = p;
	for (; p < end; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (v >> 60)
			return NULL;
		v = v << 4 | (uint64_t)d;
	}
	if (p == start || p == end || *p != ' ')
		return NULL;
	*ret = v;
	return p + 1;
}

int perfmap_parse(const char *text, struct perfmap *ret)
{
	struct perfmap pm = { 0 };
	size_t cap = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p), *q;
		struct perfmap_sym s;
		size_t len;

		q = parse_hex(p, end, &s.start);
		if (q)
			q = parse_hex(q, end, &s.size);
		p = nl ? nl + 1 : end;
		if (!q || q >= end || s.size == 0)
			continue;
		len = (size_t)(end - q);
		if (len && q[len - 1] == '\r')
			len--;
		if (pm.n == cap) {
			size_t ncap = MAX(cap * 2, 64);
			struct perfmap_sym *v;

			if (ncap > PERFMAP_MAX_SYMS)
				break;
			v = realloc(pm.v, ncap * sizeof(*v));
			if (!v) {
				perfmap_clear(&pm);
				return -ENOMEM;
			}
			pm.v = v;
			cap = ncap;
		}
		s.name = strndup(q, len);
		if (!s.name) {
			perfmap_clear(&pm);
			return -ENOMEM;
		}
		pm.v[pm.n++] = s;
	}
	if (pm.n)
		qsort(pm.v, pm.n, sizeof(*pm.v), sym_cmp);
	perfmap_clear(ret);
	*ret = pm;
	return 0;
}

void perfmap_clear(struct perfmap *pm)
{
	for (size_t i = 0; i < pm->n; i++)
		free(pm->v[i].name);
	free(pm->v);
	*pm = (struct perfmap){ 0 };
}

const struct perfmap_sym *perfmap_lookup(const struct perfmap *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Regions may overlap when code is re-compiled: look back a little. */
	for (size_t i = lo, k = 0; i > 0 && k < 8; i--, k++) {
		const struct perfmap_sym *s = &pm->v[i - 1];

		if (addr - s->start < s->size)
			return s;
	}
	return NULL;
}
