/* report.c: symbolizes a profile's stacks once per request (memoized per address) and shapes the answer. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errmsg.h"
#include "hashmap.h"
#include "json-util.h"
#include "macro.h"
#include "proctab.h"
#include "report.h"
#include "stacktab.h"
#include "symbolize.h"

#define SPACE_KERNEL (UINT64_C(1) << 40)
#define SPACE_ADDRESSES (UINT64_C(1) << 41)

struct frame {
	char *name;
	char *module;
	bool kernel;
	bool resolved; /* a symbol, not module+offset or [unknown] */
	uint32_t id;   /* index in frame_memo.frames */
	/* scratch of one report */
	uint64_t self, total, stamp;
	int focus; /* -1 unknown, 0 no, 1 yes */
};

struct addr_entry {
	uint64_t space, addr;
	uint32_t frame;
};

struct frame_memo {
	struct frame **frames;
	size_t n, cap;
	struct hashmap by_name; /* struct frame, by (kernel, name, module) */
	struct hashmap by_addr; /* struct addr_entry, by (space, addr) */
	uint64_t stamp;
};

int frame_memo_new(struct frame_memo **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

void frame_memo_reset(struct frame_memo *fm)
{
	hashmap_clear(&fm->by_addr, free);
}

static void frame_free(void *p)
{
	struct frame *f = p;

	free(f->name);
	free(f->module);
	free(f);
}

void frame_memo_free(struct frame_memo *fm)
{
	if (!fm)
		return;
	hashmap_clear(&fm->by_addr, free);
	hashmap_clear(&fm->by_name, NULL);
	for (size_t i = 0; i < fm->n; i++)
		frame_free(fm->frames[i]);
	free(fm->frames);
	free(fm);
}

struct name_key {
	bool kernel;
	const char *name, *module;
};

static bool frame_eq(const void *item, const void *key)
{
	const struct frame *f = item;
	const struct name_key *k = key;

	return f->kernel == k->kernel && strcmp(f->name, k->name) == 0 && strcmp(f->module, k->module) == 0;
}

static uint64_t name_hash(const struct name_key *k)
{
	uint64_t h = hash_bytes(k->name, strlen(k->name), k->kernel);

	return hash_bytes(k->module, strlen(k->module), h);
}

/* The frame's index, interning it on first sight. UINT32_MAX on ENOMEM. */
static uint32_t intern(struct frame_memo *fm, bool kernel, bool resolved, const char *name, const char *module)
{
	struct name_key k = { kernel, name, module };
	uint64_t h = name_hash(&k);
	struct frame *f = hashmap_find(&fm->by_name, h, frame_eq, &k);

	if (f)
		return f->id;
	if (fm->n >= UINT32_MAX - 1)
		return UINT32_MAX;
	if (fm->n == fm->cap) {
		size_t cap = MAX(fm->cap * 2, 256);
		struct frame **v = realloc(fm->frames, cap * sizeof(*v));

		if (!v)
			return UINT32_MAX;
		fm->frames = v;
		fm->cap = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return UINT32_MAX;
	f->name = strdup(name);
	f->module = strdup(module);
	f->kernel = kernel;
	f->resolved = resolved;
	f->focus = -1;
	f->id = (uint32_t)fm->n;
	if (!f->name || !f->module || hashmap_put(&fm->by_name, h, f) < 0) {
		frame_free(f);
		return UINT32_MAX;
	}
	fm->frames[fm->n] = f;
	return (uint32_t)fm->n++;
}

static bool addr_eq(const void *item, const void *key)
{
	const struct addr_entry *a = item, *b = key;

	return a->space == b->space && a->addr == b->addr;
}

struct build {
	const struct report_opts *o;
	struct proctab *procs;
	struct symbolizer *sym;
	struct frame_memo *fm;
	uint64_t lookups, memo_hits, unresolved;
};

static uint32_t frame_of(struct build *b, bool kernel, pid_t tgid, uint64_t addr, bool leaf)
{
	struct frame_memo *fm = b->fm;
	/* Return addresses point after the call: look the call itself up. */
	uint64_t at = leaf || addr == 0 ? addr : addr - 1;
	struct addr_entry key = { .space = (kernel ? SPACE_KERNEL : (uint64_t)(uint32_t)tgid) |
					    (b->o->addresses ? SPACE_ADDRESSES : 0),
				  .addr = at };
	uint64_t h = hash_u64(key.space * UINT64_C(0x9e3779b97f4a7c15) ^ key.addr);
	struct addr_entry *e = hashmap_find(&fm->by_addr, h, addr_eq, &key);
	struct sym_result r;
	char name[512];
	uint32_t id;

	b->lookups++;
	if (e) {
		b->memo_hits++;
		return e->frame;
	}
	if (kernel) {
		symbolizer_kernel(b->sym, at, &r);
	} else {
		struct proc_info *p = proctab_proc(b->procs, tgid, false);
		struct sym_process sp = { .tgid = tgid, .alive = proctab_alive(b->procs, tgid) };

		/* Never captured (kernel_aggregate missed its start): now, if it still lives. */
		if (sp.alive && (!p || !p->snapshot_tried)) {
			proctab_snapshot(b->procs, tgid);
			p = proctab_proc(b->procs, tgid, false);
		}
		sp.maps = p ? &p->maps : NULL;
		symbolizer_user(b->sym, &sp, at, &r);
	}
	switch (r.kind) {
	case SYM_FOUND:
		snprintf(name, sizeof(name), "%s", r.name);
		break;
	case SYM_MODULE:
		snprintf(name, sizeof(name), "%s+0x%" PRIx64, r.module, r.offset + (at != addr));
		b->unresolved++;
		break;
	default:
		if (b->o->addresses)
			snprintf(name, sizeof(name), "0x%" PRIx64, addr);
		else
			snprintf(name, sizeof(name), "[unknown]");
		b->unresolved++;
		break;
	}
	id = intern(fm, kernel, r.kind == SYM_FOUND, name, r.module ? r.module : "[unknown]");
	if (id == UINT32_MAX)
		return id;
	e = malloc(sizeof(*e));
	if (e) {
		*e = key;
		e->frame = id;
		if (hashmap_put(&fm->by_addr, h, e) < 0)
			free(e);
	}
	return id;
}

/* ---- symbolized stacks ---- */

struct sym_stack {
	uint64_t count;
	const char *comm;
	pid_t tgid, pid;
	uint16_t nk, nu;
	uint32_t *frames; /* nk kernel then nu user, innermost first */
};

static int sym_stack_cmp(const void *a, const void *b)
{
	const struct sym_stack *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->nk + x->nu != y->nk + y->nu)
		return x->nk + x->nu < y->nk + y->nu ? -1 : 1;
	return memcmp(x->frames, y->frames, (x->nk + x->nu) * sizeof(uint32_t));
}

struct merge_key {
	pid_t tgid;
	const char *comm;
	uint16_t nk, nu;
	const uint32_t *frames;
};

static bool merged_eq(const void *item, const void *key)
{
	const struct sym_stack *s = item;
	const struct merge_key *k = key;

	return s->tgid == k->tgid && s->nk == k->nk && s->nu == k->nu && strcmp(s->comm, k->comm) == 0 &&
	       memcmp(s->frames, k->frames, (k->nk + k->nu) * sizeof(uint32_t)) == 0;
}

static bool frame_matches(struct frame *f, const char *focus)
{
	if (f->focus < 0)
		f->focus = strstr(f->name, focus) || strstr(f->module, focus);
	return f->focus;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? (double)part * 100.0 / (double)whole : 0.0;
}

/* Display form of a frame inside a stack. */
static json_t *frame_text(const struct frame *f)
{
	char buf[700];

	if (f->kernel && strcmp(f->module, "[kernel.kallsyms]") == 0)
		return json_string(f->name);
	if (!f->resolved)
		return json_string(f->name);
	snprintf(buf, sizeof(buf), f->kernel ? "%s %s" : "%s (%s)", f->name, f->module);
	return json_string(buf);
}

static json_t *stack_json(const struct build *b, const struct sym_stack *s, uint64_t whole)
{
	json_t *k = json_array(), *u = json_array();

	for (unsigned i = 0; k && i < s->nk; i++)
		json_array_append_new(k, frame_text(b->fm->frames[s->frames[i]]));
	for (unsigned i = 0; u && i < s->nu; i++)
		json_array_append_new(u, frame_text(b->fm->frames[s->frames[s->nk + i]]));
	return json_pack("{s:I, s:f, s:i, s:i, s:s, s:o, s:o}", "count", (json_int_t)s->count, "pct",
			 pct(s->count, whole), "pid", (int)s->tgid, "tid", (int)s->pid, "comm", s->comm,
			 "kernel_frames", k ? k : json_null(), "user_frames", u ? u : json_null());
}

/* Appends a piece of a folded frame name, with ';' and blanks made safe. */
static void folded_put(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == ';' ? ':' : (*s == ' ' || *s == '\n' || *s == '\t') ? '_' : *s, f);
}

