/* symbolize.c: kernel and user address resolution with bounded caches shared by every profile. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "elfimage.h"
#include "hashmap.h"
#include "kallsyms.h"
#include "macro.h"
#include "perfmap.h"
#include "procfs.h"
#include "symbolize.h"

#define SYMBOLIZER_MAX_BYTES_DEFAULT (256u << 20)
#define SYMBOLIZER_MAX_IMAGES_DEFAULT 512
#define SYMBOLIZER_MAX_PERFMAPS 64
#define PERFMAP_FILE_MAX (256u << 20)
/* How long a file that could not be opened is not tried again. */
#define NEGATIVE_TTL_NS (10ull * 1000000000ull)
/* How often /proc/modules (kernel) and perf-PID.map files (JIT) are checked for changes. */
#define RECHECK_NS (1000000000ull)

/* One ELF file; shared by every (device, inode) with the same build-id. */
struct shared_image {
	struct elf_image *img;
	unsigned refs;
};

struct image_entry {
	uint64_t dev, ino;
	struct shared_image *shared; /* NULL: could not be opened (negative entry) */
	int error;
	uint64_t stamp;   /* last use, on the symbolizer's clock */
	uint64_t made_ns; /* for negative entries */
	/* A file rebuilt in place keeps its inode: its size and mtime tell. */
	struct timespec mtime;
	off_t size;
	uint64_t checked_ns;
};

struct perfmap_entry {
	pid_t tgid;
	struct perfmap map;
	bool missing;
	struct timespec mtime;
	off_t size;
	uint64_t checked_ns, stamp;
};

struct symbolizer {
	char root[256];
	char debug_root[256];
	size_t max_bytes;
	unsigned max_images;

	struct kallsyms *ksyms;
	uint64_t modules_hash, ksyms_checked_ns;
	int ksyms_error;
	unsigned ksyms_loads;

	struct hashmap images;   /* image_entry by (dev, ino) */
	struct hashmap perfmaps; /* perfmap_entry by tgid */
	uint64_t clock;
	uint64_t hits, misses, loads, failures, evictions;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int symbolizer_new(const struct symbolizer_options *o, struct symbolizer **ret)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	snprintf(s->root, sizeof(s->root), "%s", o && o->root ? o->root : "");
	snprintf(s->debug_root, sizeof(s->debug_root), "%s",
		 o && o->debug_root ? o->debug_root : "/usr/lib/debug");
	s->max_bytes = o && o->max_bytes ? o->max_bytes : SYMBOLIZER_MAX_BYTES_DEFAULT;
	s->max_images = o && o->max_images ? o->max_images : SYMBOLIZER_MAX_IMAGES_DEFAULT;
	*ret = s;
	return 0;
}

static void shared_unref(struct shared_image *si)
{
	if (si && --si->refs == 0) {
		elf_image_free(si->img);
		free(si);
	}
}

static void image_entry_free(void *p)
{
	struct image_entry *e = p;

	shared_unref(e->shared);
	free(e);
}

static void perfmap_entry_free(void *p)
{
	struct perfmap_entry *e = p;

	perfmap_clear(&e->map);
	free(e);
}

void symbolizer_flush(struct symbolizer *s)
{
	hashmap_clear(&s->images, image_entry_free);
	hashmap_clear(&s->perfmaps, perfmap_entry_free);
	kallsyms_free(s->ksyms);
	s->ksyms = NULL;
	s->ksyms_checked_ns = 0;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	symbolizer_flush(s);
	free(s);
}

/* ---- kernel ---- */

static int ksyms_refresh(struct symbolizer *s)
{
	uint64_t now = mono_ns(), h;
	struct kallsyms *k;
	int r;

	if (s->ksyms && now - s->ksyms_checked_ns < RECHECK_NS)
		return 0;
	if (!s->ksyms && s->ksyms_error && now - s->ksyms_checked_ns < RECHECK_NS)
		return s->ksyms_error;
	s->ksyms_checked_ns = now;
	h = kallsyms_modules_hash(s->root);
	if (s->ksyms && h == s->modules_hash)
		return 0;
	r = kallsyms_load(s->root, &k);
	if (r < 0) {
		s->ksyms_error = r;
		return s->ksyms ? 0 : r; /* keep what we had */
	}
	kallsyms_free(s->ksyms);
	s->ksyms = k;
	s->modules_hash = h;
	s->ksyms_error = 0;
	s->ksyms_loads++;
	return 0;
}

