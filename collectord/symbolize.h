/* symbolize.h: addresses to names: kernel from kallsyms, user from ELF files and perf-PID.map; shared caches. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procmaps.h"

struct elf_image;
struct symbolizer;

struct symbolizer_options {
	const char *root;       /* prefix of /proc and /tmp paths (not of mapped files); "" for the running system */
	const char *debug_root; /* NULL: /usr/lib/debug */
	size_t max_bytes;       /* symbol tables kept, in bytes (0: 256 MiB) */
	unsigned max_images;    /* files kept (0: 512) */
};

int symbolizer_new(const struct symbolizer_options *o, struct symbolizer **ret);
void symbolizer_free(struct symbolizer *s);

enum sym_kind {
	SYM_FOUND,   /* name + module (+ offset into the symbol) */
	SYM_MODULE,  /* module + offset only: shown as module+0xoff */
	SYM_UNKNOWN, /* shown as [unknown] */
};

/* name and module point into the caches (valid until symbolizer_trim()) or
 * into buf: use them before the result is copied or reused. */
struct sym_result {
	enum sym_kind kind;
	const char *name;
	const char *module; /* "[kernel.kallsyms]", "[ext4]", "libc.so.6", "perf-42.map", ... */
	uint64_t offset;
	char buf[80];
};

/* The process an address belongs to, as captured: its maps may outlive it. */
struct sym_process {
	pid_t tgid;
	const struct proc_maps *maps;
	bool alive; /* /proc/PID may still be used to open its files */
};

int symbolizer_kernel(struct symbolizer *s, uint64_t addr, struct sym_result *ret);
/* Loads the kernel's symbols now (reading /proc/kallsyms takes the kernel
 * about 0.1 s), so that the first results do not wait for it. */
void symbolizer_preload_kernel(struct symbolizer *s);
int symbolizer_user(struct symbolizer *s, const struct sym_process *p, uint64_t addr, struct sym_result *ret);

/* The ELF file behind a mapping (symbols not necessarily loaded), opened
 * through /proc/PID/map_files while the process lives, else by path with
 * the inode checked. NULL when it cannot be read. Valid until symbolizer_trim(). */
struct elf_image *symbolizer_image(struct symbolizer *s, const struct sym_process *p, const struct map_entry *e);

/* Evicts least recently used files beyond the bounds. Call between requests:
 * names and images handed out before are invalid afterwards. */
void symbolizer_trim(struct symbolizer *s);
/* Forget everything (tests, memory pressure). */
void symbolizer_flush(struct symbolizer *s);

/* {"images": n, "bytes": n, "hits": n, "misses": n, "kernel_symbols": n, ...} */
json_t *symbolizer_stats(const struct symbolizer *s);
