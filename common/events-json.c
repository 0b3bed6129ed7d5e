/* events-json.c: check the live feed's binary records and turn them into JSON objects. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events-json.h"
#include "macro.h"

/* The layouts BPF writes: any change here is a wire protocol change. */
_Static_assert(sizeof(struct sched_event_header) == 16, "event header");
_Static_assert(sizeof(struct sched_event_switch) == 120, "sched_switch record");
_Static_assert(sizeof(struct sched_event_wakeup) == 72, "wakeup record");
_Static_assert(sizeof(struct sched_event_migrate) == 56, "migrate record");
_Static_assert(sizeof(struct sched_event_fork) == 64, "fork record");
_Static_assert(sizeof(struct sched_event_exec) == 112, "exec record");
_Static_assert(sizeof(struct sched_event_exit) == 56, "exit record");
_Static_assert(sizeof(struct sched_event_wait) == 48, "wait record");
_Static_assert(sizeof(struct sched_event_softirq) == 56, "softirq record");
_Static_assert(sizeof(struct sched_event_ipi) == 56, "ipi record");
_Static_assert(sizeof(struct sched_event_cpuhp) == 32, "cpuhp record");
_Static_assert(sizeof(struct sched_event_hw_pressure) == 32, "hw_pressure record");
_Static_assert(sizeof(struct sched_event_hang) == 40, "hang record");
_Static_assert(sizeof(struct sched_event_cpu_frequency) == 24, "cpu_frequency record");
_Static_assert(sizeof(struct sched_event_batch) == 24, "batch header");
_Static_assert(SCHED_EVENT_TYPE_MAX <= 32, "the type mask is 32 bits");

struct type_info {
	const char *name;
	const char *tracepoint; /* accepted as an alias */
	size_t size;
	const char *description;
};

static const struct type_info types[SCHED_EVENT_TYPE_MAX] = {
	[SCHED_EVENT_SWITCH] = { "sched_switch", NULL, sizeof(struct sched_event_switch),
				 "a context switch: prev and next pid, tgid, comm, prio, prev state, next's "
				 "run-queue latency (and sched_ext dsq, slice, vtime where present)" },
	[SCHED_EVENT_WAKEUP] = { "sched_wakeup", NULL, sizeof(struct sched_event_wakeup),
				 "a task made runnable, with its target CPU and the task running then" },
	[SCHED_EVENT_WAKING] = { "sched_waking", NULL, sizeof(struct sched_event_wakeup),
				 "a wake-up starting, in the waker's context: waker and wakee" },
	[SCHED_EVENT_WAKEUP_NEW] = { "sched_wakeup_new", NULL, sizeof(struct sched_event_wakeup),
				     "a new task made runnable for the first time" },
	[SCHED_EVENT_MIGRATE] = { "sched_migrate_task", NULL, sizeof(struct sched_event_migrate),
				  "a task moved from one CPU to another" },
	[SCHED_EVENT_FORK] = { "fork", "sched_process_fork", sizeof(struct sched_event_fork),
			       "a new task: parent and child" },
	[SCHED_EVENT_EXEC] = { "exec", "sched_process_exec", sizeof(struct sched_event_exec),
			       "a task executed a program (filename cut to 63 bytes)" },
	[SCHED_EVENT_EXIT] = { "exit", "sched_process_exit", sizeof(struct sched_event_exit),
			       "a task exited, with the on-CPU time counted for it" },
	[SCHED_EVENT_WAIT] = { "wait", "sched_process_wait", sizeof(struct sched_event_wait),
			       "a task waits for a child (wait4/waitid)" },
	[SCHED_EVENT_SOFTIRQ] = { "softirq", "softirq_exit", sizeof(struct sched_event_softirq),
				  "one softirq run: vector, duration, the task it interrupted" },
	[SCHED_EVENT_IPI] = { "ipi", "ipi_send_cpu", sizeof(struct sched_event_ipi),
			      "an inter-processor interrupt sent: sender and target CPUs" },
	[SCHED_EVENT_CPUHP_ENTER] = { "cpuhp_enter", NULL, sizeof(struct sched_event_cpuhp),
				      "a CPU hotplug step starts" },
	[SCHED_EVENT_CPUHP_EXIT] = { "cpuhp_exit", NULL, sizeof(struct sched_event_cpuhp),
				     "a CPU hotplug step ends, with its result" },
	[SCHED_EVENT_HW_PRESSURE] = { "hw_pressure", "hw_pressure_update", sizeof(struct sched_event_hw_pressure),
				      "capacity a CPU lost to thermal or firmware limits changed" },
	[SCHED_EVENT_HANG] = { "sched_hang", "sched_process_hang", sizeof(struct sched_event_hang),
			       "the hung task detector reported a task" },
	[SCHED_EVENT_CPU_FREQUENCY] = { "cpu_frequency", NULL, sizeof(struct sched_event_cpu_frequency),
					"a CPU's frequency changed (power:cpu_frequency)" },
};

