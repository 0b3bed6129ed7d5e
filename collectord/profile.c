/* profile.c: profiling sessions on the event loop: perf events (+ the BPF stack counter), auto-stop, release. */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "calls.h"
#include "errmsg.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "paging.h"
#include "peer.h"
#include "perf.h"
#include "procfs.h"
#include "proctab.h"
#include "profile.h"
#include "report.h"
#include "stackagg.h"
#include "stacktab.h"
#include "symbolize.h"
#include "topology.h"
#include "unwind.h"

#define PROFILE_FREQ_DEFAULT 99
#define PROFILE_FREQ_MAX 1000000
#define PROFILE_DURATION_MAX_S 3600
#define PROFILE_MAX_SAMPLES_MAX (UINT64_C(1) << 32)
#define PROFILE_MAX_STREAMS 1024
#define PROFILE_STACK_USER_DEFAULT 16384
#define PROFILE_TICK_MS 200
#define PROFILE_CPUS_MAX 4096

enum stop_reason {
	STOP_NONE,
	STOP_CLIENT,
	STOP_DURATION,
	STOP_MAX_SAMPLES,
	STOP_TARGET_EXITED,
	STOP_PEER_GONE,
	STOP_SHUTDOWN,
	STOP_ERROR,
	STOP_REASON_MAX,
};

static const char *const stop_reasons[STOP_REASON_MAX] = {
	[STOP_NONE] = "running",
	[STOP_CLIENT] = "stopped by the client",
	[STOP_DURATION] = "duration_secs reached",
	[STOP_MAX_SAMPLES] = "max_samples reached",
	[STOP_TARGET_EXITED] = "the target process exited",
	[STOP_PEER_GONE] = "the client went away",
	[STOP_SHUTDOWN] = "collectord is shutting down",
	[STOP_ERROR] = "an error stopped it",
};

struct profile_session;

struct stream_watch {
	struct profile_session *s;
	size_t idx;
	struct event *ev;
};

struct profile_session {
	LIST_ENTRY(profile_session) link;
	struct profiler *pr;
	const struct peer *owner;
	uint64_t id;

	/* what was asked, and what it became */
	struct perf_event_spec ev;
	uint64_t freq_requested, freq;
	char freq_note[256];
	bool aggregate, dwarf;
	uint32_t stack_user;
	pid_t pid; /* 0: system-wide */
	int cpu;   /* -1: every online CPU */
	uint64_t max_samples, duration_ms;

	bool running;
	enum stop_reason reason, stop_pending;
	char error[256];
	uint64_t start_ns, stop_ns;
	struct perf_stream *streams;
	size_t nstreams, streams_cap;
	struct stream_watch *watches;
	struct event *tick, *deadline, *rb_ev;
	struct stackagg *sa;
	struct stackagg_totals totals;

	struct stacktab tab; /* samples mode: live; kernel_aggregate: filled at stop */
	struct proctab procs;
	struct frame_memo *memo;
	uint64_t samples, over_limit, lost, throttles, bad_records, unwound_frames;
	uint64_t sum_running_ns; /* over every stream, read at stop */
	uint64_t first_time, last_time; /* sample timestamps (samples mode) */
};

struct profiler {
	struct manager *m;
	LIST_HEAD(, profile_session) sessions;
	unsigned running;
	uint64_t next_id;
	struct symbolizer *sym;
	struct unwinder *unw;
	struct event *preload; /* kernel symbols loaded while the first profile runs */
};

static void on_preload(evutil_socket_t fd, short what, void *userdata)
{
	struct profiler *pr = userdata;

	symbolizer_preload_kernel(pr->sym);
}

static struct profiler *profiler_get(struct manager *m)
{
	struct profiler *pr = m->profiler;

	if (pr)
		return pr;
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return NULL;
	pr->m = m;
	LIST_INIT(&pr->sessions);
	if (symbolizer_new(&(struct symbolizer_options){ .root = m->opt.sysfs_root }, &pr->sym) < 0 ||
	    unwinder_new(pr->sym, &pr->unw) < 0) {
		symbolizer_free(pr->sym);
		free(pr);
		return NULL;
	}
	pr->preload = evtimer_new(m->base, on_preload, pr);
	if (!pr->preload) {
		unwinder_free(pr->unw);
		symbolizer_free(pr->sym);
		free(pr);
		return NULL;
	}
	m->profiler = pr;
	return pr;
}

static struct profile_session *session_of(struct profiler *pr, const struct peer *p)
{
	struct profile_session *s;

	if (!pr)
		return NULL;
	LIST_FOREACH(s, &pr->sessions, link)
		if (s->owner == p)
			return s;
	return NULL;
}

/* ---- release ---- */

static void session_release(struct profile_session *s)
{
	for (size_t i = 0; s->watches && i < s->nstreams; i++)
		if (s->watches[i].ev)
			event_free(s->watches[i].ev);
	free(s->watches);
	s->watches = NULL;
	for (size_t i = 0; i < s->nstreams; i++)
		perf_stream_close(&s->streams[i]);
	free(s->streams);
	s->streams = NULL;
	s->nstreams = s->streams_cap = 0;
	if (s->rb_ev)
		event_free(s->rb_ev);
	s->rb_ev = NULL;
	stackagg_free(s->sa);
	s->sa = NULL;
	if (s->tick)
		event_free(s->tick);
	if (s->deadline)
		event_free(s->deadline);
	s->tick = s->deadline = NULL;
}

