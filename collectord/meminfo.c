/* meminfo.c: parses /proc/meminfo (totals, ratios) and /proc/vmstat (paging and reclaim counters). */
#include <errno.h>
#include <string.h>

#include "errmsg.h"
#include "json-util.h"
#include "macro.h"
#include "meminfo.h"
#include "procfs.h"

static const struct {
	const char *key;
	const char *json;
	bool kb; /* printed with a " kB" unit */
} meminfo_fields[MEMINFO_MAX] = {
	[MEMINFO_MEM_TOTAL] = { "MemTotal", "mem_total_kb", true },
	[MEMINFO_MEM_FREE] = { "MemFree", "mem_free_kb", true },
	[MEMINFO_MEM_AVAILABLE] = { "MemAvailable", "mem_available_kb", true },
	[MEMINFO_BUFFERS] = { "Buffers", "buffers_kb", true },
	[MEMINFO_CACHED] = { "Cached", "cached_kb", true },
	[MEMINFO_SWAP_CACHED] = { "SwapCached", "swap_cached_kb", true },
	[MEMINFO_ACTIVE] = { "Active", "active_kb", true },
	[MEMINFO_INACTIVE] = { "Inactive", "inactive_kb", true },
	[MEMINFO_SWAP_TOTAL] = { "SwapTotal", "swap_total_kb", true },
	[MEMINFO_SWAP_FREE] = { "SwapFree", "swap_free_kb", true },
	[MEMINFO_DIRTY] = { "Dirty", "dirty_kb", true },
	[MEMINFO_WRITEBACK] = { "Writeback", "writeback_kb", true },
	[MEMINFO_ANON_PAGES] = { "AnonPages", "anon_pages_kb", true },
	[MEMINFO_MAPPED] = { "Mapped", "mapped_kb", true },
	[MEMINFO_SHMEM] = { "Shmem", "shmem_kb", true },
	[MEMINFO_SLAB] = { "Slab", "slab_kb", true },
	[MEMINFO_SRECLAIMABLE] = { "SReclaimable", "slab_reclaimable_kb", true },
	[MEMINFO_SUNRECLAIM] = { "SUnreclaim", "slab_unreclaimable_kb", true },
	[MEMINFO_KERNEL_STACK] = { "KernelStack", "kernel_stack_kb", true },
	[MEMINFO_PAGE_TABLES] = { "PageTables", "page_tables_kb", true },
	[MEMINFO_COMMIT_LIMIT] = { "CommitLimit", "commit_limit_kb", true },
	[MEMINFO_COMMITTED_AS] = { "Committed_AS", "committed_as_kb", true },
	[MEMINFO_HUGEPAGES_TOTAL] = { "HugePages_Total", "hugepages_total", false },
	[MEMINFO_HUGEPAGES_FREE] = { "HugePages_Free", "hugepages_free", false },
	[MEMINFO_HUGEPAGESIZE] = { "Hugepagesize", "hugepage_size_kb", true },
};

const char *meminfo_field_json_name(enum meminfo_field f)
{
	return f < MEMINFO_MAX ? meminfo_fields[f].json : NULL;
}

static int meminfo_lookup(const char *key, size_t klen)
{
	for (unsigned i = 0; i < MEMINFO_MAX; i++)
		if (strlen(meminfo_fields[i].key) == klen && strncmp(meminfo_fields[i].key, key, klen) == 0)
			return (int)i;
	return -ENOENT;
}

/* Splits a "KEY<sep>VALUE" line: the key up to the first sep, the value after
 * it with blanks skipped. -EINVAL with a message naming the expected form when
 * there is no sep, no key, or (need_value) no value. */
static int split_line(const char *p, const char *eol, char sep, bool need_value, unsigned line,
		      const char *form, size_t *ret_klen, const char **ret_value, char **ret_error)
{
	const char *s = memchr(p, sep, (size_t)(eol - p));
	const char *value = s ? skip_blanks(s + 1) : eol;

	if (!s || s == p || (need_value && value == eol))
		return errmsg_set(ret_error, -EINVAL, "line %u: expected '%s', got '%.*s'", line, form,
				  (int)MIN((size_t)(eol - p), 40u), p);
	*ret_klen = (size_t)(s - p);
	*ret_value = value;
	return 0;
}

