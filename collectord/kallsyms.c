/* kallsyms.c: parses /proc/kallsyms into a sorted array with one string pool; binary search by address. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "kallsyms.h"
#include "macro.h"
#include "procfs.h"

#define KALLSYMS_FILE_MAX (256u << 20)
#define MODULES_FILE_MAX (4u << 20)
/* A text symbol longer than this is not believed: the next symbol is missing. */
#define KSYM_MAX_SIZE (1u << 20)

static int pool_add(struct kallsyms *k, const char *s, size_t len, uint32_t *ret)
{
	if (k->pool_len + len + 1 > k->pool_cap) {
		size_t cap = MAX(k->pool_cap * 2, k->pool_len + len + 1 + 4096);
		char *p;

		if (cap > UINT32_MAX)
			return -E2BIG;
		p = realloc(k->pool, cap);
		if (!p)
			return -ENOMEM;
		k->pool = p;
		k->pool_cap = cap;
	}
	memcpy(k->pool + k->pool_len, s, len);
	k->pool[k->pool_len + len] = 0;
	*ret = (uint32_t)k->pool_len;
	k->pool_len += len + 1;
	return 0;
}

/* Module names repeat on thousands of lines: remember the last one. */
struct module_memo {
	char name[64];
	uint32_t off;
};

/* 120000 lines: strtoull's generality costs more than the rest of the parse. */
static const char *parse_hex(const char *p, const char *end, uint64_t *ret)
{
	uint64_t v = 0;
	const char *start = p;

	for (; p < end && p - start < 16; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else
			break;
		v = v << 4 | d;
	}
	*ret = v;
	return p == start ? NULL : p;
}