void symbolizer_preload_kernel(struct symbolizer *s)
{
	ksyms_refresh(s);
}

int symbolizer_kernel(struct symbolizer *s, uint64_t addr, struct sym_result *ret)
{
	struct ksym_match m;

	if (ksyms_refresh(s) < 0 || kallsyms_lookup(s->ksyms, addr, &m) < 0) {
		*ret = (struct sym_result){ .kind = SYM_UNKNOWN, .module = "[kernel.kallsyms]" };
		return 0;
	}
	*ret = (struct sym_result){ .kind = m.name ? SYM_FOUND : SYM_MODULE, .name = m.name,
				    .module = "[kernel.kallsyms]", .offset = m.offset };
	if (m.module[0]) {
		snprintf(ret->buf, sizeof(ret->buf), "[%s]", m.module);
		ret->module = ret->buf;
	}
	return 0;
}

/* ---- ELF files ---- */

struct image_key {
	uint64_t dev, ino;
};

static bool image_eq(const void *item, const void *key)
{
	const struct image_entry *e = item;
	const struct image_key *k = key;

	return e->dev == k->dev && e->ino == k->ino;
}

static uint64_t image_hash(const struct image_key *k)
{
	return hash_u64(k->dev * UINT64_C(0x9e3779b97f4a7c15) ^ k->ino);
}

static bool same_file_version(const struct image_entry *ie, const struct stat *st)
{
	return st->st_size == ie->size && st->st_mtim.tv_sec == ie->mtime.tv_sec &&
	       st->st_mtim.tv_nsec == ie->mtime.tv_nsec;
}

/* stat() of what open_mapped_file() would open; -errno when none can be. */
static int stat_mapped_file(struct symbolizer *s, const struct sym_process *p, const struct map_entry *e,
			    struct stat *ret)
{
	char path[4200];

	if (p->alive) {
		snprintf(path, sizeof(path), "%s/proc/%d/map_files/%" PRIx64 "-%" PRIx64, s->root, (int)p->tgid,
			 e->start, e->end);
		if (stat(path, ret) == 0)
			return 0;
	}
	if (stat(e->path, ret) == 0 && ret->st_ino == e->ino)
		return 0;
	return -ENOENT;
}

static int open_mapped_file(struct symbolizer *s, const struct sym_process *p, const struct map_entry *e)
{
	char path[4200];
	struct stat st;
	int fd;

	if (p->alive) {
		/* The very file mapped, even if deleted or in another mount namespace. */
		snprintf(path, sizeof(path), "%s/proc/%d/map_files/%" PRIx64 "-%" PRIx64, s->root, (int)p->tgid,
			 e->start, e->end);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0)
			return fd;
		snprintf(path, sizeof(path), "%s/proc/%d/root%s", s->root, (int)p->tgid, e->path);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == e->ino)
			return fd;
		safe_close(fd);
	}
	if (e->deleted)
		return -ENOENT;
	/* The process is gone: the file by its name, as it was mapped. */
	fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	/* The path may now name another file: the inode must be the mapped one. */
	if (fstat(fd, &st) < 0 || st.st_ino != e->ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static struct shared_image *find_by_build_id(struct symbolizer *s, const struct elf_image *img)
{
	struct image_entry *e;
	size_t i;

	if (!img->build_id_len)
		return NULL;
	hashmap_foreach(&s->images, i, e)
		if (e->shared && e->shared->img->build_id_len == img->build_id_len &&
		    memcmp(e->shared->img->build_id, img->build_id, img->build_id_len) == 0)
			return e->shared;
	return NULL;
}

struct elf_image *symbolizer_image(struct symbolizer *s, const struct sym_process *p, const struct map_entry *me)
{
	struct image_key key = { .dev = makedev(me->maj, me->min), .ino = me->ino };
	uint64_t h = image_hash(&key);
	struct image_entry *e = hashmap_find(&s->images, h, image_eq, &key);
	struct elf_image *img = NULL;
	struct shared_image *si;
	int fd, r;

	if (e && e->shared && mono_ns() - e->checked_ns >= RECHECK_NS) {
		struct stat st;

		e->checked_ns = mono_ns();
		if (stat_mapped_file(s, p, me, &st) == 0 && !same_file_version(e, &st)) {
			/* Rebuilt in place: what we read is stale. */
			shared_unref(e->shared);
			e->shared = NULL;
			e->made_ns = 0;
		}
	}
	if (e && (e->shared || (e->made_ns && mono_ns() - e->made_ns < NEGATIVE_TTL_NS))) {
		e->stamp = ++s->clock;
		s->hits++;
		return e->shared ? e->shared->img : NULL;
	}
	s->misses++;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || hashmap_put(&s->images, h, e) < 0) {
			free(e);
			return NULL;
		}
		e->dev = key.dev;
		e->ino = key.ino;
	}
	e->stamp = ++s->clock;
	fd = open_mapped_file(s, p, me);
	if (fd >= 0) {
		struct stat st;

		if (fstat(fd, &st) == 0) {
			e->mtime = st.st_mtim;
			e->size = st.st_size;
		}
		e->checked_ns = mono_ns();
	}
	r = fd < 0 ? fd : elf_image_open(me->path, fd, &img);
	if (r < 0) {
		e->error = r;
		e->made_ns = mono_ns();
		s->failures++;
		return NULL;
	}
	s->loads++;
	si = find_by_build_id(s, img);
	if (si) {
		/* The same build under another (device, inode): share what is loaded. */
		elf_image_free(img);
	} else {
		si = calloc(1, sizeof(*si));
		if (!si) {
			elf_image_free(img);
			return NULL;
		}
		si->img = img;
	}
	si->refs++;
	e->shared = si;
	e->error = 0;
	return si->img;
}