static const char *const softirq_names[] = {
	"hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu",
};

const char *sched_event_type_name(unsigned type)
{
	return type < SCHED_EVENT_TYPE_MAX ? types[type].name : NULL;
}

int sched_event_type_from_name(const char *name)
{
	for (unsigned t = 1; t < SCHED_EVENT_TYPE_MAX; t++)
		if (strcmp(types[t].name, name) == 0 || (types[t].tracepoint && strcmp(types[t].tracepoint, name) == 0))
			return (int)t;
	return -EINVAL;
}

size_t sched_event_type_size(unsigned type)
{
	return type < SCHED_EVENT_TYPE_MAX ? types[type].size : 0;
}

const char *sched_event_type_description(unsigned type)
{
	return type < SCHED_EVENT_TYPE_MAX ? types[type].description : NULL;
}

const char *sched_event_softirq_name(unsigned vec)
{
	return vec < ELEMENTSOF(softirq_names) ? softirq_names[vec] : NULL;
}

int sched_event_softirq_from_name(const char *name)
{
	for (unsigned v = 0; v < ELEMENTSOF(softirq_names); v++)
		if (strcasecmp(softirq_names[v], name) == 0)
			return (int)v;
	return -EINVAL;
}

int sched_event_check(const void *p, size_t avail)
{
	struct sched_event_header h;
	size_t want;

	if (avail < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	want = sched_event_type_size(h.type);
	if (!want || h.size != want || h.size > avail)
		return -EBADMSG;
	return (int)h.size;
}

int sched_event_batch_parse(const void *payload, size_t len, struct sched_event_batch *ret_batch,
			    sched_event_fn cb, void *userdata)
{
	const uint8_t *p = payload;
	struct sched_event_batch b;
	size_t off = sizeof(b);
	_Alignas(8) uint8_t rec[SCHED_EVENT_MAX_SIZE];

	if (len < sizeof(b))
		return -EBADMSG;
	memcpy(&b, p, sizeof(b));
	/* every record is at least a header: a count beyond that cannot be right */
	if (b.count > (len - sizeof(b)) / sizeof(struct sched_event_header))
		return -EBADMSG;
	/* check all before delivering any, so a bad batch delivers nothing */
	for (uint32_t i = 0; i < b.count; i++) {
		int n = sched_event_check(p + off, len - off);

		if (n < 0)
			return n;
		off += (size_t)n;
	}
	if (off != len)
		return -EBADMSG;
	if (ret_batch)
		*ret_batch = b;
	off = sizeof(b);
	for (uint32_t i = 0; cb && i < b.count; i++) {
		struct sched_event_header h;
		int r;

		memcpy(&h, p + off, sizeof(h));
		/* copied out: the payload gives no alignment guarantee */
		memcpy(rec, p + off, h.size);
		r = cb(userdata, (const struct sched_event_header *)rec);
		if (r < 0)
			return r;
		off += h.size;
	}
	return 0;
}

/* comm bytes as a JSON-safe string: anything outside printable ASCII becomes '?' */
static json_t *comm_json(const char *c)
{
	char s[SCHED_EVENT_COMM_LEN + 1];
	size_t n = strnlen(c, SCHED_EVENT_COMM_LEN);

	for (size_t i = 0; i < n; i++)
		s[i] = (c[i] >= 0x20 && c[i] < 0x7f) ? c[i] : '?';
	s[n] = 0;
	return json_string(s);
}

static json_t *path_json(const char *c, size_t max)
{
	char s[SCHED_EVENT_PATH_LEN + 1];
	size_t n = strnlen(c, MIN(max, sizeof(s) - 1));

	for (size_t i = 0; i < n; i++)
		s[i] = (c[i] >= 0x20 && c[i] < 0x7f) ? c[i] : '?';
	s[n] = 0;
	return json_string(s);
}

static json_t *us(uint64_t ns)
{
	return json_real((double)(int64_t)(ns / 10) / 100.0); /* 0.01 µs resolution */
}

static const char *state_name(uint32_t s, bool preempt)
{
	if (preempt || s == 0)
		return "R";
	if ((s & 0x402) == 0x402)
		return "I"; /* TASK_IDLE */
	if (s & 0x1)
		return "S";
	if (s & 0x2)
		return "D";
	if (s & 0x4)
		return "T";
	if (s & 0x8)
		return "t";
	if (s & 0x20)
		return "Z";
	if (s & (0x10 | 0x80))
		return "X";
	if (s & 0x40)
		return "P";
	return "?";
}

static int set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v);
}

