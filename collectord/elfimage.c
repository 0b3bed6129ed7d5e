/* elfimage.c: reads ELF headers and symbol tables with libelf from a read-only mapping of the file. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "elfimage.h"
#include "macro.h"

#define ELF_FILE_MAX (UINT64_C(4) << 30)
#define ELF_SYMS_MAX (8u << 20)
#define PAGE_ALIGN_DOWN(x) ((x) & ~UINT64_C(4095))

static void elf_endp(Elf **e)
{
	if (*e)
		elf_end(*e);
}
#define _cleanup_elf_ _cleanup_(elf_endp)

static int map_file(const char *path, int fd, void **ret_map, size_t *ret_len)
{
	_cleanup_close_ int owned = fd;
	struct stat st;
	void *m;

	if (owned < 0) {
		owned = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (owned < 0)
			return negative_errno();
	}
	if (fstat(owned, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	if (st.st_size < (off_t)sizeof(Elf64_Ehdr) || (uint64_t)st.st_size > ELF_FILE_MAX)
		return -ENOEXEC;
	/* Private and writable (copy-on-write) so libelf may never write through to the file. */
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, owned, 0);
	if (m == MAP_FAILED)
		return negative_errno();
	*ret_map = m;
	*ret_len = (size_t)st.st_size;
	return 0;
}

static Elf *elf_of(void *map, size_t len)
{
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	e = elf_memory(map, len);
	if (e && elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		return NULL;
	}
	return e;
}

static Elf_Scn *find_section(Elf *e, const char *name, GElf_Shdr *ret_shdr)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(e, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, ret_shdr))
			continue;
		n = elf_strptr(e, shstrndx, ret_shdr->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

static void read_build_id(Elf *e, uint8_t *id, size_t *ret_len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	*ret_len = 0;
	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp((char *)d->d_buf + name_off, "GNU", 4) == 0 && nh.n_descsz > 0 &&
			    nh.n_descsz <= ELF_BUILD_ID_MAX) {
				memcpy(id, (char *)d->d_buf + desc_off, nh.n_descsz);
				*ret_len = nh.n_descsz;
				return;
			}
		}
	}
}

static int read_debuglink(Elf *e, struct elf_image *img)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(e, ".gnu_debuglink", &sh);
	Elf_Data *d;
	size_t n, crc_at;

	/* d_buf is NULL for a section without file bytes (SHT_NOBITS), whatever its size says */
	if (!scn || !(d = elf_getdata(scn, NULL)) || !d->d_buf || d->d_size < 8)
		return 0;
	n = strnlen(d->d_buf, d->d_size);
	crc_at = (n + 4) & ~(size_t)3; /* name, NUL, padding to 4 */
	if (n == 0 || crc_at + 4 > d->d_size || memchr(d->d_buf, '/', n))
		return 0;
	img->debuglink = strndup(d->d_buf, n);
	if (!img->debuglink)
		return -ENOMEM;
	memcpy(&img->debuglink_crc, (char *)d->d_buf + crc_at, 4);
	return 0;
}

static int read_headers(Elf *e, struct elf_image *img)
{
	GElf_Ehdr eh;
	size_t phnum;

	if (!gelf_getehdr(e, &eh) || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
		return -ENOEXEC;
	img->type = eh.e_type;
	if (elf_getphdrnum(e, &phnum) != 0)
		return -ENOEXEC;
	img->segs = calloc(phnum ? phnum : 1, sizeof(*img->segs));
	if (!img->segs)
		return -ENOMEM;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph))
			continue;
		if (ph.p_type == PT_LOAD)
			img->segs[img->nsegs++] = (struct elf_segment){ .vaddr = ph.p_vaddr, .memsz = ph.p_memsz,
									.offset = ph.p_offset,
									.filesz = ph.p_filesz,
									.flags = ph.p_flags };
		else if (ph.p_type == PT_GNU_EH_FRAME) {
			img->eh_frame_hdr_vaddr = ph.p_vaddr;
			img->eh_frame_hdr_size = ph.p_memsz;
		}
	}
	read_build_id(e, img->build_id, &img->build_id_len);
	return read_debuglink(e, img);
}