/* ---- JIT maps ---- */

static bool perfmap_eq(const void *item, const void *key)
{
	return ((const struct perfmap_entry *)item)->tgid == *(const pid_t *)key;
}

static void perfmap_evict_one(struct symbolizer *s)
{
	struct perfmap_entry *e, *oldest = NULL;
	struct hashmap keep = { 0 };
	size_t i;

	hashmap_foreach(&s->perfmaps, i, e)
		if (!oldest || e->stamp < oldest->stamp)
			oldest = e;
	hashmap_foreach(&s->perfmaps, i, e)
		if (e != oldest && hashmap_put(&keep, hash_u64((uint64_t)e->tgid), e) < 0) {
			hashmap_clear(&keep, NULL);
			return;
		}
	hashmap_clear(&s->perfmaps, NULL);
	s->perfmaps = keep;
	perfmap_entry_free(oldest);
}

static const struct perfmap *perfmap_get(struct symbolizer *s, pid_t tgid)
{
	uint64_t h = hash_u64((uint64_t)tgid), now = mono_ns();
	struct perfmap_entry *e = hashmap_find(&s->perfmaps, h, perfmap_eq, &tgid);
	_cleanup_free_ char *text = NULL;
	char path[64], full[400];
	struct stat st;
	size_t len;

	if (e && now - e->checked_ns < RECHECK_NS) {
		e->stamp = ++s->clock;
		return e->missing ? NULL : &e->map;
	}
	if (!e) {
		if (s->perfmaps.n >= SYMBOLIZER_MAX_PERFMAPS)
			perfmap_evict_one(s);
		e = calloc(1, sizeof(*e));
		if (!e || hashmap_put(&s->perfmaps, h, e) < 0) {
			free(e);
			return NULL;
		}
		e->tgid = tgid;
		e->missing = true;
	}
	e->checked_ns = now;
	e->stamp = ++s->clock;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)tgid);
	snprintf(full, sizeof(full), "%s%s", s->root, path);
	if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
		/* Gone since: keep what was read, the process may have exited. */
		return e->missing ? NULL : &e->map;
	}
	if (!e->missing && st.st_size == e->size && st.st_mtim.tv_sec == e->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == e->mtime.tv_nsec)
		return &e->map;
	if (procfs_read(s->root, path, PERFMAP_FILE_MAX, &text, &len) < 0 || perfmap_parse(text, &e->map) < 0)
		return e->missing ? NULL : &e->map;
	e->missing = false;
	e->size = st.st_size;
	e->mtime = st.st_mtim;
	return &e->map;
}

