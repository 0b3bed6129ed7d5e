/* stackagg.c: open -> set max_samples -> load -> attach per perf event of the stackagg skeleton; reads its maps. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "proctab.h"
#include "stackagg.bpf.h"
#include "stackagg.h"
#include "stackagg.skel.h"
#include "stacktab.h"

struct stackagg {
	struct stackagg_bpf *skel;
	struct bpf_program *prog;
	struct bpf_link **links;
	size_t nlinks, links_cap;
	struct ring_buffer *rb;
	void (*new_fn)(void *userdata, uint32_t tgid);
	void *new_userdata;
	int nr_cpus;
};

static int on_new_tgid(void *ctx, void *data, size_t size)
{
	struct stackagg *sa = ctx;
	const struct stackagg_new_tgid *r = data;

	if (size >= sizeof(*r) && sa->new_fn)
		sa->new_fn(sa->new_userdata, r->tgid);
	return 0;
}

int stackagg_load(bool tracepoint, uint64_t max_samples, uint32_t tgid, int cpu, struct stackagg **ret)
{
	struct stackagg *sa = calloc(1, sizeof(*sa));
	int r;

	if (!sa)
		return -ENOMEM;
	sa->nr_cpus = libbpf_num_possible_cpus();
	sa->skel = stackagg_bpf__open();
	if (!sa->skel || sa->nr_cpus <= 0) {
		r = sa->nr_cpus <= 0 ? -EINVAL : negative_errno();
		goto fail;
	}
	sa->skel->rodata->max_samples = max_samples;
	if (tracepoint) {
		sa->skel->rodata->filter_tgid = tgid;
		sa->skel->rodata->filter_cpu = cpu;
	}
	bpf_program__set_autoload(sa->skel->progs.stackagg_perf, !tracepoint);
	bpf_program__set_autoload(sa->skel->progs.stackagg_tp, tracepoint);
	sa->prog = tracepoint ? sa->skel->progs.stackagg_tp : sa->skel->progs.stackagg_perf;
	r = stackagg_bpf__load(sa->skel);
	if (r < 0)
		goto fail;
	sa->rb = ring_buffer__new(bpf_map__fd(sa->skel->maps.new_tgids), on_new_tgid, sa, NULL);
	if (!sa->rb) {
		r = negative_errno();
		goto fail;
	}
	*ret = sa;
	return 0;
fail:
	stackagg_free(sa);
	return r;
}

int stackagg_attach(struct stackagg *sa, int perf_fd)
{
	struct bpf_link *l;

	if (sa->nlinks == sa->links_cap) {
		size_t cap = MAX(sa->links_cap * 2, 16);
		struct bpf_link **v = realloc(sa->links, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sa->links = v;
		sa->links_cap = cap;
	}
	l = bpf_program__attach_perf_event(sa->prog, perf_fd);
	if (!l)
		return negative_errno();
	sa->links[sa->nlinks++] = l;
	return 0;
}

void stackagg_detach(struct stackagg *sa)
{
	for (size_t i = 0; i < sa->nlinks; i++)
		bpf_link__destroy(sa->links[i]);
	sa->nlinks = 0;
}

int stackagg_new_tgids_fd(const struct stackagg *sa)
{
	return ring_buffer__epoll_fd(sa->rb);
}

int stackagg_poll_new(struct stackagg *sa, void (*fn)(void *userdata, uint32_t tgid), void *userdata)
{
	int r;

	sa->new_fn = fn;
	sa->new_userdata = userdata;
	r = ring_buffer__consume(sa->rb);
	sa->new_fn = NULL;
	return r < 0 ? r : 0;
}

int stackagg_totals(const struct stackagg *sa, struct stackagg_totals *ret)
{
	_cleanup_free_ struct stackagg_stats *v = calloc((size_t)sa->nr_cpus, sizeof(*v));
	struct stackagg_totals t = { 0 };
	__u32 zero = 0;

	if (!v)
		return -ENOMEM;
	if (bpf_map__lookup_elem(sa->skel->maps.stats, &zero, sizeof(zero), v, sizeof(*v) * (size_t)sa->nr_cpus,
				 0) < 0)
		return negative_errno();
	for (int i = 0; i < sa->nr_cpus; i++) {
		t.samples += v[i].samples;
		t.over_limit += v[i].over_limit;
		t.kstack_err += v[i].kstack_err;
		t.ustack_err += v[i].ustack_err;
		t.keys_full += v[i].keys_full;
		if (v[i].first_ns && (!t.first_ns || v[i].first_ns < t.first_ns))
			t.first_ns = v[i].first_ns;
		t.last_ns = MAX(t.last_ns, v[i].last_ns);
	}
	*ret = t;
	return 0;
}

/* A stack map slot: addresses until the first zero. */
static unsigned read_stack(int fd, __s32 id, uint64_t *ips)
{
	unsigned n = 0;

	if (id < 0 || bpf_map_lookup_elem(fd, &id, ips) < 0)
		return 0;
	while (n < STACKAGG_MAX_DEPTH && ips[n])
		n++;
	return n;
}

int stackagg_collect(const struct stackagg *sa, struct stacktab *tab, struct proctab *procs)
{
	int counts = bpf_map__fd(sa->skel->maps.counts), stacks = bpf_map__fd(sa->skel->maps.stacks);
	struct stackagg_key key, next;
	struct stackagg_value val;
	uint64_t kips[STACKAGG_MAX_DEPTH], uips[STACKAGG_MAX_DEPTH];
	void *prev = NULL;
	int r;

	/* Keys are only ever added while this runs: iteration cannot restart. */
	while ((r = bpf_map_get_next_key(counts, prev, &next)) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts, &key, &val) < 0 || val.count == 0)
			continue;
		unsigned nk = read_stack(stacks, key.kstack, kips);
		unsigned nu = read_stack(stacks, key.ustack, uips);
		char comm[STACKAGG_COMM_LEN + 1];

		memcpy(comm, val.comm, STACKAGG_COMM_LEN);
		comm[STACKAGG_COMM_LEN] = 0;
		proctab_set_comm(procs, (pid_t)key.pid, (pid_t)key.tgid, comm);
		stacktab_add(tab, key.tgid, key.pid, kips, nk, uips, nu, val.count);
	}
	return r == -ENOENT || errno == ENOENT ? 0 : r;
}

void stackagg_free(struct stackagg *sa)
{
	if (!sa)
		return;
	for (size_t i = 0; i < sa->nlinks; i++)
		bpf_link__destroy(sa->links[i]);
	free(sa->links);
	ring_buffer__free(sa->rb);
	stackagg_bpf__destroy(sa->skel);
	free(sa);
}
