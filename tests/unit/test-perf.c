/* test-perf.c: unit tests for perf.c: event names, record parsing, callchain contexts, the ring reader. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "perf.h"
#include "test-util.h"
#include "unwind.h"

static const char *root;

static void test_event_names(void)
{
	struct perf_event_spec ev;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(0, perf_event_spec_parse("sw:cpu-clock", NULL, root, &ev, &error));
	CHECK_INT_EQ(PERF_TYPE_SOFTWARE, ev.type);
	CHECK_INT_EQ(PERF_COUNT_SW_CPU_CLOCK, ev.config);
	CHECK_INT_EQ(0, perf_event_spec_parse("task-clock", NULL, root, &ev, &error));
	CHECK_STR_EQ("sw:task-clock", ev.used);
	CHECK_INT_EQ(0, perf_event_spec_parse("hw:cycles", NULL, root, &ev, &error));
	CHECK_INT_EQ(PERF_TYPE_HARDWARE, ev.type);
	CHECK_STR_EQ("", ev.fallback);
	/* No PMU: cpu-clock, said so. */
	CHECK_INT_EQ(0, perf_event_spec_parse("cpu-cycles", "no hardware PMU", root, &ev, &error));
	CHECK_STR_EQ("sw:cpu-clock", ev.used);
	CHECK_STR_EQ("cpu-cycles", ev.requested);
	CHECK(strstr(ev.fallback, "no hardware PMU") && strstr(ev.fallback, "sw:cpu-clock"));
	CHECK_INT_EQ(0, perf_event_spec_parse("tracepoint:sched:sched_switch", NULL, root, &ev, &error));
	CHECK_INT_EQ(PERF_TYPE_TRACEPOINT, ev.type);
	CHECK_INT_EQ(316, ev.config);
	CHECK(ev.tracepoint);
	CHECK_INT_EQ(-ENOENT, perf_event_spec_parse("tracepoint:sched:nope", NULL, root, &ev, &error));
	CHECK(error && strstr(error, "list_events"));
	free(error);
	error = NULL;
	/* No path games with tracefs. */
	CHECK_INT_EQ(-EINVAL, perf_event_spec_parse("tracepoint:../..:id", NULL, root, &ev, &error));
	free(error);
	error = NULL;
	CHECK_INT_EQ(-EINVAL, perf_event_spec_parse("bogus", NULL, root, &ev, &error));
	CHECK(error && strstr(error, "sw:cpu-clock"));
	CHECK_INT_EQ(25000, perf_max_sample_rate(root));
}

