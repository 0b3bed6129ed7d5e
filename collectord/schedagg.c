/* schedagg.c: open -> choose tp_btf or raw_tp per tracepoint -> size maps -> load -> attach the
 * schedagg skeleton; read its maps into struct agg_read; program the feed's filters. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "log.h"
#include "macro.h"
#include "procfs.h"
#include "schedagg.bpf.h"
#include "schedagg.h"
#include "schedagg.skel.h"
#include "topology.h"

_Static_assert(SCHEDAGG_HIST_SLOTS == HIST_SLOTS, "BPF and user-space histograms agree");
_Static_assert(SCHEDAGG_NR_SOFTIRQS == SCHEDWIN_NR_SOFTIRQS, "softirq vectors agree");
_Static_assert((int)SCHEDAGG_LOCALITY_MAX == (int)AGG_LOCALITY_MAX, "locality classes agree");

enum tp_role {
	TP_AGGREGATION, /* attached while collectord runs */
	TP_FEED,        /* attached while a subscriber wants its records */
};

struct tp_def {
	const char *name;
	const char *subsystem;
	enum tp_role role;
	uint32_t records; /* SCHED_EVENT_MASK bits of the feed records it writes */
	size_t btf_off, raw_off; /* of its two programs in struct schedagg_bpf */
};

#define TP(n, sub, role, rec)                                                                  \
	{ #n, sub, role, rec, offsetof(struct schedagg_bpf, progs.n##_btf),                      \
	  offsetof(struct schedagg_bpf, progs.n##_raw) }

/* sched_switch first: status lists its program first. */
static const struct tp_def tps[] = {
	TP(sched_switch, "sched", TP_AGGREGATION, SCHED_EVENT_MASK(SCHED_EVENT_SWITCH)),
	TP(sched_waking, "sched", TP_AGGREGATION, SCHED_EVENT_MASK(SCHED_EVENT_WAKING)),
	TP(sched_wakeup_new, "sched", TP_AGGREGATION, SCHED_EVENT_MASK(SCHED_EVENT_WAKEUP_NEW)),
	TP(sched_wakeup, "sched", TP_FEED, SCHED_EVENT_MASK(SCHED_EVENT_WAKEUP)),
	TP(sched_migrate_task, "sched", TP_AGGREGATION, SCHED_EVENT_MASK(SCHED_EVENT_MIGRATE)),
	TP(sched_process_fork, "sched", TP_AGGREGATION, SCHED_EVENT_MASK(SCHED_EVENT_FORK)),
	TP(sched_process_exec, "sched", TP_AGGREGATION, SCHED_EVENT_MASK(SCHED_EVENT_EXEC)),
	TP(sched_process_exit, "sched", TP_AGGREGATION, SCHED_EVENT_MASK(SCHED_EVENT_EXIT)),
	TP(sched_process_wait, "sched", TP_FEED, SCHED_EVENT_MASK(SCHED_EVENT_WAIT)),
	TP(sched_process_hang, "sched", TP_FEED, SCHED_EVENT_MASK(SCHED_EVENT_HANG)),
	TP(softirq_entry, "irq", TP_AGGREGATION, 0),
	TP(softirq_exit, "irq", TP_AGGREGATION, SCHED_EVENT_MASK(SCHED_EVENT_SOFTIRQ)),
	TP(ipi_send_cpu, "ipi", TP_FEED, SCHED_EVENT_MASK(SCHED_EVENT_IPI)),
	TP(ipi_send_cpumask, "ipi", TP_FEED, SCHED_EVENT_MASK(SCHED_EVENT_IPI)),
	TP(cpuhp_enter, "cpuhp", TP_FEED, SCHED_EVENT_MASK(SCHED_EVENT_CPUHP_ENTER)),
	TP(cpuhp_exit, "cpuhp", TP_FEED, SCHED_EVENT_MASK(SCHED_EVENT_CPUHP_EXIT)),
	TP(hw_pressure_update, "hw_pressure", TP_FEED, SCHED_EVENT_MASK(SCHED_EVENT_HW_PRESSURE)),
	TP(cpu_frequency, "power", TP_AGGREGATION, SCHED_EVENT_MASK(SCHED_EVENT_CPU_FREQUENCY)),
};
#define NR_TPS ELEMENTSOF(tps)

struct tp_state {
	bool exists;  /* btf_trace_<name> is in the kernel's BTF */
	bool btf;     /* loaded as tp_btf (else raw_tp) */
	bool failed;  /* attaching failed: reason says why */
	struct bpf_link *link;
	char reason[256];
};

/* An exited task's entry, deleted once it is seen exited at two reads. */
struct exited {
	uint32_t pid;
	uint64_t created_ns;
};

struct schedagg {
	struct schedagg_bpf *skel;
	bool btf; /* the flavour that loaded */
	bool sched_info; /* loaded with use_sched_info (see schedagg.bpf.c) */
	char sched_info_reason[160]; /* why not, when not */
	int nr_cpus;
	size_t ring_bytes;
	unsigned max_tasks;
	struct tp_state tp[NR_TPS];
	uint32_t feed_types; /* as last set */
	struct exited *exited;
	size_t nr_exited;
	uint64_t task_deletes;
	/* scratch for batch reads */
	void *keys, *values;
	size_t scratch_entries;
};

static struct bpf_program *tp_prog(const struct schedagg *s, size_t i, bool btf)
{
	return *(struct bpf_program **)((char *)s->skel + (btf ? tps[i].btf_off : tps[i].raw_off));
}

static size_t round_pow2(size_t v)
{
	size_t p = 4096;

	while (p < v && p < ((size_t)1 << 30))
		p <<= 1;
	return p;
}

static void probe_tracepoints(struct schedagg *s, const struct btf *vmlinux)
{
	char name[64];

	for (size_t i = 0; i < NR_TPS; i++) {
		struct tp_state *t = &s->tp[i];

		if (!vmlinux) {
			snprintf(t->reason, sizeof(t->reason), "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)");
			continue;
		}
		snprintf(name, sizeof(name), "btf_trace_%s", tps[i].name);
		t->exists = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
		if (!t->exists)
			snprintf(t->reason, sizeof(t->reason),
				 "this kernel has no %s:%s tracepoint (no %s in its BTF)", tps[i].subsystem,
				 tps[i].name, name);
	}
}

static bool btf_has_member(const struct btf *btf, const char *type, const char *member)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (__u32)id) : NULL;
	const struct btf_member *m;

	if (!t)
		return false;
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);

		if (n && strcmp(n, member) == 0)
			return true;
	}
	return false;
}

