/* procmaps.c: parses /proc/PID/maps, keeps a sorted non-overlapping set of mappings, finds an address. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "procfs.h"
#include "procmaps.h"

#define PROCMAPS_FILE_MAX (64u << 20)
#define PROCMAPS_ENTRIES_MAX 65536

static void entry_free(struct map_entry *e)
{
	free(e->path);
	e->path = NULL;
}

void procmaps_clear(struct proc_maps *pm)
{
	for (size_t i = 0; i < pm->n; i++)
		entry_free(&pm->v[i]);
	free(pm->v);
	*pm = (struct proc_maps){ 0 };
}

static size_t lower_bound(const struct proc_maps *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo; /* first entry starting above addr */
}

const struct map_entry *procmaps_find(const struct proc_maps *pm, uint64_t addr)
{
	size_t i = lower_bound(pm, addr);

	if (i == 0)
		return NULL;
	return addr < pm->v[i - 1].end ? &pm->v[i - 1] : NULL;
}

static int reserve(struct proc_maps *pm, size_t extra)
{
	size_t cap;
	struct map_entry *v;

	if (pm->n + extra <= pm->cap)
		return 0;
	if (pm->n + extra > PROCMAPS_ENTRIES_MAX)
		return -E2BIG;
	cap = MAX(pm->cap * 2, pm->n + extra + 8);
	v = realloc(pm->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	pm->v = v;
	pm->cap = cap;
	return 0;
}

int procmaps_add(struct proc_maps *pm, uint64_t start, uint64_t end, uint64_t pgoff, uint32_t maj, uint32_t min,
		 uint64_t ino, const char *path)
{
	struct map_entry e = { .start = start, .end = end, .pgoff = pgoff, .maj = maj, .min = min, .ino = ino };
	size_t len = strlen(path), i;
	int r;

	if (end <= start)
		return -EINVAL;
	if (len > 10 && strcmp(path + len - 10, " (deleted)") == 0) {
		e.deleted = true;
		len -= 10;
	}
	e.path = strndup(path, len);
	if (!e.path)
		return -ENOMEM;
	/* Two more slots at most: one split in two by the new mapping, plus it. */
	r = reserve(pm, 2);
	if (r < 0) {
		free(e.path);
		return r;
	}
	/* Trim or drop what the new mapping covers. */
	for (i = 0; i < pm->n;) {
		struct map_entry *o = &pm->v[i];

		if (o->end <= start || o->start >= end) {
			i++;
			continue;
		}
		if (o->start < start && o->end > end) {
			/* The new mapping punches a hole: keep both sides. */
			struct map_entry tail = *o;

			tail.pgoff += end - o->start;
			tail.start = end;
			tail.path = strdup(o->path);
			if (!tail.path) {
				free(e.path);
				return -ENOMEM;
			}
			o->end = start;
			memmove(&pm->v[i + 2], &pm->v[i + 1], (pm->n - i - 1) * sizeof(*o));
			pm->v[i + 1] = tail;
			pm->n++;
			i += 2;
		} else if (o->start < start) {
			o->end = start;
			i++;
		} else if (o->end > end) {
			o->pgoff += end - o->start;
			o->start = end;
			i++;
		} else {
			entry_free(o);
			memmove(o, o + 1, (pm->n - i - 1) * sizeof(*o));
			pm->n--;
		}
	}
	i = lower_bound(pm, start);
	memmove(&pm->v[i + 1], &pm->v[i], (pm->n - i) * sizeof(e));
	pm->v[i] = e;
	pm->n++;
	return 0;
}

int procmaps_copy(const struct proc_maps *from, struct proc_maps *to)
{
	struct proc_maps c = { 0 };

	/* Entry by entry, not through procmaps_add(): a path is already without the kernel's
	 * " (deleted)", and one still ending in it (a file so named) must not lose it, or a
	 * forked child's mapping names another file (found by fuzz-procmaps). */
	if (from->n) {
		c.v = calloc(from->n, sizeof(*c.v));
		if (!c.v)
			return -ENOMEM;
		c.cap = from->n;
	}
	for (size_t i = 0; i < from->n; i++) {
		c.v[i] = from->v[i];
		c.v[i].path = strdup(from->v[i].path);
		if (!c.v[i].path) {
			procmaps_clear(&c);
			return -ENOMEM;
		}
		c.n = i + 1;
	}
	procmaps_clear(to);
	*to = c;
	return 0;
}

/* One line: "start-end perms offset maj:min inode   path". */
static int parse_line(const char *line, size_t len, struct proc_maps *pm)
{
	uint64_t start, end, pgoff, ino;
	unsigned maj, min;
	char perms[8];
	int path_at = 0;
	_cleanup_free_ char *copy = strndup(line, len);

	if (!copy)
		return -ENOMEM;
	if (sscanf(copy, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n", &start, &end, perms,
		   &pgoff, &maj, &min, &ino, &path_at) < 7)
		return 0; /* not a mapping line: skipped */
	/* An empty or reversed range is a malformed line too: skipped, not the end of the
	 * whole parse (found by fuzz-procmaps). */
	if (strlen(perms) < 3 || perms[2] != 'x' || end <= start)
		return 0;
	return procmaps_add(pm, start, end, pgoff, maj, min, ino, path_at > 0 ? copy + path_at : "");
}

int procmaps_parse(const char *text, struct proc_maps *ret)
{
	const char *p = text;
	int r;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		r = parse_line(p, len, ret);
		if (r < 0)
			return r;
		p += len + (nl ? 1 : 0);
	}
	return 0;
}

int procmaps_load(const char *root, pid_t pid, struct proc_maps *ret)
{
	_cleanup_free_ char *text = NULL;
	struct proc_maps pm = { 0 };
	char path[64];
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	r = procfs_read(root, path, PROCMAPS_FILE_MAX, &text, &len);
	if (r < 0)
		return r;
	r = procmaps_parse(text, &pm);
	if (r < 0) {
		procmaps_clear(&pm);
		return r;
	}
	procmaps_clear(ret);
	*ret = pm;
	return 0;
}

const char *map_entry_basename(const struct map_entry *e)
{
	const char *slash;

	if (!e->path[0])
		return "[anon]";
	if (e->path[0] == '[')
		return e->path;
	slash = strrchr(e->path, '/');
	return slash ? slash + 1 : e->path;
}

bool map_entry_is_file(const struct map_entry *e)
{
	return e->path[0] == '/' && e->ino != 0;
}
