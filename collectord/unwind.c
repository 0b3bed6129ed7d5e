/* unwind.c: remote libunwind accessors over a sampled stack copy and the mapped ELF files' .eh_frame_hdr
 * (the approach of Linux tools/perf/util/unwind-libunwind-local.c). */
#include <errno.h>
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>

#include "elfimage.h"
#include "macro.h"
#include "unwind.h"

/* Exported by libunwind but not declared in its public headers (perf declares it the same way). */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
					       unw_proc_info_t *pi, int need_unwind_info, void *arg);
#define dwarf_search_unwind_table UNW_OBJ(dwarf_search_unwind_table)

#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_sdata4 0x0b
#define DW_EH_PE_pcrel 0x10
#define DW_EH_PE_datarel 0x30
#define RECENT_IMAGES 8

struct recent_image {
	const struct elf_image *img;
	uint64_t bias; /* runtime address - link-time address */
};

struct unwinder {
	struct symbolizer *sym;
	unw_addr_space_t as;
	struct unwind_stats stats;
};

struct unwind_ctx {
	struct unwinder *u;
	const struct unwind_input *in;
	struct recent_image recent[RECENT_IMAGES];
	unsigned next_recent;
};

static void remember(struct unwind_ctx *c, const struct elf_image *img, uint64_t bias)
{
	for (unsigned i = 0; i < RECENT_IMAGES; i++)
		if (c->recent[i].img == img && c->recent[i].bias == bias)
			return;
	c->recent[c->next_recent++ % RECENT_IMAGES] = (struct recent_image){ img, bias };
}