static int parse_kallsyms_line(struct kallsyms *k, const char *p, size_t len, size_t *cap, struct module_memo *memo)
{
	const char *end;
	uint64_t addr;
	const char *name, *tab;
	size_t name_len;
	struct ksym s = { 0 };
	int r;

	end = parse_hex(p, p + len, &addr);
	if (!end || *end != ' ' || (size_t)(end - p) + 3 > len)
		return 0;
	switch (end[1]) {
	case 't': case 'T': case 'w': case 'W':
		break;
	default:
		return 0;
	}
	if (end[2] != ' ')
		return 0;
	name = end + 3;
	name_len = len - (size_t)(name - p);
	tab = memchr(name, '\t', name_len);
	if (tab)
		name_len = (size_t)(tab - name);
	if (name_len == 0)
		return 0;
	if (name_len == 6 && memcmp(name, "_stext", 6) == 0)
		k->text_start = addr;
	else if (name_len == 6 && memcmp(name, "_etext", 6) == 0)
		k->text_end = addr;
	s.addr = addr;
	r = pool_add(k, name, name_len, &s.name);
	if (r < 0)
		return r;
	if (tab) {
		/* "\t[module]" */
		const char *m = tab + 1, *close;
		size_t mlen = len - (size_t)(m - p);

		if (mlen >= 2 && m[0] == '[' && (close = memchr(m, ']', mlen))) {
			size_t n = (size_t)(close - m - 1);

			if (n < sizeof(memo->name) && memo->off && strlen(memo->name) == n &&
			    memcmp(memo->name, m + 1, n) == 0) {
				s.module = memo->off;
			} else {
				r = pool_add(k, m + 1, n, &s.module);
				if (r < 0)
					return r;
				if (n < sizeof(memo->name)) {
					memcpy(memo->name, m + 1, n);
					memo->name[n] = 0;
					memo->off = s.module;
				}
			}
		}
	}
	if (k->n == *cap) {
		size_t ncap = MAX(*cap * 2, 4096);
		struct ksym *v = realloc(k->syms, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		k->syms = v;
		*cap = ncap;
	}
	k->syms[k->n++] = s;
	return 0;
}

/* "name size refcount deps state address [taint]" */
static int parse_modules(struct kallsyms *k, const char *text)
{
	const char *p = text;
	size_t cap = 0;
	int r;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = strndup(p, len);
		char name[64];
		unsigned long long size, base;

		if (!line)
			return -ENOMEM;
		if (sscanf(line, "%63s %llu %*s %*s %*s %llx", name, &size, &base) == 3 && base) {
			struct kmodule m = { .base = base, .size = size };

			if (k->nmods == cap) {
				size_t ncap = MAX(cap * 2, 32);
				struct kmodule *v = realloc(k->mods, ncap * sizeof(*v));

				if (!v)
					return -ENOMEM;
				k->mods = v;
				cap = ncap;
			}
			r = pool_add(k, name, strlen(name), &m.name);
			if (r < 0)
				return r;
			k->mods[k->nmods++] = m;
		}
		p += len + (nl ? 1 : 0);
	}
	return 0;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Among aliases, the core kernel's first, then by name offset (file order). */
	if (x->module != y->module)
		return x->module < y->module ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static int kmod_cmp(const void *a, const void *b)
{
	const struct kmodule *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* The kernel lists its own symbols in address order; modules and BPF
 * programs follow in any order. Sorting just that tail and merging is
 * a fraction of sorting 100000 symbols. */
static int sort_symbols(struct kallsyms *k)
{
	size_t p = 1, i, j, o = 0;
	struct ksym *v;

	while (p < k->n && ksym_cmp(&k->syms[p - 1], &k->syms[p]) <= 0)
		p++;
	if (p >= k->n)
		return 0;
	qsort(k->syms + p, k->n - p, sizeof(*k->syms), ksym_cmp);
	v = malloc(k->n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0, j = p; i < p || j < k->n;)
		v[o++] = j >= k->n || (i < p && ksym_cmp(&k->syms[i], &k->syms[j]) <= 0) ? k->syms[i++] : k->syms[j++];
	free(k->syms);
	k->syms = v;
	return 0;
}

int kallsyms_parse(const char *text, const char *modules_text, struct kallsyms **ret)
{
	struct kallsyms *k = calloc(1, sizeof(*k));
	struct module_memo memo = { 0 };
	const char *p = text;
	size_t cap = 0, j = 0;
	int r;

	if (!k)
		return -ENOMEM;
	/* Offset 0 of the pool is "", the core kernel's module name. */
	r = pool_add(k, "", 0, &(uint32_t){ 0 });
	while (r >= 0 && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		r = parse_kallsyms_line(k, p, len, &cap, &memo);
		p += len + (nl ? 1 : 0);
	}
	if (r >= 0 && modules_text)
		r = parse_modules(k, modules_text);
	if (r >= 0 && k->n == 0)
		r = -EINVAL;
	if (r < 0) {
		kallsyms_free(k);
		return r;
	}
	r = sort_symbols(k);
	if (r < 0) {
		kallsyms_free(k);
		return r;
	}
	/* One symbol per address: the first alias wins. */
	for (size_t i = 0; i < k->n; i++)
		if (j == 0 || k->syms[j - 1].addr != k->syms[i].addr)
			k->syms[j++] = k->syms[i];
	k->n = j;
	if (k->nmods)
		qsort(k->mods, k->nmods, sizeof(*k->mods), kmod_cmp);
	*ret = k;
	return 0;
}

int kallsyms_load(const char *root, struct kallsyms **ret)
{
	_cleanup_free_ char *text = NULL, *mods = NULL;
	size_t len;
	int r;

	r = procfs_read(root, "/proc/kallsyms", KALLSYMS_FILE_MAX, &text, &len);
	if (r < 0)
		return r;
	/* No /proc/modules: a kernel without loadable modules. */
	if (procfs_read(root, "/proc/modules", MODULES_FILE_MAX, &mods, &len) < 0)
		mods = NULL;
	return kallsyms_parse(text, mods, ret);
}

void kallsyms_free(struct kallsyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->mods);
	free(k->pool);
	free(k);
}

static const struct kmodule *module_of(const struct kallsyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->nmods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->mods[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	return addr - k->mods[lo - 1].base < k->mods[lo - 1].size ? &k->mods[lo - 1] : NULL;
}

static bool module_known(const struct kallsyms *k, uint32_t name)
{
	for (size_t i = 0; i < k->nmods; i++)
		if (strcmp(k->pool + k->mods[i].name, k->pool + name) == 0)
			return true;
	return false;
}

int kallsyms_lookup(const struct kallsyms *k, uint64_t addr, struct ksym_match *ret)
{
	const struct kmodule *mod = module_of(k, addr);
	size_t lo = 0, hi = k->n;
	const struct ksym *s = NULL;
	bool in_core = k->text_start && addr >= k->text_start && (!k->text_end || addr < k->text_end);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		s = &k->syms[lo - 1];
		/* The symbol must belong where the address is, and not be
		 * believed across a gap of more than KSYM_MAX_SIZE. */
		if (addr - s->addr >= KSYM_MAX_SIZE)
			s = NULL;
		else if (mod && strcmp(k->pool + s->module, k->pool + mod->name) != 0)
			s = NULL;
		else if (in_core && s->module)
			s = NULL;
		else if (!mod && !in_core && k->text_start && s->module == 0)
			s = NULL; /* past _etext: not core kernel text */
		else if (!mod && s->module && module_known(k, s->module))
			s = NULL; /* past the end of its module */
	}
	if (s) {
		*ret = (struct ksym_match){ .name = k->pool + s->name, .module = k->pool + s->module,
					    .offset = addr - s->addr };
		return 0;
	}
	if (mod) {
		*ret = (struct ksym_match){ .module = k->pool + mod->name, .offset = addr - mod->base };
		return 0;
	}
	if (in_core) {
		*ret = (struct ksym_match){ .module = "", .offset = addr - k->text_start };
		return 0;
	}
	return -ENOENT;
}

uint64_t kallsyms_modules_hash(const char *root)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (procfs_read(root, "/proc/modules", MODULES_FILE_MAX, &text, &len) < 0)
		return 0;
	/* Reference counts change all the time: hash names and addresses only. */
	uint64_t h = 1;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *sp = memchr(p, ' ', n), *last = p + n;

		while (last > p && last[-1] != ' ')
			last--;
		if (sp)
			h = hash_bytes(p, (size_t)(sp - p), h);
		h = hash_bytes(last, (size_t)(p + n - last), h);
		p += n + (nl ? 1 : 0);
	}
	return h;
}
