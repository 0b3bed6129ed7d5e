/* perf.c: opens profiling perf events, reads their mmap rings, parses sample and side-band records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procfs.h"
#include "macro.h"
#include "perf.h"
#include "unwind.h"

#define PAGE_SIZE_GUESS 4096

struct named_event {
	const char *name, *alias, *alias2;
	uint32_t type;
	uint64_t config;
};

static const struct named_event named_events[] = {
	{ "sw:cpu-clock", "cpu-clock", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "sw:task-clock", "task-clock", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "hw:cycles", "cycles", "cpu-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "hw:instructions", "instructions", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
};

#define EVENTS_ACCEPTED "sw:cpu-clock, sw:task-clock, hw:cycles, hw:instructions or tracepoint:SUBSYS:NAME"

static bool valid_tp_name(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int tracepoint_id(const char *root, const char *subsys, size_t slen, const char *name, uint64_t *ret)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[512];
	int r = -ENOENT;

	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		snprintf(path, sizeof(path), "%s%s/events/%.*s/%s/id", root, dirs[i], (int)slen, subsys, name);
		r = read_u64_file(path, ret);
		if (r == 0)
			return 0;
	}
	return r;
}

int perf_event_spec_parse(const char *name, const char *hw_unavailable, const char *root,
			  struct perf_event_spec *ret, char **ret_error)
{
	struct perf_event_spec ev = { 0 };
	const char *rest;

	snprintf(ev.requested, sizeof(ev.requested), "%s", name);
	if (strncmp(name, "tracepoint:", 11) == 0 || strncmp(name, "tp:", 3) == 0) {
		const char *colon;
		uint64_t id;
		int r;

		rest = name + (name[1] == 'p' && name[2] == ':' ? 3 : 11);
		colon = strchr(rest, ':');
		if (!colon || !valid_tp_name(rest, (size_t)(colon - rest)) ||
		    !valid_tp_name(colon + 1, strlen(colon + 1))) {
			if (asprintf(ret_error, "'%.64s' is not tracepoint:SUBSYS:NAME (letters, digits and _), "
				     "e.g. tracepoint:sched:sched_switch; list them with list_events", name) < 0)
				*ret_error = NULL;
			return -EINVAL;
		}
		r = tracepoint_id(root, rest, (size_t)(colon - rest), colon + 1, &id);
		if (r < 0) {
			if (asprintf(ret_error, "no tracepoint %.*s:%s on this kernel (%s); list them with list_events",
				     (int)(colon - rest), rest, colon + 1, strerror(-r)) < 0)
				*ret_error = NULL;
			return -ENOENT;
		}
		ev.type = PERF_TYPE_TRACEPOINT;
		ev.config = id;
		ev.tracepoint = true;
		snprintf(ev.used, sizeof(ev.used), "tracepoint:%.*s:%s", (int)(colon - rest), rest, colon + 1);
		*ret = ev;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(named_events); i++) {
		const struct named_event *n = &named_events[i];

		if (strcmp(name, n->name) != 0 && strcmp(name, n->alias) != 0 &&
		    !(n->alias2 && strcmp(name, n->alias2) == 0))
			continue;
		snprintf(ev.used, sizeof(ev.used), "%s", n->name);
		ev.type = n->type;
		ev.config = n->config;
		if (n->type == PERF_TYPE_HARDWARE && hw_unavailable) {
			snprintf(ev.fallback, sizeof(ev.fallback), "%s cannot be sampled here (%s): sampling "
				 "sw:cpu-clock instead", n->name, hw_unavailable);
			snprintf(ev.used, sizeof(ev.used), "sw:cpu-clock");
			ev.type = PERF_TYPE_SOFTWARE;
			ev.config = PERF_COUNT_SW_CPU_CLOCK;
		}
		*ret = ev;
		return 0;
	}
	if (asprintf(ret_error, "unknown event '%.64s'; use " EVENTS_ACCEPTED, name) < 0)
		*ret_error = NULL;
	return -EINVAL;
}

void perf_event_spec_fallback(struct perf_event_spec *ev, int err)
{
	snprintf(ev->fallback, sizeof(ev->fallback), "%s cannot be opened on this machine (%s): sampling "
		 "sw:cpu-clock instead", ev->used, strerror(-err));
	snprintf(ev->used, sizeof(ev->used), "sw:cpu-clock");
	ev->type = PERF_TYPE_SOFTWARE;
	ev->config = PERF_COUNT_SW_CPU_CLOCK;
}

static int sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
	long fd = syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? negative_errno() : (int)fd;
}

int perf_stream_open(const struct perf_stream_opts *o, pid_t tid, int cpu, int output_fd, struct perf_stream *ret)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	struct perf_stream s = { .fd = -1, .cpu = cpu, .tid = tid };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	attr.type = o->ev->type;
	attr.config = o->ev->config;
	if (o->ev->tracepoint) {
		attr.sample_period = 1;
	} else {
		attr.freq = 1;
		attr.sample_freq = o->freq;
	}
	attr.disabled = 1;
	attr.inherit = o->inherit;
	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	if (o->ring) {
		attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
				   PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN;
		if (o->dwarf) {
			attr.sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
			attr.sample_regs_user = UNWIND_REGS_MASK;
			attr.sample_stack_user = o->stack_user;
			attr.exclude_callchain_user = 1;
		}
		attr.sample_id_all = 1;
		attr.mmap2 = attr.comm = attr.task = attr.comm_exec = o->sideband;
		/* Woken when a quarter of the ring is used; a timer drains the rest. */
		attr.watermark = 1;
		attr.wakeup_watermark = (uint32_t)(o->ring_pages * page / 4);
	}
	s.sample_type = attr.sample_type;
	s.fd = sys_perf_event_open(&attr, tid, cpu);
	if (s.fd < 0)
		return s.fd;
	if (o->ring && output_fd >= 0) {
		if (ioctl(s.fd, PERF_EVENT_IOC_SET_OUTPUT, output_fd) < 0) {
			int r = negative_errno();

			close(s.fd);
			return r;
		}
	} else if (o->ring) {
		s.ring_len = (1 + (size_t)o->ring_pages) * page;
		s.ring = mmap(NULL, s.ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0);
		if (s.ring == MAP_FAILED) {
			int r = negative_errno();

			close(s.fd);
			return r;
		}
	}
	*ret = s;
	return 0;
}

