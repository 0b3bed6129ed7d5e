/* test-symbolize.c: unit tests for symbolize.c and report.c: kernel and user addresses to names,
 * top symbols, stacks, folded stacks, focus, pid, paging and the response budget. */
#include <elf.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "elfimage.h"
#include "json-util.h"
#include "macro.h"
#include "proctab.h"
#include "report.h"
#include "stacktab.h"
#include "symbolize.h"
#include "test-util.h"

#define BASE UINT64_C(0x555555554000)

static const char *proc_root, *hotspot;

/* The executable mapping of the fixture binary at BASE, as /proc/PID/maps shows it. */
static void map_hotspot(struct proc_maps *pm)
{
	struct elf_image *img = NULL;
	struct stat st;

	CHECK_INT_EQ(0, stat(hotspot, &st));
	CHECK_INT_EQ(0, elf_image_open(hotspot, -1, &img));
	if (!img)
		return;
	for (size_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];
		uint64_t start = BASE + (s->vaddr & ~UINT64_C(0xfff));

		if (s->flags & PF_X)
			CHECK_INT_EQ(0, procmaps_add(pm, start, BASE + s->vaddr + s->memsz, s->offset & ~UINT64_C(0xfff),
						     major(st.st_dev), minor(st.st_dev), st.st_ino, hotspot));
	}
	elf_image_free(img);
}

/* Runtime address of a fixture symbol plus off. */
static uint64_t addr_of(const char *name, uint64_t off)
{
	struct elf_image *img = NULL;
	uint64_t a = 0;

	if (elf_image_open(hotspot, -1, &img) < 0 || elf_image_load_symbols(img, NULL) < 0) {
		elf_image_free(img);
		return 0;
	}
	for (size_t i = 0; i < img->nsyms; i++)
		if (strcmp(elf_sym_name(img, &img->syms[i]), name) == 0)
			a = BASE + img->syms[i].addr + off;
	elf_image_free(img);
	CHECK(a != 0);
	return a;
}

static void test_kernel(struct symbolizer *s)
{
	struct sym_result r;

	CHECK_INT_EQ(0, symbolizer_kernel(s, 0xffffffff81000604, &r));
	CHECK_INT_EQ(SYM_FOUND, r.kind);
	CHECK_STR_EQ("read_zero", r.name);
	CHECK_STR_EQ("[kernel.kallsyms]", r.module);
	CHECK_INT_EQ(0, symbolizer_kernel(s, 0xffffffffc0001004, &r));
	CHECK_STR_EQ("ext4_file_read_iter", r.name);
	CHECK_STR_EQ("[ext4]", r.module);
	CHECK_INT_EQ(0, symbolizer_kernel(s, 0xffffffff00000000, &r));
	CHECK_INT_EQ(SYM_UNKNOWN, r.kind);
}

static void test_user(struct symbolizer *s)
{
	struct proc_maps pm = { 0 };
	struct sym_process p = { .tgid = 4242, .maps = &pm, .alive = false };
	struct sym_result r;

	map_hotspot(&pm);
	/* The process is gone: the file is opened by path, its inode checked. */
	CHECK_INT_EQ(0, symbolizer_user(s, &p, addr_of("hotspot_hot", 3), &r));
	CHECK_INT_EQ(SYM_FOUND, r.kind);
	CHECK_STR_EQ("hotspot_hot", r.name);
	CHECK_INT_EQ(3, r.offset);
	CHECK(strncmp(r.module, "hotspot", 7) == 0);
	/* Cached: the second time is a hit. */
	CHECK_INT_EQ(0, symbolizer_user(s, &p, addr_of("hotspot_caller_a", 1), &r));
	CHECK_STR_EQ("hotspot_caller_a", r.name);
	/* Anonymous code: the JIT's perf-PID.map (under the fixture root's /tmp). */
	CHECK_INT_EQ(0, symbolizer_user(s, &p, 0x7f0000001010, &r));
	CHECK_INT_EQ(SYM_FOUND, r.kind);
	CHECK_STR_EQ("jit_compiled_fn", r.name);
	CHECK_STR_EQ("perf-4242.map", r.module);
	CHECK_INT_EQ(0, symbolizer_user(s, &p, 0x10, &r));
	CHECK_INT_EQ(SYM_UNKNOWN, r.kind);
	/* A wrong inode: the file is not the one that was mapped. */
	pm.v[0].ino ^= 1;
	symbolizer_flush(s);
	CHECK_INT_EQ(0, symbolizer_user(s, &p, addr_of("hotspot_hot", 3), &r));
	CHECK_INT_EQ(SYM_MODULE, r.kind);
	procmaps_clear(&pm);
}

