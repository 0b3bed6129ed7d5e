/* test-perf.c: unit tests for perf.c: event names, sample record parsing, callchain contexts. */
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
	/* A callchain claiming more entries than the record holds. */
	h->size = (uint16_t)(i * 8);
	rec[6] = 1000;
	CHECK_INT_EQ(-EBADMSG, perf_sample_parse(h, type, UNWIND_REGS_MASK, &s));
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
	return test_result("test-perf");
}
