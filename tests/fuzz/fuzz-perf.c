/* fuzz-perf.c: libFuzzer target for the perf ring reader and record parser (samples and side-band records).
 *
 * Input: 1 byte (ring of 4, 8 or 16 KiB; bit 2: read at most 256 bytes per drain), 8 bytes of
 * sample_type, 2 bytes placing the tail (8-byte aligned, anywhere in the ring, so records wrap),
 * then the ring's bytes from the tail on, at most the ring's size: what the kernel wrote. A fake
 * struct perf_stream over a fake mmap page is drained as profiling drains it, and each record
 * goes through perf_record_parse() (PERF_RECORD_SAMPLE with callchain, user registers and user
 * stack; MMAP2, COMM, FORK, EXIT, LOST, LOST_SAMPLES), callchains are split, registers mapped
 * for the unwinder and mappings added to a process's map set. Checked: every record handed over
 * is whole and lies in the ring or its wrap copy; sizes add up to how far the tail moved, which
 * never passes the head; everything a parsed record points at lies inside the record. */
#include <linux/perf_event.h>

#include "fuzz-util.h"
#include "perf.h"
#include "procmaps.h"
#include "stacktab.h"
#include "unwind.h"

#define META_SIZE 4096

struct drain {
	const uint8_t *ring, *ring_end;
	uint64_t sample_type;
	uint64_t bytes, records;
	struct proc_maps maps;
};

static bool inside(const void *p, size_t n, const struct perf_event_header *h)
{
	const uint8_t *b = p, *start = (const uint8_t *)h;

	return b >= start && n <= h->size && b - start <= (ptrdiff_t)(h->size - n);
}

static void check_sample(const struct perf_event_header *h, const struct perf_sample *s)
{
	uint64_t kips[STACK_MAX_DEPTH], uips[STACK_MAX_DEPTH];
	struct unwind_input in = {0};
	unsigned nk, nu;

	if (s->nr_chain) {
		FUZZ_CHECK(s->nr_chain <= h->size / 8 && inside(s->chain, s->nr_chain * 8, h));
		perf_callchain_split(s->chain, s->nr_chain, kips, &nk, uips, &nu, STACK_MAX_DEPTH);
		FUZZ_CHECK(nk <= STACK_MAX_DEPTH && nu <= STACK_MAX_DEPTH && nk + nu <= s->nr_chain);
	}
	if (s->regs) {
		FUZZ_CHECK(s->regs_abi && inside(s->regs, s->nr_regs * 8, h));
		unwind_regs_from_sample(&in, UNWIND_REGS_MASK, s->regs, s->nr_regs);
	}
	if (s->stack_size)
		FUZZ_CHECK(s->stack && inside(s->stack, s->stack_size, h));
}

static void on_record(void *userdata, const struct perf_stream *st, const struct perf_event_header *h)
{
	struct drain *d = userdata;
	struct perf_record r;
	int k;

	FUZZ_CHECK(h->size >= sizeof(*h));
	/* In the ring (not wrapped), or in the reader's own copy. */
	if ((const uint8_t *)h >= d->ring && (const uint8_t *)h < d->ring_end)
		FUZZ_CHECK((const uint8_t *)h + h->size <= d->ring_end);
	d->bytes += h->size;
	d->records++;
	k = perf_record_parse(h, d->sample_type, UNWIND_REGS_MASK, &r);
	if (k < 0) {
		FUZZ_CHECK(k == -EBADMSG || (k == -EOPNOTSUPP && h->type == PERF_RECORD_SAMPLE));
		return;
	}
	FUZZ_CHECK(r.type == h->type && r.misc == h->misc);
	switch (r.type) {
	case PERF_RECORD_SAMPLE:
		check_sample(h, &r.sample);
		break;
	case PERF_RECORD_MMAP2:
		FUZZ_CHECK(inside(r.mmap2.filename, strlen(r.mmap2.filename) + 1, h));
		(void)procmaps_add(&d->maps, r.mmap2.addr, r.mmap2.addr + r.mmap2.len, r.mmap2.pgoff,
				   r.mmap2.maj, r.mmap2.min, r.mmap2.ino, r.mmap2.filename);
		break;
	case PERF_RECORD_COMM:
		FUZZ_CHECK(inside(r.comm.comm, strlen(r.comm.comm) + 1, h));
		if (r.misc & PERF_RECORD_MISC_COMM_EXEC)
			procmaps_clear(&d->maps);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags = (unsigned)fuzz_take(&data, &size, 1);
	uint64_t sample_type = fuzz_take(&data, &size, 8) & (PERF_SAMPLE_MAX - 1);
	size_t ring_size = (size_t)4096 << (flags % 3), tail = (fuzz_take(&data, &size, 2) * 8) % ring_size;
	size_t len = MIN(size, ring_size), max_bytes = flags & 4 ? 256 : 0;
	uint8_t *mem = aligned_alloc(4096, META_SIZE + ring_size);
	struct perf_event_mmap_page *meta = (void *)mem;
	struct perf_stream s = {.fd = -1, .ring = mem, .ring_len = META_SIZE + ring_size};
	struct drain d = {.ring = mem + META_SIZE, .ring_end = mem + META_SIZE + ring_size};
	uint64_t start;

	FUZZ_CHECK(mem);
	memset(mem, 0, META_SIZE + ring_size);
	/* The kernel's counters run on for ever; the ring position is modulo its size. */
	start = UINT64_C(0x100000000) * ring_size + tail;
	for (size_t i = 0; i < len; i++)
		mem[META_SIZE + (tail + i) % ring_size] = data[i];
	meta->data_offset = META_SIZE;
	meta->data_size = ring_size;
	meta->data_tail = start;
	meta->data_head = start + len;
	s.sample_type = d.sample_type = sample_type;

	for (int round = 0; round < 64; round++) {
		uint64_t before = meta->data_tail;
		size_t n = perf_stream_drain(&s, on_record, &d, max_bytes);

		FUZZ_CHECK(meta->data_tail >= before && meta->data_tail <= meta->data_head);
		if (n == 0)
			break;
	}
	FUZZ_CHECK(meta->data_tail - start == d.bytes && s.records == d.records && s.bytes == d.bytes);
	procmaps_clear(&d.maps);
	free(mem);
	return 0;
}