int elf_image_open(const char *path, int fd, struct elf_image **ret)
{
	struct elf_image *img = calloc(1, sizeof(*img));
	_cleanup_elf_ Elf *e = NULL;
	int r;

	if (!img) {
		safe_close(fd);
		return -ENOMEM;
	}
	img->path = strdup(path);
	r = img->path ? map_file(path, fd, &img->map, &img->map_len) : -ENOMEM;
	if (r < 0) {
		elf_image_free(img);
		return r;
	}
	e = elf_of(img->map, img->map_len);
	r = e ? read_headers(e, img) : -ENOEXEC;
	if (r < 0) {
		elf_image_free(img);
		return r;
	}
	img->symbols_from = "none";
	*ret = img;
	return 0;
}

void elf_image_free(struct elf_image *img)
{
	if (!img)
		return;
	if (img->map)
		munmap(img->map, img->map_len);
	free(img->path);
	free(img->segs);
	free(img->debuglink);
	free(img->syms);
	free(img->pool);
	free(img->debug_path);
	free(img);
}

/* ---- symbols ---- */

struct sym_builder {
	struct elf_sym *v;
	unsigned char *bind; /* STB_* of each, to choose among aliases */
	size_t n, cap;
	char *pool;
	size_t pool_len, pool_cap;
};

