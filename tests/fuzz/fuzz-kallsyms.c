/* fuzz-kallsyms.c: libFuzzer target for the /proc/kallsyms and /proc/modules parsers and the address lookup.
 *
 * Input: kallsyms text up to the first NUL byte, then /proc/modules text (absent when there is no
 * NUL). Checked: symbols are sorted with one per address, names and module names lie inside the
 * pool, NUL-terminated; modules are sorted by base; looking up a symbol's own address finds that
 * symbol at offset 0 or no symbol at all (only a module or the core text, when its module says so);
 * a lookup's offset is never past the address. */
#include "fuzz-util.h"
#include "kallsyms.h"

static bool in_pool(const struct kallsyms *k, uint32_t off)
{
	return off < k->pool_len && memchr(k->pool + off, 0, k->pool_len - off);
}

static void check_lookup(const struct kallsyms *k, uint64_t addr)
{
	struct ksym_match m;
	int r = kallsyms_lookup(k, addr, &m);

	if (r < 0) {
		FUZZ_CHECK(r == -ENOENT);
		return;
	}
	FUZZ_CHECK(m.module && m.offset <= addr);
	if (m.name)
		FUZZ_CHECK(m.name >= k->pool && m.name < k->pool + k->pool_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	char *text = fuzz_cut(&data, &size, 0), *modules = nul ? fuzz_text(data, size) : NULL;
	struct kallsyms *k = NULL;
	int r = kallsyms_parse(text, modules, &k);

	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL && !k);
		goto out;
	}
	FUZZ_CHECK(k->n >= 1);
	for (size_t i = 0; i < k->n; i++) {
		const struct ksym *s = &k->syms[i];
		struct ksym_match m;

		FUZZ_CHECK(in_pool(k, s->name) && in_pool(k, s->module) && k->pool[s->name]);
		FUZZ_CHECK(i == 0 || s->addr > k->syms[i - 1].addr);
		if (kallsyms_lookup(k, s->addr, &m) == 0 && m.name)
			FUZZ_CHECK(m.name == k->pool + s->name && m.offset == 0);
		check_lookup(k, s->addr + 1);
		check_lookup(k, s->addr - 1);
	}
	for (size_t i = 0; i < k->nmods; i++) {
		FUZZ_CHECK(in_pool(k, k->mods[i].name) && k->mods[i].base);
		FUZZ_CHECK(i == 0 || k->mods[i].base >= k->mods[i - 1].base);
		check_lookup(k, k->mods[i].base);
		check_lookup(k, k->mods[i].base + k->mods[i].size - 1);
	}
	check_lookup(k, 0);
	check_lookup(k, UINT64_MAX);
	check_lookup(k, k->text_start);
	check_lookup(k, k->text_end);
	kallsyms_free(k);
out:
	free(text);
	free(modules);
	return 0;
}
