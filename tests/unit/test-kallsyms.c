/* test-kallsyms.c: unit tests for kallsyms.c (/proc/kallsyms and /proc/modules parsing, lookups). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kallsyms.h"
#include "macro.h"
#include "test-util.h"

static const char *root;

static void test_fixture(void)
{
	struct kallsyms *k = NULL;
	struct ksym_match m;

	CHECK_INT_EQ(0, kallsyms_load(root, &k));
	if (!k)
		return;
	CHECK_INT_EQ(0xffffffff81000000, k->text_start);
	CHECK_INT_EQ(0xffffffff81001000, k->text_end);
	CHECK_INT_EQ(2, k->nmods);

	/* A text symbol, with the offset into it; the data symbol is not one. */
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffff81000342, &m));
	CHECK_STR_EQ("entry_SYSCALL_64_after_hwframe", m.name);
	CHECK_STR_EQ("", m.module);
	CHECK_INT_EQ(0x142, m.offset);
	/* Aliases: the first in file order (the global one) wins. */
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffff81000110, &m));
	CHECK_STR_EQ("do_syscall_64", m.name);
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffff81000500, &m));
	CHECK_STR_EQ("vfs_read", m.name);
	/* Module symbols carry their module. */
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffffc0001104, &m));
	CHECK_STR_EQ("ext4_readdir", m.name);
	CHECK_STR_EQ("ext4", m.module);
	/* In a module, after its last symbol but inside its size: still that symbol. */
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffffc0002ff0, &m));
	CHECK_STR_EQ("ext4_readdir", m.name);
	/* In nf_tables past its size (4096): not believed; not in any module either. */
	CHECK_INT_EQ(-ENOENT, kallsyms_lookup(k, 0xffffffffc0004100, &m));
	/* BPF programs: a "[bpf]" module with no /proc/modules entry. */
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffffc0010010, &m));
	CHECK_STR_EQ("bpf_prog_abc_handler", m.name);
	CHECK_STR_EQ("bpf", m.module);
	/* Below the kernel: nothing. */
	CHECK_INT_EQ(-ENOENT, kallsyms_lookup(k, 0x1000, &m));
	kallsyms_free(k);
}

static void test_module_without_symbols(void)
{
	const char *syms = "ffffffff81000000 T _stext\nffffffff81000100 T a\nffffffff81002000 T _etext\n";
	const char *mods = "mymod 16384 0 - Live 0xffffffffc0100000\n";
	struct kallsyms *k = NULL;
	struct ksym_match m;

	CHECK_INT_EQ(0, kallsyms_parse(syms, mods, &k));
	if (!k)
		return;
	/* Known module, no symbol: module + offset (shown as mymod+0x10). */
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffffc0100010, &m));
	CHECK(m.name == NULL);
	CHECK_STR_EQ("mymod", m.module);
	CHECK_INT_EQ(0x10, m.offset);
	kallsyms_free(k);
}

static void test_bad_input(void)
{
	struct kallsyms *k = NULL;

	/* No text symbol at all (kptr_restrict shows zeros, but still parses): -EINVAL. */
	CHECK_INT_EQ(-EINVAL, kallsyms_parse("ffffffff81000000 D data\nnot a line\n", NULL, &k));
	CHECK(k == NULL);
	CHECK_INT_EQ(-EINVAL, kallsyms_parse("", NULL, &k));
	/* Garbage lines are skipped. */
	CHECK_INT_EQ(0, kallsyms_parse("zz T x\nffffffff81000000 T ok\n\tfoo\n", NULL, &k));
	if (k)
		CHECK_INT_EQ(1, k->n);
	kallsyms_free(k);
}

/* The kernel's own symbols in order, then BPF programs and modules in any order. */
static void test_unsorted_tail(void)
{
	const char *syms = "ffffffff81000000 T _stext\n"
			   "ffffffff81000100 T a\n"
			   "ffffffff81000200 T b\n"
			   "ffffffff81002000 T _etext\n"
			   "ffffffffc0000900 t bpf_two\t[bpf]\n"
			   "ffffffffc0000100 t bpf_one\t[bpf]\n"
			   "ffffffff81000150 t late_core\n"
			   "ffffffffc0000500 t bpf_mid\t[bpf]\n";
	struct kallsyms *k = NULL;
	struct ksym_match m;

	CHECK_INT_EQ(0, kallsyms_parse(syms, NULL, &k));
	if (!k)
		return;
	CHECK_INT_EQ(8, k->n);
	for (size_t i = 1; i < k->n; i++)
		CHECK(k->syms[i - 1].addr <= k->syms[i].addr);
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffff81000160, &m));
	CHECK_STR_EQ("late_core", m.name);
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffffc0000510, &m));
	CHECK_STR_EQ("bpf_mid", m.name);
	CHECK_INT_EQ(0, kallsyms_lookup(k, 0xffffffffc0000110, &m));
	CHECK_STR_EQ("bpf_one", m.name);
	kallsyms_free(k);
}

static void test_modules_hash(void)
{
	uint64_t h = kallsyms_modules_hash(root);

	CHECK(h != 0);
	CHECK_INT_EQ(h, kallsyms_modules_hash(root));
	CHECK_INT_EQ(0, kallsyms_modules_hash("/nonexistent"));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURE_ROOT\n", argv[0]);
		return 2;
	}
	root = argv[1];
	test_fixture();
	test_module_without_symbols();
	test_bad_input();
	test_unsorted_tail();
	test_modules_hash();
	return test_result("test-kallsyms");
}