int meminfo_parse(const char *text, struct meminfo *ret, char **ret_error)
{
	struct meminfo mi = {};
	unsigned line = 0;
	const char *eol;

	if (text_check_lines(text, ret_error) < 0)
		return -EINVAL;

	for (const char *p = text; *p; p = eol + 1) {
		const char *key = p;
		uint64_t v;
		size_t klen;
		int f, r;

		line++;
		eol = strchr(p, '\n');
		r = split_line(key, eol, ':', false, line, "Key: value", &klen, &p, ret_error);
		if (r < 0)
			return r;
		f = meminfo_lookup(key, klen);
		if (f < 0)
			continue; /* a field this version does not know */
		if (meminfo_has(&mi, f))
			return errmsg_set(ret_error, -EINVAL, "line %u: %s appears twice", line,
					  meminfo_fields[f].key);
		r = parse_u64_at(&p, &v);
		if (r < 0)
			return errmsg_set(ret_error, r, "line %u: %s: %s number at '%.*s'", line,
					  meminfo_fields[f].key, r == -ERANGE ? "out-of-range" : "bad",
					  snippet_len(p), p);
		p = skip_blanks(p);
		if (meminfo_fields[f].kb) {
			if (strncmp(p, "kB", 2) != 0)
				return errmsg_set(ret_error, -EINVAL, "line %u: %s: expected a value in kB",
						  line, meminfo_fields[f].key);
			p = skip_blanks(p + 2);
		}
		if (p != eol)
			return errmsg_set(ret_error, -EINVAL,
					  "line %u: %s: unexpected '%.*s' after the value", line,
					  meminfo_fields[f].key, (int)MIN((size_t)(eol - p), 16u), p);
		mi.v[f] = v;
		mi.present |= 1ull << f;
	}
	if (!meminfo_has(&mi, MEMINFO_MEM_TOTAL) || !meminfo_has(&mi, MEMINFO_MEM_AVAILABLE))
		return errmsg_set(ret_error, -EINVAL, "%s missing (cut off, or a kernel older than 3.14?)",
				  meminfo_has(&mi, MEMINFO_MEM_TOTAL) ? "MemAvailable" : "MemTotal");
	if (mi.v[MEMINFO_MEM_TOTAL] == 0)
		return errmsg_set(ret_error, -EINVAL, "MemTotal is 0");
	*ret = mi;
	return 0;
}

DEFINE_PROCFS_READ(meminfo, struct meminfo, "/proc/meminfo", MEMINFO_MAX_BYTES)

/* Ratios to four places: more would be noise in a context window. */
static json_t *json_ratio(uint64_t num, uint64_t den)
{
	double r = den ? (double)MIN(num, den) / (double)den : 0;

	return json_real((double)(long long)(r * 10000 + 0.5) / 10000);
}

json_t *meminfo_to_json(const struct meminfo *mi)
{
	_cleanup_json_ json_t *o = json_object();
	uint64_t total = mi->v[MEMINFO_MEM_TOTAL], avail = mi->v[MEMINFO_MEM_AVAILABLE];

	if (!o)
		return NULL;
	for (unsigned i = 0; i < MEMINFO_MAX; i++)
		if (meminfo_has(mi, i) &&
		    json_object_set_new(o, meminfo_fields[i].json, json_integer((json_int_t)mi->v[i])) < 0)
			return NULL;
	/* MemAvailable can exceed MemTotal only through estimation error: clamp. */
	if (json_object_set_new(o, "used_ratio", json_ratio(total - MIN(avail, total), total)) < 0 ||
	    json_object_set_new(o, "available_ratio", json_ratio(avail, total)) < 0)
		return NULL;
	if (!meminfo_has(mi, MEMINFO_SWAP_TOTAL) || !meminfo_has(mi, MEMINFO_SWAP_FREE)) {
		if (json_object_set_new(o, "swap_used_ratio", json_null()) < 0 ||
		    json_object_set_new(o, "swap_note",
					json_string("SwapTotal or SwapFree is not in /proc/meminfo")) < 0)
			return NULL;
	} else if (mi->v[MEMINFO_SWAP_TOTAL] == 0) {
		if (json_object_set_new(o, "swap_used_ratio", json_null()) < 0 ||
		    json_object_set_new(o, "swap_note",
					json_string("no swap is configured (SwapTotal is 0)")) < 0)
			return NULL;
	} else {
		uint64_t st = mi->v[MEMINFO_SWAP_TOTAL], sf = MIN(mi->v[MEMINFO_SWAP_FREE], st);

		if (json_object_set_new(o, "swap_used_ratio", json_ratio(st - sf, st)) < 0)
			return NULL;
	}
	return TAKE_PTR(o);
}