/* The first of members[n][0].members[n][1] the kernel's BTF lacks, as a reason. */
static bool btf_has_members(const struct btf *vmlinux, const char *const (*members)[2], size_t n, char *reason,
			    size_t size)
{
	if (!vmlinux) {
		snprintf(reason, size, "the kernel has no BTF");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (!btf_has_member(vmlinux, members[i][0], members[i][1])) {
			snprintf(reason, size, "the kernel's struct %s has no %s", members[i][0], members[i][1]);
			return false;
		}
	return true;
}

/* use_sched_info: the kernel counts each task's run-queue waits
 * (CONFIG_SCHED_INFO, and on older kernels delay accounting on) and a task's
 * run queue is reachable as se.cfs_rq->rq (CONFIG_FAIR_GROUP_SCHED), in
 * fields its BTF describes. Says why not in sched_info_reason. */
static bool probe_sched_info(struct schedagg *s, const struct btf *vmlinux)
{
	static const char *const members[][2] = {
		{ "task_struct", "sched_info" }, { "sched_info", "run_delay" }, { "sched_info", "pcount" },
		{ "sched_info", "last_queued" }, { "task_struct", "se" },	   { "sched_entity", "cfs_rq" },
		{ "cfs_rq", "rq" },		   { "rq", "clock" },
	};
	unsigned long long sum = 0, delay = 0, pcount = 0;
	char buf[128];

	if (!btf_has_members(vmlinux, members, ELEMENTSOF(members), s->sched_info_reason,
			     sizeof(s->sched_info_reason)))
		return false;
	/* "sum_exec_runtime run_delay pcount": we have run, so pcount > 0 where counted */
	if (read_small_file("/proc/self/schedstat", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%llu %llu %llu", &sum, &delay, &pcount) != 3 || pcount == 0) {
		snprintf(s->sched_info_reason, sizeof(s->sched_info_reason),
			 "this kernel does not count run-queue waits (/proc/self/schedstat has no timeslices)");
		return false;
	}
	return true;
}

static int load(struct schedagg *s, bool btf, bool sched_info)
{
	struct schedagg_bpf *skel = schedagg_bpf__open();
	int r;

	if (!skel)
		return negative_errno();
	s->skel = skel;
	for (size_t i = 0; i < NR_TPS; i++) {
		bool on = s->tp[i].exists;

		bpf_program__set_autoload(tp_prog(s, i, true), on && btf);
		bpf_program__set_autoload(tp_prog(s, i, false), on && !btf);
		s->tp[i].btf = btf;
	}
	skel->rodata->use_sched_info = sched_info;
	s->sched_info = sched_info;
	r = bpf_map__set_max_entries(skel->maps.cpu_shared, (unsigned)s->nr_cpus);
	if (r >= 0)
		r = bpf_map__set_max_entries(skel->maps.feed_cpus, (unsigned)s->nr_cpus);
	if (r >= 0)
		r = bpf_map__set_max_entries(skel->maps.tasks, s->max_tasks);
	if (r >= 0)
		r = bpf_map__set_max_entries(skel->maps.events, (unsigned)s->ring_bytes);
	if (r >= 0)
		r = schedagg_bpf__load(skel);
	if (r < 0) {
		schedagg_bpf__destroy(skel);
		s->skel = NULL;
	}
	return r;
}

/* Which LLC and node each CPU is in, for wake-up locality in BPF. */
static void fill_topology(struct schedagg *s, const char *root)
{
	_cleanup_(topology_freep) struct topology *t = NULL;
	int fd = bpf_map__fd(s->skel->maps.cpu_shared);

	if (topology_load(root && *root ? root : "/", &t) < 0)
		t = NULL;
	for (int i = 0; i < s->nr_cpus; i++) {
		struct schedagg_cpu_shared v = { .llc = 0x80000000u | (unsigned)i, .node = 0 };
		__u32 key = (__u32)i;

		if (t && i < t->nr_cpus) {
			if (t->cpus[i].llc_id >= 0)
				v.llc = (unsigned)t->cpus[i].llc_id;
			if (t->cpus[i].node_id >= 0)
				v.node = (unsigned)t->cpus[i].node_id;
		}
		bpf_map_update_elem(fd, &key, &v, BPF_ANY);
	}
	if (!t)
		log_warning("no CPU topology: wake-ups across LLCs and nodes are counted as cross-node");
}

static int tp_attach(struct schedagg *s, size_t i)
{
	struct tp_state *t = &s->tp[i];
	struct bpf_link *l;

	if (t->link || !t->exists)
		return 0;
	l = bpf_program__attach(tp_prog(s, i, t->btf));
	if (!l) {
		int r = negative_errno();

		t->failed = true;
		snprintf(t->reason, sizeof(t->reason), "attaching %s/%s failed: %s", t->btf ? "tp_btf" : "raw_tp",
			 tps[i].name, strerror(-r));
		return r;
	}
	t->failed = false;
	t->reason[0] = 0;
	t->link = l;
	return 0;
}

static void tp_detach(struct schedagg *s, size_t i)
{
	bpf_link__destroy(s->tp[i].link);
	s->tp[i].link = NULL;
}

/* Mirrors switch_on_rq_clock() in schedagg.bpf.c. */
static bool switch_on_rq_clock(const struct schedagg *s)
{
	return s->btf && s->sched_info;
}

/* Why sched_switch reads bpf_ktime_get_ns(), when it does. */
static const char *switch_clock_reason(const struct schedagg *s)
{
	if (!s->sched_info)
		return s->sched_info_reason;
	return s->btf ? "" : "raw_tp: the run queue's clock would take three probe reads";
}

/* load() with use_sched_info where the probe allowed it, else (or if the
 * verifier refuses it) without. */
static int load_clocked(struct schedagg *s, bool btf, bool sched_info)
{
	int r;

	if (sched_info) {
		r = load(s, btf, true);
		if (r >= 0)
			return r;
		snprintf(s->sched_info_reason, sizeof(s->sched_info_reason),
			 "loading the programs that read sched_info failed: %s", strerror(-r));
	}
	return load(s, btf, false);
}

int schedagg_start(const struct schedagg_opts *o, struct schedagg **ret)
{
	struct schedagg *s = calloc(1, sizeof(*s));
	struct btf *vmlinux;
	bool sched_info;
	int r;

	if (!s)
		return -ENOMEM;
	s->nr_cpus = libbpf_num_possible_cpus();
	if (s->nr_cpus <= 0) {
		r = s->nr_cpus < 0 ? s->nr_cpus : -EINVAL;
		goto fail;
	}
	s->ring_bytes = round_pow2(o->ring_bytes ? o->ring_bytes : SCHEDAGG_RING_DEFAULT);
	s->max_tasks = o->max_tasks ? o->max_tasks : SCHEDAGG_MAX_TASKS_DEFAULT;
	vmlinux = btf__load_vmlinux_btf();
	probe_tracepoints(s, vmlinux);
	sched_info = probe_sched_info(s, vmlinux);
	btf__free(vmlinux);
	if (!s->tp[0].exists) {
		r = -EOPNOTSUPP;
		log_error("%s", s->tp[0].reason);
		goto fail;
	}
	r = -EOPNOTSUPP;
	if (o->prefer_btf) {
		r = load_clocked(s, true, sched_info);
		if (r < 0)
			log_warning_errno(r, "loading the tp_btf programs failed (%m), falling back to raw_tp");
		else
			s->btf = true;
	}
	if (!s->skel) {
		r = load_clocked(s, false, sched_info);
		if (r < 0)
			goto fail;
	}
	if (!s->sched_info)
		log_notice("run-queue waits are timed from sched_waking with bpf_ktime_get_ns() (slower): %s",
			   s->sched_info_reason);
	else if (!switch_on_rq_clock(s))
		log_info("sched_switch reads bpf_ktime_get_ns(): %s", switch_clock_reason(s));
	fill_topology(s, o->root);
	for (size_t i = 0; i < NR_TPS; i++) {
		if (tps[i].role != TP_AGGREGATION)
			continue;
		r = tp_attach(s, i);
		if (r < 0 && i == 0)
			goto fail; /* without sched_switch there is nothing to aggregate */
		if (r < 0)
			log_warning("%s; its figures are missing", s->tp[i].reason);
	}
	*ret = s;
	return 0;
fail:
	schedagg_stop(s);
	return r;
}

void schedagg_stop(struct schedagg *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < NR_TPS; i++)
		tp_detach(s, i);
	schedagg_bpf__destroy(s->skel);
	free(s->exited);
	free(s->keys);
	free(s->values);
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

size_t schedagg_ring_bytes(const struct schedagg *s)
{
	return s->ring_bytes;
}

/* The per-CPU values of a one-slot per-CPU array. */
static int read_percpu(const struct bpf_map *map, void *values, size_t value_size, int nr_cpus)
{
	__u32 zero = 0;

	if (bpf_map__lookup_elem(map, &zero, sizeof(zero), values, value_size * (size_t)nr_cpus, 0) < 0)
		return negative_errno();
	return 0;
}

int schedagg_switches(const struct schedagg *s, uint64_t *ret_total, uint64_t *per_cpu, unsigned nr_cpus)
{
	_cleanup_free_ struct schedagg_cpu *v = calloc((size_t)s->nr_cpus, sizeof(*v));
	uint64_t total = 0;
	int r;

	if (!v)
		return -ENOMEM;
	r = read_percpu(s->skel->maps.cpu_stats, v, sizeof(*v), s->nr_cpus);
	if (r < 0)
		return r;
	for (int i = 0; i < s->nr_cpus; i++) {
		total += v[i].switches;
		if (per_cpu && (unsigned)i < nr_cpus)
			per_cpu[i] = v[i].switches;
	}
	*ret_total = total;
	return 0;
}

int schedagg_feed_counters(const struct schedagg *s, uint64_t *ret_emitted, uint64_t *ret_lost)
{
	_cleanup_free_ struct schedagg_cpu *v = calloc((size_t)s->nr_cpus, sizeof(*v));
	uint64_t e = 0, l = 0;
	int r;

	if (!v)
		return -ENOMEM;
	r = read_percpu(s->skel->maps.cpu_stats, v, sizeof(*v), s->nr_cpus);
	if (r < 0)
		return r;
	for (int i = 0; i < s->nr_cpus; i++) {
		e += v[i].feed_emitted;
		l += v[i].feed_lost;
	}
	*ret_emitted = e;
	*ret_lost = l;
	return 0;
}

/* Every entry of a hash map: batched where the kernel can, one by one
 * otherwise. The scratch buffers are sized for max_entries. */
static int map_dump(struct schedagg *s, const struct bpf_map *map, size_t key_size, size_t value_size,
		    size_t *ret_n)
{
	size_t max = bpf_map__max_entries(map), n = 0;
	int fd = bpf_map__fd(map), r;
	__u64 in = 0, out = 0;
	bool first = true;

	if (max > s->scratch_entries || !s->keys) {
		void *k = realloc(s->keys, max * 16), *v;

		if (!k)
			return -ENOMEM;
		s->keys = k;
		v = realloc(s->values, max * sizeof(struct schedagg_task));
		if (!v)
			return -ENOMEM;
		s->values = v;
		s->scratch_entries = max;
		/* Zeroed once: memcheck does not see bpf(MAP_LOOKUP_BATCH) fill them and would
		 * take every entry read back as uninitialised. */
		memset(s->keys, 0, max * 16);
		memset(s->values, 0, max * sizeof(struct schedagg_task));
	}
	if (key_size > 16 || value_size > sizeof(struct schedagg_task))
		return -EINVAL;
	for (;;) {
		__u32 count = (__u32)(max - n);
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		if (count == 0)
			break;
		r = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, (char *)s->keys + n * key_size,
					 (char *)s->values + n * value_size, &count, &opts);
		n += count;
		if (r < 0 && errno == ENOENT)
			break; /* the last batch */
		if (r < 0 && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP) && first)
			goto one_by_one;
		if (r < 0)
			return negative_errno();
		in = out;
		first = false;
	}
	*ret_n = n;
	return 0;

one_by_one:
	n = 0;
	{
		_cleanup_free_ void *prev = NULL;
		void *key = calloc(1, key_size);

		prev = NULL;
		if (!key)
			return -ENOMEM;
		while (n < max && bpf_map_get_next_key(fd, prev, key) == 0) {
			memcpy((char *)s->keys + n * key_size, key, key_size);
			if (bpf_map_lookup_elem(fd, key, (char *)s->values + n * value_size) == 0)
				n++;
			free(prev);
			prev = key;
			key = calloc(1, key_size);
			if (!key)
				return -ENOMEM;
		}
		free(key);
	}
	*ret_n = n;
	return 0;
}