static void session_free(struct profile_session *s)
{
	if (!s)
		return;
	session_release(s);
	if (s->running)
		s->pr->running--;
	LIST_REMOVE(s, link);
	stacktab_clear(&s->tab);
	proctab_clear(&s->procs);
	frame_memo_free(s->memo);
	free(s);
}

/* ---- samples mode: records from the rings ---- */

static void capture_process(void *userdata, uint32_t tgid)
{
	struct profile_session *s = userdata;
	struct proc_info *p = proctab_proc(&s->procs, (pid_t)tgid, false);

	if (tgid && (!p || !p->snapshot_tried))
		proctab_snapshot(&s->procs, (pid_t)tgid);
}

static void handle_sample(struct profile_session *s, const struct perf_stream *st, const struct perf_event_header *h)
{
	uint64_t kips[STACK_MAX_DEPTH], uips[STACK_MAX_DEPTH];
	struct perf_sample smp;
	unsigned nk, nu;

	if (s->max_samples && s->samples >= s->max_samples) {
		s->over_limit++;
		s->stop_pending = STOP_MAX_SAMPLES;
		return;
	}
	if (perf_sample_parse(h, st->sample_type, UNWIND_REGS_MASK, &smp) < 0) {
		s->bad_records++;
		return;
	}
	perf_callchain_split(smp.chain, smp.nr_chain, kips, &nk, uips, &nu, STACK_MAX_DEPTH);
	if (smp.pid) {
		capture_process(s, smp.pid);
		proctab_note_thread(&s->procs, (pid_t)smp.tid, (pid_t)smp.pid);
	}
	if (s->dwarf && smp.regs_abi && smp.pid) {
		struct proc_info *p = proctab_proc(&s->procs, (pid_t)smp.pid, false);
		struct sym_process sp = { .tgid = (pid_t)smp.pid, .maps = p ? &p->maps : NULL, .alive = true };
		struct unwind_input in = { .proc = &sp, .stack = smp.stack, .stack_size = smp.stack_size };

		unwind_regs_from_sample(&in, UNWIND_REGS_MASK, smp.regs, smp.nr_regs);
		nu = unwind_user(s->pr->unw, &in, uips, STACK_MAX_DEPTH);
		s->unwound_frames += nu;
	}
	if (!s->first_time)
		s->first_time = smp.time;
	s->last_time = smp.time;
	s->samples++;
	stacktab_add(&s->tab, smp.pid, smp.tid, kips, nk, uips, nu, 1);
	if (s->max_samples && s->samples >= s->max_samples)
		s->stop_pending = STOP_MAX_SAMPLES;
}

static void on_record(void *userdata, const struct perf_stream *st, const struct perf_event_header *h)
{
	struct profile_session *s = userdata;
	struct perf_record r;
	struct proc_info *p;

	if (h->type == PERF_RECORD_SAMPLE) {
		handle_sample(s, st, h);
		return;
	}
	if (perf_record_parse(h, 0, 0, &r) < 0) {
		/* A short FORK, EXIT or LOST is skipped; the records profiling needs are counted. */
		if (h->type == PERF_RECORD_MMAP2 || h->type == PERF_RECORD_COMM)
			s->bad_records++;
		return;
	}
	switch (r.type) {
	case PERF_RECORD_MMAP2:
		p = proctab_proc(&s->procs, (pid_t)r.mmap2.pid, true);
		if (p)
			procmaps_add(&p->maps, r.mmap2.addr, r.mmap2.addr + r.mmap2.len, r.mmap2.pgoff, r.mmap2.maj,
				     r.mmap2.min, r.mmap2.ino, r.mmap2.filename);
		break;
	case PERF_RECORD_COMM:
		/* exec: a new program, whose mappings the MMAP2 records that follow describe. */
		if ((r.misc & PERF_RECORD_MISC_COMM_EXEC) && r.comm.pid == r.comm.tid &&
		    (p = proctab_proc(&s->procs, (pid_t)r.comm.pid, true))) {
			procmaps_clear(&p->maps);
			p->snapshotted = p->snapshot_tried = true;
		}
		proctab_set_comm(&s->procs, (pid_t)r.comm.tid, (pid_t)r.comm.pid, r.comm.comm);
		break;
	case PERF_RECORD_FORK: {
		struct proc_info *parent;

		if (r.task.pid == r.task.ppid)
			break; /* a new thread shares its process's maps */
		parent = proctab_proc(&s->procs, (pid_t)r.task.ppid, false);
		p = proctab_proc(&s->procs, (pid_t)r.task.pid, true);
		if (p && parent && procmaps_copy(&parent->maps, &p->maps) == 0) {
			p->snapshotted = p->snapshot_tried = parent->snapshotted;
			memcpy(p->comm, parent->comm, sizeof(p->comm));
		}
		break;
	}
	case PERF_RECORD_EXIT:
		if (r.task.pid == r.task.tid && (p = proctab_proc(&s->procs, (pid_t)r.task.pid, false)))
			p->exited = true;
		break;
	case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES:
		s->lost += r.lost;
		break;
	case PERF_RECORD_THROTTLE:
		s->throttles++;
		break;
	default:
		break;
	}
}