static const char *const vmstat_names[VMSTAT_MAX] = {
	[VMSTAT_PGFAULT] = "pgfault", [VMSTAT_PGMAJFAULT] = "pgmajfault", [VMSTAT_PSWPIN] = "pswpin",
	[VMSTAT_PSWPOUT] = "pswpout", [VMSTAT_PGPGIN] = "pgpgin",	  [VMSTAT_PGPGOUT] = "pgpgout",
	[VMSTAT_PGSCAN] = "pgscan",   [VMSTAT_PGSTEAL] = "pgsteal",
};

const char *vmstat_counter_to_string(enum vmstat_counter c)
{
	return c < VMSTAT_MAX ? vmstat_names[c] : NULL;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && strncmp(s + len - n, suffix, n) == 0;
}

/* Which counter a vmstat line feeds, and whether it is summed (reclaim) or unique. */
static int vmstat_lookup(const char *key, size_t klen, bool *ret_sum)
{
	*ret_sum = false;
	for (unsigned i = 0; i < VMSTAT_PGSCAN; i++)
		if (strlen(vmstat_names[i]) == klen && strncmp(vmstat_names[i], key, klen) == 0)
			return (int)i;
	if (has_suffix(key, klen, "_anon") || has_suffix(key, klen, "_file"))
		return -ENOENT;
	*ret_sum = true;
	if (klen > 7 && strncmp(key, "pgscan_", 7) == 0 &&
	    !(klen == 22 && strncmp(key, "pgscan_direct_throttle", 22) == 0))
		return VMSTAT_PGSCAN;
	if (klen > 8 && strncmp(key, "pgsteal_", 8) == 0)
		return VMSTAT_PGSTEAL;
	return -ENOENT;
}

int vmstat_parse(const char *text, struct vmstat *ret, char **ret_error)
{
	struct vmstat vm = {};
	unsigned line = 0;
	const char *eol;

	if (text_check_lines(text, ret_error) < 0)
		return -EINVAL;

	for (const char *p = text; *p; p = eol + 1) {
		const char *key = p;
		uint64_t v;
		size_t klen;
		bool sum;
		int c, r;

		line++;
		eol = strchr(p, '\n');
		r = split_line(key, eol, ' ', true, line, "name value", &klen, &p, ret_error);
		if (r < 0)
			return r;
		c = vmstat_lookup(key, klen, &sum);
		if (c < 0)
			continue;
		r = parse_u64_at(&p, &v);
		if (r < 0 || skip_blanks(p) != eol)
			return errmsg_set(ret_error, r < 0 ? r : -EINVAL, "line %u: %.*s: %s number", line,
					  (int)klen, key, r == -ERANGE ? "out-of-range" : "bad");
		if (!sum && (vm.present & (1u << c)))
			return errmsg_set(ret_error, -EINVAL, "line %u: %.*s appears twice", line, (int)klen,
					  key);
		if (sum && vm.v[c] > UINT64_MAX - v)
			return errmsg_set(ret_error, -ERANGE, "line %u: %s sum overflows", line,
					  vmstat_names[c]);
		vm.v[c] = sum ? vm.v[c] + v : v;
		vm.present |= 1u << c;
	}
	if (line == 0)
		return errmsg_set(ret_error, -EINVAL, "empty");
	*ret = vm;
	return 0;
}

DEFINE_PROCFS_READ(vmstat, struct vmstat, "/proc/vmstat", VMSTAT_MAX_BYTES)