static int read_cpus(struct schedagg *s, struct agg_read *r, uint64_t *ret_now)
{
	_cleanup_free_ struct schedagg_cpu *v = calloc((size_t)s->nr_cpus, sizeof(*v));
	_cleanup_free_ struct schedagg_softirq *q = calloc((size_t)s->nr_cpus, sizeof(*q));
	int shared_fd = bpf_map__fd(s->skel->maps.cpu_shared);
	__u32 ep = s->skel->bss->agg_epoch, slot = ep & 1;
	struct timespec ts;
	uint64_t now;
	int k;

	if (!v || !q)
		return -ENOMEM;
	/* close the max interval: BPF moves on to the other slot */
	__atomic_store_n(&s->skel->bss->agg_epoch, ep + 1, __ATOMIC_RELEASE);
	k = read_percpu(s->skel->maps.cpu_stats, v, sizeof(*v), s->nr_cpus);
	/* the time of the counters: right after they were copied */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (k >= 0)
		k = read_percpu(s->skel->maps.softirq_cpu, q, sizeof(*q), s->nr_cpus);
	if (k < 0)
		return k;
	r->cpus = calloc((size_t)s->nr_cpus, sizeof(*r->cpus));
	if (!r->cpus)
		return -ENOMEM;
	r->nr_cpus = (unsigned)s->nr_cpus;
	r->mono_ns = now;
	for (int i = 0; i < s->nr_cpus; i++) {
		struct agg_cpu *c = &r->cpus[i];
		struct schedagg_cpu_shared sh = { 0 };
		__u32 key = (__u32)i;

		c->switches = v[i].switches;
		c->voluntary = v[i].voluntary;
		c->involuntary = v[i].involuntary;
		c->wakeups = v[i].wakeups;
		c->wakeups_sent = v[i].wakeups_sent;
		c->busy_ns = v[i].busy_ns;
		c->idle_ns = v[i].idle_ns;
		c->cur_pid = v[i].cur_pid;
		/* the open segment, up to now (the switch clock moved to CLOCK_MONOTONIC) */
		if (v[i].last_switch_ns) {
			uint64_t last = v[i].last_switch_ns + v[i].mono_off_ns;

			if (now > last) {
				c->open_ns = now - last;
				if (v[i].cur_pid)
					c->busy_ns += now - last;
				else
					c->idle_ns += now - last;
			}
		}
		c->rq_lat_sum_ns = v[i].rq_lat_sum_ns;
		c->rq_lat_count = v[i].rq_lat_count;
		c->rq_lat_max_ns = v[i].max_epoch[slot] == ep ? v[i].rq_lat_max_ns[slot] : 0;
		memcpy(c->rq_lat.slot, v[i].rq_lat_hist, sizeof(c->rq_lat.slot));
		if (bpf_map_lookup_elem(shared_fd, &key, &sh) == 0) {
			c->migrations_in = sh.migrations_in;
			c->migrations_out = sh.migrations_out;
			c->freq_khz = sh.freq_khz;
		}
		for (unsigned x = 0; x < SCHEDAGG_NR_SOFTIRQS; x++) {
			c->sirq_ns[x] = q[i].ns[x];
			c->sirq_count[x] = q[i].count[x];
			for (unsigned h = 0; h < HIST_SLOTS; h++)
				r->sirq_hist[x].slot[h] += q[i].hist[x][h];
		}
		r->task_inserts += v[i].task_inserts;
		r->pair_inserts += v[i].pair_inserts;
		r->sirq_inserts += v[i].sirq_task_inserts;
		r->insert_failures += v[i].insert_failures;
		r->feed_emitted += v[i].feed_emitted;
		r->feed_lost += v[i].feed_lost;
	}
	*ret_now = now;
	return 0;
}