static int builder_add(struct sym_builder *b, uint64_t addr, uint64_t size, unsigned char bind, const char *name)
{
	size_t len = strlen(name);

	if (b->n == b->cap) {
		size_t cap = MAX(b->cap * 2, 256);
		struct elf_sym *v;
		unsigned char *bd;

		if (cap > ELF_SYMS_MAX)
			return -E2BIG;
		v = realloc(b->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		b->v = v;
		bd = realloc(b->bind, cap);
		if (!bd)
			return -ENOMEM;
		b->bind = bd;
		b->cap = cap;
	}
	if (b->pool_len + len + 1 > b->pool_cap) {
		size_t cap = MAX(b->pool_cap * 2, b->pool_len + len + 1 + 4096);
		char *p;

		if (cap > UINT32_MAX)
			return -E2BIG;
		p = realloc(b->pool, cap);
		if (!p)
			return -ENOMEM;
		b->pool = p;
		b->pool_cap = cap;
	}
	memcpy(b->pool + b->pool_len, name, len + 1);
	b->v[b->n] = (struct elf_sym){ .addr = addr, .size = size, .name = (uint32_t)b->pool_len };
	b->bind[b->n] = bind;
	b->pool_len += len + 1;
	b->n++;
	return 0;
}

static int read_symtab(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, struct sym_builder *b)
{
	Elf_Data *d = elf_getdata(scn, NULL), *strd;
	Elf_Scn *strscn = elf_getscn(e, sh->sh_link);
	const char *ident = elf_getident(e, NULL), *syms, *strtab;
	size_t n, strsize;
	int r;

	/* The tables read in place (ELF64, native byte order, checked when
	 * opened): elf_strptr() per symbol is most of the time otherwise. */
	if (!ident || ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB || !d || !d->d_buf || !strscn ||
	    sh->sh_entsize != sizeof(Elf64_Sym) || d->d_size < sh->sh_size)
		return 0;
	strd = elf_getdata(strscn, NULL);
	if (!strd || !strd->d_buf || strd->d_size == 0)
		return 0;
	syms = d->d_buf;
	strtab = strd->d_buf;
	strsize = strd->d_size;
	n = sh->sh_size / sizeof(Elf64_Sym);
	for (size_t i = 0; i < n; i++) {
		const char *name, *at;
		Elf64_Sym s;
		int type;

		memcpy(&s, syms + i * sizeof(s), sizeof(s));
		type = ELF64_ST_TYPE(s.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		if (s.st_shndx == SHN_UNDEF || s.st_value == 0 || s.st_name >= strsize)
			continue;
		name = strtab + s.st_name;
		if (!name[0] || !memchr(name, 0, strsize - s.st_name))
			continue;
		r = builder_add(b, s.st_value, s.st_size, ELF64_ST_BIND(s.st_info), name);
		/* "memcpy@@GLIBC_2.14": the version is not part of the function's name. */
		if (r == 0 && (at = strchr(name + 1, '@')))
			b->pool[b->v[b->n - 1].name + (size_t)(at - name)] = 0;
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_symbols_of(Elf *e, unsigned type, struct sym_builder *b)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool found = false;
	int r;

	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type)
			continue;
		found = true;
		r = read_symtab(e, scn, &sh, b);
		if (r < 0)
			return r;
	}
	return found ? 1 : 0;
}

static const struct sym_builder *sort_ctx;

static int bind_rank(unsigned char bind)
{
	return bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
}

static int sym_cmp_idx(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct elf_sym *sx = &sort_ctx->v[x], *sy = &sort_ctx->v[y];

	if (sx->addr != sy->addr)
		return sx->addr < sy->addr ? -1 : 1;
	if (bind_rank(sort_ctx->bind[x]) != bind_rank(sort_ctx->bind[y]))
		return bind_rank(sort_ctx->bind[x]) - bind_rank(sort_ctx->bind[y]);
	if ((sx->size > 0) != (sy->size > 0))
		return sx->size > 0 ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Sorts, keeps one symbol per address, gives sizeless symbols the gap to the next. */
static int builder_finish(struct sym_builder *b, struct elf_image *img)
{
	_cleanup_free_ size_t *idx = calloc(b->n ? b->n : 1, sizeof(*idx));
	struct elf_sym *out;
	size_t j = 0;

	if (!idx)
		return -ENOMEM;
	out = calloc(b->n ? b->n : 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++)
		idx[i] = i;
	sort_ctx = b;
	qsort(idx, b->n, sizeof(*idx), sym_cmp_idx);
	sort_ctx = NULL;
	for (size_t i = 0; i < b->n; i++) {
		const struct elf_sym *s = &b->v[idx[i]];

		if (j > 0 && out[j - 1].addr == s->addr)
			continue;
		out[j++] = *s;
	}
	for (size_t i = 0; i + 1 < j; i++)
		if (out[i].size == 0)
			out[i].size = out[i + 1].addr - out[i].addr;
	free(img->syms);
	free(img->pool);
	img->syms = out;
	img->nsyms = j;
	img->pool = TAKE_PTR(b->pool);
	img->pool_len = b->pool_len;
	return 0;
}

static void builder_free(struct sym_builder *b)
{
	free(b->v);
	free(b->bind);
	free(b->pool);
}

static bool same_build_id(const struct elf_image *a, const uint8_t *id, size_t len)
{
	return a->build_id_len == len && len > 0 && memcmp(a->build_id, id, len) == 0;
}

/* Opens a candidate debug file; it must carry a .symtab and match by build-id or CRC. */
static int try_debug_file(struct elf_image *img, const char *path, bool check_crc, struct sym_builder *b)
{
	void *map = NULL;
	size_t len = 0;
	_cleanup_elf_ Elf *e = NULL;
	uint8_t id[ELF_BUILD_ID_MAX];
	size_t id_len;
	int r;

	if (strcmp(path, img->path) == 0)
		return -ENOENT;
	r = map_file(path, -1, &map, &len);
	if (r < 0)
		return r;
	e = elf_of(map, len);
	if (!e) {
		munmap(map, len);
		return -ENOEXEC;
	}
	read_build_id(e, id, &id_len);
	if (img->build_id_len && id_len && !same_build_id(img, id, id_len))
		r = -ESTALE;
	else if (check_crc && (uint32_t)crc32_z(0L, map, len) != img->debuglink_crc)
		r = -ESTALE;
	else
		r = read_symbols_of(e, SHT_SYMTAB, b);
	if (r == 0)
		r = -ENOENT; /* no .symtab in it */
	if (r > 0 && b->n == 0)
		r = -ENOENT;
	elf_end(TAKE_PTR(e));
	munmap(map, len);
	if (r > 0) {
		img->debug_path = strdup(path);
		return img->debug_path ? 0 : -ENOMEM;
	}
	return r;
}

static int find_debug_file(struct elf_image *img, const char *debug_root, struct sym_builder *b)
{
	_cleanup_free_ char *dir = strdup(img->path);
	char path[4096], hex[2 * ELF_BUILD_ID_MAX + 1];
	char *slash;
	int r;

	if (!dir)
		return -ENOMEM;
	if (img->build_id_len > 1) {
		elf_image_build_id_hex(img, hex);
		snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", debug_root, hex, hex + 2);
		r = try_debug_file(img, path, false, b);
		if (r == 0 || r == -ENOMEM)
			return r;
	}
	if (!img->debuglink)
		return -ENOENT;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	/* gdb's order: beside the file, in .debug/ beside it, under the debug root. */
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s/%s%s", i == 2 ? debug_root : "", dir, i == 1 ? ".debug/" : "",
			 img->debuglink);
		r = try_debug_file(img, path, true, b);
		if (r == 0 || r == -ENOMEM)
			return r;
	}
	return -ENOENT;
}

