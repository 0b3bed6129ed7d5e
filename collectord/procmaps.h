/* procmaps.h: a process's executable mappings, from /proc/PID/maps text or perf MMAP2 records. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct map_entry {
	uint64_t start, end; /* [start, end) */
	uint64_t pgoff;      /* file offset mapped at start */
	uint32_t maj, min;   /* device of the file */
	uint64_t ino;        /* 0: anonymous */
	char *path;          /* "" when anonymous; "[vdso]", "[anon:...]" as the kernel names them */
	bool deleted;        /* the kernel's " (deleted)" suffix, stripped from path */
};

/* Sorted by start; entries never overlap. */
struct proc_maps {
	struct map_entry *v;
	size_t n, cap;
};

/* Parses /proc/PID/maps text, keeping executable mappings only (the ones
 * instruction pointers fall in). -EINVAL names nothing: the text is the
 * kernel's, and a malformed line is skipped rather than fatal. */
int procmaps_parse(const char *text, struct proc_maps *ret);
/* Reads ROOT/proc/PID/maps ("" root: the running system). */
int procmaps_load(const char *root, pid_t pid, struct proc_maps *ret);

/* Adds a mapping, replacing whatever it overlaps (as mmap(MAP_FIXED) would). */
int procmaps_add(struct proc_maps *pm, uint64_t start, uint64_t end, uint64_t pgoff, uint32_t maj, uint32_t min,
		 uint64_t ino, const char *path);
const struct map_entry *procmaps_find(const struct proc_maps *pm, uint64_t addr);
int procmaps_copy(const struct proc_maps *from, struct proc_maps *to);
void procmaps_clear(struct proc_maps *pm);

/* "libc.so.6" for "/usr/lib/x86_64-linux-gnu/libc.so.6"; "[vdso]" as is. */
const char *map_entry_basename(const struct map_entry *e);
/* A file a symbol table can be read from (not anonymous, not [vdso] and the like). */
bool map_entry_is_file(const struct map_entry *e);