static bool exited_before(const struct schedagg *s, uint32_t pid, uint64_t created)
{
	for (size_t i = 0; i < s->nr_exited; i++)
		if (s->exited[i].pid == pid && s->exited[i].created_ns == created)
			return true;
	return false;
}

static int task_pid_cmp(const void *a, const void *b)
{
	const struct agg_task *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int read_tasks(struct schedagg *s, struct agg_read *r, uint64_t now)
{
	int fd = bpf_map__fd(s->skel->maps.tasks);
	struct exited *ex = NULL;
	size_t n = 0, nex = 0;
	int k;

	k = map_dump(s, s->skel->maps.tasks, sizeof(__u32), sizeof(struct schedagg_task), &n);
	if (k < 0)
		return k;
	r->tasks = calloc(n ? n : 1, sizeof(*r->tasks));
	ex = calloc(n ? n : 1, sizeof(*ex));
	if (!r->tasks || !ex) {
		free(ex);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct schedagg_task *e = (const struct schedagg_task *)s->values + i;
		struct agg_task *t = &r->tasks[r->nr_tasks++];
		uint32_t pid = ((const __u32 *)s->keys)[i];

		t->pid = pid;
		t->tgid = e->tgid;
		t->created_ns = e->created_ns;
		t->cgroup_id = e->cgroup_id;
		t->last_cpu = e->last_cpu;
		t->exited = e->flags & SCHEDAGG_TASK_EXITED;
		memcpy(t->comm, e->comm, sizeof(t->comm));
		t->comm[sizeof(t->comm) - 1] = 0;
		t->runtime_ns = e->runtime_ns;
		t->switches = e->switches;
		t->involuntary = e->involuntary;
		t->wakeups = e->wakeups;
		t->migrations = e->migrations;
		t->rq_lat_sum_ns = e->rq_lat_sum_ns;
		memcpy(t->rq_lat_hist, e->rq_lat_hist, sizeof(t->rq_lat_hist));
		if (t->exited) {
			if (exited_before(s, pid, e->created_ns)) {
				if (bpf_map_delete_elem(fd, &pid) == 0)
					s->task_deletes++;
			} else {
				ex[nex++] = (struct exited){ pid, e->created_ns };
			}
		}
	}
	free(s->exited);
	s->exited = ex;
	s->nr_exited = nex;
	r->task_deletes = s->task_deletes;
	/* tasks running now: add their open segments, as for the CPUs */
	qsort(r->tasks, r->nr_tasks, sizeof(*r->tasks), task_pid_cmp);
	for (unsigned c = 0; c < r->nr_cpus; c++) {
		struct agg_task key = { .pid = r->cpus[c].cur_pid }, *t;

		if (!key.pid || !r->cpus[c].open_ns)
			continue;
		t = bsearch(&key, r->tasks, r->nr_tasks, sizeof(*r->tasks), task_pid_cmp);
		if (t)
			t->runtime_ns += r->cpus[c].open_ns;
	}
	(void)now;
	return 0;
}

static int read_pairs(struct schedagg *s, struct agg_read *r)
{
	size_t n = 0;
	int k = map_dump(s, s->skel->maps.wake_pairs, sizeof(struct schedagg_pair_key), sizeof(struct schedagg_pair), &n);

	if (k < 0)
		return k;
	r->pairs = calloc(n ? n : 1, sizeof(*r->pairs));
	if (!r->pairs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct schedagg_pair_key *key = (const struct schedagg_pair_key *)s->keys + i;
		const struct schedagg_pair *v = (const struct schedagg_pair *)s->values + i;
		struct agg_pair *p = &r->pairs[r->nr_pairs++];

		p->waker = key->waker;
		p->wakee = key->wakee;
		p->waker_tgid = v->waker_tgid;
		p->wakee_tgid = v->wakee_tgid;
		p->created_ns = v->created_ns;
		p->count = v->count;
		p->lat_sum_ns = v->lat_sum_ns;
		memcpy(p->locality, v->locality, sizeof(p->locality));
		memcpy(p->lat_hist, v->lat_hist, sizeof(p->lat_hist));
	}
	return 0;
}

static int read_sirq_tasks(struct schedagg *s, struct agg_read *r)
{
	size_t n = 0;
	int k = map_dump(s, s->skel->maps.softirq_tasks, sizeof(struct schedagg_sirq_key),
			 sizeof(struct schedagg_sirq_task), &n);

	if (k < 0)
		return k;
	r->sirq = calloc(n ? n : 1, sizeof(*r->sirq));
	if (!r->sirq)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct schedagg_sirq_key *key = (const struct schedagg_sirq_key *)s->keys + i;
		const struct schedagg_sirq_task *v = (const struct schedagg_sirq_task *)s->values + i;
		struct agg_sirq_task *t = &r->sirq[r->nr_sirq++];

		t->pid = key->pid;
		t->vec = key->vec;
		t->tgid = v->tgid;
		t->created_ns = v->created_ns;
		t->ns = v->ns;
		t->count = v->count;
	}
	return 0;
}

