/* topology.c: reads cpu, cache, core and NUMA topology from sysfs and renders it as JSON. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json-util.h"
#include "procfs.h"
#include "topology.h"

/* sysfs scalars fit in a page; lists became binary attributes that can
 * exceed one on big machines, so they get more room. */
#define ATTR_MAX_SCALAR 4096
#define ATTR_MAX_LIST (64 * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

/* ---- cpu bitmaps ---- */

static inline bool bit_test(const unsigned long *b, unsigned i)
{
	return b[i / CPULIST_BITS_PER_LONG] & (1UL << (i % CPULIST_BITS_PER_LONG));
}

static inline void bit_set(unsigned long *b, unsigned i)
{
	b[i / CPULIST_BITS_PER_LONG] |= 1UL << (i % CPULIST_BITS_PER_LONG);
}

static unsigned long *bitmap_new(unsigned nr_bits)
{
	return calloc(CPULIST_LONGS(nr_bits) ? CPULIST_LONGS(nr_bits) : 1, sizeof(unsigned long));
}

static unsigned bitmap_weight(const unsigned long *b, unsigned nr_bits)
{
	unsigned n = 0;

	for (size_t i = 0; i < CPULIST_LONGS(nr_bits); i++)
		n += __builtin_popcountl(b[i]);
	return n;
}

/* Digits only: strtoul alone would take a sign or leading blanks inside a range. */
static int parse_cpu_number(const char *s, char **end, unsigned nr_bits, unsigned *ret)
{
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno == ERANGE || v >= nr_bits)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

int cpulist_parse(const char *s, unsigned nr_bits, unsigned long *bitmap)
{
	/* Pass 0 validates, pass 1 writes, so a bad list leaves bitmap alone. */
	for (int pass = 0; pass < 2; pass++) {
		const char *p = s;

		if (pass == 1)
			memset(bitmap, 0, CPULIST_LONGS(nr_bits) * sizeof(unsigned long));

		while (isspace((unsigned char)*p))
			p++;
		/* After a ',' the number parser insists on a digit, so "0," fails. */
		while (*p) {
			unsigned lo, hi;
			char *end;
			int r;

			r = parse_cpu_number(p, &end, nr_bits, &lo);
			if (r < 0)
				return r;
			hi = lo;
			p = end;
			if (*p == '-') {
				r = parse_cpu_number(p + 1, &end, nr_bits, &hi);
				if (r < 0)
					return r;
				if (hi < lo)
					return -EINVAL;
				p = end;
			}
			if (pass == 1)
				for (unsigned i = lo; i <= hi; i++)
					bit_set(bitmap, i);
			if (*p != ',')
				break;
			p++;
			if (!*p)
				return -EINVAL;
		}
		while (isspace((unsigned char)*p))
			p++;
		if (*p)
			return -EINVAL;
	}
	return (int)bitmap_weight(bitmap, nr_bits);
}

