/* bpfprogs.c: walks BPF program ids and describes each program with libbpf and its fdinfo. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpfprogs.h"
#include "errmsg.h"
#include "json-util.h"
#include "macro.h"
#include "procfs.h"

/* Distinct attach and program BTFs we parse during one listing. */
#define BTF_CACHE_SIZE 64

struct btf_cache {
	struct btf *vmlinux; /* base of module BTFs */
	bool vmlinux_tried;
	struct {
		__u32 id;
		struct btf *btf; /* NULL: could not be loaded */
	} e[BTF_CACHE_SIZE];
	unsigned n;
};

static void btf_cache_done(struct btf_cache *c)
{
	for (unsigned i = 0; i < c->n; i++)
		btf__free(c->e[i].btf);
	btf__free(c->vmlinux);
}

/* Largest program BTF read; a BPF object's own BTF is some KiB. */
#define BTF_PROG_MAX_BYTES (16u << 20)

/* A program's own BTF, read into a zeroed buffer before btf__new() copies and parses it.
 * libbpf's btf__load_from_kernel_by_id() reads into malloc'd memory, which memcheck then
 * takes as uninitialised: it does not see the kernel write through bpf_btf_info.btf. */
static struct btf *btf_read(int fd, __u32 size)
{
	struct bpf_btf_info info = { 0 };
	__u32 len = sizeof(info);
	_cleanup_free_ void *data = NULL;

	if (size == 0 || size > BTF_PROG_MAX_BYTES)
		return NULL;
	data = calloc(1, size);
	if (!data)
		return NULL;
	info.btf = (__u64)(unsigned long)data;
	info.btf_size = size;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || info.btf_size != size)
		return NULL;
	return btf__new(data, size);
}

/* Kernel BTF from /sys/kernel/btf (read(), so memcheck sees it too); by id where sysfs
 * lacks it. Module BTF only makes sense on top of vmlinux's. */
static struct btf *btf_kernel(struct btf_cache *c, __u32 id, const char *name)
{
	bool vmlinux = strcmp(name, "vmlinux") == 0;
	struct btf *btf = NULL;
	char path[128];

	if (!vmlinux && !c->vmlinux_tried) {
		c->vmlinux_tried = true;
		c->vmlinux = btf__load_vmlinux_btf();
	}
	if (!vmlinux && !c->vmlinux)
		return NULL;
	if (name[0] && name[0] != '.' && !strchr(name, '/')) {
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", name);
		btf = btf__parse_split(path, vmlinux ? NULL : c->vmlinux);
	}
	if (btf)
		return btf;
	return vmlinux ? btf__load_from_kernel_by_id(id) : btf__load_from_kernel_by_id_split(id, c->vmlinux);
}

static struct btf *btf_load(struct btf_cache *c, __u32 id)
{
	struct bpf_btf_info info = { 0 };
	__u32 len = sizeof(info);
	char name[64] = "";
	_cleanup_close_ int fd = bpf_btf_get_fd_by_id(id);

	if (fd < 0)
		return NULL;
	info.name = (__u64)(unsigned long)name;
	info.name_len = sizeof(name);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return NULL;
	name[sizeof(name) - 1] = 0;
	return info.kernel_btf ? btf_kernel(c, id, name) : btf_read(fd, info.btf_size);
}

static struct btf *btf_cache_get(struct btf_cache *c, __u32 id)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->e[i].id == id)
			return c->e[i].btf;
	if (c->n == BTF_CACHE_SIZE)
		return NULL;
	c->e[c->n].id = id;
	c->e[c->n].btf = btf_load(c, id);
	return c->e[c->n++].btf;
}

static const char *btf_type_name(struct btf_cache *c, __u32 obj_id, __u32 type_id)
{
	struct btf *btf = btf_cache_get(c, obj_id);
	const struct btf_type *t;

	if (!btf)
		return NULL;
	t = btf__type_by_id(btf, type_id);
	return t ? btf__name_by_offset(btf, t->name_off) : NULL;
}

int bpfprogs_fdinfo_memlock(const char *fdinfo, uint64_t *ret)
{
	for (const char *p = fdinfo; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned long long v;

		if (strncmp(p, "memlock:", 8) == 0 && sscanf(p + 8, "%llu", &v) == 1) {
			*ret = v;
			return 0;
		}
	}
	return -ENOENT;
}

static const struct {
	unsigned type;
	const char *prefix; /* stripped from the BTF name to give the target */
	const char *kind;
} attach_kinds[] = {
    {BPF_PROG_TYPE_TRACING, "btf_trace_", "tp_btf"}, {BPF_PROG_TYPE_TRACING, "bpf_iter_", "iter"},
    {BPF_PROG_TYPE_TRACING, "", "function"}, /* fentry, fexit or fmod_ret */
    {BPF_PROG_TYPE_LSM, "bpf_lsm_", "lsm"},	     {BPF_PROG_TYPE_EXT, "", "freplace"},
    {BPF_PROG_TYPE_STRUCT_OPS, "", "struct_ops"},
};

const char *bpfprogs_attach_kind(unsigned prog_type, const char *btf_name, const char **ret_target)
{
	if (!btf_name || !*btf_name)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(attach_kinds); i++) {
		size_t n = strlen(attach_kinds[i].prefix);

		if (attach_kinds[i].type == prog_type && strncmp(btf_name, attach_kinds[i].prefix, n) == 0) {
			*ret_target = btf_name + n;
			return attach_kinds[i].kind;
		}
	}
	return NULL;
}