int schedagg_read(struct schedagg *s, struct agg_read *r)
{
	struct agg_read x = { 0 };
	uint64_t now;
	int k;

	k = read_cpus(s, &x, &now);
	if (k >= 0)
		k = read_tasks(s, &x, now);
	if (k >= 0)
		k = read_pairs(s, &x);
	if (k >= 0)
		k = read_sirq_tasks(s, &x);
	if (k < 0) {
		agg_read_done(&x);
		return k;
	}
	*r = x;
	return 0;
}

/* ---- the feed ---- */

int schedagg_feed_map_fd(const struct schedagg *s)
{
	return bpf_map__fd(s->skel->maps.events);
}

static int set_pid_map(const struct bpf_map *map, const uint32_t *pids, unsigned n)
{
	int fd = bpf_map__fd(map);
	__u32 key, next;
	__u8 one = 1;

	/* empty it, then fill */
	while (bpf_map_get_next_key(fd, NULL, &key) == 0)
		if (bpf_map_delete_elem(fd, &key) < 0)
			return negative_errno();
	(void)next;
	for (unsigned i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, &pids[i], &one, BPF_ANY) < 0)
			return negative_errno();
	return 0;
}

int schedagg_feed_set(struct schedagg *s, const struct schedagg_feed_filter *f)
{
	struct schedagg_bpf__bss *b = s->skel->bss;
	uint32_t types = f ? f->types & SCHED_EVENT_MASK_ALL : 0;
	int fd = bpf_map__fd(s->skel->maps.feed_cpus), r;

	/* off first, so BPF never sees a half-written filter */
	__atomic_store_n(&b->feed_on, false, __ATOMIC_RELEASE);
	s->feed_types = types;
	for (size_t i = 0; i < NR_TPS; i++) {
		if (tps[i].role != TP_FEED)
			continue;
		if (types & tps[i].records) {
			r = tp_attach(s, i);
			if (r < 0)
				log_warning("%s; the feed goes on without it", s->tp[i].reason);
		} else {
			tp_detach(s, i);
		}
	}
	if (!types)
		return 0;
	r = set_pid_map(s->skel->maps.feed_pids, f->pids, f->nr_pids);
	if (r >= 0)
		r = set_pid_map(s->skel->maps.feed_tgids, f->tgids, f->nr_tgids);
	if (r < 0)
		return r;
	for (int i = 0; i < s->nr_cpus; i++) {
		__u32 key = (__u32)i;
		__u8 v = !f->cpus || (f->cpus[i / CPULIST_BITS_PER_LONG] >> (i % CPULIST_BITS_PER_LONG)) & 1;

		if (bpf_map_update_elem(fd, &key, &v, BPF_ANY) < 0)
			return negative_errno();
	}
	b->feed_wakeup_bytes = s->ring_bytes / 8;
	b->feed_types = types;
	b->feed_sample = f->sample ? f->sample : 1;
	b->feed_min_lat_ns = f->min_lat_ns;
	b->feed_filter_pids = f->nr_pids || f->nr_tgids;
	b->feed_filter_cpus = f->cpus != NULL;
	{
		unsigned char word[16] = { 0 }, mask[16] = { 0 };
		unsigned n = MIN(f->comm_len, 16u);

		memcpy(word, f->comm, n);
		memset(mask, 0xff, n);
		memcpy(b->feed_comm_word, word, sizeof(word));
		memcpy(b->feed_comm_mask, mask, sizeof(mask));
		b->feed_comm_len = n;
	}
	__atomic_store_n(&b->feed_on, true, __ATOMIC_RELEASE);
	return 0;
}

