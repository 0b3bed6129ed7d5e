/* perf.h: perf_event_open for profiling: event names, per-CPU/per-thread streams, mmap rings, records. */
#pragma once

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct perf_event_spec {
	char requested[96]; /* as asked, e.g. "hw:cycles" */
	char used[96];      /* what is sampled, e.g. "sw:cpu-clock" */
	char fallback[256]; /* why used differs from requested; "" when it does not */
	uint32_t type;
	uint64_t config;
	bool tracepoint; /* counted: every hit is a sample, freq does not apply */
};

/* Accepts sw:cpu-clock, sw:task-clock, hw:cycles, hw:instructions (bare
 * names too) and tracepoint:SUBSYS:NAME (id from ROOT/sys/kernel/tracing or
 * ROOT/sys/kernel/debug/tracing). Without a hardware PMU (hw_unavailable:
 * the reason), hw:* becomes sw:cpu-clock with the reason in fallback.
 * -EINVAL/-ENOENT with a sentence saying what is accepted. */
int perf_event_spec_parse(const char *name, const char *hw_unavailable, const char *root,
			  struct perf_event_spec *ret, char **ret_error);
/* Falls back to sw:cpu-clock after a hardware event failed to open with err. */
void perf_event_spec_fallback(struct perf_event_spec *ev, int err);

struct perf_stream_opts {
	const struct perf_event_spec *ev;
	uint64_t freq;          /* Hz (attr.freq); ignored for tracepoints */
	bool ring;              /* samples mode: records through an mmap ring; else BPF counts */
	bool dwarf;             /* copy the user stack and registers, kernel callchain only */
	uint32_t stack_user;    /* bytes of user stack copied per sample (dwarf) */
	bool sideband;          /* MMAP2, COMM, FORK/EXIT records */
	bool inherit;           /* follow children created after opening */
	unsigned ring_pages;    /* data pages, a power of two */
};

struct perf_stream {
	int fd;
	int cpu;  /* -1: any */
	pid_t tid; /* -1: every task (system-wide) */
	void *ring;
	size_t ring_len; /* metadata page + data */
	uint64_t sample_type;
	uint64_t records, bytes;
};

/* Opens a disabled event and maps its ring, or, with output_fd >= 0, sends
 * its records to that event's ring (same CPU): the kernel refuses a ring of
 * its own to an inherited per-thread event, so a process is sampled per
 * (thread, CPU) with one ring per CPU, as perf record -p does. */
int perf_stream_open(const struct perf_stream_opts *o, pid_t tid, int cpu, int output_fd, struct perf_stream *ret);
void perf_stream_close(struct perf_stream *s);
int perf_stream_enable(struct perf_stream *s, bool on);
/* Event value, time enabled and time running (ns), children included. */
int perf_stream_read(const struct perf_stream *s, uint64_t *ret_value, uint64_t *ret_enabled,
		     uint64_t *ret_running);

/* Called for each record; rec is contiguous (copied when it wrapped around the ring). */
typedef void (*perf_record_fn)(void *userdata, const struct perf_stream *s, const struct perf_event_header *rec);
/* Reads what the ring holds, at most max_bytes (0: all). Returns records read. */
size_t perf_stream_drain(struct perf_stream *s, perf_record_fn fn, void *userdata, size_t max_bytes);

struct perf_sample {
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu;
	uint64_t period;
	uint64_t nr_chain;
	const uint64_t *chain; /* with PERF_CONTEXT_* markers */
	uint64_t regs_abi;     /* 0: no user registers (a kernel thread) */
	const uint64_t *regs;
	unsigned nr_regs;
	const uint8_t *stack; /* user stack copy, stack_size bytes valid */
	uint64_t stack_size;
};

/* Parses a PERF_RECORD_SAMPLE of the given sample_type and user register mask.
 * -EBADMSG when it does not fit in the record. */
int perf_sample_parse(const struct perf_event_header *rec, uint64_t sample_type, uint64_t regs_mask,
		      struct perf_sample *ret);
/* A ring record checked against its size and decoded: a sample, or one of the
 * side-band records profiling follows (mappings, names, forks, exits, losses). */
struct perf_record {
	uint32_t type; /* PERF_RECORD_* */
	uint16_t misc;
	union {
		struct perf_sample sample; /* PERF_RECORD_SAMPLE */
		struct {
			uint32_t pid, tid;
			uint64_t addr, len, pgoff;
			uint32_t maj, min;
			uint64_t ino;
			const char *filename; /* NUL-terminated inside the record */
		} mmap2; /* PERF_RECORD_MMAP2 */
		struct {
			uint32_t pid, tid;
			const char *comm; /* NUL-terminated inside the record */
		} comm; /* PERF_RECORD_COMM */
		struct {
			uint32_t pid, ppid, tid, ptid;
			uint64_t time;
		} task; /* PERF_RECORD_FORK, PERF_RECORD_EXIT */
		uint64_t lost; /* PERF_RECORD_LOST, PERF_RECORD_LOST_SAMPLES */
	};
};

/* Decodes one record (samples through perf_sample_parse()). -EBADMSG when it
 * does not fit in its size, a name is not NUL-terminated within it, or an MMAP2
 * carries a build-id instead of device and inode; -EOPNOTSUPP for a sample
 * layout perf_sample_parse() does not read. Other record types: 0, with only
 * type and misc. */
int perf_record_parse(const struct perf_event_header *rec, uint64_t sample_type, uint64_t regs_mask,
		      struct perf_record *ret);
/* Splits a callchain at its context markers: kernel and user addresses, innermost first. */
void perf_callchain_split(const uint64_t *chain, uint64_t nr, uint64_t *kips, unsigned *nk, uint64_t *uips,
			  unsigned *nu, unsigned max);

/* /proc/sys/kernel/perf_event_max_sample_rate, or 0 when unreadable. */
uint64_t perf_max_sample_rate(const char *root);