const char *bpfprogs_type_string(unsigned prog_type, const char *attach_btf_name)
{
	const char *s;

	if (prog_type == BPF_PROG_TYPE_STRUCT_OPS && attach_btf_name &&
	    strcmp(attach_btf_name, "sched_ext_ops") == 0)
		return "struct_ops (sched_ext scheduler)";
	s = libbpf_bpf_prog_type_str((enum bpf_prog_type)prog_type);
	return s ? s : "unknown";
}

/* info.name is cut at 15 characters; the BTF of the program's first function
 * has the whole name, as bpftool shows it. */
static void full_name(int fd, const struct bpf_prog_info *info, struct btf_cache *c, char *buf, size_t size)
{
	struct bpf_prog_info i2 = { 0 };
	struct bpf_func_info fi = { 0 };
	__u32 len = sizeof(i2);
	const char *n;

	snprintf(buf, size, "%s", info->name);
	if (strlen(info->name) < BPF_OBJ_NAME_LEN - 1 || !info->btf_id || !info->nr_func_info)
		return;
	i2.nr_func_info = 1;
	i2.func_info_rec_size = sizeof(fi);
	i2.func_info = (__u64)(unsigned long)&fi;
	if (bpf_obj_get_info_by_fd(fd, &i2, &len) < 0)
		return;
	n = btf_type_name(c, info->btf_id, fi.type_id);
	if (n && *n)
		snprintf(buf, size, "%s", n);
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static json_t *program_json(int fd, const struct bpf_prog_info *info, struct btf_cache *c)
{
	const char *btf_name = NULL, *kind, *target = NULL;
	char name[128], tag[2 * BPF_TAG_SIZE + 1], path[64], when[32];
	_cleanup_free_ char *fdinfo = NULL;
	int64_t age_ns = clock_ns(CLOCK_BOOTTIME) - (int64_t)info->load_time;
	time_t loaded = (time_t)((clock_ns(CLOCK_REALTIME) - age_ns) / 1000000000);
	uint64_t memlock;
	struct tm tm;
	json_t *o;

	full_name(fd, info, c, name, sizeof(name));
	for (int i = 0; i < BPF_TAG_SIZE; i++)
		snprintf(tag + 2 * i, 3, "%02x", info->tag[i]);
	if (info->attach_btf_id && info->attach_btf_obj_id)
		btf_name = btf_type_name(c, info->attach_btf_obj_id, info->attach_btf_id);
	gmtime_r(&loaded, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);

	o = json_pack(
	    "{s:I, s:s, s:s, s:s, s:I, s:I, s:o, s:I, s:I, s:s, s:f, s:I, s:I}", "id", (json_int_t)info->id,
	    "name", name, "type", bpfprogs_type_string(info->type, btf_name), "tag", tag, "run_cnt",
	    (json_int_t)info->run_cnt, "run_time_ns", (json_int_t)info->run_time_ns, "ns_per_run",
	    info->run_cnt ? json_integer((json_int_t)(info->run_time_ns / info->run_cnt)) : json_null(),
	    "recursion_misses", (json_int_t)info->recursion_misses, "verified_insns",
	    (json_int_t)info->verified_insns, "loaded_at", when, "loaded_s_ago",
	    (double)(age_ns / 1000000) / 1e3, "uid", (json_int_t)info->created_by_uid, "nr_maps",
	    (json_int_t)info->nr_map_ids);
	if (!o)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	json_object_set_new(o, "memlock_bytes",
			    procfs_read(NULL, path, 4096, &fdinfo, NULL) == 0 &&
				    bpfprogs_fdinfo_memlock(fdinfo, &memlock) == 0
				? json_integer((json_int_t)memlock)
				: json_null());
	kind = bpfprogs_attach_kind(info->type, btf_name, &target);
	if (kind)
		json_object_set_new(o, "attach", json_pack("{s:s, s:s}", "kind", kind, "target", target));
	if (info->type == BPF_PROG_TYPE_STRUCT_OPS)
		json_object_set_new(o, "sched_ext",
				    json_boolean(btf_name && strcmp(btf_name, "sched_ext_ops") == 0));
	return o;
}

int bpfprogs_list(const struct page *pg, json_t **ret_programs, uint64_t *ret_total, char **ret_error)
{
	_cleanup_json_ json_t *programs = json_array();
	struct btf_cache cache = { 0 };
	uint64_t total = 0;
	__u32 id = 0;
	int r = 0;

	if (!programs)
		return -ENOMEM;
	for (;;) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		_cleanup_close_ int fd = -1;
		json_t *p;

		if (bpf_prog_get_next_id(id, &id) < 0) {
			if (errno == ENOENT)
				break;
			r = errmsg_set(ret_error, negative_errno(), "walking BPF program ids failed: %s%s",
				       strerror(errno), errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
			goto out;
		}
		if (!page_contains(pg, total)) {
			total++;
			continue;
		}
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* unloaded since we saw its id */
			r = errmsg_set(ret_error, negative_errno(), "opening BPF program %u failed: %s", id,
				       strerror(errno));
			goto out;
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
			r = errmsg_set(ret_error, negative_errno(), "reading BPF program %u failed: %s", id,
				       strerror(errno));
			goto out;
		}
		p = program_json(fd, &info, &cache);
		if (!p || json_array_append_new(programs, p) < 0) {
			r = -ENOMEM;
			goto out;
		}
		total++;
	}
	*ret_programs = TAKE_PTR(programs);
	*ret_total = total;
out:
	btf_cache_done(&cache);
	return r;
}