int cpulist_format(const unsigned long *bitmap, unsigned nr_bits, char **ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	bool first = true;

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	for (unsigned i = 0; i < nr_bits; i++) {
		unsigned j = i;

		if (!bit_test(bitmap, i))
			continue;
		while (j + 1 < nr_bits && bit_test(bitmap, j + 1))
			j++;
		if (j == i)
			fprintf(f, "%s%u", first ? "" : ",", i);
		else
			fprintf(f, "%s%u-%u", first ? "" : ",", i, j);
		first = false;
		i = j;
	}
	/* open_memstream reports allocation failure at close, not at fprintf. */
	if (fclose(TAKE_PTR(f)) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* ---- bounded sysfs reads: read_file_at() ---- */

static int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* Structural number: -ENOENT if absent, any other error fails the caller. */
static int read_long(int dirfd, const char *path, long min, long max, long *ret)
{
	char buf[ATTR_MAX_SCALAR];
	int r;

	r = read_file_at(dirfd, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	return parse_long(buf, min, max, ret);
}

/* Optional number: drivers return EIO/EBUSY or "<unknown>" for some of
 * these, which means "not known", not "broken tree". */
static long read_long_optional(int dirfd, const char *path, long max)
{
	long v;

	return read_long(dirfd, path, 0, max, &v) < 0 ? -1 : v;
}

/* Matches "<prefix><decimal>" exactly, as sysfs names its cpuN/nodeN/indexN. */
static int parse_name_number(const char *name, const char *prefix, unsigned max, unsigned *ret)
{
	size_t len = strlen(prefix);
	const char *p = name + len;
	char *end;
	unsigned long v;

	if (strncmp(name, prefix, len) != 0 || !isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

static int dir_open(int dirfd, const char *path, DIR **ret)
{
	_cleanup_close_ int fd = -1;
	DIR *d;

	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d)
		return negative_errno();
	TAKE_FD(fd);
	*ret = d;
	return 0;
}

/* Bitmap -> ascending int array; *ret is NULL for an empty set. */
static int bitmap_to_array(const unsigned long *b, unsigned nr_bits, int **ret, unsigned *ret_n)
{
	unsigned n = bitmap_weight(b, nr_bits), k = 0;
	int *a = NULL;

	if (n > 0) {
		a = calloc(n, sizeof(int));
		if (!a)
			return -ENOMEM;
		for (unsigned i = 0; i < nr_bits; i++)
			if (bit_test(b, i))
				a[k++] = (int)i;
	}
	*ret = a;
	*ret_n = n;
	return 0;
}

/* ---- loading ---- */

/* How an LLC is recognised across cpus: by its shared_cpu_list, or by
 * (level, id) when the list is missing. */
struct llc_key {
	int level;
	long hw_id;
	unsigned long *shared;
};

struct loader {
	struct topology *t;
	int rootfd;
	int cpufd;
	char *scratch; /* ATTR_MAX_LIST bytes for list files */
	unsigned long *mask; /* nr_cpus bits of scratch space */
	struct llc_key *keys; /* parallel to t->llcs */
	int nr_keys;
};

static void loader_done(struct loader *l)
{
	for (int i = 0; i < l->nr_keys; i++)
		free(l->keys[i].shared);
	free(l->keys);
	free(l->mask);
	free(l->scratch);
	safe_close(l->cpufd);
	safe_close(l->rootfd);
}

/* Parses a structural cpu list file into l->mask; -ENOENT if absent. */
static int read_cpulist(struct loader *l, int dirfd, const char *path)
{
	int r;

	r = read_file_at(dirfd, path, l->scratch, ATTR_MAX_LIST);
	if (r < 0)
		return r;
	return cpulist_parse(l->scratch, (unsigned)l->t->nr_cpus, l->mask);
}

/* nr_cpus from cpu/possible, or from the cpuN entries when it is missing. */
static int load_nr_cpus(int cpufd, char *scratch, int *ret)
{
	_cleanup_free_ unsigned long *possible = NULL;
	_cleanup_(closedirp) DIR *d = NULL;
	unsigned max = 0;
	bool any = false;
	int r;

	r = read_file_at(cpufd, "possible", scratch, ATTR_MAX_LIST);
	if (r >= 0) {
		possible = bitmap_new(TOPO_MAX_CPUS);
		if (!possible)
			return -ENOMEM;
		r = cpulist_parse(scratch, TOPO_MAX_CPUS, possible);
		if (r < 0)
			return r;
		for (unsigned i = 0; i < TOPO_MAX_CPUS; i++)
			if (bit_test(possible, i)) {
				max = i;
				any = true;
			}
	} else if (r == -ENOENT) {
		r = dir_open(cpufd, ".", &d);
		if (r < 0)
			return r;
		for (struct dirent *de; (errno = 0, de = readdir(d));) {
			unsigned id;

			r = parse_name_number(de->d_name, "cpu", UINT_MAX, &id);
			if (r == -EINVAL)
				continue; /* cpufreq, cpuidle, smt, ... */
			if (r < 0 || id >= TOPO_MAX_CPUS)
				return -ERANGE;
			max = MAX(max, id);
			any = true;
		}
		if (errno != 0)
			return negative_errno();
	} else
		return r;

	if (!any)
		return -ENOENT;
	*ret = (int)max + 1;
	return 0;
}

static int load_cpu_topology(struct loader *l, int fd, struct topo_cpu *c)
{
	long v;
	int r;

	r = read_long(fd, "topology/core_id", 0, INT_MAX, &v);
	if (r == -ENOENT)
		return 0; /* no topology/ at all: offline, or an arch without it */
	if (r < 0)
		return r;
	c->core_id = (int)v;

	/* -1 is what some arm64 kernels report for an unknown package. */
	r = read_long(fd, "topology/physical_package_id", -1, INT_MAX, &v);
	if (r < 0 && r != -ENOENT)
		return r;
	c->package_id = r < 0 ? -1 : (int)v;

	r = read_long(fd, "topology/die_id", -1, INT_MAX, &v);
	if (r < 0 && r != -ENOENT)
		return r;
	c->die_id = r < 0 ? -1 : (int)v;

	r = read_cpulist(l, fd, "topology/thread_siblings_list");
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return bitmap_to_array(l->mask, (unsigned)l->t->nr_cpus, &c->smt_siblings, &c->smt_sibling_count);
}

/* Cache sizes are printed as "32768K"; anything else is treated as unknown. */
static long parse_cache_size_kb(const char *s)
{
	char *end;
	long v, mult;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || errno == ERANGE || v < 0)
		return -1;
	switch (*end) {
	case 'K':
		mult = 1;
		break;
	case 'M':
		mult = 1024;
		break;
	case 'G':
		mult = 1024 * 1024;
		break;
	default:
		return -1;
	}
	for (end++; isspace((unsigned char)*end); end++)
		;
	if (*end || v > LONG_MAX / mult)
		return -1;
	return v * mult;
}

static int llc_find_or_add(struct loader *l, int level, long hw_id, unsigned long **shared)
{
	struct topology *t = l->t;
	struct topo_llc *llcs;
	struct llc_key *keys;
	size_t longs = CPULIST_LONGS((unsigned)t->nr_cpus);

	for (int i = 0; i < t->nr_llcs; i++) {
		struct llc_key *k = &l->keys[i];

		if (*shared && k->shared) {
			if (memcmp(*shared, k->shared, longs * sizeof(unsigned long)) == 0)
				return i;
		} else if (!*shared && !k->shared && k->level == level && k->hw_id == hw_id)
			return i;
	}

	/* At most one LLC per cpu, so this grows to nr_cpus at worst. */
	llcs = reallocarray(t->llcs, (size_t)t->nr_llcs + 1, sizeof(*llcs));
	if (!llcs)
		return -ENOMEM;
	t->llcs = llcs;
	keys = reallocarray(l->keys, (size_t)t->nr_llcs + 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	l->keys = keys;

	keys[t->nr_llcs] = (struct llc_key){ .level = level, .hw_id = hw_id, .shared = TAKE_PTR(*shared) };
	l->nr_keys++;
	llcs[t->nr_llcs] = (struct topo_llc){
		.id = t->nr_llcs,
		.level = level,
		.size_kb = -1,
		.node_id = -1,
	};
	return t->nr_llcs++;
}

/* The LLC is the cache/indexN with the highest level; an instruction cache
 * only counts if nothing else sits at that level. */
static int load_cpu_llc(struct loader *l, int fd, struct topo_cpu *c)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_free_ unsigned long *shared = NULL;
	char best[NAME_MAX + 1] = "", path[NAME_MAX + 32], buf[ATTR_MAX_SCALAR];
	long best_level = -1, hw_id, size_kb;
	bool best_instr = false;
	int r, idx;

	r = dir_open(fd, "cache", &d);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;

	for (struct dirent *de; (errno = 0, de = readdir(d));) {
		unsigned n;
		long level;
		bool instr;

		if (parse_name_number(de->d_name, "index", INT_MAX, &n) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/level", de->d_name);
		r = read_long(dirfd(d), path, 0, 255, &level);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		snprintf(path, sizeof(path), "%s/type", de->d_name);
		instr = read_file_at(dirfd(d), path, buf, sizeof(buf)) >= 0 &&
			strncmp(buf, "Instruction", strlen("Instruction")) == 0;

		if (level > best_level || (level == best_level && best_instr && !instr)) {
			best_level = level;
			best_instr = instr;
			strcpy(best, de->d_name);
		}
	}
	if (errno != 0)
		return negative_errno();
	if (best_level < 0)
		return 0;

	snprintf(path, sizeof(path), "%s/shared_cpu_list", best);
	r = read_cpulist(l, dirfd(d), path);
	if (r >= 0) {
		shared = bitmap_new((unsigned)l->t->nr_cpus);
		if (!shared)
			return -ENOMEM;
		memcpy(shared, l->mask, CPULIST_LONGS((unsigned)l->t->nr_cpus) * sizeof(unsigned long));
	} else if (r != -ENOENT)
		return r;

	snprintf(path, sizeof(path), "%s/id", best);
	hw_id = read_long_optional(dirfd(d), path, INT_MAX);
	if (!shared && hw_id < 0)
		return 0; /* nothing to tell this cache from another */

	snprintf(path, sizeof(path), "%s/size", best);
	size_kb = read_file_at(dirfd(d), path, buf, sizeof(buf)) >= 0 ? parse_cache_size_kb(buf) : -1;

	idx = llc_find_or_add(l, (int)best_level, hw_id, &shared);
	if (idx < 0)
		return idx;
	if (l->t->llcs[idx].size_kb < 0)
		l->t->llcs[idx].size_kb = size_kb;
	c->llc_id = idx;
	return 0;
}

static int load_cpu(struct loader *l, int id, const unsigned long *online_mask)
{
	struct topo_cpu *c = &l->t->cpus[id];
	_cleanup_close_ int fd = -1;
	char path[32];
	long v;
	int r;

	*c = (struct topo_cpu){
		.id = id,
		.core_id = -1,
		.package_id = -1,
		.die_id = -1,
		.llc_id = -1,
		.node_id = -1,
		.core_index = -1,
		.capacity = -1,
		.cur_khz = -1,
		.min_khz = -1,
		.max_khz = -1,
		.base_khz = -1,
	};

	snprintf(path, sizeof(path), "cpu%d", id);
	fd = openat(l->cpufd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		/* Possible but not present (VMs often declare far more). */
		return errno == ENOENT ? 0 : negative_errno();
	c->present = true;

	/* cpu0 usually has no online file because it cannot be unplugged. */
	r = read_long(fd, "online", 0, 1, &v);
	if (r == -ENOENT)
		c->online = online_mask ? bit_test(online_mask, (unsigned)id) : true;
	else if (r < 0)
		return r;
	else
		c->online = v == 1;

	r = load_cpu_topology(l, fd, c);
	if (r < 0)
		return r;
	r = load_cpu_llc(l, fd, c);
	if (r < 0)
		return r;

	c->capacity = read_long_optional(fd, "cpu_capacity", INT_MAX);
	c->cur_khz = read_long_optional(fd, "cpufreq/scaling_cur_freq", INT_MAX);
	c->min_khz = read_long_optional(fd, "cpufreq/cpuinfo_min_freq", INT_MAX);
	c->max_khz = read_long_optional(fd, "cpufreq/cpuinfo_max_freq", INT_MAX);
	c->base_khz = read_long_optional(fd, "cpufreq/base_frequency", INT_MAX);
	return 0;
}

/* Members of each LLC, in cpu order; its node is that of its first cpu. */
static int fill_llcs(struct topology *t)
{
	for (int i = 0; i < t->nr_llcs; i++) {
		struct topo_llc *llc = &t->llcs[i];

		for (int c = 0; c < t->nr_cpus; c++)
			if (t->cpus[c].llc_id == i)
				llc->nr_cpus++;
		llc->cpus = calloc((size_t)llc->nr_cpus, sizeof(int));
		if (!llc->cpus)
			return -ENOMEM;
		llc->nr_cpus = 0;
		for (int c = 0; c < t->nr_cpus; c++)
			if (t->cpus[c].llc_id == i) {
				if (llc->nr_cpus == 0)
					llc->node_id = t->cpus[c].node_id;
				llc->cpus[llc->nr_cpus++] = c;
			}
	}
	return 0;
}

struct core_key {
	int package_id, die_id, core_id, cpu;
};

static bool core_key_same_core(const struct core_key *x, const struct core_key *y)
{
	return x->package_id == y->package_id && x->die_id == y->die_id && x->core_id == y->core_id;
}

static int core_key_cmp(const void *a, const void *b)
{
	const struct core_key *x = a, *y = b;

	if (x->package_id != y->package_id)
		return x->package_id < y->package_id ? -1 : 1;
	if (x->die_id != y->die_id)
		return x->die_id < y->die_id ? -1 : 1;
	if (x->core_id != y->core_id)
		return x->core_id < y->core_id ? -1 : 1;
	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* Sorting by (package, die, core) numbers cores the way a reader expects and
 * keeps this O(n log n) on 8192 cpus. */
static int build_cores(struct topology *t)
{
	_cleanup_free_ struct core_key *keys = NULL;
	int n = 0, nr_cores = 0;

	keys = calloc((size_t)t->nr_cpus, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (int c = 0; c < t->nr_cpus; c++) {
		const struct topo_cpu *cpu = &t->cpus[c];

		if (cpu->core_id >= 0)
			keys[n++] = (struct core_key){ cpu->package_id, cpu->die_id, cpu->core_id, c };
	}
	qsort(keys, (size_t)n, sizeof(*keys), core_key_cmp);

	for (int i = 0; i < n; i++) {
		if (i == 0 || !core_key_same_core(&keys[i - 1], &keys[i]))
			nr_cores++;
		if (keys[i].package_id >= 0 && (i == 0 || keys[i].package_id != keys[i - 1].package_id))
			t->nr_packages++;
	}

	t->cores = calloc((size_t)MAX(nr_cores, 1), sizeof(*t->cores));
	if (!t->cores)
		return -ENOMEM;
	for (int i = 0, j; i < n; i = j) {
		struct topo_core *core = &t->cores[t->nr_cores];

		for (j = i; j < n && core_key_same_core(&keys[i], &keys[j]); j++)
			;
		*core = (struct topo_core){
			.id = t->nr_cores,
			.package_id = keys[i].package_id,
			.die_id = keys[i].die_id,
			.core_id = keys[i].core_id,
		};
		core->cpus = calloc((size_t)(j - i), sizeof(int));
		if (!core->cpus)
			return -ENOMEM;
		t->nr_cores++;
		for (int k = i; k < j; k++) {
			core->cpus[core->nr_cpus++] = keys[k].cpu;
			t->cpus[keys[k].cpu].core_index = core->id;
		}
	}
	return 0;
}

/* "10 21 ..." -> ints; distances are u8 in the kernel. */
static int parse_distances(const char *s, int **ret, int *ret_n)
{
	_cleanup_free_ int *a = NULL;
	int n = 0;

	a = calloc(TOPO_MAX_NODES, sizeof(int));
	if (!a)
		return -ENOMEM;
	for (const char *p = s;;) {
		char *end;
		long v;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		if (n >= TOPO_MAX_NODES)
			return -ERANGE;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno == ERANGE || v > 255)
			return -ERANGE;
		if (*end && !isspace((unsigned char)*end))
			return -EINVAL;
		a[n++] = (int)v;
		p = end;
	}
	if (n == 0) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	/* Shrinking cannot fail in a way that matters: keep the big one then. */
	*ret = reallocarray(a, (size_t)n, sizeof(int)) ?: a;
	a = NULL;
	*ret_n = n;
	return 0;
}

static long parse_meminfo_total_kb(const char *s)
{
	const char *p = strstr(s, "MemTotal:");
	char *end;
	long v;

	if (!p)
		return -1;
	p += strlen("MemTotal:");
	errno = 0;
	v = strtol(p, &end, 10);
	if (end == p || errno == ERANGE || v < 0)
		return -1;
	return v;
}

static int node_id_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Offline cpus drop out of the node cpulists but keep their cpuN/nodeM link. */
static int cpu_node_from_link(struct loader *l, int cpu)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char path[32];
	int r;

	snprintf(path, sizeof(path), "cpu%d", cpu);
	r = dir_open(l->cpufd, path, &d);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	for (struct dirent *de; (errno = 0, de = readdir(d));) {
		unsigned n;

		if (parse_name_number(de->d_name, "node", TOPO_MAX_NODES - 1, &n) == 0) {
			l->t->cpus[cpu].node_id = (int)n;
			return 0;
		}
	}
	return errno != 0 ? negative_errno() : 0;
}

static int load_node(struct loader *l, int nodefd, struct topo_node *node)
{
	struct topology *t = l->t;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "node%d/cpulist", node->id);
	r = read_cpulist(l, nodefd, path);
	if (r >= 0) {
		for (int c = 0; c < t->nr_cpus; c++)
			/* A cpu in two lists is a hotplug race; the first wins. */
			if (bit_test(l->mask, (unsigned)c) && t->cpus[c].node_id < 0)
				t->cpus[c].node_id = node->id;
	} else if (r != -ENOENT)
		return r;

	snprintf(path, sizeof(path), "node%d/distance", node->id);
	r = read_file_at(nodefd, path, l->scratch, ATTR_MAX_LIST);
	if (r >= 0) {
		r = parse_distances(l->scratch, &node->distances, &node->nr_distances);
		if (r < 0)
			return r;
	} else if (r != -ENOENT)
		return r;

	snprintf(path, sizeof(path), "node%d/meminfo", node->id);
	r = read_file_at(nodefd, path, l->scratch, ATTR_MAX_LIST);
	node->mem_total_kb = r >= 0 ? parse_meminfo_total_kb(l->scratch) : -1;
	return 0;
}

static int load_nodes(struct loader *l)
{
	struct topology *t = l->t;
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_free_ unsigned *ids = NULL;
	_cleanup_free_ int *index = NULL;
	int r, n = 0;

	r = dir_open(l->rootfd, "sys/devices/system/node", &d);
	if (r < 0 && r != -ENOENT)
		return r;
	if (d) {
		ids = calloc(TOPO_MAX_NODES, sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		for (struct dirent *de; (errno = 0, de = readdir(d));) {
			unsigned id;

			r = parse_name_number(de->d_name, "node", UINT_MAX, &id);
			if (r == -EINVAL)
				continue; /* online, possible, has_cpu, ... */
			if (r < 0 || id >= TOPO_MAX_NODES || n >= TOPO_MAX_NODES)
				return -ERANGE;
			ids[n++] = id;
		}
		if (errno != 0)
			return negative_errno();
	}

	if (n == 0) {
		/* No NUMA information: one node holding every present cpu. */
		t->nodes = calloc(1, sizeof(*t->nodes));
		if (!t->nodes)
			return -ENOMEM;
		t->nr_nodes = 1;
		t->nodes[0] = (struct topo_node){ .id = 0, .mem_total_kb = -1 };
		for (int c = 0; c < t->nr_cpus; c++)
			if (t->cpus[c].present)
				t->cpus[c].node_id = 0;
	} else {
		qsort(ids, (size_t)n, sizeof(*ids), node_id_cmp);
		t->nodes = calloc((size_t)n, sizeof(*t->nodes));
		if (!t->nodes)
			return -ENOMEM;
		for (int i = 0; i < n; i++) {
			t->nodes[i] = (struct topo_node){ .id = (int)ids[i], .mem_total_kb = -1 };
			t->nr_nodes++;
			r = load_node(l, dirfd(d), &t->nodes[i]);
			if (r < 0)
				return r;
		}
		for (int c = 0; c < t->nr_cpus; c++)
			if (t->cpus[c].present && t->cpus[c].node_id < 0) {
				r = cpu_node_from_link(l, c);
				if (r < 0)
					return r;
			}
	}

	index = calloc(TOPO_MAX_NODES, sizeof(int));
	if (!index)
		return -ENOMEM;
	for (int i = 0; i < TOPO_MAX_NODES; i++)
		index[i] = -1;
	for (int i = 0; i < t->nr_nodes; i++)
		index[t->nodes[i].id] = i;

	/* A link to a node without a nodeN dir is not worth believing. */
	for (int c = 0; c < t->nr_cpus; c++)
		if (t->cpus[c].node_id >= 0 && index[t->cpus[c].node_id] < 0)
			t->cpus[c].node_id = -1;

	for (int c = 0; c < t->nr_cpus; c++)
		if (t->cpus[c].node_id >= 0)
			t->nodes[index[t->cpus[c].node_id]].nr_cpus++;
	for (int i = 0; i < t->nr_nodes; i++) {
		struct topo_node *node = &t->nodes[i];

		node->cpus = calloc((size_t)MAX(node->nr_cpus, 1), sizeof(int));
		if (!node->cpus)
			return -ENOMEM;
		node->nr_cpus = 0;
	}
	for (int c = 0; c < t->nr_cpus; c++)
		if (t->cpus[c].node_id >= 0) {
			struct topo_node *node = &t->nodes[index[t->cpus[c].node_id]];

			node->cpus[node->nr_cpus++] = c;
		}
	return 0;
}

int topology_load(const char *root, struct topology **ret)
{
	_cleanup_(topology_freep) struct topology *t = NULL;
	_cleanup_(loader_done) struct loader l = { .rootfd = -1, .cpufd = -1 };
	_cleanup_free_ unsigned long *online = NULL;
	long v;
	int r;

	if (!root || !*root)
		return -EINVAL;

	l.rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l.rootfd < 0)
		return negative_errno();
	l.cpufd = openat(l.rootfd, "sys/devices/system/cpu", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l.cpufd < 0)
		return negative_errno();
	l.scratch = malloc(ATTR_MAX_LIST);
	if (!l.scratch)
		return -ENOMEM;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	l.t = t;

	r = load_nr_cpus(l.cpufd, l.scratch, &t->nr_cpus);
	if (r < 0)
		return r;
	t->cpus = calloc((size_t)t->nr_cpus, sizeof(*t->cpus));
	l.mask = bitmap_new((unsigned)t->nr_cpus);
	if (!t->cpus || !l.mask)
		return -ENOMEM;

	r = read_cpulist(&l, l.cpufd, "online");
	if (r >= 0) {
		online = bitmap_new((unsigned)t->nr_cpus);
		if (!online)
			return -ENOMEM;
		memcpy(online, l.mask, CPULIST_LONGS((unsigned)t->nr_cpus) * sizeof(unsigned long));
	} else if (r != -ENOENT)
		return r;

	for (int c = 0; c < t->nr_cpus; c++) {
		r = load_cpu(&l, c, online);
		if (r < 0)
			return r;
		if (t->cpus[c].online)
			t->nr_online++;
	}
	if (t->nr_online == 0)
		return -ENOENT;

	r = build_cores(t);
	if (r < 0)
		return r;
	r = load_nodes(&l);
	if (r < 0)
		return r;
	r = fill_llcs(t);
	if (r < 0)
		return r;

	r = read_long(l.cpufd, "smt/active", 0, 1, &v);
	if (r >= 0)
		t->smt_active = v == 1;
	else
		for (int c = 0; c < t->nr_cpus; c++)
			if (t->cpus[c].online && t->cpus[c].smt_sibling_count > 1)
				t->smt_active = true;

	*ret = TAKE_PTR(t);
	return 0;
}

void topology_free(struct topology *t)
{
	if (!t)
		return;
	for (int i = 0; t->cpus && i < t->nr_cpus; i++)
		free(t->cpus[i].smt_siblings);
	for (int i = 0; i < t->nr_llcs; i++)
		free(t->llcs[i].cpus);
	for (int i = 0; i < t->nr_cores; i++)
		free(t->cores[i].cpus);
	for (int i = 0; i < t->nr_nodes; i++) {
		free(t->nodes[i].cpus);
		free(t->nodes[i].distances);
	}
	free(t->cpus);
	free(t->llcs);
	free(t->cores);
	free(t->nodes);
	free(t);
}

int topology_node_index(const struct topology *t, int node_id)
{
	for (int i = 0; i < t->nr_nodes; i++)
		if (t->nodes[i].id == node_id)
			return i;
	return -ENOENT;
}

/* ---- JSON ---- */

/* jansson drops the value on a failed set/append, so one check covers both
 * a NULL from the constructor and the insert. */
static int obj_set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) < 0 ? -ENOMEM : 0;
}

static int obj_set_known(json_t *o, const char *key, long v)
{
	return v < 0 ? 0 : obj_set(o, key, json_integer(v));
}

static int arr_add(json_t *a, json_t *v)
{
	return json_array_append_new(a, v) < 0 ? -ENOMEM : 0;
}

static bool cpu_shown(const struct topology *t, int cpu, bool include_offline)
{
	return include_offline || t->cpus[cpu].online;
}

static int json_cpu_array(const struct topology *t, const int *cpus, int n, bool include_offline,
			  json_t **ret)
{
	_cleanup_json_ json_t *a = json_array();
	int r;

	if (!a)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (cpu_shown(t, cpus[i], include_offline)) {
			r = arr_add(a, json_integer(cpus[i]));
			if (r < 0)
				return r;
		}
	*ret = TAKE_PTR(a);
	return 0;
}

static int json_cpu_string(const struct topology *t, const int *cpus, int n, bool include_offline,
			   json_t **ret)
{
	_cleanup_free_ unsigned long *b = NULL;
	_cleanup_free_ char *s = NULL;
	json_t *j;
	int r;

	b = bitmap_new((unsigned)t->nr_cpus);
	if (!b)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (cpu_shown(t, cpus[i], include_offline))
			bit_set(b, (unsigned)cpus[i]);
	r = cpulist_format(b, (unsigned)t->nr_cpus, &s);
	if (r < 0)
		return r;
	j = json_string(s);
	if (!j)
		return -ENOMEM;
	*ret = j;
	return 0;
}

static int json_add_cpu_array(json_t *o, const char *key, const struct topology *t, const int *cpus, int n,
			      bool include_offline)
{
	json_t *a = NULL;
	int r;

	r = json_cpu_array(t, cpus, n, include_offline, &a);
	return r < 0 ? r : obj_set(o, key, a);
}

static int json_add_cpu_string(json_t *o, const char *key, const struct topology *t, const int *cpus, int n,
			       bool include_offline)
{
	json_t *s = NULL;
	int r;

	r = json_cpu_string(t, cpus, n, include_offline, &s);
	return r < 0 ? r : obj_set(o, key, s);
}

static int json_add_counts(json_t *o, const struct topology *t)
{
	int r = 0;

	r = r ?: obj_set(o, "nr_cpus", json_integer(t->nr_cpus));
	r = r ?: obj_set(o, "nr_online", json_integer(t->nr_online));
	r = r ?: obj_set(o, "nr_packages", json_integer(t->nr_packages));
	r = r ?: obj_set(o, "nr_cores", json_integer(t->nr_cores));
	r = r ?: obj_set(o, "nr_llcs", json_integer(t->nr_llcs));
	r = r ?: obj_set(o, "nr_nodes", json_integer(t->nr_nodes));
	r = r ?: obj_set(o, "smt_active", json_boolean(t->smt_active));
	return r;
}

/* *ret is NULL when the cpu exposes no frequency at all. */
static int json_frequency(const struct topo_cpu *c, json_t **ret)
{
	_cleanup_json_ json_t *f = NULL;
	int r = 0;

	if (c->cur_khz >= 0 || c->min_khz >= 0 || c->max_khz >= 0 || c->base_khz >= 0) {
		f = json_object();
		if (!f)
			return -ENOMEM;
		r = r ?: obj_set_known(f, "cur", c->cur_khz);
		r = r ?: obj_set_known(f, "min", c->min_khz);
		r = r ?: obj_set_known(f, "max", c->max_khz);
		r = r ?: obj_set_known(f, "base", c->base_khz);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(f);
	return 0;
}

static int json_cpu(const struct topology *t, const struct topo_cpu *c, bool include_offline, json_t **ret)
{
	_cleanup_json_ json_t *o = json_object();
	json_t *freq = NULL;
	int r = 0;

	if (!o)
		return -ENOMEM;
	r = r ?: obj_set(o, "id", json_integer(c->id));
	r = r ?: obj_set(o, "online", json_boolean(c->online));
	r = r ?: obj_set_known(o, "core_id", c->core_id);
	r = r ?: obj_set_known(o, "package_id", c->package_id);
	r = r ?: obj_set_known(o, "die_id", c->die_id);
	r = r ?: obj_set_known(o, "llc_id", c->llc_id);
	r = r ?: obj_set_known(o, "node_id", c->node_id);
	r = r ?: obj_set_known(o, "core_index", c->core_index);
	if (r == 0 && c->smt_sibling_count > 0)
		r = json_add_cpu_array(o, "smt_siblings", t, c->smt_siblings, (int)c->smt_sibling_count,
				       include_offline);
	r = r ?: obj_set_known(o, "capacity", c->capacity);
	r = r ?: json_frequency(c, &freq);
	if (r == 0 && freq)
		r = obj_set(o, "frequency_khz", freq);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(o);
	return 0;
}

static int json_full(const struct topology *t, bool include_offline, json_t *root)
{
	json_t *cpus, *llcs, *nodes, *cores;
	int r;

	r = obj_set(root, "cpus", cpus = json_array());
	r = r ?: obj_set(root, "llcs", llcs = json_array());
	r = r ?: obj_set(root, "nodes", nodes = json_array());
	r = r ?: obj_set(root, "cores", cores = json_array());
	if (r < 0)
		return r;

	for (int i = 0; i < t->nr_cpus; i++) {
		json_t *c = NULL;

		if (!cpu_shown(t, i, include_offline))
			continue;
		r = json_cpu(t, &t->cpus[i], include_offline, &c);
		r = r ?: arr_add(cpus, c);
		if (r < 0)
			return r;
	}

	for (int i = 0; i < t->nr_llcs; i++) {
		const struct topo_llc *llc = &t->llcs[i];
		json_t *o = json_object();

		r = arr_add(llcs, o);
		r = r ?: obj_set(o, "id", json_integer(llc->id));
		r = r ?: obj_set(o, "level", json_integer(llc->level));
		r = r ?: obj_set_known(o, "size_kb", llc->size_kb);
		r = r ?: obj_set_known(o, "node_id", llc->node_id);
		r = r ?: json_add_cpu_array(o, "cpus", t, llc->cpus, llc->nr_cpus, include_offline);
		if (r < 0)
			return r;
	}

	for (int i = 0; i < t->nr_nodes; i++) {
		const struct topo_node *node = &t->nodes[i];
		json_t *o = json_object(), *d = NULL;

		r = arr_add(nodes, o);
		r = r ?: obj_set(o, "id", json_integer(node->id));
		r = r ?: json_add_cpu_array(o, "cpus", t, node->cpus, node->nr_cpus, include_offline);
		if (r == 0 && node->nr_distances > 0) {
			r = obj_set(o, "distances", d = json_array());
			for (int k = 0; r == 0 && k < node->nr_distances; k++)
				r = arr_add(d, json_integer(node->distances[k]));
		}
		r = r ?: obj_set_known(o, "mem_total_kb", node->mem_total_kb);
		if (r < 0)
			return r;
	}

	for (int i = 0; i < t->nr_cores; i++) {
		const struct topo_core *core = &t->cores[i];
		json_t *o = json_object();

		r = arr_add(cores, o);
		r = r ?: obj_set(o, "id", json_integer(core->id));
		r = r ?: obj_set_known(o, "package_id", core->package_id);
		r = r ?: obj_set_known(o, "die_id", core->die_id);
		r = r ?: obj_set(o, "core_id", json_integer(core->core_id));
		r = r ?: json_add_cpu_array(o, "cpus", t, core->cpus, core->nr_cpus, include_offline);
		if (r < 0)
			return r;
	}
	return 0;
}

static int json_summary(const struct topology *t, bool include_offline, json_t *root)
{
	_cleanup_free_ int *on = NULL, *off = NULL;
	int n_on = 0, n_off = 0, r;
	long fmin = -1, fmax = -1;
	json_t *llcs, *nodes;

	on = calloc((size_t)t->nr_cpus, sizeof(int));
	off = calloc((size_t)t->nr_cpus, sizeof(int));
	if (!on || !off)
		return -ENOMEM;
	for (int c = 0; c < t->nr_cpus; c++) {
		const struct topo_cpu *cpu = &t->cpus[c];

		if (!cpu->online) {
			off[n_off++] = c;
			continue;
		}
		on[n_on++] = c;
		if (cpu->min_khz >= 0 && (fmin < 0 || cpu->min_khz < fmin))
			fmin = cpu->min_khz;
		if (cpu->max_khz > fmax)
			fmax = cpu->max_khz;
	}

	r = json_add_cpu_string(root, "online", t, on, n_on, true);
	if (r == 0 && n_off > 0)
		r = json_add_cpu_string(root, "offline", t, off, n_off, true);

	/* The LLC list is indexed by llc id; level and size are in FULL. */
	r = r ?: obj_set(root, "llcs", llcs = json_array());
	for (int i = 0; r == 0 && i < t->nr_llcs; i++) {
		json_t *s = NULL;

		r = json_cpu_string(t, t->llcs[i].cpus, t->llcs[i].nr_cpus, include_offline, &s);
		r = r ?: arr_add(llcs, s);
	}

	r = r ?: obj_set(root, "nodes", nodes = json_array());
	for (int i = 0; r == 0 && i < t->nr_nodes; i++) {
		const struct topo_node *node = &t->nodes[i];
		json_t *o = json_object();

		r = arr_add(nodes, o);
		r = r ?: obj_set(o, "id", json_integer(node->id));
		r = r ?: json_add_cpu_string(o, "cpus", t, node->cpus, node->nr_cpus, include_offline);
	}

	if (r == 0 && (fmin >= 0 || fmax >= 0)) {
		json_t *f = json_object();

		r = obj_set(root, "frequency_khz", f);
		r = r ?: obj_set_known(f, "min", fmin);
		r = r ?: obj_set_known(f, "max", fmax);
	}
	return r;
}

int topology_to_json(const struct topology *t, enum topo_detail detail, bool include_offline, json_t **ret)
{
	_cleanup_json_ json_t *root = NULL;
	int r;

	if (!t || (unsigned)detail >= TOPO_DETAIL_MAX)
		return -EINVAL;
	root = json_object();
	if (!root)
		return -ENOMEM;
	r = json_add_counts(root, t);
	if (r < 0)
		return r;
	if (detail == TOPO_DETAIL_FULL)
		r = json_full(t, include_offline, root);
	else
		r = json_summary(t, include_offline, root);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(root);
	return 0;
}