/* A sample as the kernel writes it for the dwarf sample_type. */
static void test_sample_parse(void)
{
	uint64_t type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
			PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	unsigned nregs = (unsigned)__builtin_popcountll(UNWIND_REGS_MASK);
	uint64_t rec[64] = { 0 };
	struct perf_event_header *h = (void *)rec;
	struct perf_sample s;
	uint64_t kips[8], uips[8];
	unsigned nk, nu, i = 1;
	struct unwind_input in = { 0 };

	rec[i++] = 0xffffffff81000604;                        /* ip */
	rec[i++] = (uint64_t)43 << 32 | 42;                   /* pid 42, tid 43 */
	rec[i++] = 123456789;                                 /* time */
	rec[i++] = 1;                                         /* cpu 1 */
	rec[i++] = 10101;                                     /* period */
	rec[i++] = 5;                                         /* callchain */
	rec[i++] = (uint64_t)PERF_CONTEXT_KERNEL;
	rec[i++] = 0xffffffff81000604;
	rec[i++] = 0xffffffff81000402;
	rec[i++] = (uint64_t)PERF_CONTEXT_USER;
	rec[i++] = 0x401000;
	rec[i++] = 2; /* PERF_SAMPLE_REGS_ABI_64 */
	for (unsigned r = 0; r < nregs; r++)
		rec[i++] = 1000 + r;
	rec[i++] = 16; /* stack size */
	rec[i++] = 0xaaaa;
	rec[i++] = 0xbbbb;
	rec[i++] = 8; /* dyn_size: only 8 bytes valid */
	h->type = PERF_RECORD_SAMPLE;
	h->size = (uint16_t)(i * 8);
	CHECK_INT_EQ(0, perf_sample_parse(h, type, UNWIND_REGS_MASK, &s));
	CHECK_INT_EQ(42, s.pid);
	CHECK_INT_EQ(43, s.tid);
	CHECK_INT_EQ(1, s.cpu);
	CHECK_INT_EQ(10101, s.period);
	CHECK_INT_EQ(5, s.nr_chain);
	CHECK_INT_EQ(nregs, s.nr_regs);
	CHECK_INT_EQ(8, s.stack_size);
	perf_callchain_split(s.chain, s.nr_chain, kips, &nk, uips, &nu, 8);
	CHECK_INT_EQ(2, nk);
	CHECK_INT_EQ(1, nu);
	CHECK_INT_EQ(0xffffffff81000402, kips[1]);
	CHECK_INT_EQ(0x401000, uips[0]);
	/* Registers land at perf's numbers: IP is 8, SP 7, R8 16. */
	unwind_regs_from_sample(&in, UNWIND_REGS_MASK, s.regs, s.nr_regs);
	CHECK_INT_EQ(1008, in.regs[UNWIND_PERF_REG_IP]);
	CHECK_INT_EQ(1007, in.regs[UNWIND_PERF_REG_SP]);
	CHECK_INT_EQ(1009, in.regs[16]);
	/* Cut short anywhere: refused, never read past the record. */
	for (unsigned cut = 8; cut < h->size; cut += 8) {
		h->size = (uint16_t)cut;
		if (perf_sample_parse(h, type, UNWIND_REGS_MASK, &s) == 0 && cut >= 13 * 8) {
			/* A record ending before the stack block: the parse must not claim it. */
			CHECK(s.stack_size == 0 || (uint8_t *)s.stack + s.stack_size <= (uint8_t *)rec + cut);
		}
	}
	/* Found by fuzz-perf: fields skipped unread (identifier, addr, id, stream id) were not
	 * checked against the end, and the next read went past the record. */
	h->size = 16;
	rec[1] = 0x401000;
	CHECK_INT_EQ(-EBADMSG, perf_sample_parse(h, PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_ADDR | PERF_SAMPLE_IP,
						  UNWIND_REGS_MASK, &s));
	CHECK_INT_EQ(0, perf_sample_parse(h, PERF_SAMPLE_IDENTIFIER, UNWIND_REGS_MASK, &s));
	CHECK_INT_EQ(-EBADMSG, perf_sample_parse(h, PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_ID | PERF_SAMPLE_CPU,
						  UNWIND_REGS_MASK, &s));
	/* A callchain claiming more entries than the record holds. */
	h->size = (uint16_t)(i * 8);
	rec[1] = 0xffffffff81000604;
	rec[6] = 1000;
	CHECK_INT_EQ(-EBADMSG, perf_sample_parse(h, type, UNWIND_REGS_MASK, &s));
}