void perf_stream_close(struct perf_stream *s)
{
	if (s->ring && s->ring != MAP_FAILED)
		munmap(s->ring, s->ring_len);
	s->ring = NULL;
	s->fd = safe_close(s->fd);
}

int perf_stream_enable(struct perf_stream *s, bool on)
{
	if (ioctl(s->fd, on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0) < 0)
		return negative_errno();
	return 0;
}

int perf_stream_read(const struct perf_stream *s, uint64_t *ret_value, uint64_t *ret_enabled, uint64_t *ret_running)
{
	uint64_t v[3];
	ssize_t n = read(s->fd, v, sizeof(v));

	if (n < 0)
		return negative_errno();
	if (n != sizeof(v))
		return -EIO;
	*ret_value = v[0];
	*ret_enabled = v[1];
	*ret_running = v[2];
	return 0;
}

size_t perf_stream_drain(struct perf_stream *s, perf_record_fn fn, void *userdata, size_t max_bytes)
{
	struct perf_event_mmap_page *meta = s->ring;
	uint8_t *data;
	uint64_t head, tail, size;
	size_t n = 0;
	union {
		struct perf_event_header h;
		uint8_t bytes[65536];
	} copy;

	if (!meta)
		return 0;
	data = (uint8_t *)meta + meta->data_offset;
	size = meta->data_size;
	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	tail = meta->data_tail;
	while (tail < head && (!max_bytes || (size_t)(tail - meta->data_tail) < max_bytes)) {
		uint64_t off = tail % size;
		const struct perf_event_header *h = (const void *)(data + off);
		struct perf_event_header hdr;

		/* The header itself may wrap. */
		if (off + sizeof(hdr) <= size) {
			hdr = *h;
		} else {
			memcpy(&hdr, data + off, size - off);
			memcpy((uint8_t *)&hdr + (size - off), data, sizeof(hdr) - (size - off));
		}
		/* Cannot happen with a sane kernel: stop rather than loop. The kernel pads every
		 * record to 8 bytes; one that is not would leave the next misaligned for the
		 * readers' struct access (found by fuzz-perf). */
		if (hdr.size < sizeof(hdr) || hdr.size > head - tail || hdr.size % 8)
			break;
		if (off + hdr.size > size) {
			size_t first = size - off;

			memcpy(copy.bytes, data + off, first);
			memcpy(copy.bytes + first, data, hdr.size - first);
			h = &copy.h;
		}
		s->records++;
		s->bytes += hdr.size;
		fn(userdata, s, h);
		tail += hdr.size;
		n++;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return n;
}

int perf_sample_parse(const struct perf_event_header *rec, uint64_t type, uint64_t regs_mask,
		      struct perf_sample *ret)
{
	const uint8_t *p = (const uint8_t *)(rec + 1), *end = (const uint8_t *)rec + rec->size;
	struct perf_sample s = { 0 };

#define NEED(n)                                          \
	do {                                             \
		if ((size_t)(end - p) < (size_t)(n))     \
			return -EBADMSG;                 \
	} while (0)
#define TAKE_U64(dst)                   \
	do {                            \
		NEED(8);                \
		memcpy(&(dst), p, 8);   \
		p += 8;                 \
	} while (0)
/* A field not read is still checked: past the end, NEED's (end - p) would wrap (found by fuzz-perf). */
#define SKIP_U64()       \
	do {             \
		NEED(8); \
		p += 8;  \
	} while (0)

	if (type & PERF_SAMPLE_IDENTIFIER)
		SKIP_U64();
	if (type & PERF_SAMPLE_IP)
		TAKE_U64(s.ip);
	if (type & PERF_SAMPLE_TID) {
		NEED(8);
		memcpy(&s.pid, p, 4);
		memcpy(&s.tid, p + 4, 4);
		p += 8;
	}
	if (type & PERF_SAMPLE_TIME)
		TAKE_U64(s.time);
	if (type & PERF_SAMPLE_ADDR)
		SKIP_U64();
	if (type & PERF_SAMPLE_ID)
		SKIP_U64();
	if (type & PERF_SAMPLE_STREAM_ID)
		SKIP_U64();
	if (type & PERF_SAMPLE_CPU) {
		NEED(8);
		memcpy(&s.cpu, p, 4);
		p += 8;
	}
	if (type & PERF_SAMPLE_PERIOD)
		TAKE_U64(s.period);
	if (type & PERF_SAMPLE_READ)
		return -EOPNOTSUPP;
	if (type & PERF_SAMPLE_CALLCHAIN) {
		TAKE_U64(s.nr_chain);
		if (s.nr_chain > (uint64_t)(end - p) / 8)
			return -EBADMSG;
		s.chain = (const uint64_t *)p;
		p += s.nr_chain * 8;
	}
	if (type & (PERF_SAMPLE_RAW | PERF_SAMPLE_BRANCH_STACK))
		return -EOPNOTSUPP;
	if (type & PERF_SAMPLE_REGS_USER) {
		TAKE_U64(s.regs_abi);
		if (s.regs_abi) {
			s.nr_regs = (unsigned)__builtin_popcountll(regs_mask);
			NEED(s.nr_regs * 8);
			s.regs = (const uint64_t *)p;
			p += s.nr_regs * 8;
		}
	}
	if (type & PERF_SAMPLE_STACK_USER) {
		uint64_t size, dyn = 0;

		TAKE_U64(size);
		if (size) {
			NEED(size);
			s.stack = p;
			p += size;
			TAKE_U64(dyn);
			s.stack_size = MIN(dyn, size);
		}
	}
#undef NEED
#undef TAKE_U64
#undef SKIP_U64
	*ret = s;
	return 0;
}

/* The kernel's layouts of the side-band records read (sample_id_all fields follow, unread). */
struct record_mmap2 {
	struct perf_event_header h;
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	uint32_t prot, flags;
	char filename[];
};

struct record_comm {
	struct perf_event_header h;
	uint32_t pid, tid;
	char comm[];
};

struct record_task {
	struct perf_event_header h;
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

struct record_lost {
	struct perf_event_header h;
	uint64_t id, lost;
};

int perf_record_parse(const struct perf_event_header *rec, uint64_t sample_type, uint64_t regs_mask,
		      struct perf_record *ret)
{
	struct perf_record r = { .type = rec->type, .misc = rec->misc };
	int k;

	switch (rec->type) {
	case PERF_RECORD_SAMPLE:
		k = perf_sample_parse(rec, sample_type, regs_mask, &r.sample);
		if (k < 0)
			return k;
		break;
	case PERF_RECORD_MMAP2: {
		const struct record_mmap2 *m = (const void *)rec;

		if (rec->size < sizeof(*m) || (rec->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) ||
		    !memchr(m->filename, 0, rec->size - sizeof(*m)))
			return -EBADMSG;
		r.mmap2.pid = m->pid;
		r.mmap2.tid = m->tid;
		r.mmap2.addr = m->addr;
		r.mmap2.len = m->len;
		r.mmap2.pgoff = m->pgoff;
		r.mmap2.maj = m->maj;
		r.mmap2.min = m->min;
		r.mmap2.ino = m->ino;
		r.mmap2.filename = m->filename;
		break;
	}
	case PERF_RECORD_COMM: {
		const struct record_comm *c = (const void *)rec;

		if (rec->size < sizeof(*c) || !memchr(c->comm, 0, rec->size - sizeof(*c)))
			return -EBADMSG;
		r.comm.pid = c->pid;
		r.comm.tid = c->tid;
		r.comm.comm = c->comm;
		break;
	}
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT: {
		const struct record_task *t = (const void *)rec;

		if (rec->size < sizeof(*t))
			return -EBADMSG;
		r.task.pid = t->pid;
		r.task.ppid = t->ppid;
		r.task.tid = t->tid;
		r.task.ptid = t->ptid;
		r.task.time = t->time;
		break;
	}
	case PERF_RECORD_LOST: {
		const struct record_lost *l = (const void *)rec;

		if (rec->size < sizeof(*l))
			return -EBADMSG;
		r.lost = l->lost;
		break;
	}
	case PERF_RECORD_LOST_SAMPLES:
		if (rec->size < sizeof(*rec) + 8)
			return -EBADMSG;
		memcpy(&r.lost, rec + 1, 8);
		break;
	default:
		break;
	}
	*ret = r;
	return 0;
}

void perf_callchain_split(const uint64_t *chain, uint64_t nr, uint64_t *kips, unsigned *nk, uint64_t *uips,
			  unsigned *nu, unsigned max)
{
	enum { CTX_NONE, CTX_KERNEL, CTX_USER } ctx = CTX_NONE;

	*nk = *nu = 0;
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t ip = chain[i];

		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			ctx = ip == (uint64_t)PERF_CONTEXT_KERNEL ? CTX_KERNEL :
			      ip == (uint64_t)PERF_CONTEXT_USER	  ? CTX_USER :
									    CTX_NONE; /* hypervisor, guest: skipped */
			continue;
		}
		if (ctx == CTX_KERNEL && *nk < max)
			kips[(*nk)++] = ip;
		else if (ctx == CTX_USER && *nu < max)
			uips[(*nu)++] = ip;
	}
}

uint64_t perf_max_sample_rate(const char *root)
{
	char path[512];
	uint64_t v;

	snprintf(path, sizeof(path), "%s/proc/sys/kernel/perf_event_max_sample_rate", root);
	return read_u64_file(path, &v) == 0 ? v : 0;
}
