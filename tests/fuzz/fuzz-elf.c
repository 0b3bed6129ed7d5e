/* fuzz-elf.c: libFuzzer target for the ELF image reader: headers, build-id, debuglink, symbol tables.
 *
 * Input: an ELF file, then optionally (after the 8 bytes "DEBUGELF") a second one that becomes the
 * separate debug file: it is written as d.debug beside the first, where a .gnu_debuglink naming
 * "d.debug" sends the symbol loader (and the CRC check must then pass). The first file is opened
 * from a memfd, as elf_image_open() takes an fd. Checked: segments, build-id and debuglink within
 * their bounds; symbols sorted by address, one per address, names inside the pool; looking up a
 * symbol's address finds it; bytes returned for a virtual address lie inside the mapping. libelf
 * is fuzzed with it. */
#include <sys/mman.h>

#include "elfimage.h"
#include "fuzz-util.h"

#define DEBUG_MARK "DEBUGELF"

static void check_image(const struct elf_image *img)
{
	char hex[2 * ELF_BUILD_ID_MAX + 1];
	uint64_t v;

	FUZZ_CHECK(img->build_id_len <= ELF_BUILD_ID_MAX);
	elf_image_build_id_hex(img, hex);
	FUZZ_CHECK(strlen(hex) == 2 * img->build_id_len);
	FUZZ_CHECK(!img->debuglink || (img->debuglink[0] && !strchr(img->debuglink, '/')));
	for (size_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];
		const uint8_t *b = elf_image_vaddr_bytes(img, s->vaddr, 1);

		if (b)
			FUZZ_CHECK(b >= (const uint8_t *)img->map &&
				   b < (const uint8_t *)img->map + img->map_len);
		b = elf_image_vaddr_bytes(img, s->vaddr, (size_t)MIN(s->filesz, 4096));
		if (b)
			FUZZ_CHECK(b + MIN(s->filesz, 4096) <= (const uint8_t *)img->map + img->map_len);
		if (elf_image_offset_to_vaddr(img, s->offset, &v) == 0)
			(void)elf_image_vaddr_bytes(img, v, 16);
	}
	FUZZ_CHECK(elf_image_bytes(img) >= sizeof(*img));
}

static void check_symbols(const struct elf_image *img)
{
	FUZZ_CHECK(img->symbols_loaded && img->symbols_from);
	for (size_t i = 0; i < img->nsyms; i++) {
		const struct elf_sym *s = &img->syms[i];

		FUZZ_CHECK(s->name < img->pool_len &&
			   memchr(img->pool + s->name, 0, img->pool_len - s->name));
		FUZZ_CHECK(elf_sym_name(img, s)[0]);
		FUZZ_CHECK(i == 0 || s->addr > img->syms[i - 1].addr);
		FUZZ_CHECK(elf_image_lookup(img, s->addr) == s);
	}
	(void)elf_image_lookup(img, 0);
	(void)elf_image_lookup(img, UINT64_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *mark = memmem(data, size, DEBUG_MARK, strlen(DEBUG_MARK));
	size_t main_len = mark ? (size_t)(mark - data) : size;
	char dir[300], path[400];
	struct elf_image *img = NULL;
	int fd, r;

	snprintf(dir, sizeof(dir), "%s/elf", fuzz_scratch());
	if (mark)
		fuzz_write_file(dir, "d.debug", mark + strlen(DEBUG_MARK),
				size - main_len - strlen(DEBUG_MARK));
	fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, main_len) == (ssize_t)main_len);
	snprintf(path, sizeof(path), "%s/main", dir);
	r = elf_image_open(path, fd, &img); /* takes fd */
	if (r < 0) {
		FUZZ_CHECK(!img && (r == -ENOEXEC || r == -ENOMEM));
	} else {
		check_image(img);
		/* No debug root of this machine: a build-id finds nothing outside the scratch directory. */
		r = elf_image_load_symbols(img, dir);
		FUZZ_CHECK(r == 0 || r == -E2BIG || r == -ENOEXEC);
		if (r == 0)
			check_symbols(img);
		elf_image_free(img);
	}
	fuzz_rm_tree(dir);
	return 0;
}