static char *folded_line(const struct build *b, const struct sym_stack *s)
{
	char *line = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&line, &size);

	if (!f)
		return NULL;
	folded_put(f, s->comm);
	for (unsigned i = s->nu; i-- > 0;) {
		fputc(';', f);
		folded_put(f, b->fm->frames[s->frames[s->nk + i]]->name);
	}
	for (unsigned i = s->nk; i-- > 0;) {
		fputc(';', f);
		folded_put(f, b->fm->frames[s->frames[i]]->name);
		fputs("_[k]", f);
	}
	if (fclose(f) != 0) {
		free(line);
		return NULL;
	}
	return line;
}

struct folded {
	char *line;
	uint64_t count;
};

static bool folded_eq(const void *item, const void *key)
{
	return strcmp(((const struct folded *)item)->line, key) == 0;
}

static int folded_cmp(const void *a, const void *b)
{
	const struct folded *x = *(struct folded *const *)a, *y = *(struct folded *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->line, y->line);
}

static void folded_free(void *p)
{
	struct folded *f = p;

	free(f->line);
	free(f);
}

static int frame_order(const struct frame_memo *fm, enum report_sort sort, uint32_t a, uint32_t b)
{
	const struct frame *x = fm->frames[a], *y = fm->frames[b];
	uint64_t xa = sort == REPORT_SORT_SELF ? x->self : x->total, ya = sort == REPORT_SORT_SELF ? y->self : y->total;
	uint64_t xb = sort == REPORT_SORT_SELF ? x->total : x->self, yb = sort == REPORT_SORT_SELF ? y->total : y->self;

	if (xa != ya)
		return xa > ya ? -1 : 1;
	if (xb != yb)
		return xb > yb ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const struct frame_memo *sort_fm;
static enum report_sort sort_key;

static int frame_idx_cmp(const void *a, const void *b)
{
	return frame_order(sort_fm, sort_key, *(const uint32_t *)a, *(const uint32_t *)b);
}

/* Adds items to list while the budget lasts; returns how many were added. */
struct budget {
	size_t left;
	bool hit;
};

static bool budget_take(struct budget *bu, const json_t *item)
{
	_cleanup_free_ char *s = NULL;
	size_t len = 0;

	if (bu->hit)
		return false;
	s = json_dump_compact(item, &len);
	if (!s || len + 1 > bu->left) {
		bu->hit = true;
		return false;
	}
	bu->left -= len + 1;
	return true;
}

static void page_fields(json_t *out, const char *list, uint64_t total, uint64_t offset, uint64_t limit,
			uint64_t shown, bool budget_hit, size_t budget)
{
	uint64_t next = offset + shown;
	json_t *o = json_object();

	json_object_set_new(o, "total", json_integer((json_int_t)total));
	json_object_set_new(o, "offset", json_integer((json_int_t)offset));
	json_object_set_new(o, "limit", json_integer((json_int_t)limit));
	json_object_set_new(o, "returned", json_integer((json_int_t)shown));
	json_object_set_new(o, "next_offset", next < total ? json_integer((json_int_t)next) : json_null());
	if (budget_hit && next < total) {
		char msg[300];

		snprintf(msg, sizeof(msg),
			 "the answer reached its %zu-byte budget after %" PRIu64 " %s; ask again with offset=%" PRIu64
			 " for the rest (or a smaller limit, a focus or a pid)",
			 budget, shown, list, next);
		json_object_set_new(o, "truncated", json_string(msg));
	}
	json_object_set_new(out, "page", o);
}

int report_build(const struct stacktab *tab, struct proctab *procs, struct symbolizer *sym, struct frame_memo *fm,
		 const struct report_opts *o, json_t *out)
{
	struct build b = { .o = o, .procs = procs, .sym = sym, .fm = fm };
	struct sym_stack *stacks = NULL;
	uint32_t *frames_pool = NULL;
	size_t nstacks = 0, npool = 0, i;
	uint64_t whole = 0, selected = 0, kernel = 0, user = 0, idle = 0;
	struct stack_rec *rec;
	struct budget bu = { .left = o->budget };
	struct timespec t0, t1;
	int r = -ENOMEM;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* One pass to size the arrays. */
	hashmap_foreach(&tab->map, i, rec) {
		nstacks++;
		npool += rec->nk + rec->nu;
	}
	stacks = calloc(nstacks ? nstacks : 1, sizeof(*stacks));
	frames_pool = calloc(npool ? npool : 1, sizeof(*frames_pool));
	if (!stacks || !frames_pool)
		goto out;
	nstacks = npool = 0;
	fm->stamp++;
	for (size_t f = 0; f < fm->n; f++) {
		fm->frames[f]->self = fm->frames[f]->total = 0;
		fm->frames[f]->focus = -1;
	}
	hashmap_foreach(&tab->map, i, rec) {
		struct sym_stack *s = &stacks[nstacks];
		bool keep = !o->focus;

		if (o->pid && (pid_t)rec->tgid != o->pid && (pid_t)rec->pid != o->pid)
			continue;
		whole += rec->count;
		*s = (struct sym_stack){ .count = rec->count, .tgid = (pid_t)rec->tgid, .pid = (pid_t)rec->pid,
					 .nk = rec->nk, .nu = rec->nu, .frames = frames_pool + npool };
		s->comm = proctab_comm(procs, s->pid, s->tgid);
		for (unsigned k = 0; k < rec->nk; k++)
			s->frames[k] = frame_of(&b, true, s->tgid, rec->ips[k], k == 0);
		for (unsigned k = 0; k < rec->nu; k++)
			s->frames[rec->nk + k] = frame_of(&b, false, s->tgid, rec->ips[rec->nk + k], k == 0);
		for (unsigned k = 0; k < s->nk + s->nu; k++)
			if (s->frames[k] == UINT32_MAX)
				goto out;
		for (unsigned k = 0; !keep && k < s->nk + s->nu; k++)
			keep = frame_matches(fm->frames[s->frames[k]], o->focus);
		if (!keep)
			continue;
		npool += s->nk + s->nu;
		nstacks++;
		selected += s->count;
		if (s->nk)
			kernel += s->count;
		else if (s->nu)
			user += s->count;
		if (s->tgid == 0)
			idle += s->count;
		/* self: the innermost frame; total: once per stack through the frame. */
		if (s->nk + s->nu)
			fm->frames[s->frames[0]]->self += s->count;
		fm->stamp++;
		for (unsigned k = 0; k < s->nk + s->nu; k++) {
			struct frame *f = fm->frames[s->frames[k]];

			if (f->stamp != fm->stamp) {
				f->stamp = fm->stamp;
				f->total += s->count;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	json_object_set_new(out, "samples", json_integer((json_int_t)whole));
	if (o->pid)
		json_object_set_new(out, "pid_filter", json_integer(o->pid));
	if (o->focus) {
		json_object_set_new(out, "focus", json_string(o->focus));
		json_object_set_new(out, "focus_samples", json_integer((json_int_t)selected));
		json_object_set_new(out, "focus_pct", json_real(pct(selected, whole)));
	}
	json_object_set_new(out, "kernel_samples", json_integer((json_int_t)kernel));
	json_object_set_new(out, "user_samples", json_integer((json_int_t)user));
	json_object_set_new(out, "kernel_pct", json_real(pct(kernel, selected)));
	json_object_set_new(out, "user_pct", json_real(pct(user, selected)));
	json_object_set_new(out, "idle_samples", json_integer((json_int_t)idle));
	json_object_set_new(out, "format", json_string(report_format_to_string(o->format)));
	json_object_set_new(out, "percentages_of",
			    json_string(o->pid ? "the samples of this pid" : "all samples of the profile"));
	json_object_set_new(out, "symbolization",
			    json_pack("{s:f, s:I, s:I, s:I, s:I, s:o}", "ms",
				      (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
				      "addresses", (json_int_t)b.lookups, "memo_hits", (json_int_t)b.memo_hits,
				      "unresolved", (json_int_t)b.unresolved, "frames", (json_int_t)fm->n, "cache",
				      symbolizer_stats(sym)));

	if (o->format == REPORT_TOP) {
		_cleanup_free_ uint32_t *idx = NULL;
		size_t nf = 0, shown = 0;
		json_t *list = json_array();

		idx = calloc(fm->n ? fm->n : 1, sizeof(*idx));
		if (!idx || !list) {
			json_decref(list);
			goto out;
		}
		for (size_t f = 0; f < fm->n; f++)
			if (fm->frames[f]->total)
				idx[nf++] = (uint32_t)f;
		sort_fm = fm;
		sort_key = o->sort;
		qsort(idx, nf, sizeof(*idx), frame_idx_cmp);
		for (size_t k = o->offset; k < nf && shown < o->limit; k++) {
			const struct frame *f = fm->frames[idx[k]];
			json_t *e = json_pack("{s:s, s:s, s:b, s:I, s:f, s:I, s:f}", "symbol", f->name, "module",
					      f->module, "kernel", f->kernel, "self", (json_int_t)f->self, "self_pct",
					      pct(f->self, whole), "total", (json_int_t)f->total, "total_pct",
					      pct(f->total, whole));

			if (!e || !budget_take(&bu, e)) {
				json_decref(e);
				break;
			}
			json_array_append_new(list, e);
			shown++;
		}
		json_object_set_new(out, "sort", json_string(o->sort == REPORT_SORT_SELF ? "self" : "total"));
		json_object_set_new(out, "symbols", list);
		page_fields(out, "symbols", nf, o->offset, o->limit, shown, bu.hit, o->budget);
	}
	if (o->format == REPORT_STACKS || (o->format == REPORT_TOP && o->include_stacks)) {
		struct hashmap merged = { 0 };
		_cleanup_free_ struct sym_stack *m = calloc(nstacks ? nstacks : 1, sizeof(*m));
		size_t nm = 0, shown = 0;
		uint64_t offset = o->format == REPORT_STACKS ? o->offset : 0;
		json_t *list = json_array();

		if (!m || !list) {
			json_decref(list);
			goto out;
		}
		/* Threads of one process with the same name and frames: one stack. */
		for (size_t k = 0; k < nstacks; k++) {
			struct sym_stack *s = &stacks[k];
			struct merge_key mk = { s->tgid, s->comm, s->nk, s->nu, s->frames };
			uint64_t h = hash_bytes(s->frames, (s->nk + s->nu) * sizeof(uint32_t),
						hash_u64((uint64_t)s->tgid << 32 | s->nk));
			struct sym_stack *e = hashmap_find(&merged, h, merged_eq, &mk);

			if (e) {
				e->count += s->count;
				continue;
			}
			m[nm] = *s;
			if (hashmap_put(&merged, h, &m[nm]) < 0) {
				hashmap_clear(&merged, NULL);
				json_decref(list);
				goto out;
			}
			nm++;
		}
		hashmap_clear(&merged, NULL);
		qsort(m, nm, sizeof(*m), sym_stack_cmp);
		for (size_t k = offset; k < nm && shown < o->limit; k++) {
			json_t *e = stack_json(&b, &m[k], whole);

			if (!e || !budget_take(&bu, e)) {
				json_decref(e);
				break;
			}
			json_array_append_new(list, e);
			shown++;
		}
		json_object_set_new(out, "stacks", list);
		json_object_set_new(out, "stack_order", json_string("frames innermost first; user_frames continue "
								      "where kernel_frames end"));
		if (o->format == REPORT_STACKS)
			page_fields(out, "stacks", nm, offset, o->limit, shown, bu.hit, o->budget);
		else
			json_object_set_new(out, "stacks_total", json_integer((json_int_t)nm));
	}
	if (o->format == REPORT_FOLDED) {
		struct hashmap lines = { 0 };
		_cleanup_free_ struct folded **v = NULL;
		size_t nl = 0, shown = 0;
		json_t *list = json_array();
		struct folded *fl;

		for (size_t k = 0; k < nstacks; k++) {
			char *line = folded_line(&b, &stacks[k]);
			uint64_t h;

			if (!line)
				break;
			h = hash_bytes(line, strlen(line), 0);
			fl = hashmap_find(&lines, h, folded_eq, line);
			if (fl) {
				fl->count += stacks[k].count;
				free(line);
				continue;
			}
			fl = malloc(sizeof(*fl));
			if (!fl || hashmap_put(&lines, h, fl) < 0) {
				free(fl);
				free(line);
				break;
			}
			*fl = (struct folded){ line, stacks[k].count };
		}
		v = calloc(lines.n ? lines.n : 1, sizeof(*v));
		if (!v || !list) {
			hashmap_clear(&lines, folded_free);
			json_decref(list);
			goto out;
		}
		hashmap_foreach(&lines, i, fl)
			v[nl++] = fl;
		qsort(v, nl, sizeof(*v), folded_cmp);
		for (size_t k = o->offset; k < nl && shown < o->limit; k++) {
			_cleanup_free_ char *text = NULL;
			json_t *e;

			if (asprintf(&text, "%s %" PRIu64, v[k]->line, v[k]->count) < 0)
				break;
			e = json_string(text);
			if (!e || !budget_take(&bu, e)) {
				json_decref(e);
				break;
			}
			json_array_append_new(list, e);
			shown++;
		}
		hashmap_clear(&lines, folded_free);
		json_object_set_new(out, "folded", list);
		page_fields(out, "lines", nl, o->offset, o->limit, shown, bu.hit, o->budget);
	}
	r = 0;
out:
	free(stacks);
	free(frames_pool);
	return r;
}

static const char *const format_names[REPORT_FORMAT_MAX] = {
	[REPORT_TOP] = "top",
	[REPORT_STACKS] = "stacks",
	[REPORT_FOLDED] = "folded",
};

const char *report_format_to_string(enum report_format f)
{
	return f < REPORT_FORMAT_MAX ? format_names[f] : "?";
}

int report_opts_parse(const json_t *args, size_t max_budget, struct report_opts *ret, char **ret_error)
{
	struct report_opts o = { .limit = REPORT_LIMIT_DEFAULT, .budget = REPORT_BUDGET_DEFAULT };
	const char *s;
	uint64_t v;
	int r;

	r = json_get_string(args, "format", &s);
	if (r == 0) {
		for (o.format = 0; o.format < REPORT_FORMAT_MAX; o.format++)
			if (strcmp(s, format_names[o.format]) == 0)
				break;
		if (o.format == REPORT_FORMAT_MAX)
			return errmsg_set(ret_error, -EINVAL, "format must be top, stacks or folded");
	} else if (r == -EINVAL) {
		return errmsg_set(ret_error, -EINVAL, "format must be top, stacks or folded");
	}
	r = json_get_string(args, "sort", &s);
	if (r == 0 && strcmp(s, "total") == 0)
		o.sort = REPORT_SORT_TOTAL;
	else if ((r == 0 && strcmp(s, "self") != 0) || r == -EINVAL)
		return errmsg_set(ret_error, -EINVAL, "sort must be self or total");
	r = json_get_uint(args, "limit", REPORT_LIMIT_MAX, &o.limit);
	if (r < 0 && r != -ENOENT)
		return errmsg_set(ret_error, -EINVAL, "limit must be an integer from 0 to %d", REPORT_LIMIT_MAX);
	r = json_get_uint(args, "offset", UINT32_MAX, &o.offset);
	if (r < 0 && r != -ENOENT)
		return errmsg_set(ret_error, -EINVAL, "offset must be a non-negative integer");
	r = json_get_bool(args, "include_stacks", &o.include_stacks);
	if (r == -EINVAL)
		return errmsg_set(ret_error, -EINVAL, "include_stacks must be a boolean");
	r = json_get_uint(args, "pid", INT32_MAX, &v);
	if (r == 0)
		o.pid = (pid_t)v;
	else if (r != -ENOENT)
		return errmsg_set(ret_error, -EINVAL, "pid must be a positive integer");
	r = json_get_string(args, "focus", &o.focus);
	if (r == -EINVAL || (r == 0 && (!o.focus[0] || strlen(o.focus) > 256)))
		return errmsg_set(ret_error, -EINVAL, "focus must be a symbol or module name (1 to 256 characters)");
	if (r < 0)
		o.focus = NULL;
	r = json_get_uint(args, "max_bytes", max_budget, &v);
	if (r == 0 && v >= REPORT_BUDGET_MIN)
		o.budget = v;
	else if (r != -ENOENT)
		return errmsg_set(ret_error, -EINVAL, "max_bytes must be an integer from %u to %zu", REPORT_BUDGET_MIN,
				  max_budget);
	*ret = o;
	return 0;
}
