/* kallsyms.h: the kernel's text symbols from /proc/kallsyms and module ranges from /proc/modules. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	uint32_t name;   /* offset in the pool */
	uint32_t module; /* offset in the pool; 0: the core kernel ("") */
};

struct kmodule {
	uint64_t base, size;
	uint32_t name; /* offset in the pool */
};

struct kallsyms {
	struct ksym *syms; /* sorted by address */
	size_t n;
	struct kmodule *mods; /* sorted by base */
	size_t nmods;
	char *pool;
	size_t pool_len, pool_cap;
	uint64_t text_start, text_end; /* _stext.._etext of the core kernel, 0 when unknown */
};

struct ksym_match {
	const char *name;   /* NULL: no symbol */
	const char *module; /* "" for the core kernel, else the module's name */
	uint64_t offset;    /* from the symbol, or from the module base / _stext when name is NULL */
};

/* Parses kallsyms text (text symbols only: t, T, w, W) and, when given,
 * /proc/modules text. -EINVAL when no text symbol is found, -ENOMEM. */
int kallsyms_parse(const char *kallsyms_text, const char *modules_text, struct kallsyms **ret);
/* Reads ROOT/proc/kallsyms and ROOT/proc/modules ("" root: the running system). */
int kallsyms_load(const char *root, struct kallsyms **ret);
void kallsyms_free(struct kallsyms *k);

/* 0 with a symbol, or with only a module (name NULL) when the address lies in
 * a module without a covering symbol or in the core text after the last one;
 * -ENOENT when the address is in neither. */
int kallsyms_lookup(const struct kallsyms *k, uint64_t addr, struct ksym_match *ret);
/* A hash of /proc/modules (0 when absent), to notice modules loaded or removed. */
uint64_t kallsyms_modules_hash(const char *root);