int symbolizer_user(struct symbolizer *s, const struct sym_process *p, uint64_t addr, struct sym_result *ret)
{
	const struct map_entry *me = p->maps ? procmaps_find(p->maps, addr) : NULL;

	if (me && map_entry_is_file(me)) {
		struct elf_image *img = symbolizer_image(s, p, me);
		uint64_t off = addr - me->start + me->pgoff, vaddr;
		const struct elf_sym *sym;

		if (img && elf_image_load_symbols(img, s->debug_root) >= 0 &&
		    elf_image_offset_to_vaddr(img, off, &vaddr) == 0 && (sym = elf_image_lookup(img, vaddr))) {
			*ret = (struct sym_result){ .kind = SYM_FOUND, .name = elf_sym_name(img, sym),
						    .module = map_entry_basename(me), .offset = vaddr - sym->addr };
			return 0;
		}
		*ret = (struct sym_result){ .kind = SYM_MODULE, .module = map_entry_basename(me), .offset = off };
		return 0;
	}
	/* Anonymous executable memory (or none known): a JIT's perf map. */
	const struct perfmap *pm = perfmap_get(s, p->tgid);
	const struct perfmap_sym *js = pm ? perfmap_lookup(pm, addr) : NULL;

	if (js) {
		*ret = (struct sym_result){ .kind = SYM_FOUND, .name = js->name, .offset = addr - js->start };
		snprintf(ret->buf, sizeof(ret->buf), "perf-%d.map", (int)p->tgid);
		ret->module = ret->buf;
		return 0;
	}
	if (me) {
		*ret = (struct sym_result){ .kind = SYM_MODULE, .module = map_entry_basename(me),
					    .offset = addr - me->start };
		return 0;
	}
	*ret = (struct sym_result){ .kind = SYM_UNKNOWN, .module = "[unknown]" };
	return 0;
}

/* ---- bounds ---- */

static int stamp_cmp(const void *a, const void *b)
{
	const struct image_entry *x = *(struct image_entry *const *)a, *y = *(struct image_entry *const *)b;

	return x->stamp < y->stamp ? -1 : x->stamp > y->stamp;
}

void symbolizer_trim(struct symbolizer *s)
{
	_cleanup_free_ struct image_entry **v = NULL;
	struct hashmap keep = { 0 };
	struct image_entry *e;
	size_t i, n = 0, bytes = 0, drop = 0;

	if (!s->images.n)
		return;
	v = calloc(s->images.n, sizeof(*v));
	if (!v)
		return;
	hashmap_foreach(&s->images, i, e) {
		v[n++] = e;
		if (e->shared)
			bytes += elf_image_bytes(e->shared->img) / e->shared->refs;
	}
	if (n <= s->max_images && bytes <= s->max_bytes)
		return;
	qsort(v, n, sizeof(*v), stamp_cmp);
	/* Oldest first, until both bounds hold. */
	while (drop < n && (n - drop > s->max_images || bytes > s->max_bytes)) {
		e = v[drop++];
		if (e->shared)
			bytes -= MIN(bytes, elf_image_bytes(e->shared->img) / e->shared->refs);
	}
	for (i = drop; i < n; i++)
		if (hashmap_put(&keep, image_hash(&(struct image_key){ v[i]->dev, v[i]->ino }), v[i]) < 0) {
			hashmap_clear(&keep, NULL);
			return;
		}
	for (i = 0; i < drop; i++)
		image_entry_free(v[i]);
	s->evictions += drop;
	hashmap_clear(&s->images, NULL);
	s->images = keep;
}

json_t *symbolizer_stats(const struct symbolizer *s)
{
	struct image_entry *e;
	size_t i, bytes = 0, n = 0, failed = 0;

	hashmap_foreach(&s->images, i, e) {
		if (e->shared) {
			n++;
			bytes += elf_image_bytes(e->shared->img) / e->shared->refs;
		} else {
			failed++;
		}
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "images", (json_int_t)n,
			 "unreadable_files", (json_int_t)failed, "bytes", (json_int_t)bytes, "max_bytes",
			 (json_int_t)s->max_bytes, "max_images", (json_int_t)s->max_images, "hits",
			 (json_int_t)s->hits, "misses", (json_int_t)s->misses, "evictions",
			 (json_int_t)s->evictions, "kernel_symbols", (json_int_t)(s->ksyms ? s->ksyms->n : 0),
			 "kernel_modules", (json_int_t)(s->ksyms ? s->ksyms->nmods : 0), "kallsyms_loads",
			 (json_int_t)s->ksyms_loads);
}