static void session_stop(struct profile_session *s, enum stop_reason why, const char *detail);

static void drain_all(struct profile_session *s)
{
	for (size_t i = 0; i < s->nstreams; i++)
		perf_stream_drain(&s->streams[i], on_record, s, 0);
}

static void on_stream(evutil_socket_t fd, short what, void *userdata)
{
	struct stream_watch *w = userdata;
	struct profile_session *s = w->s;

	/* A dead event (its thread exited) polls readable for ever: stop
	 * watching it when it has nothing; the tick still drains it. */
	if (perf_stream_drain(&s->streams[w->idx], on_record, s, 0) == 0) {
		event_del(w->ev);
		return;
	}
	if (s->stop_pending)
		session_stop(s, s->stop_pending, NULL);
}

/* ---- kernel_aggregate ---- */

static void on_new_tgids(evutil_socket_t fd, short what, void *userdata)
{
	struct profile_session *s = userdata;

	stackagg_poll_new(s->sa, capture_process, s);
}

static uint64_t aggregate_fired(const struct stackagg_totals *t)
{
	return t->samples + t->over_limit + t->keys_full;
}

/* ---- timers ---- */

static bool target_gone(const struct profile_session *s)
{
	return s->pid > 0 && kill(s->pid, 0) < 0 && errno == ESRCH;
}

static void on_tick(evutil_socket_t fd, short what, void *userdata)
{
	struct profile_session *s = userdata;

	if (!s->aggregate) {
		drain_all(s);
	} else {
		stackagg_poll_new(s->sa, capture_process, s);
		if (s->max_samples && stackagg_totals(s->sa, &s->totals) == 0 &&
		    aggregate_fired(&s->totals) >= s->max_samples)
			s->stop_pending = STOP_MAX_SAMPLES;
	}
	if (!s->stop_pending && target_gone(s))
		s->stop_pending = STOP_TARGET_EXITED;
	if (s->stop_pending)
		session_stop(s, s->stop_pending, NULL);
}

static void on_deadline(evutil_socket_t fd, short what, void *userdata)
{
	session_stop(userdata, STOP_DURATION, NULL);
}

/* ---- stop ---- */

static void session_stop(struct profile_session *s, enum stop_reason why, const char *detail)
{
	uint64_t v, en, run;

	if (!s->running)
		return;
	for (size_t i = 0; i < s->nstreams; i++)
		perf_stream_enable(&s->streams[i], false);
	if (!s->aggregate)
		drain_all(s);
	for (size_t i = 0; i < s->nstreams; i++)
		if (perf_stream_read(&s->streams[i], &v, &en, &run) == 0)
			s->sum_running_ns += run;
	if (s->aggregate && s->sa) {
		struct stack_rec *r;
		size_t i;

		/* Detached first: a tracepoint program runs whether its event is enabled or not. */
		stackagg_detach(s->sa);
		stackagg_poll_new(s->sa, capture_process, s);
		stackagg_totals(s->sa, &s->totals);
		stackagg_collect(s->sa, &s->tab, &s->procs);
		/* Processes the ring did not announce: their maps now, while they may live. */
		hashmap_foreach(&s->tab.map, i, r)
			capture_process(s, r->tgid);
	}
	session_release(s);
	s->running = false;
	s->pr->running--;
	s->stop_ns = now_mono_ns();
	s->reason = why;
	if (detail)
		snprintf(s->error, sizeof(s->error), "%s", detail);
	symbolizer_trim(s->pr->sym);
	log_info("profiling session %" PRIu64 " stopped: %s", s->id, stop_reasons[why]);
}

/* ---- status ---- */

static uint64_t session_samples(struct profile_session *s)
{
	if (!s->aggregate)
		return s->samples;
	if (s->running && s->sa)
		stackagg_totals(s->sa, &s->totals);
	return s->totals.samples;
}