/* ---- status ---- */

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

static json_t *maps_json(const struct schedagg *s)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "tasks_max_entries",
			 (json_int_t)bpf_map__max_entries(s->skel->maps.tasks), "wake_pairs_max_entries",
			 (json_int_t)bpf_map__max_entries(s->skel->maps.wake_pairs),
			 "softirq_tasks_max_entries", (json_int_t)bpf_map__max_entries(s->skel->maps.softirq_tasks),
			 "ring_buffer_bytes", (json_int_t)s->ring_bytes);
}

/* Where the hot programs get their times, and why not from the kernel's
 * clocks when they do not. */
static json_t *clocks_json(const struct schedagg *s)
{
	json_t *o = json_pack("{s:s, s:s}", "run_queue_waits",
			      s->sched_info ? "task_struct.sched_info (as /proc/PID/schedstat)"
					    : "sched_waking to sched_switch, bpf_ktime_get_ns()",
			      "switch_time", switch_on_rq_clock(s) ? "rq->clock" : "bpf_ktime_get_ns()");

	if (o && !switch_on_rq_clock(s))
		json_object_set_new(o, "reason", json_string(switch_clock_reason(s)));
	return o;
}

json_t *schedagg_to_json(const struct schedagg *s)
{
	_cleanup_free_ uint64_t *per_cpu = calloc((size_t)s->nr_cpus, sizeof(uint64_t));
	json_t *o, *progs, *cpus;
	uint64_t total = 0;

	if (!per_cpu || schedagg_switches(s, &total, per_cpu, (unsigned)s->nr_cpus) < 0)
		return NULL;
	o = json_pack("{s:s, s:I, s:[], s:[], s:o, s:o}", "attach", schedagg_attach_kind(s), "sched_switch_count",
		      (json_int_t)total, "programs", "per_cpu", "maps", maps_json(s), "clocks", clocks_json(s));
	if (!o)
		return NULL;
	progs = json_object_get(o, "programs");
	cpus = json_object_get(o, "per_cpu");
	/* the attached ones, in table order: sched_switch first */
	for (size_t i = 0; i < NR_TPS; i++)
		if (s->tp[i].link)
			json_array_append_new(progs, program_json(tp_prog(s, i, s->tp[i].btf)));
	for (int i = 0; i < s->nr_cpus; i++)
		json_array_append_new(cpus, json_integer((json_int_t)per_cpu[i]));
	return o;
}

