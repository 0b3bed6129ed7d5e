/* test-elfimage.c: unit tests for elfimage.c on the hotspot fixture binaries. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "elfimage.h"
#include "macro.h"
#include "test-util.h"

static const struct elf_sym *find_named(const struct elf_image *img, const char *name)
{
	for (size_t i = 0; i < img->nsyms; i++)
		if (strcmp(elf_sym_name(img, &img->syms[i]), name) == 0)
			return &img->syms[i];
	return NULL;
}

static void test_symtab(const char *path)
{
	struct elf_image *img = NULL;
	const struct elf_sym *s, *hit;
	uint64_t v;

	CHECK_INT_EQ(0, elf_image_open(path, -1, &img));
	if (!img)
		return;
	CHECK_INT_EQ(ET_DYN, img->type); /* PIE */
	CHECK(img->build_id_len == 20);
	CHECK(img->eh_frame_hdr_size > 0);
	CHECK(img->nsegs >= 2);
	CHECK_INT_EQ(0, elf_image_load_symbols(img, "/nonexistent"));
	CHECK_STR_EQ("symtab", img->symbols_from);
	s = find_named(img, "hotspot_hot");
	CHECK(s != NULL);
	if (s) {
		CHECK(s->size > 0);
		hit = elf_image_lookup(img, s->addr + s->size / 2);
		CHECK(hit && strcmp(elf_sym_name(img, hit), "hotspot_hot") == 0);
		/* The text segment maps file offsets to the same addresses here. */
		CHECK_INT_EQ(0, elf_image_offset_to_vaddr(img, s->addr, &v));
		CHECK_INT_EQ(s->addr, v);
		CHECK(elf_image_vaddr_bytes(img, s->addr, 4) != NULL);
	}
	/* static functions are in .symtab too. */
	CHECK(find_named(img, "hotspot_caller_a") != NULL);
	CHECK(find_named(img, "hotspot_caller_b") != NULL);
	CHECK(elf_image_lookup(img, 0) == NULL);
	CHECK(elf_image_vaddr_bytes(img, UINT64_C(1) << 50, 4) == NULL);
	elf_image_free(img);
}

static void test_debuglink(const char *path)
{
	struct elf_image *img = NULL;
	const struct elf_sym *s;

	CHECK_INT_EQ(0, elf_image_open(path, -1, &img));
	if (!img)
		return;
	CHECK(img->debuglink != NULL);
	if (img->debuglink)
		CHECK_STR_EQ("hotspot-stripped.debug", img->debuglink);
	CHECK_INT_EQ(0, elf_image_load_symbols(img, "/nonexistent"));
	/* No .symtab in the file: the symbols come from the debug file beside it. */
	CHECK_STR_EQ("debug file", img->symbols_from);
	CHECK(img->debug_path && strstr(img->debug_path, "hotspot-stripped.debug"));
	s = find_named(img, "hotspot_hot");
	CHECK(s != NULL);
	CHECK(find_named(img, "hotspot_caller_b") != NULL);
	elf_image_free(img);
}

static void test_shared_library(const char *path)
{
	struct elf_image *img = NULL;

	CHECK_INT_EQ(0, elf_image_open(path, -1, &img));
	if (!img)
		return;
	CHECK_INT_EQ(0, elf_image_load_symbols(img, NULL));
	CHECK(find_named(img, "hotspot_lib_hot") != NULL);
	elf_image_free(img);
}

static void test_not_elf(const char *dir)
{
	struct elf_image *img = NULL;
	char path[4096];

	CHECK_INT_EQ(-ENOEXEC, elf_image_open("/proc/self/status", -1, &img));
	snprintf(path, sizeof(path), "%s/no-such-file", dir);
	CHECK_INT_EQ(-ENOENT, elf_image_open(path, -1, &img));
	CHECK(img == NULL);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

/* Inputs the fuzzer crashed on (tests/fuzz/crashes/elf): each opens or is refused, and the
 * symbol loader survives it. */
static void test_fuzz_crashes(const char *dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];
	int n = 0;

	CHECK(d != NULL);
	while (d && (de = readdir(d))) {
		struct elf_image *img = NULL;
		int r;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = elf_image_open(path, -1, &img);
		CHECK(r == 0 || r < 0);
		if (r == 0) {
			CHECK(!img->debuglink || (img->debuglink[0] && !strchr(img->debuglink, '/')));
			(void)elf_image_load_symbols(img, "/nonexistent");
			elf_image_free(img);
		}
		n++;
	}
	CHECK(n > 0);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s HOTSPOT_FP HOTSPOT_STRIPPED LIBHOTSPOT CRASH_DIR\n", argv[0]);
		return 2;
	}
	test_symtab(argv[1]);
	test_debuglink(argv[2]);
	test_shared_library(argv[3]);
	test_not_elf("/tmp");
	test_fuzz_crashes(argv[4]);
	return test_result("test-elfimage");
}