static json_t *session_json(struct profile_session *s)
{
	uint64_t end = s->running ? now_mono_ns() : s->stop_ns, samples = session_samples(s), running_ns = 0;
	uint64_t fired, lost;
	double secs = (double)(end - s->start_ns) / 1e9;
	json_t *o, *lost_detail;

	if (s->running) {
		for (size_t i = 0; i < s->nstreams; i++) {
			uint64_t v, en, run;

			if (perf_stream_read(&s->streams[i], &v, &en, &run) == 0)
				running_ns += run;
		}
	} else {
		running_ns = s->sum_running_ns;
	}
	if (s->aggregate) {
		lost = s->totals.keys_full;
		fired = aggregate_fired(&s->totals);
		lost_detail = json_pack("{s:I, s:I, s:I, s:I}", "counts_table_full", (json_int_t)s->totals.keys_full,
					"kernel_stack_errors", (json_int_t)s->totals.kstack_err,
					"user_stack_errors", (json_int_t)s->totals.ustack_err, "past_max_samples",
					(json_int_t)s->totals.over_limit);
	} else {
		lost = s->lost + s->tab.dropped;
		fired = s->samples + s->over_limit + s->lost;
		lost_detail = json_pack("{s:I, s:I, s:I, s:I, s:I}", "ring_lost", (json_int_t)s->lost,
					"stack_table_full", (json_int_t)s->tab.dropped, "past_max_samples",
					(json_int_t)s->over_limit, "bad_records", (json_int_t)s->bad_records,
					"throttled", (json_int_t)s->throttles);
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:I, s:I, s:o}", "state",
		      s->running ? "running" : "stopped", "stop_reason", stop_reasons[s->reason], "event", s->ev.used,
		      "mode", s->aggregate ? "kernel_aggregate" : "samples", "call_graph", s->dwarf ? "dwarf" : "fp",
		      "session", (json_int_t)s->id, "freq_requested", (json_int_t)s->freq_requested, "freq",
		      (json_int_t)s->freq, "duration_s", secs, "samples", (json_int_t)samples, "lost",
		      (json_int_t)lost, "lost_detail", lost_detail ? lost_detail : json_null());
	if (!o)
		return NULL;
	if (strcmp(s->ev.requested, s->ev.used) != 0)
		json_object_set_new(o, "event_requested", json_string(s->ev.requested));
	if (s->ev.fallback[0])
		json_object_set_new(o, "fallback", json_string(s->ev.fallback));
	if (s->freq_note[0])
		json_object_set_new(o, "freq_note", json_string(s->freq_note));
	/* Per stream (CPU or thread), over the time the event was counting. */
	if (s->ev.tracepoint)
		json_object_set_new(o, "rate_hz", json_real(secs > 0 ? (double)fired / secs : 0.0));
	else if (running_ns)
		json_object_set_new(o, "freq_achieved", json_real((double)fired / ((double)running_ns / 1e9)));
	json_object_set_new(o, "target", s->pid ? json_pack("{s:i, s:s}", "pid", (int)s->pid, "comm",
							     proctab_comm(&s->procs, s->pid, s->pid))
						: json_pack("{s:s}", "system_wide", s->cpu < 0 ? "every online CPU" : "one CPU"));
	if (s->cpu >= 0)
		json_object_set_new(o, "cpu", json_integer(s->cpu));
	if (s->duration_ms)
		json_object_set_new(o, "duration_secs", json_real((double)s->duration_ms / 1e3));
	if (s->max_samples)
		json_object_set_new(o, "max_samples", json_integer((json_int_t)s->max_samples));
	json_object_set_new(o, "perf_events_open", json_integer((json_int_t)s->nstreams));
	if (s->dwarf)
		json_object_set_new(o, "unwound_frames", json_integer((json_int_t)s->unwound_frames));
	if (s->error[0])
		json_object_set_new(o, "error", json_string(s->error));
	if (s->running)
		json_object_set_new(o, "note", json_string("stop it with stop_perf_profiling; get_perf_results "
							   "works while it runs and after"));
	return o;
}

/* ---- start ---- */

static int parse_choice(const json_t *args, const char *key, const char *a, const char *b, int *ret, char **ret_error)
{
	const char *s;
	int r = json_get_string(args, key, &s);

	if (r == -ENOENT)
		return 0;
	if (r == 0 && strcmp(s, a) == 0)
		*ret = 0;
	else if (r == 0 && strcmp(s, b) == 0)
		*ret = 1;
	else
		return errmsg_set(ret_error, -EINVAL, "%s must be \"%s\" or \"%s\"", key, a, b);
	return 1;
}

static int add_stream(struct profile_session *s, const struct perf_stream_opts *o, pid_t tid, int cpu,
		      int output_fd, char **ret_error)
{
	int r;

	if (s->nstreams >= PROFILE_MAX_STREAMS)
		return errmsg_set(ret_error, -E2BIG, "more than %d perf events would be needed (one per CPU, or per "
				  "thread and CPU); profile one CPU or a process with fewer threads",
				  PROFILE_MAX_STREAMS);
	if (s->nstreams == s->streams_cap) {
		size_t cap = MAX(s->streams_cap * 2, 8);
		struct perf_stream *v = realloc(s->streams, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->streams = v;
		s->streams_cap = cap;
	}
	r = perf_stream_open(o, tid, cpu, output_fd, &s->streams[s->nstreams]);
	/* No such hardware event here: the same profile on cpu-clock, said so. */
	if (r < 0 && s->nstreams == 0 && s->ev.type == PERF_TYPE_HARDWARE &&
	    (r == -ENOENT || r == -EOPNOTSUPP || r == -ENODEV)) {
		perf_event_spec_fallback(&s->ev, r);
		r = perf_stream_open(o, tid, cpu, output_fd, &s->streams[s->nstreams]);
	}
	if (r < 0)
		return r;
	s->nstreams++;
	return 0;
}

/* The CPUs to open events on: the one asked for, else every online one. */
static int session_cpus(struct profile_session *s, int **ret, size_t *ret_n, char **ret_error)
{
	_cleanup_free_ unsigned long *online = calloc(PROFILE_CPUS_MAX / (8 * sizeof(long)), sizeof(long));
	_cleanup_free_ int *cpus = calloc(PROFILE_CPUS_MAX, sizeof(int));
	char path[256], buf[4096];
	size_t n = 0;
	int r;

	if (!online || !cpus)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/online", s->pr->m->opt.sysfs_root);
	r = read_small_file(path, buf, sizeof(buf));
	if (r >= 0)
		r = cpulist_parse(buf, PROFILE_CPUS_MAX, online);
	if (r < 0)
		return errmsg_set(ret_error, r, "reading the online CPUs from %s failed: %s", path, strerror(-r));
	for (int cpu = 0; cpu < PROFILE_CPUS_MAX; cpu++)
		if ((online[cpu / (8 * sizeof(long))] & (1UL << (cpu % (8 * sizeof(long))))) &&
		    (s->cpu < 0 || cpu == s->cpu))
			cpus[n++] = cpu;
	if (n == 0)
		return errmsg_set(ret_error, -EINVAL, "CPU %d is not online; online CPUs: %s", s->cpu, buf);
	*ret = TAKE_PTR(cpus);
	*ret_n = n;
	return 0;
}

static int open_cpu_streams(struct profile_session *s, const struct perf_stream_opts *o, char **ret_error)
{
	_cleanup_free_ int *cpus = NULL;
	size_t n;
	int r;

	r = session_cpus(s, &cpus, &n, ret_error);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = add_stream(s, o, -1, cpus[i], -1, ret_error);
		if (r < 0 && !*ret_error)
			errmsg_set(ret_error, r, "perf_event_open(%s) on CPU %d failed: %s", s->ev.used, cpus[i],
				   strerror(-r));
	}
	return r < 0 ? r : 0;
}