/* Side-band records: decoded when they fit, refused when cut short or unterminated. */
static void test_record_parse(void)
{
	uint64_t rec[16] = { 0 };
	struct perf_event_header *h = (void *)rec;
	uint32_t *w = (uint32_t *)(h + 1);
	struct perf_record r;

	/* MMAP2: pid, tid, addr, len, pgoff, maj, min, ino, ino_generation, prot, flags, filename */
	h->type = PERF_RECORD_MMAP2;
	h->size = 8 + 64 + 16;
	w[0] = 42, w[1] = 43;
	rec[2] = 0x400000, rec[3] = 0x1000, rec[4] = 0x2000;
	w[8] = 8, w[9] = 1;
	rec[6] = 777;
	memcpy(&rec[9], "/bin/true", 10);
	CHECK_INT_EQ(0, perf_record_parse(h, 0, 0, &r));
	CHECK_INT_EQ(42, r.mmap2.pid);
	CHECK_INT_EQ(0x1000, r.mmap2.len);
	CHECK_INT_EQ(777, r.mmap2.ino);
	CHECK_STR_EQ("/bin/true", r.mmap2.filename);
	h->size = 8 + 64 + 8; /* the name's NUL is past the end */
	CHECK_INT_EQ(-EBADMSG, perf_record_parse(h, 0, 0, &r));
	h->size = 8 + 64 + 16;
	h->misc = PERF_RECORD_MISC_MMAP_BUILD_ID;
	CHECK_INT_EQ(-EBADMSG, perf_record_parse(h, 0, 0, &r));
	h->misc = 0;
	h->size = 64;
	CHECK_INT_EQ(-EBADMSG, perf_record_parse(h, 0, 0, &r));

	memset(rec, 0, sizeof(rec));
	h->type = PERF_RECORD_COMM;
	h->size = 8 + 8 + 8;
	w[0] = w[1] = 7;
	memcpy(&rec[2], "abcdefgh", 8);
	CHECK_INT_EQ(-EBADMSG, perf_record_parse(h, 0, 0, &r));
	h->size = 8 + 8 + 16;
	CHECK_INT_EQ(0, perf_record_parse(h, 0, 0, &r));
	CHECK_STR_EQ("abcdefgh", r.comm.comm);

	h->type = PERF_RECORD_FORK;
	h->size = 8 + 24;
	CHECK_INT_EQ(0, perf_record_parse(h, 0, 0, &r));
	h->size = 8 + 16;
	CHECK_INT_EQ(-EBADMSG, perf_record_parse(h, 0, 0, &r));

	h->type = PERF_RECORD_LOST;
	h->size = 8 + 16;
	rec[2] = 99;
	CHECK_INT_EQ(0, perf_record_parse(h, 0, 0, &r));
	CHECK_INT_EQ(99, r.lost);
	h->size = 8 + 8;
	CHECK_INT_EQ(-EBADMSG, perf_record_parse(h, 0, 0, &r));
	h->type = PERF_RECORD_LOST_SAMPLES;
	rec[1] = 5;
	CHECK_INT_EQ(0, perf_record_parse(h, 0, 0, &r));
	CHECK_INT_EQ(5, r.lost);
	h->size = 8;
	CHECK_INT_EQ(-EBADMSG, perf_record_parse(h, 0, 0, &r));
	h->type = PERF_RECORD_THROTTLE;
	CHECK_INT_EQ(0, perf_record_parse(h, 0, 0, &r));
	CHECK_INT_EQ(PERF_RECORD_THROTTLE, r.type);
}

struct drained {
	unsigned n;
	uint16_t sizes[8];
	uint64_t first_words[8];
};

static void on_drained(void *userdata, const struct perf_stream *st, const struct perf_event_header *rec)
{
	struct drained *d = userdata;

	if (d->n < 8) {
		d->sizes[d->n] = rec->size;
		memcpy(&d->first_words[d->n], rec + 1, 8);
	}
	d->n++;
}

/* The ring reader on a fake mmap page: records whole across the wrap, and a stop at a
 * record the kernel cannot have written. */
static void test_drain(void)
{
	_Alignas(4096) static uint8_t mem[4096 + 4096];
	struct perf_event_mmap_page *meta = (void *)mem;
	struct perf_stream s = { .fd = -1, .ring = mem, .ring_len = sizeof(mem) };
	struct perf_event_header h = { .type = PERF_RECORD_THROTTLE, .size = 24 };
	uint64_t start = 4096 * 3 + 4096 - 16, word = 0x1122334455667788;
	uint8_t rec[24] = { 0 };
	struct drained d = { 0 };

	meta->data_offset = 4096;
	meta->data_size = 4096;
	/* A 24-byte record over the end of the ring: 16 bytes at its end, 8 at its start. */
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + 8, &word, 8);
	memcpy(mem + 4096 + 4096 - 16, rec, 16);
	memcpy(mem + 4096, rec + 16, 8);
	/* Then one of 12 bytes: not a multiple of 8, so not the kernel's (found by fuzz-perf). */
	h.size = 12;
	memcpy(mem + 4096 + 8, &h, sizeof(h));
	meta->data_tail = start;
	meta->data_head = start + 24 + 16;
	CHECK_INT_EQ(1, perf_stream_drain(&s, on_drained, &d, 0));
	CHECK_INT_EQ(1, d.n);
	CHECK_INT_EQ(24, d.sizes[0]);
	CHECK(d.first_words[0] == word);
	CHECK(meta->data_tail == start + 24);
	CHECK_INT_EQ(1, s.records);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURE_ROOT\n", argv[0]);
		return 2;
	}
	root = argv[1];
	test_event_names();
	test_sample_parse();
	test_record_parse();
	test_drain();
	return test_result("test-perf");
}
