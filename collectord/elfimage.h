/* elfimage.h: one ELF file mapped read-only: load segments, build-id, debuglink, eh_frame_hdr, symbols. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_segment {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags; /* PF_X, PF_W, PF_R */
};

struct elf_sym {
	uint64_t addr, size;
	uint32_t name; /* offset in the image's pool */
};

#define ELF_BUILD_ID_MAX 64

struct elf_image {
	char *path;
	void *map; /* the whole file, read-only */
	size_t map_len;
	uint16_t type; /* ET_EXEC, ET_DYN */
	struct elf_segment *segs;
	size_t nsegs;
	uint8_t build_id[ELF_BUILD_ID_MAX];
	size_t build_id_len;
	char *debuglink;
	uint32_t debuglink_crc;
	uint64_t eh_frame_hdr_vaddr, eh_frame_hdr_size; /* PT_GNU_EH_FRAME; size 0: none */

	bool symbols_loaded;
	struct elf_sym *syms; /* sorted by address, one per address */
	size_t nsyms;
	char *pool;
	size_t pool_len;
	const char *symbols_from; /* "symtab", "dynsym", "debug file", "none" */
	char *debug_path;         /* the separate debug file the symbols came from */
};

/* Maps the file (fd >= 0: that open file, which is closed; else path) and
 * reads its headers. -ENOEXEC when it is not an ELF file of this machine. */
int elf_image_open(const char *path, int fd, struct elf_image **ret);
void elf_image_free(struct elf_image *img);

/* Reads the symbol table: .symtab, else a separate debug file found by
 * build-id (DEBUG_ROOT/.build-id/xx/rest.debug) or .gnu_debuglink (beside
 * the file, in .debug/ beside it, or under DEBUG_ROOT/dir/), else .dynsym. */
int elf_image_load_symbols(struct elf_image *img, const char *debug_root);
/* The symbol covering vaddr, or NULL. */
const struct elf_sym *elf_image_lookup(const struct elf_image *img, uint64_t vaddr);
static inline const char *elf_sym_name(const struct elf_image *img, const struct elf_sym *s)
{
	return img->pool + s->name;
}

/* File offset -> link-time virtual address, through the PT_LOAD holding it. */
int elf_image_offset_to_vaddr(const struct elf_image *img, uint64_t off, uint64_t *ret);
/* The file's bytes at [vaddr, vaddr+len) when a PT_LOAD holds them all, else NULL. */
const void *elf_image_vaddr_bytes(const struct elf_image *img, uint64_t vaddr, size_t len);
/* Memory the symbol table takes, for the cache's bound. */
size_t elf_image_bytes(const struct elf_image *img);

/* "ab12...": the build-id in hex, in a buffer of 2*ELF_BUILD_ID_MAX+1. */
void elf_image_build_id_hex(const struct elf_image *img, char *buf);