static int task_fields(json_t *o, const char *prefix, uint32_t pid, uint32_t tgid, const char *comm)
{
	char k[32];
	int r = 0;

	snprintf(k, sizeof(k), "%spid", prefix);
	r |= set(o, k, json_integer(pid));
	snprintf(k, sizeof(k), "%stgid", prefix);
	r |= set(o, k, json_integer(tgid));
	if (comm) {
		snprintf(k, sizeof(k), "%scomm", prefix);
		r |= set(o, k, comm_json(comm));
	}
	return r;
}

static int switch_json(json_t *o, const struct sched_event_switch *e)
{
	bool preempt = e->flags & SCHED_SWITCH_PREEMPT;
	int r = 0;

	r |= task_fields(o, "prev_", e->prev_pid, e->prev_tgid, e->prev_comm);
	r |= set(o, "prev_prio", json_integer(e->prev_prio));
	r |= set(o, "prev_state", json_string(state_name(e->prev_state, preempt)));
	r |= set(o, "preempt", json_boolean(preempt));
	r |= task_fields(o, "next_", e->next_pid, e->next_tgid, e->next_comm);
	r |= set(o, "next_prio", json_integer(e->next_prio));
	if (e->flags & SCHED_SWITCH_RQ_LAT)
		r |= set(o, "rq_lat_us", us(e->rq_lat_ns));
	if (e->flags & SCHED_SWITCH_SCX) {
		json_t *x = json_pack("{s:I, s:I}", "slice_ns", (json_int_t)e->scx_slice_ns, "vtime",
				      (json_int_t)e->scx_vtime);

		if (x && (e->flags & SCHED_SWITCH_SCX_DSQ))
			json_object_set_new(x, "dsq_id", json_integer((json_int_t)e->scx_dsq_id));
		if (x && (e->flags & SCHED_SWITCH_RQ_LAT))
			json_object_set_new(x, "dsq_lat_us", us(e->scx_dsq_lat_ns));
		r |= set(o, "scx", x);
	}
	return r;
}

static int wakeup_json(json_t *o, const struct sched_event_wakeup *e)
{
	int r = task_fields(o, "", e->pid, e->tgid, e->comm);

	r |= set(o, "prio", json_integer(e->prio));
	r |= set(o, "target_cpu", json_integer(e->target_cpu));
	r |= task_fields(o, "waker_", e->waker_pid, e->waker_tgid, e->waker_comm);
	return r;
}

