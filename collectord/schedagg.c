/* schedagg.c: open -> choose tp_btf or raw_tp -> load -> attach the schedagg skeleton, and read its maps. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "schedagg.bpf.h"
#include "schedagg.h"
#include "schedagg.skel.h"

struct schedagg {
	struct schedagg_bpf *skel;
	bool btf;
	int nr_cpus; /* possible CPUs: the per-CPU map's value count */
};

static int load(bool btf, struct schedagg_bpf **ret)
{
	struct schedagg_bpf *skel = schedagg_bpf__open();
	int r;

	if (!skel)
		return negative_errno();
	bpf_program__set_autoload(skel->progs.sched_switch_btf, btf);
	bpf_program__set_autoload(skel->progs.sched_switch_raw, !btf);
	r = schedagg_bpf__load(skel);
	if (r < 0)
		goto fail;
	r = schedagg_bpf__attach(skel);
	if (r < 0)
		goto fail;
	*ret = skel;
	return 0;
fail:
	schedagg_bpf__destroy(skel);
	return r;
}

int schedagg_start(bool prefer_btf, struct schedagg **ret)
{
	struct schedagg *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->nr_cpus = libbpf_num_possible_cpus();
	if (s->nr_cpus <= 0) {
		r = s->nr_cpus < 0 ? s->nr_cpus : -EINVAL;
		goto fail;
	}
	r = -EOPNOTSUPP;
	if (prefer_btf) {
		r = load(true, &s->skel);
		if (r < 0)
			log_warning_errno(r, "tp_btf/sched_switch failed (%m), falling back to raw_tp");
		else
			s->btf = true;
	}
	if (!s->skel) {
		r = load(false, &s->skel);
		if (r < 0)
			goto fail;
	}
	*ret = s;
	return 0;
fail:
	free(s);
	return r;
}

void schedagg_stop(struct schedagg *s)
{
	if (!s)
		return;
	schedagg_bpf__destroy(s->skel);
	free(s);
}

unsigned schedagg_nr_cpus(const struct schedagg *s)
{
	return (unsigned)s->nr_cpus;
}

const char *schedagg_attach_kind(const struct schedagg *s)
{
	return s->btf ? "tp_btf" : "raw_tp";
}

int schedagg_switches(const struct schedagg *s, uint64_t *ret_total, uint64_t *per_cpu, unsigned nr_cpus)
{
	_cleanup_free_ struct schedagg_cpu *v = calloc((size_t)s->nr_cpus, sizeof(*v));
	uint64_t total = 0;
	__u32 zero = 0;

	if (!v)
		return -ENOMEM;
	if (bpf_map__lookup_elem(s->skel->maps.cpu_stats, &zero, sizeof(zero), v,
				 sizeof(*v) * (size_t)s->nr_cpus, 0) < 0)
		return negative_errno();
	for (int i = 0; i < s->nr_cpus; i++) {
		total += v[i].switches;
		if (per_cpu && (unsigned)i < nr_cpus)
			per_cpu[i] = v[i].switches;
	}
	*ret_total = total;
	return 0;
}

static json_t *program_json(const struct bpf_program *p)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(p);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return json_pack("{s:s}", "name", bpf_program__name(p));
	return json_pack("{s:s, s:I, s:s}", "name", bpf_program__name(p), "id", (json_int_t)info.id,
			 "section", bpf_program__section_name(p));
}

json_t *schedagg_to_json(const struct schedagg *s)
{
	_cleanup_free_ uint64_t *per_cpu = calloc((size_t)s->nr_cpus, sizeof(uint64_t));
	json_t *o, *progs, *cpus;
	struct bpf_program *p;
	uint64_t total = 0;

	if (!per_cpu || schedagg_switches(s, &total, per_cpu, (unsigned)s->nr_cpus) < 0)
		return NULL;
	o = json_pack("{s:s, s:I, s:[], s:[]}", "attach", schedagg_attach_kind(s), "sched_switch_count",
		      (json_int_t)total, "programs", "per_cpu");
	if (!o)
		return NULL;
	progs = json_object_get(o, "programs");
	cpus = json_object_get(o, "per_cpu");
	bpf_object__for_each_program(p, s->skel->obj)
		if (bpf_program__autoload(p))
			json_array_append_new(progs, program_json(p));
	for (int i = 0; i < s->nr_cpus; i++)
		json_array_append_new(cpus, json_integer((json_int_t)per_cpu[i]));
	return o;
}