static const char *const role_names[] = { [TP_AGGREGATION] = "aggregation", [TP_FEED] = "feed" };

json_t *schedagg_events_json(const struct schedagg *s, const char *error)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	for (size_t i = 0; i < NR_TPS; i++) {
		const struct tp_state *t = s ? &s->tp[i] : NULL;
		bool avail = t && t->exists && !t->failed;
		json_t *e = json_pack("{s:s, s:b, s:s, s:b}", "subsystem", tps[i].subsystem, "available", avail,
				      "role", role_names[tps[i].role], "attached", t && t->link);

		if (!e) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(e, "attach", avail ? json_string(t->btf ? "tp_btf" : "raw_tp") : json_null());
		if (!avail)
			json_object_set_new(e, "reason", json_string(t ? t->reason : error ? error : "BPF is not loaded"));
		else if (tps[i].role == TP_FEED && !t->link)
			json_object_set_new(e, "note", json_string("attached while a subscriber wants its events"));
		json_object_set_new(o, tps[i].name, e);
	}
	return o;
}

bool schedagg_record_available(const struct schedagg *s, unsigned type, const char **ret_reason)
{
	const char *reason = "no tracepoint writes it";

	for (size_t i = 0; i < NR_TPS; i++) {
		if (!(tps[i].records & SCHED_EVENT_MASK(type)))
			continue;
		if (s->tp[i].exists && !s->tp[i].failed)
			return true;
		reason = s->tp[i].reason;
	}
	if (ret_reason)
		*ret_reason = reason;
	return false;
}