/* kernel_aggregate of a tracepoint: its program runs for every hit once
 * attached to one event, and filters pid and CPU itself. */
static int open_tracepoint_stream(struct profile_session *s, const struct perf_stream_opts *o, char **ret_error)
{
	_cleanup_free_ int *cpus = NULL;
	size_t n;
	int r;

	r = session_cpus(s, &cpus, &n, ret_error);
	if (r >= 0)
		r = add_stream(s, o, -1, cpus[0], -1, ret_error);
	if (r < 0 && !*ret_error)
		errmsg_set(ret_error, r, "perf_event_open(%s) failed: %s", s->ev.used, strerror(-r));
	return r < 0 ? r : 0;
}

static bool have_thread(const struct profile_session *s, pid_t tid)
{
	for (size_t i = 0; i < s->nstreams; i++)
		if (s->streams[i].tid == tid)
			return true;
	return false;
}

/* inherit follows threads and children created from now on; the threads
 * that exist already get their own events. Listed again until no new one
 * appears, for those created meanwhile. Samples mode: one event per
 * (thread, CPU), all of a CPU's into the ring of its first; kernel_aggregate:
 * one per thread, any CPU (or the one asked for). */
static int open_thread_streams(struct profile_session *s, const struct perf_stream_opts *o, char **ret_error)
{
	_cleanup_free_ int *cpus = NULL, *ring_fd = NULL;
	size_t ncpus = 1;
	char path[64];
	int r;

	if (o->ring) {
		r = session_cpus(s, &cpus, &ncpus, ret_error);
		if (r < 0)
			return r;
	} else {
		cpus = malloc(sizeof(int));
		if (!cpus)
			return -ENOMEM;
		cpus[0] = s->cpu;
	}
	ring_fd = malloc(ncpus * sizeof(int));
	if (!ring_fd)
		return -ENOMEM;
	for (size_t c = 0; c < ncpus; c++)
		ring_fd[c] = -1;
	for (int pass = 0; pass < 4; pass++) {
		unsigned added = 0;
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)s->pid);
		d = opendir(path);
		if (!d)
			return errmsg_set(ret_error, -ESRCH, "no process with pid %d", (int)s->pid);
		while ((de = readdir(d))) {
			uint64_t tid;

			if (parse_u64(de->d_name, &tid) < 0 || have_thread(s, (pid_t)tid))
				continue;
			for (size_t c = 0; c < ncpus; c++) {
				r = add_stream(s, o, (pid_t)tid, cpus[c], ring_fd[c], ret_error);
				if (r == -ESRCH)
					break; /* exited meanwhile */
				if (r < 0) {
					closedir(d);
					if (!*ret_error)
						errmsg_set(ret_error, r, "perf_event_open(%s) for thread %" PRIu64
							   " failed: %s", s->ev.used, tid, strerror(-r));
					return r;
				}
				if (ring_fd[c] < 0 && s->streams[s->nstreams - 1].ring)
					ring_fd[c] = s->streams[s->nstreams - 1].fd;
				added++;
			}
		}
		closedir(d);
		if (!added && pass > 0)
			break;
	}
	if (s->nstreams == 0)
		return errmsg_set(ret_error, -ESRCH, "process %d has no threads left to profile", (int)s->pid);
	return 0;
}

static unsigned ring_pages(const struct profile_session *s)
{
	return s->dwarf ? 256 : 64; /* per CPU: 1 MiB with stack copies, 256 KiB without */
}