static json_t *build(struct stacktab *tab, struct proctab *procs, struct symbolizer *s, struct frame_memo *fm,
		     const char *args_text)
{
	json_t *args = json_loads(args_text, 0, NULL), *out = json_object();
	_cleanup_free_ char *error = NULL;
	struct report_opts o;

	CHECK_INT_EQ(0, report_opts_parse(args, 1 << 20, &o, &error));
	CHECK_INT_EQ(0, report_build(tab, procs, s, fm, &o, out));
	json_decref(args);
	return out;
}

static void test_report(struct symbolizer *s)
{
	struct stacktab tab = { 0 };
	struct proctab procs = { .root = proc_root };
	struct frame_memo *fm = NULL;
	struct proc_info *p;
	uint64_t k1[] = { 0xffffffff81000604, 0xffffffff81000508, 0xffffffff81000402 };
	uint64_t u1[] = { addr_of("hotspot_hot", 4), addr_of("hotspot_caller_b", 5), addr_of("hotspot_caller_a", 5) };
	uint64_t u2[] = { addr_of("hotspot_caller_a", 2) };
	uint64_t k3[] = { 0xffffffffc0001104 };
	const json_t *sym, *line;
	json_t *out;
	size_t i;

	CHECK_INT_EQ(0, frame_memo_new(&fm));
	p = proctab_proc(&procs, 4242, true);
	if (p)
		map_hotspot(&p->maps);
	proctab_set_comm(&procs, 4242, 4242, "hot");
	proctab_set_comm(&procs, 77, 77, "kworker");
	CHECK_INT_EQ(0, stacktab_add(&tab, 4242, 4242, k1, 3, u1, 3, 3));
	CHECK_INT_EQ(0, stacktab_add(&tab, 4242, 4242, NULL, 0, u2, 1, 1));
	CHECK_INT_EQ(0, stacktab_add(&tab, 77, 77, k3, 1, NULL, 0, 1));
	CHECK_INT_EQ(0, stacktab_add(&tab, 4242, 4242, k1, 3, u1, 3, 1)); /* merged with the first */
	CHECK_INT_EQ(3, stacktab_count(&tab));

	out = build(&tab, &procs, s, fm, "{}");
	CHECK_INT_EQ(6, json_integer_value(json_object_get(out, "samples")));
	CHECK_INT_EQ(5, json_integer_value(json_object_get(out, "kernel_samples")));
	CHECK_INT_EQ(1, json_integer_value(json_object_get(out, "user_samples")));
	sym = json_array_get(json_object_get(out, "symbols"), 0);
	CHECK_STR_EQ("read_zero", json_string_value(json_object_get(sym, "symbol")));
	CHECK_INT_EQ(4, json_integer_value(json_object_get(sym, "self")));
	CHECK(json_is_true(json_object_get(sym, "kernel")));
	/* hotspot_caller_a: self 1 (the user-only stack), total 5 (in both). */
	json_array_foreach(json_object_get(out, "symbols"), i, sym)
		if (strcmp(json_string_value(json_object_get(sym, "symbol")), "hotspot_caller_a") == 0) {
			CHECK_INT_EQ(1, json_integer_value(json_object_get(sym, "self")));
			CHECK_INT_EQ(5, json_integer_value(json_object_get(sym, "total")));
		}
	json_decref(out);

	/* folded: user frames outermost first, then kernel frames marked _[k]. */
	out = build(&tab, &procs, s, fm, "{\"format\":\"folded\"}");
	line = json_array_get(json_object_get(out, "folded"), 0);
	CHECK_STR_EQ("hot;hotspot_caller_a;hotspot_caller_b;hotspot_hot;ksys_read_[k];vfs_read_[k];read_zero_[k] 4",
		     json_string_value(line));
	CHECK_INT_EQ(3, json_integer_value(json_object_get(json_object_get(out, "page"), "total")));
	json_decref(out);

	/* focus: only stacks through a frame of the ext4 module. */
	out = build(&tab, &procs, s, fm, "{\"format\":\"stacks\",\"focus\":\"ext4\"}");
	CHECK_INT_EQ(1, json_integer_value(json_object_get(out, "focus_samples")));
	CHECK_INT_EQ(1, json_array_size(json_object_get(out, "stacks")));
	CHECK_STR_EQ("ext4_readdir [ext4]", json_string_value(json_array_get(json_object_get(
							json_array_get(json_object_get(out, "stacks"), 0), "kernel_frames"), 0)));
	json_decref(out);

	/* pid: one process only; percentages of its samples. */
	out = build(&tab, &procs, s, fm, "{\"pid\":77}");
	CHECK_INT_EQ(1, json_integer_value(json_object_get(out, "samples")));
	json_decref(out);

	/* Paging: limit 1, then the next page from next_offset. */
	out = build(&tab, &procs, s, fm, "{\"limit\":1}");
	CHECK_INT_EQ(1, json_array_size(json_object_get(out, "symbols")));
	CHECK_INT_EQ(1, json_integer_value(json_object_get(json_object_get(out, "page"), "next_offset")));
	json_decref(out);

	/* The budget: a tiny one cuts the page and says how to get the rest. */
	out = build(&tab, &procs, s, fm, "{\"limit\":100,\"max_bytes\":4096,\"format\":\"top\"}");
	CHECK(json_object_get(json_object_get(out, "page"), "truncated") == NULL);
	json_decref(out);
	{
		json_t *args = json_pack("{s:i}", "max_bytes", 100), *o2 = json_object();
		_cleanup_free_ char *error = NULL;
		struct report_opts o;

		/* Below the minimum: refused with a sentence. */
		CHECK_INT_EQ(-EINVAL, report_opts_parse(args, 1 << 20, &o, &error));
		CHECK(error && strstr(error, "max_bytes"));
		json_decref(args);
		o = (struct report_opts){ .format = REPORT_TOP, .limit = 100, .budget = 150 };
		CHECK_INT_EQ(0, report_build(&tab, &procs, s, fm, &o, o2));
		CHECK(json_array_size(json_object_get(o2, "symbols")) < 5);
		CHECK(json_object_get(json_object_get(o2, "page"), "truncated") != NULL);
		json_decref(o2);
	}
	/* A read-level peer never sees a raw address; unknown frames are [unknown]. */
	{
		uint64_t bad[] = { 0xffffffff00001234 };
		struct report_opts o = { .format = REPORT_FOLDED, .limit = 100, .budget = 1 << 20 };
		json_t *o2 = json_object();
		_cleanup_free_ char *text = NULL;

		stacktab_add(&tab, 77, 77, bad, 1, NULL, 0, 1);
		CHECK_INT_EQ(0, report_build(&tab, &procs, s, fm, &o, o2));
		text = json_dumps(o2, 0);
		CHECK(text && strstr(text, "[unknown]_[k]") && !strstr(text, "ffffffff00001234"));
		json_decref(o2);
		o2 = json_object();
		o.addresses = true;
		CHECK_INT_EQ(0, report_build(&tab, &procs, s, fm, &o, o2));
		free(text);
		text = json_dumps(o2, 0);
		CHECK(text && strstr(text, "0xffffffff00001234"));
		json_decref(o2);
	}
	{
		json_t *args = json_pack("{s:s}", "format", "pie");
		_cleanup_free_ char *error = NULL;
		struct report_opts o;

		CHECK_INT_EQ(-EINVAL, report_opts_parse(args, 1 << 20, &o, &error));
		CHECK(error && strstr(error, "top, stacks or folded"));
		json_decref(args);
	}
	frame_memo_free(fm);
	stacktab_clear(&tab);
	proctab_clear(&procs);
}