json_t *sched_event_to_json(const struct sched_event_header *h)
{
	const char *name = sched_event_type_name(h->type);
	json_t *o = json_pack("{s:s, s:i, s:I}", "type", name ? name : "unknown", "cpu", (int)h->cpu, "ts_ns",
			      (json_int_t)h->ts_ns);
	int r = 0;

	if (!o)
		return NULL;
	switch (h->type) {
	case SCHED_EVENT_SWITCH:
		r = switch_json(o, (const struct sched_event_switch *)h);
		break;
	case SCHED_EVENT_WAKEUP:
	case SCHED_EVENT_WAKING:
	case SCHED_EVENT_WAKEUP_NEW:
		r = wakeup_json(o, (const struct sched_event_wakeup *)h);
		break;
	case SCHED_EVENT_MIGRATE: {
		const struct sched_event_migrate *e = (const void *)h;

		r = task_fields(o, "", e->pid, e->tgid, e->comm);
		r |= set(o, "prio", json_integer(e->prio));
		r |= set(o, "orig_cpu", json_integer(e->orig_cpu));
		r |= set(o, "dest_cpu", json_integer(e->dest_cpu));
		break;
	}
	case SCHED_EVENT_FORK: {
		const struct sched_event_fork *e = (const void *)h;

		r = task_fields(o, "parent_", e->parent_pid, e->parent_tgid, e->parent_comm);
		r |= task_fields(o, "child_", e->child_pid, e->child_tgid, e->child_comm);
		break;
	}
	case SCHED_EVENT_EXEC: {
		const struct sched_event_exec *e = (const void *)h;

		r = task_fields(o, "", e->pid, e->tgid, e->comm);
		r |= set(o, "old_pid", json_integer(e->old_pid));
		r |= set(o, "filename", path_json(e->filename, sizeof(e->filename)));
		break;
	}
	case SCHED_EVENT_EXIT: {
		const struct sched_event_exit *e = (const void *)h;

		r = task_fields(o, "", e->pid, e->tgid, e->comm);
		r |= set(o, "prio", json_integer(e->prio));
		r |= set(o, "exit_code", json_integer(e->exit_code));
		r |= set(o, "runtime_us", us(e->runtime_ns));
		break;
	}
	case SCHED_EVENT_WAIT: {
		const struct sched_event_wait *e = (const void *)h;

		r = task_fields(o, "", e->pid, e->tgid, e->comm);
		r |= set(o, "target_pid", json_integer(e->target_pid));
		break;
	}
	case SCHED_EVENT_SOFTIRQ: {
		const struct sched_event_softirq *e = (const void *)h;
		const char *v = sched_event_softirq_name(e->vec);

		r = set(o, "vec", json_integer(e->vec));
		r |= set(o, "softirq", json_string(v ? v : "unknown"));
		r |= set(o, "duration_us", us(e->duration_ns));
		r |= task_fields(o, "", e->pid, e->tgid, e->comm);
		break;
	}
	case SCHED_EVENT_IPI: {
		const struct sched_event_ipi *e = (const void *)h;

		r = task_fields(o, "", e->pid, e->tgid, e->comm);
		r |= set(o, "target_cpu", e->target_cpu == UINT32_MAX ? json_null() : json_integer(e->target_cpu));
		r |= set(o, "nr_targets", json_integer(e->nr_targets));
		break;
	}
	case SCHED_EVENT_CPUHP_ENTER:
	case SCHED_EVENT_CPUHP_EXIT: {
		const struct sched_event_cpuhp *e = (const void *)h;

		r = set(o, "target_cpu", json_integer(e->target_cpu));
		r |= set(o, "state", json_integer(e->state));
		r |= set(o, h->type == SCHED_EVENT_CPUHP_ENTER ? "idx" : "ret", json_integer(e->idx_or_ret));
		break;
	}
	case SCHED_EVENT_HW_PRESSURE: {
		const struct sched_event_hw_pressure *e = (const void *)h;

		r = set(o, "target_cpu", json_integer(e->target_cpu));
		r |= set(o, "pressure", json_integer((json_int_t)e->pressure));
		break;
	}
	case SCHED_EVENT_HANG: {
		const struct sched_event_hang *e = (const void *)h;

		r = task_fields(o, "", e->pid, e->tgid, e->comm);
		break;
	}
	case SCHED_EVENT_CPU_FREQUENCY: {
		const struct sched_event_cpu_frequency *e = (const void *)h;

		r = set(o, "target_cpu", json_integer(e->target_cpu));
		r |= set(o, "freq_mhz", json_real((double)e->freq_khz / 1000.0));
		break;
	}
	default:
		break;
	}
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- the same JSON, written directly ---- */

struct jw {
	char *p, *end; /* end: the last byte, kept for the NUL */
	bool full;
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->full || (size_t)(w->end - w->p) < n) {
		w->full = true;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

static void jw_lit(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

static void jw_u64(struct jw *w, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jw_raw(w, tmp + sizeof(tmp) - n, n);
}

/* jansson prints every integer as a json_int_t (long long) */
static void jw_int(struct jw *w, int64_t v)
{
	if (v < 0) {
		jw_raw(w, "-", 1);
		jw_u64(w, (uint64_t)0 - (uint64_t)v);
		return;
	}
	jw_u64(w, (uint64_t)v);
}

/* a literal key, its length known at compile time */
#define JW_KEY(w, key) jw_raw(w, ",\"" key "\":", sizeof(",\"" key "\":") - 1)
#define JW_LIT(w, s) jw_raw(w, s, sizeof(s) - 1)

/* a key of this file's own: never needs escaping */
static void jw_key(struct jw *w, const char *prefix, const char *key)
{
	jw_raw(w, ",\"", 2);
	jw_lit(w, prefix);
	jw_lit(w, key);
	jw_raw(w, "\":", 2);
}

/* What comm_json() and path_json() make of a fixed field, quoted as jansson quotes it. */
static void jw_field_string(struct jw *w, const char *c, size_t max)
{
	size_t n = strnlen(c, max);

	JW_LIT(w, "\"");
	for (size_t i = 0; i < n; i++) {
		char ch = (c[i] >= 0x20 && c[i] < 0x7f) ? c[i] : '?';

		if (ch == '"' || ch == '\\')
			jw_raw(w, "\\", 1);
		jw_raw(w, &ch, 1);
	}
	JW_LIT(w, "\"");
}

/* json_real(k / 10^decimals) as JSON_REAL_PRECISION(12) prints it. Below 10^12
 * the value has at most 12 significant digits, so "%.12g" gives exactly the
 * decimal k / 10^decimals with trailing zeros cut, and jansson adds ".0" to a
 * whole number; beyond that jansson itself prints it. */
static void jw_decimal(struct jw *w, uint64_t k, unsigned decimals)
{
	uint64_t scale = decimals == 3 ? 1000 : 100, frac = k % scale;
	char digits[3];
	unsigned n = decimals;

	if (k >= 1000000000000ull) {
		json_t *r = json_real((double)(int64_t)k / (double)scale);
		char *s = r ? json_dumps(r, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12)) : NULL;

		if (s)
			jw_lit(w, s);
		else
			w->full = true;
		free(s);
		json_decref(r);
		return;
	}
	jw_u64(w, k / scale);
	jw_raw(w, ".", 1);
	if (frac == 0) {
		jw_raw(w, "0", 1);
		return;
	}
	for (unsigned i = decimals; i-- > 0; frac /= 10)
		digits[i] = (char)('0' + frac % 10);
	while (digits[n - 1] == '0')
		n--;
	jw_raw(w, digits, n);
}

static void jw_us(struct jw *w, uint64_t ns)
{
	jw_decimal(w, (uint64_t)(int64_t)(ns / 10), 2); /* us(): 0.01 µs resolution */
}

static void jw_task(struct jw *w, const char *prefix, uint32_t pid, uint32_t tgid, const char *comm)
{
	jw_key(w, prefix, "pid");
	jw_u64(w, pid);
	jw_key(w, prefix, "tgid");
	jw_u64(w, tgid);
	if (comm) {
		jw_key(w, prefix, "comm");
		jw_field_string(w, comm, SCHED_EVENT_COMM_LEN);
	}
}

static void jw_switch(struct jw *w, const struct sched_event_switch *e)
{
	bool preempt = e->flags & SCHED_SWITCH_PREEMPT;

	jw_task(w, "prev_", e->prev_pid, e->prev_tgid, e->prev_comm);
	JW_KEY(w, "prev_prio");
	jw_int(w, e->prev_prio);
	JW_KEY(w, "prev_state");
	JW_LIT(w, "\"");
	jw_lit(w, state_name(e->prev_state, preempt));
	JW_LIT(w, "\"");
	JW_KEY(w, "preempt");
	jw_lit(w, preempt ? "true" : "false");
	jw_task(w, "next_", e->next_pid, e->next_tgid, e->next_comm);
	JW_KEY(w, "next_prio");
	jw_int(w, e->next_prio);
	if (e->flags & SCHED_SWITCH_RQ_LAT) {
		JW_KEY(w, "rq_lat_us");
		jw_us(w, e->rq_lat_ns);
	}
	if (e->flags & SCHED_SWITCH_SCX) {
		JW_LIT(w, ",\"scx\":{\"slice_ns\":");
		jw_int(w, (int64_t)e->scx_slice_ns);
		JW_KEY(w, "vtime");
		jw_int(w, (int64_t)e->scx_vtime);
		if (e->flags & SCHED_SWITCH_SCX_DSQ) {
			JW_KEY(w, "dsq_id");
			jw_int(w, (int64_t)e->scx_dsq_id);
		}
		if (e->flags & SCHED_SWITCH_RQ_LAT) {
			JW_KEY(w, "dsq_lat_us");
			jw_us(w, e->scx_dsq_lat_ns);
		}
		jw_raw(w, "}", 1);
	}
}

static void jw_wakeup(struct jw *w, const struct sched_event_wakeup *e)
{
	jw_task(w, "", e->pid, e->tgid, e->comm);
	JW_KEY(w, "prio");
	jw_int(w, e->prio);
	JW_KEY(w, "target_cpu");
	jw_u64(w, e->target_cpu);
	jw_task(w, "waker_", e->waker_pid, e->waker_tgid, e->waker_comm);
}

/* The fields after "type", "cpu" and "ts_ns", in sched_event_to_json()'s order. */
static void jw_fields(struct jw *w, const struct sched_event_header *h)
{
	switch (h->type) {
	case SCHED_EVENT_SWITCH:
		jw_switch(w, (const struct sched_event_switch *)h);
		break;
	case SCHED_EVENT_WAKEUP:
	case SCHED_EVENT_WAKING:
	case SCHED_EVENT_WAKEUP_NEW:
		jw_wakeup(w, (const struct sched_event_wakeup *)h);
		break;
	case SCHED_EVENT_MIGRATE: {
		const struct sched_event_migrate *e = (const void *)h;

		jw_task(w, "", e->pid, e->tgid, e->comm);
		JW_KEY(w, "prio");
		jw_int(w, e->prio);
		JW_KEY(w, "orig_cpu");
		jw_u64(w, e->orig_cpu);
		JW_KEY(w, "dest_cpu");
		jw_u64(w, e->dest_cpu);
		break;
	}
	case SCHED_EVENT_FORK: {
		const struct sched_event_fork *e = (const void *)h;

		jw_task(w, "parent_", e->parent_pid, e->parent_tgid, e->parent_comm);
		jw_task(w, "child_", e->child_pid, e->child_tgid, e->child_comm);
		break;
	}
	case SCHED_EVENT_EXEC: {
		const struct sched_event_exec *e = (const void *)h;

		jw_task(w, "", e->pid, e->tgid, e->comm);
		JW_KEY(w, "old_pid");
		jw_u64(w, e->old_pid);
		JW_KEY(w, "filename");
		jw_field_string(w, e->filename, MIN(sizeof(e->filename), (size_t)SCHED_EVENT_PATH_LEN));
		break;
	}
	case SCHED_EVENT_EXIT: {
		const struct sched_event_exit *e = (const void *)h;

		jw_task(w, "", e->pid, e->tgid, e->comm);
		JW_KEY(w, "prio");
		jw_int(w, e->prio);
		JW_KEY(w, "exit_code");
		jw_int(w, e->exit_code);
		JW_KEY(w, "runtime_us");
		jw_us(w, e->runtime_ns);
		break;
	}
	case SCHED_EVENT_WAIT: {
		const struct sched_event_wait *e = (const void *)h;

		jw_task(w, "", e->pid, e->tgid, e->comm);
		JW_KEY(w, "target_pid");
		jw_u64(w, e->target_pid);
		break;
	}
	case SCHED_EVENT_SOFTIRQ: {
		const struct sched_event_softirq *e = (const void *)h;
		const char *v = sched_event_softirq_name(e->vec);

		JW_KEY(w, "vec");
		jw_u64(w, e->vec);
		JW_KEY(w, "softirq");
		JW_LIT(w, "\"");
		jw_lit(w, v ? v : "unknown");
		JW_LIT(w, "\"");
		JW_KEY(w, "duration_us");
		jw_us(w, e->duration_ns);
		jw_task(w, "", e->pid, e->tgid, e->comm);
		break;
	}
	case SCHED_EVENT_IPI: {
		const struct sched_event_ipi *e = (const void *)h;

		jw_task(w, "", e->pid, e->tgid, e->comm);
		JW_KEY(w, "target_cpu");
		if (e->target_cpu == UINT32_MAX)
			JW_LIT(w, "null");
		else
			jw_u64(w, e->target_cpu);
		JW_KEY(w, "nr_targets");
		jw_u64(w, e->nr_targets);
		break;
	}
	case SCHED_EVENT_CPUHP_ENTER:
	case SCHED_EVENT_CPUHP_EXIT: {
		const struct sched_event_cpuhp *e = (const void *)h;

		JW_KEY(w, "target_cpu");
		jw_u64(w, e->target_cpu);
		JW_KEY(w, "state");
		jw_int(w, e->state);
		jw_key(w, "", h->type == SCHED_EVENT_CPUHP_ENTER ? "idx" : "ret");
		jw_int(w, e->idx_or_ret);
		break;
	}
	case SCHED_EVENT_HW_PRESSURE: {
		const struct sched_event_hw_pressure *e = (const void *)h;

		JW_KEY(w, "target_cpu");
		jw_u64(w, e->target_cpu);
		JW_KEY(w, "pressure");
		jw_int(w, (int64_t)e->pressure);
		break;
	}
	case SCHED_EVENT_HANG: {
		const struct sched_event_hang *e = (const void *)h;

		jw_task(w, "", e->pid, e->tgid, e->comm);
		break;
	}
	case SCHED_EVENT_CPU_FREQUENCY: {
		const struct sched_event_cpu_frequency *e = (const void *)h;

		JW_KEY(w, "target_cpu");
		jw_u64(w, e->target_cpu);
		JW_KEY(w, "freq_mhz");
		jw_decimal(w, e->freq_khz, 3);
		break;
	}
	default:
		break;
	}
}

int sched_event_format_json(const struct sched_event_header *h, char *buf, size_t size)
{
	const char *name = sched_event_type_name(h->type);
	struct jw w = { .p = buf, .end = buf + size - 1 };

	if (size == 0)
		return -ENOBUFS;
	JW_LIT(&w, "{\"type\":\"");
	jw_lit(&w, name ? name : "unknown");
	JW_LIT(&w, "\",\"cpu\":");
	jw_int(&w, (int32_t)h->cpu);
	JW_LIT(&w, ",\"ts_ns\":");
	jw_int(&w, (int64_t)h->ts_ns);
	jw_fields(&w, h);
	jw_raw(&w, "}", 1);
	if (w.full)
		return -ENOBUFS;
	*w.p = 0;
	return (int)(w.p - buf);
}

unsigned sched_event_tasks(const struct sched_event_header *h, uint32_t pids[2], uint32_t tgids[2])
{
#define ONE(T)                                   \
	do {                                     \
		const T *e = (const void *)h;    \
		pids[0] = pids[1] = e->pid;      \
		tgids[0] = tgids[1] = e->tgid;   \
		return 1;                        \
	} while (0)
	switch (h->type) {
	case SCHED_EVENT_SWITCH: {
		const struct sched_event_switch *e = (const void *)h;

		pids[0] = e->prev_pid, tgids[0] = e->prev_tgid;
		pids[1] = e->next_pid, tgids[1] = e->next_tgid;
		return 2;
	}
	case SCHED_EVENT_WAKEUP:
	case SCHED_EVENT_WAKING:
	case SCHED_EVENT_WAKEUP_NEW: {
		const struct sched_event_wakeup *e = (const void *)h;

		pids[0] = e->pid, tgids[0] = e->tgid;
		pids[1] = e->waker_pid, tgids[1] = e->waker_tgid;
		return 2;
	}
	case SCHED_EVENT_FORK: {
		const struct sched_event_fork *e = (const void *)h;

		pids[0] = e->parent_pid, tgids[0] = e->parent_tgid;
		pids[1] = e->child_pid, tgids[1] = e->child_tgid;
		return 2;
	}
	case SCHED_EVENT_EXEC: {
		const struct sched_event_exec *e = (const void *)h;

		pids[0] = e->pid, tgids[0] = e->tgid;
		pids[1] = e->old_pid, tgids[1] = e->tgid;
		return 2;
	}
	case SCHED_EVENT_MIGRATE:
		ONE(struct sched_event_migrate);
	case SCHED_EVENT_EXIT:
		ONE(struct sched_event_exit);
	case SCHED_EVENT_WAIT:
		ONE(struct sched_event_wait);
	case SCHED_EVENT_SOFTIRQ:
		ONE(struct sched_event_softirq);
	case SCHED_EVENT_IPI:
		ONE(struct sched_event_ipi);
	case SCHED_EVENT_HANG:
		ONE(struct sched_event_hang);
	default:
		return 0;
	}
#undef ONE
}

unsigned sched_event_comms(const struct sched_event_header *h, const char *comms[2])
{
	switch (h->type) {
	case SCHED_EVENT_SWITCH: {
		const struct sched_event_switch *e = (const void *)h;

		comms[0] = e->prev_comm, comms[1] = e->next_comm;
		return 2;
	}
	case SCHED_EVENT_WAKEUP:
	case SCHED_EVENT_WAKING:
	case SCHED_EVENT_WAKEUP_NEW: {
		const struct sched_event_wakeup *e = (const void *)h;

		comms[0] = e->comm, comms[1] = e->waker_comm;
		return 2;
	}
	case SCHED_EVENT_FORK: {
		const struct sched_event_fork *e = (const void *)h;

		comms[0] = e->parent_comm, comms[1] = e->child_comm;
		return 2;
	}
	case SCHED_EVENT_MIGRATE:
		comms[0] = comms[1] = ((const struct sched_event_migrate *)h)->comm;
		return 1;
	case SCHED_EVENT_EXEC:
		comms[0] = comms[1] = ((const struct sched_event_exec *)h)->comm;
		return 1;
	case SCHED_EVENT_EXIT:
		comms[0] = comms[1] = ((const struct sched_event_exit *)h)->comm;
		return 1;
	case SCHED_EVENT_WAIT:
		comms[0] = comms[1] = ((const struct sched_event_wait *)h)->comm;
		return 1;
	case SCHED_EVENT_SOFTIRQ:
		comms[0] = comms[1] = ((const struct sched_event_softirq *)h)->comm;
		return 1;
	case SCHED_EVENT_IPI:
		comms[0] = comms[1] = ((const struct sched_event_ipi *)h)->comm;
		return 1;
	case SCHED_EVENT_HANG:
		comms[0] = comms[1] = ((const struct sched_event_hang *)h)->comm;
		return 1;
	default:
		comms[0] = comms[1] = NULL;
		return 0;
	}
}

int sched_event_latency(const struct sched_event_header *h, uint64_t *ret_ns)
{
	if (h->type == SCHED_EVENT_SWITCH) {
		const struct sched_event_switch *e = (const void *)h;

		if (!(e->flags & SCHED_SWITCH_RQ_LAT))
			return 0;
		*ret_ns = e->rq_lat_ns;
		return 1;
	}
	if (h->type == SCHED_EVENT_SOFTIRQ) {
		*ret_ns = ((const struct sched_event_softirq *)h)->duration_ns;
		return 1;
	}
	return 0;
}