static int count_threads(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -ESRCH;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int session_open(struct profile_session *s, char **ret_error)
{
	struct manager *m = s->pr->m;
	struct perf_stream_opts o = { .ev = &s->ev, .freq = s->freq, .ring = !s->aggregate, .dwarf = s->dwarf,
				      .stack_user = s->stack_user, .sideband = !s->aggregate, .inherit = s->pid > 0 };
	struct timeval tick = { .tv_usec = PROFILE_TICK_MS * 1000 };
	int r;

	o.ring_pages = ring_pages(s);
	if (s->aggregate && s->ev.tracepoint)
		r = open_tracepoint_stream(s, &o, ret_error);
	else if (s->pid > 0)
		r = open_thread_streams(s, &o, ret_error);
	else
		r = open_cpu_streams(s, &o, ret_error);
	if (r < 0)
		return r;
	if (s->aggregate) {
		r = stackagg_load(s->ev.tracepoint, s->max_samples, (uint32_t)s->pid, s->cpu, &s->sa);
		if (r < 0)
			return errmsg_set(ret_error, r, "loading the stack counting BPF program failed (%s); "
					  "mode \"samples\" works without it", strerror(-r));
		for (size_t i = 0; i < (s->ev.tracepoint ? 1 : s->nstreams); i++) {
			r = stackagg_attach(s->sa, s->streams[i].fd);
			if (r < 0)
				return errmsg_set(ret_error, r, "attaching the stack counting BPF program failed (%s); "
						  "mode \"samples\" works without it", strerror(-r));
		}
		s->rb_ev = event_new(m->base, stackagg_new_tgids_fd(s->sa), EV_READ | EV_PERSIST, on_new_tgids, s);
		if (!s->rb_ev || event_add(s->rb_ev, NULL) < 0)
			return -ENOMEM;
	} else {
		s->watches = calloc(s->nstreams, sizeof(*s->watches));
		if (!s->watches)
			return -ENOMEM;
		for (size_t i = 0; i < s->nstreams; i++) {
			s->watches[i] = (struct stream_watch){ .s = s, .idx = i };
			if (!s->streams[i].ring)
				continue; /* writes into another stream's ring */
			s->watches[i].ev = event_new(m->base, s->streams[i].fd, EV_READ | EV_PERSIST, on_stream,
						     &s->watches[i]);
			if (!s->watches[i].ev || event_add(s->watches[i].ev, NULL) < 0)
				return -ENOMEM;
		}
	}
	if (s->pid > 0)
		proctab_snapshot(&s->procs, s->pid);
	s->tick = event_new(m->base, -1, EV_PERSIST, on_tick, s);
	if (!s->tick || event_add(s->tick, &tick) < 0)
		return -ENOMEM;
	if (s->duration_ms) {
		struct timeval d = { .tv_sec = (time_t)(s->duration_ms / 1000),
				     .tv_usec = (suseconds_t)(s->duration_ms % 1000 * 1000) };

		s->deadline = evtimer_new(m->base, on_deadline, s);
		if (!s->deadline || evtimer_add(s->deadline, &d) < 0)
			return -ENOMEM;
	}
	s->start_ns = now_mono_ns();
	for (size_t i = 0; i < s->nstreams; i++) {
		r = perf_stream_enable(&s->streams[i], true);
		if (r < 0)
			return errmsg_set(ret_error, r, "enabling the perf events failed: %s", strerror(-r));
	}
	return 0;
}

static int parse_start_args(struct profile_session *s, const json_t *args, char **ret_error)
{
	static const char *const known[] = { "event", "freq", "cpu", "pid", "max_samples", "duration_secs",
					     "call_graph", "mode", "stack_size", NULL };
	struct manager *m = s->pr->m;
	const struct feature_state *hw = &m->features.f[FEATURE_HW_PMU];
	const char *event = "sw:cpu-clock";
	uint64_t v, max_rate;
	int r, mode = -1, cg = 0;

	r = args_check_known(args, known, ret_error);
	if (r < 0) {
		/* Say it as a tool argument, not a resource's. */
		free(*ret_error);
		*ret_error = NULL;
		return errmsg_set(ret_error, r, "unknown argument; start_perf_profiling takes event, freq, cpu, pid, "
				  "max_samples, duration_secs, call_graph, mode and stack_size");
	}
	if (json_get_string(args, "event", &event) == -EINVAL)
		return errmsg_set(ret_error, -EINVAL, "event must be a string: " "sw:cpu-clock, sw:task-clock, "
				  "hw:cycles, hw:instructions or tracepoint:SUBSYS:NAME");
	r = perf_event_spec_parse(event, hw->available ? NULL : hw->detail, m->opt.sysfs_root, &s->ev, ret_error);
	if (r < 0)
		return r;
	s->freq_requested = PROFILE_FREQ_DEFAULT;
	r = json_get_uint(args, "freq", PROFILE_FREQ_MAX, &s->freq_requested);
	if ((r < 0 && r != -ENOENT) || s->freq_requested == 0)
		return errmsg_set(ret_error, -EINVAL, "freq is samples per second (Hz): an integer from 1 to %d",
				  PROFILE_FREQ_MAX);
	s->freq = s->freq_requested;
	max_rate = perf_max_sample_rate(m->opt.sysfs_root);
	if (s->ev.tracepoint) {
		snprintf(s->freq_note, sizeof(s->freq_note), "freq does not apply to a tracepoint: every hit is a sample");
	} else if (max_rate && s->freq > max_rate) {
		s->freq = max_rate;
		snprintf(s->freq_note, sizeof(s->freq_note),
			 "freq %" PRIu64 " Hz is above this kernel's limit of %" PRIu64
			 " Hz (/proc/sys/kernel/perf_event_max_sample_rate): sampling at %" PRIu64 " Hz",
			 s->freq_requested, max_rate, max_rate);
	}
	s->cpu = -1;
	r = json_get_uint(args, "cpu", PROFILE_CPUS_MAX - 1, &v);
	if (r == 0)
		s->cpu = (int)v;
	else if (r != -ENOENT)
		return errmsg_set(ret_error, -EINVAL, "cpu must be a CPU number (see topology://info)");
	r = json_get_uint(args, "pid", INT32_MAX, &v);
	if (r == 0 && v > 0)
		s->pid = (pid_t)v;
	else if (r != -ENOENT)
		return errmsg_set(ret_error, -EINVAL, "pid must be a positive process id");
	if (s->pid > 0 && count_threads(s->pid) < 0)
		return errmsg_set(ret_error, -ESRCH, "no process with pid %d", (int)s->pid);
	r = json_get_uint(args, "max_samples", PROFILE_MAX_SAMPLES_MAX, &s->max_samples);
	if ((r < 0 && r != -ENOENT) || (r == 0 && s->max_samples == 0))
		return errmsg_set(ret_error, -EINVAL, "max_samples must be a positive integer");
	r = json_get_uint(args, "duration_secs", PROFILE_DURATION_MAX_S, &v);
	if (r == 0 && v > 0)
		s->duration_ms = v * 1000;
	else if (r != -ENOENT) {
		json_t *d = json_object_get(args, "duration_secs");

		/* Fractions of a second are fine too. */
		if (!json_is_real(d) || json_real_value(d) < 0.01 || json_real_value(d) > PROFILE_DURATION_MAX_S)
			return errmsg_set(ret_error, -EINVAL, "duration_secs must be from 0.01 to %d seconds",
					  PROFILE_DURATION_MAX_S);
		s->duration_ms = (uint64_t)(json_real_value(d) * 1000.0 + 0.5);
	} else {
		s->duration_ms = PROFILE_DURATION_MAX_S * 1000ull; /* never unbounded */
	}
	r = parse_choice(args, "call_graph", "fp", "dwarf", &cg, ret_error);
	if (r < 0)
		return r;
	s->dwarf = cg == 1;
	r = parse_choice(args, "mode", "kernel_aggregate", "samples", &mode, ret_error);
	if (r < 0)
		return r;
	/* kernel_aggregate is the default for system-wide profiles; a process,
	 * dwarf unwinding and tracepoints (every hit with its own perf-core
	 * filtering) go through samples. */
	if (mode < 0)
		mode = s->pid > 0 || s->dwarf || s->ev.tracepoint ? 1 : 0;
	s->aggregate = mode == 0;
	if (s->aggregate && s->dwarf)
		return errmsg_set(ret_error, -EINVAL, "call_graph \"dwarf\" needs mode \"samples\": the kernel copies "
				  "each sample's user stack for unwinding, which in-kernel aggregation cannot do");
	if (s->aggregate && m->opt.no_bpf)
		return errmsg_set(ret_error, -EOPNOTSUPP, "kernel_aggregate needs BPF, disabled by --no-bpf; use mode "
				  "\"samples\"");
	s->stack_user = PROFILE_STACK_USER_DEFAULT;
	r = json_get_uint(args, "stack_size", 65528, &v);
	if (r == 0 && v >= 512 && v % 8 == 0)
		s->stack_user = (uint32_t)v;
	else if (r != -ENOENT)
		return errmsg_set(ret_error, -EINVAL, "stack_size (bytes of user stack copied per sample for dwarf "
				  "unwinding) must be a multiple of 8 from 512 to 65528");
	return 0;
}

int profile_start(struct call *c, const json_t *args, char **ret_error)
{
	struct manager *m = call_manager(c);
	const struct peer *p = call_peer(c);
	struct profiler *pr = profiler_get(m);
	struct profile_session *s, *old;
	json_t *reply;
	int r;

	if (!pr)
		return -ENOMEM;
	old = session_of(pr, p);
	if (old && old->running)
		return errmsg_set(ret_error, -EBUSY, "this client's profiling session %" PRIu64 " is still running; "
				  "stop it with stop_perf_profiling first", old->id);
	if (pr->running >= PROFILE_MAX_RUNNING)
		return errmsg_set(ret_error, -EBUSY, "%d profiling sessions are running, the most collectord runs at "
				  "once; try again when one ends", PROFILE_MAX_RUNNING);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->pr = pr;
	s->owner = p;
	s->procs.root = m->opt.sysfs_root;
	LIST_INSERT_HEAD(&pr->sessions, s, link);
	r = frame_memo_new(&s->memo);
	if (r >= 0)
		r = parse_start_args(s, args, ret_error);
	if (r >= 0) {
		s->running = true;
		pr->running++;
		r = session_open(s, ret_error);
	}
	if (r < 0) {
		session_free(s);
		return r;
	}
	/* The new session replaces the client's finished one. */
	session_free(old);
	s->id = ++pr->next_id;
	log_info("profiling session %" PRIu64 " started for peer pid %d: %s at %" PRIu64 " Hz, %s, %s, %zu perf events",
		 s->id, (int)p->cred.pid, s->ev.used, s->freq, s->pid ? "one process" : "system-wide",
		 s->aggregate ? "kernel_aggregate" : "samples", s->nstreams);
	reply = session_json(s);
	if (!reply) {
		session_free(s);
		return -ENOMEM;
	}
	call_reply(c, reply);
	/* After the answer: the client is not kept waiting for it. */
	evtimer_add(pr->preload, &(struct timeval){ 0 });
	return 0;
}

/* ---- stop, results ---- */

static int no_session(char **ret_error)
{
	return errmsg_set(ret_error, -ENOENT, "this client has no profiling session; start one with "
			  "start_perf_profiling");
}

int profile_stop(struct call *c, const json_t *args, char **ret_error)
{
	static const char *const known[] = { NULL };
	struct profile_session *s = session_of(call_manager(c)->profiler, call_peer(c));
	json_t *reply;
	int r = args_check_known(args, known, ret_error);

	if (r < 0)
		return r;
	if (!s)
		return no_session(ret_error);
	session_stop(s, STOP_CLIENT, NULL);
	reply = session_json(s);
	if (!reply)
		return -ENOMEM;
	call_reply(c, reply);
	return 0;
}

static int results(struct manager *m, const struct peer *p, const json_t *args, json_t **ret, char **ret_error)
{
	struct profile_session *s = session_of(m->profiler, p);
	struct stacktab live = { 0 };
	const struct stacktab *tab;
	struct report_opts o;
	size_t max_budget = m->config.max_message_bytes > 8192 ? m->config.max_message_bytes - 4096 : 4096;
	json_t *out;
	int r;

	if (!s)
		return no_session(ret_error);
	r = report_opts_parse(args, max_budget, &o, ret_error);
	if (r < 0)
		return r;
	o.addresses = p->access >= WIRE_ACCESS_ADMIN;
	tab = &s->tab;
	if (s->running) {
		/* The processes of a running profile change: symbolize afresh. */
		frame_memo_reset(s->memo);
		if (s->aggregate) {
			stackagg_poll_new(s->sa, capture_process, s);
			r = stackagg_collect(s->sa, &live, &s->procs);
			if (r < 0) {
				stacktab_clear(&live);
				return errmsg_set(ret_error, r, "reading the BPF stack counts failed: %s", strerror(-r));
			}
			tab = &live;
		}
	}
	out = session_json(s);
	r = out ? report_build(tab, &s->procs, s->pr->sym, s->memo, &o, out) : -ENOMEM;
	stacktab_clear(&live);
	symbolizer_trim(s->pr->sym);
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

int profile_results(struct call *c, const json_t *args, char **ret_error)
{
	json_t *reply = NULL;
	int r = results(call_manager(c), call_peer(c), args, &reply, ret_error);

	if (r < 0)
		return r;
	call_reply(c, reply);
	return 0;
}

int profile_results_read(struct manager *m, const struct peer *p, const json_t *args, json_t **ret,
			 char **ret_error)
{
	/* The resource exists whether or not a profile does: without one it
	 * says so in its body, as profiling://perf/status does, rather than
	 * "not found". The tool keeps its error. */
	if (!session_of(m->profiler, p)) {
		*ret = json_pack("{s:s, s:b, s:s}", "state", "idle", "available", 0, "reason",
				 "this client has no profiling session; start one with start_perf_profiling");
		return *ret ? 0 : -ENOMEM;
	}
	return results(m, p, args, ret, ret_error);
}

int profile_status_read(struct manager *m, const struct peer *p, const json_t *args, json_t **ret,
			char **ret_error)
{
	static const char *const known[] = { NULL };
	struct profile_session *s = session_of(m->profiler, p);
	int r = args_check_known(args, known, ret_error);
	json_t *o;

	if (r < 0)
		return r;
	if (s)
		o = session_json(s);
	else
		o = json_pack("{s:s, s:s}", "state", "idle", "note",
			      "this client has no profiling session; start one with start_perf_profiling");
	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "sessions_running", json_integer(m->profiler ? m->profiler->running : 0));
	json_object_set_new(o, "max_sessions_running", json_integer(PROFILE_MAX_RUNNING));
	*ret = o;
	return 0;
}

void profile_peer_gone(struct manager *m, const struct peer *p)
{
	struct profile_session *s = session_of(m->profiler, p);

	if (!s)
		return;
	session_stop(s, STOP_PEER_GONE, NULL);
	session_free(s);
}

void profiler_free(struct profiler *pr)
{
	if (!pr)
		return;
	while (!LIST_EMPTY(&pr->sessions)) {
		struct profile_session *s = LIST_FIRST(&pr->sessions);

		session_stop(s, STOP_SHUTDOWN, NULL);
		session_free(s);
	}
	if (pr->preload)
		event_free(pr->preload);
	unwinder_free(pr->unw);
	symbolizer_free(pr->sym);
	free(pr);
}