static void test_stacktab_bound(void)
{
	struct stacktab t = { .max_stacks = 2 };
	uint64_t a = 1, b = 2, c = 3;

	CHECK_INT_EQ(0, stacktab_add(&t, 1, 1, &a, 1, NULL, 0, 1));
	CHECK_INT_EQ(0, stacktab_add(&t, 1, 1, &b, 1, NULL, 0, 1));
	CHECK_INT_EQ(-ENOSPC, stacktab_add(&t, 1, 1, &c, 1, NULL, 0, 5));
	CHECK_INT_EQ(0, stacktab_add(&t, 1, 1, &a, 1, NULL, 0, 1)); /* known stacks still count */
	CHECK_INT_EQ(5, t.dropped);
	CHECK_INT_EQ(8, t.samples);
	stacktab_clear(&t);
}

int main(int argc, char **argv)
{
	struct symbolizer *s = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FIXTURE_ROOT HOTSPOT_FP\n", argv[0]);
		return 2;
	}
	proc_root = argv[1];
	/* Mapped files have absolute paths, as the kernel shows them. */
	hotspot = realpath(argv[2], NULL);
	if (!hotspot) {
		perror(argv[2]);
		return 2;
	}
	CHECK_INT_EQ(0, symbolizer_new(&(struct symbolizer_options){ .root = proc_root, .debug_root = "/nonexistent" },
				       &s));
	if (!s)
		return test_result("test-symbolize");
	test_kernel(s);
	test_user(s);
	symbolizer_flush(s);
	test_report(s);
	symbolizer_trim(s);
	test_stacktab_bound();
	symbolizer_free(s);
	free((char *)hotspot);
	return test_result("test-symbolize");
}