/* The image and load bias of the executable mapping holding ip. */
static const struct elf_image *image_at(struct unwind_ctx *c, uint64_t ip, const struct map_entry **ret_me,
					uint64_t *ret_bias)
{
	const struct map_entry *me = procmaps_find(c->in->proc->maps, ip);
	struct elf_image *img;
	uint64_t v0;

	if (!me || !map_entry_is_file(me))
		return NULL;
	img = symbolizer_image(c->u->sym, c->in->proc, me);
	if (!img || elf_image_offset_to_vaddr(img, me->pgoff, &v0) < 0)
		return NULL;
	*ret_me = me;
	*ret_bias = me->start - v0;
	remember(c, img, *ret_bias);
	return img;
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need_unwind_info, void *arg)
{
	struct unwind_ctx *c = arg;
	const struct map_entry *me;
	const struct elf_image *img;
	const uint8_t *hdr;
	unw_dyn_info_t di = { 0 };
	uint64_t bias;
	uint32_t fde_count;

	img = image_at(c, ip, &me, &bias);
	if (!img || img->eh_frame_hdr_size < 12)
		goto no_info;
	hdr = elf_image_vaddr_bytes(img, img->eh_frame_hdr_vaddr, 12);
	/* version 1; eh_frame_ptr 4 bytes; fde_count udata4; table datarel|sdata4:
	 * the binary search table every linker writes. */
	if (!hdr || hdr[0] != 1 || (hdr[1] & 0x0f) != DW_EH_PE_sdata4 || hdr[2] != DW_EH_PE_udata4 ||
	    hdr[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		goto no_info;
	memcpy(&fde_count, hdr + 8, 4);
	if (fde_count == 0 || (uint64_t)fde_count * 8 > img->eh_frame_hdr_size)
		goto no_info;
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = me->start;
	di.end_ip = me->end;
	di.u.rti.segbase = img->eh_frame_hdr_vaddr + bias;
	di.u.rti.table_data = img->eh_frame_hdr_vaddr + bias + 12;
	di.u.rti.table_len = fde_count * 8 / sizeof(unw_word_t);
	return dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info, arg);
no_info:
	c->u->stats.no_info++;
	return -UNW_ENOINFO;
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	/* libunwind frees what dwarf_search_unwind_table allocated itself. */
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dilap, void *arg)
{
	return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *valp, int write, void *arg)
{
	struct unwind_ctx *c = arg;
	const struct unwind_input *in = c->in;
	uint64_t sp = in->regs[UNWIND_PERF_REG_SP];
	const struct map_entry *me;
	const void *p;
	uint64_t bias;

	if (write)
		return -UNW_EINVAL;
	if (addr >= sp && addr - sp <= in->stack_size && in->stack_size - (addr - sp) >= sizeof(*valp)) {
		memcpy(valp, in->stack + (addr - sp), sizeof(*valp));
		return 0;
	}
	/* Not on the stack: the unwind tables, read from the files. */
	for (unsigned i = 0; i < RECENT_IMAGES; i++) {
		const struct recent_image *r = &c->recent[i];

		if (r->img && (p = elf_image_vaddr_bytes(r->img, addr - r->bias, sizeof(*valp)))) {
			memcpy(valp, p, sizeof(*valp));
			return 0;
		}
	}
	const struct elf_image *img = image_at(c, addr, &me, &bias);

	if (img && (p = elf_image_vaddr_bytes(img, addr - bias, sizeof(*valp)))) {
		memcpy(valp, p, sizeof(*valp));
		return 0;
	}
	return -UNW_EINVAL;
}

/* libunwind's x86_64 register numbers -> perf's. */
static int perf_reg_of(unw_regnum_t r)
{
	static const int map[] = {
		[UNW_X86_64_RAX] = 0, [UNW_X86_64_RDX] = 3, [UNW_X86_64_RCX] = 2, [UNW_X86_64_RBX] = 1,
		[UNW_X86_64_RSI] = 4, [UNW_X86_64_RDI] = 5, [UNW_X86_64_RBP] = 6, [UNW_X86_64_RSP] = 7,
		[UNW_X86_64_R8] = 16, [UNW_X86_64_R9] = 17, [UNW_X86_64_R10] = 18, [UNW_X86_64_R11] = 19,
		[UNW_X86_64_R12] = 20, [UNW_X86_64_R13] = 21, [UNW_X86_64_R14] = 22, [UNW_X86_64_R15] = 23,
		[UNW_X86_64_RIP] = 8,
	};

	if (r < 0 || (size_t)r >= ELEMENTSOF(map))
		return -1;
	return map[r];
}

static int access_reg(unw_addr_space_t as, unw_regnum_t regnum, unw_word_t *valp, int write, void *arg)
{
	struct unwind_ctx *c = arg;
	int pr = perf_reg_of(regnum);

	if (write)
		return -UNW_EREADONLYREG;
	if (pr < 0 || !(c->in->regs_mask & (UINT64_C(1) << pr)))
		return -UNW_EBADREG;
	*valp = c->in->regs[pr];
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t num, unw_fpreg_t *val, int write, void *arg)
{
	return -UNW_EINVAL;
}

static int resume(unw_addr_space_t as, unw_cursor_t *cu, void *arg)
{
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *bufp, size_t buf_len, unw_word_t *offp,
			 void *arg)
{
	return -UNW_EINVAL;
}

static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

int unwinder_new(struct symbolizer *s, struct unwinder **ret)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	u->sym = s;
	u->as = unw_create_addr_space(&accessors, 0);
	if (!u->as) {
		free(u);
		return -ENOMEM;
	}
	/* No caching: one address space serves every process, and the same
	 * address means different code in each. */
	unw_set_caching_policy(u->as, UNW_CACHE_NONE);
	*ret = u;
	return 0;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	unw_destroy_addr_space(u->as);
	free(u);
}

void unwind_regs_from_sample(struct unwind_input *in, uint64_t mask, const uint64_t *values, unsigned n)
{
	unsigned k = 0;

	in->regs_mask = 0;
	for (unsigned bit = 0; bit < UNWIND_PERF_REGS && k < n; bit++) {
		if (!(mask & (UINT64_C(1) << bit)))
			continue;
		in->regs[bit] = values[k++];
		in->regs_mask |= UINT64_C(1) << bit;
	}
}

unsigned unwind_user(struct unwinder *u, const struct unwind_input *in, uint64_t *ips, unsigned max)
{
	struct unwind_ctx c = { .u = u, .in = in };
	unw_cursor_t cursor;
	unsigned n = 0;
	int r;

	if (max == 0 || !(in->regs_mask & (UINT64_C(1) << UNWIND_PERF_REG_IP)))
		return 0;
	u->stats.stacks++;
	ips[n++] = in->regs[UNWIND_PERF_REG_IP];
	if (!(in->regs_mask & (UINT64_C(1) << UNWIND_PERF_REG_SP)) || unw_init_remote(&cursor, u->as, &c) < 0)
		return n;
	while (n < max) {
		unw_word_t ip;

		r = unw_step(&cursor);
		if (r <= 0)
			break;
		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		ips[n++] = ip;
	}
	if (n == max)
		u->stats.truncated++;
	u->stats.frames += n;
	return n;
}

void unwinder_stats(const struct unwinder *u, struct unwind_stats *ret)
{
	*ret = u->stats;
}