int elf_image_load_symbols(struct elf_image *img, const char *debug_root)
{
	struct sym_builder b = { 0 };
	_cleanup_elf_ Elf *e = NULL;
	int r;

	if (img->symbols_loaded)
		return 0;
	e = elf_of(img->map, img->map_len);
	if (!e)
		return -ENOEXEC;
	r = read_symbols_of(e, SHT_SYMTAB, &b);
	if (r > 0 && b.n > 0) {
		img->symbols_from = "symtab";
	} else if (r >= 0) {
		b.n = 0;
		b.pool_len = 0;
		r = find_debug_file(img, debug_root ? debug_root : "/usr/lib/debug", &b);
		if (r == 0) {
			img->symbols_from = "debug file";
		} else if (r != -ENOMEM) {
			b.n = 0;
			b.pool_len = 0;
			r = read_symbols_of(e, SHT_DYNSYM, &b);
			img->symbols_from = b.n ? "dynsym" : "none";
		}
	}
	if (r >= 0)
		r = builder_finish(&b, img);
	builder_free(&b);
	if (r < 0)
		return r;
	img->symbols_loaded = true;
	return 0;
}

const struct elf_sym *elf_image_lookup(const struct elf_image *img, uint64_t vaddr)
{
	size_t lo = 0, hi = img->nsyms;
	const struct elf_sym *s;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (img->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &img->syms[lo - 1];
	return s->size == 0 || vaddr - s->addr < s->size ? s : NULL;
}

int elf_image_offset_to_vaddr(const struct elf_image *img, uint64_t off, uint64_t *ret)
{
	for (size_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];

		/* Mappings start on page boundaries, segments need not. */
		if (off >= PAGE_ALIGN_DOWN(s->offset) && off < s->offset + MAX(s->filesz, 1)) {
			*ret = off - s->offset + s->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

const void *elf_image_vaddr_bytes(const struct elf_image *img, uint64_t vaddr, size_t len)
{
	for (size_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];
		uint64_t off;

		if (vaddr < s->vaddr || vaddr - s->vaddr >= s->filesz || len > s->filesz - (vaddr - s->vaddr))
			continue;
		off = vaddr - s->vaddr + s->offset;
		if (off > img->map_len || len > img->map_len - off)
			return NULL;
		return (const char *)img->map + off;
	}
	return NULL;
}

size_t elf_image_bytes(const struct elf_image *img)
{
	return sizeof(*img) + img->nsyms * sizeof(*img->syms) + img->pool_len + img->nsegs * sizeof(*img->segs);
}

void elf_image_build_id_hex(const struct elf_image *img, char *buf)
{
	for (size_t i = 0; i < img->build_id_len; i++)
		sprintf(buf + 2 * i, "%02x", img->build_id[i]);
	buf[2 * img->build_id_len] = 0;
}
