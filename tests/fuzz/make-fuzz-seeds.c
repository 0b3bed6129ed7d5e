/* make-fuzz-seeds.c: writes the binary seeds of fuzz-perf (records captured here) and fuzz-events.
 *
 * Built with -Dfuzz=true; tests/fuzz/make-seeds.sh runs it as
 *   make-fuzz-seeds perf DIR     profiles itself with collectord's perf code (root or
 *                                perf_event_paranoid <= 1) and writes what the ring held
 *   make-fuzz-seeds events DIR   one batch with a record of every type, and smaller ones
 * Kernel addresses in the captured callchains are replaced by made-up ones: the seeds must not
 * carry this machine's kernel layout. Formats: see fuzz-perf.c and fuzz-events.c. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "macro.h"
#include "perf.h"
#include "unwind.h"

#define RING_PAGES 4 /* 16 KiB: fuzz-perf's largest ring */
#define SEED_MAX   (RING_PAGES * 4096)

static uint8_t records[1 << 20];
static size_t records_len;

static void take(void *userdata, const struct perf_stream *s, const struct perf_event_header *rec)
{
	if (records_len + rec->size <= sizeof(records)) {
		memcpy(records + records_len, rec, rec->size);
		records_len += rec->size;
	}
}

/* The n-th distinct kernel address seen becomes 0xffffffff81000000 + 0x40 n: same address,
 * same stand-in, and nothing of the real layout kept. */
static uint64_t fake_kernel(uint64_t a)
{
	static uint64_t seen[4096];
	static size_t n;
	size_t i;

	for (i = 0; i < n && seen[i] != a; i++)
		;
	if (i == n && n < ELEMENTSOF(seen))
		seen[n++] = a;
	return UINT64_C(0xffffffff81000000) + 0x40 * (uint64_t)i;
}

/* Kernel addresses (the upper half) in samples become made-up ones; context markers stay. */
static void scrub(uint64_t sample_type)
{
	for (size_t off = 0; off < records_len;) {
		struct perf_event_header *h = (void *)(records + off);
		struct perf_record r;

		if (h->type == PERF_RECORD_SAMPLE &&
		    perf_record_parse(h, sample_type, UNWIND_REGS_MASK, &r) == 0) {
			uint64_t *ip = (uint64_t *)(h + 1), *chain = (uint64_t *)r.sample.chain;

			if (*ip >> 63)
				*ip = fake_kernel(*ip);
			for (uint64_t i = 0; i < r.sample.nr_chain; i++)
				if (chain[i] >> 63 && chain[i] < (uint64_t)PERF_CONTEXT_MAX)
					chain[i] = fake_kernel(chain[i]);
		}
		off += h->size;
	}
}

/* fuzz-perf's input: flags, sample_type, tail, then whole records up to the ring's size. */
static int write_perf_seed(const char *dir, const char *name, unsigned flags, uint64_t sample_type,
			   unsigned tail, size_t skip)
{
	char path[4096];
	size_t len = 0;
	FILE *f;

	while (skip + len < records_len) {
		const struct perf_event_header *h = (const void *)(records + skip + len);

		if (len + h->size > SEED_MAX / 2)
			break;
		len += h->size;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputc((int)flags, f);
	fwrite(&sample_type, 8, 1, f);
	fputc((int)(tail & 0xff), f);
	fputc((int)(tail >> 8), f);
	fwrite(records + skip, 1, len, f);
	return fclose(f) == 0 ? 0 : -errno;
}

static volatile uint64_t sink;

static void burn(void)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			sink += (uint64_t)i * i;
		/* Time in the kernel too, for samples with kernel callchains. */
		for (int i = 0; i < 2000; i++)
			sink += (uint64_t)getppid();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 10);
}

static void append(const void *rec, size_t size)
{
	if (records_len + size <= sizeof(records)) {
		memcpy(records + records_len, rec, size);
		records_len += size;
	}
}

/* Side-band records a short self-profile may not produce, in the kernel's layouts (perf.c),
 * sample_id_all fields (pid, tid, time, cpu) after each as the kernel appends them. */
static void append_sideband(void)
{
	struct {
		struct perf_event_header h;
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		uint32_t maj, min;
		uint64_t ino, ino_generation;
		uint32_t prot, flags;
		char filename[40];
		uint64_t id_all[3];
	} mmap2 = {.h = {PERF_RECORD_MMAP2, 2, sizeof(mmap2)},
		   .pid = 4242,
		   .tid = 4242,
		   .addr = 0x7f0000001000,
		   .len = 0x1a000,
		   .pgoff = 0x1000,
		   .maj = 8,
		   .min = 1,
		   .ino = 1234567,
		   .prot = 5,
		   .flags = 2,
		   .filename = "/usr/lib/x86_64-linux-gnu/libc.so.6"};
	struct {
		struct perf_event_header h;
		uint32_t pid, ppid, tid, ptid;
		uint64_t time;
		uint64_t id_all[3];
	} exit_rec = {.h = {PERF_RECORD_EXIT, 0, sizeof(exit_rec)},
		      .pid = 4242,
		      .ppid = 1,
		      .tid = 4242,
		      .ptid = 1,
		      .time = 123456789};
	struct {
		struct perf_event_header h;
		uint64_t id, lost;
		uint64_t id_all[3];
	} lost = {.h = {PERF_RECORD_LOST, 0, sizeof(lost)}, .lost = 17};
	struct {
		struct perf_event_header h;
		uint64_t lost;
		uint64_t id_all[3];
	} lost_samples = {.h = {PERF_RECORD_LOST_SAMPLES, 0, sizeof(lost_samples)}, .lost = 3};
	struct {
		struct perf_event_header h;
		uint64_t time, id, stream_id;
		uint64_t id_all[3];
	} throttle = {.h = {PERF_RECORD_THROTTLE, 0, sizeof(throttle)}, .time = 123456789};

	append(&mmap2, sizeof(mmap2));
	append(&exit_rec, sizeof(exit_rec));
	append(&lost, sizeof(lost));
	append(&lost_samples, sizeof(lost_samples));
	append(&throttle, sizeof(throttle));
}

static int capture(bool dwarf, uint64_t *ret_type)
{
	struct perf_event_spec ev;
	struct perf_stream s;
	char *err = NULL;
	void *map;
	pid_t child;
	int r, fd;

	r = perf_event_spec_parse("sw:task-clock", NULL, "", &ev, &err);
	if (r < 0) {
		fprintf(stderr, "event: %s\n", err ? err : strerror(-r));
		return r;
	}
	r = perf_stream_open(&(struct perf_stream_opts){.ev = &ev,
							.freq = 1000,
							.ring = true,
							.dwarf = dwarf,
							.stack_user = 512,
							.sideband = true,
							.inherit = false,
							.ring_pages = RING_PAGES},
			     getpid(), -1, -1, &s);
	if (r < 0) {
		fprintf(stderr, "perf_event_open: %s (needs root or perf_event_paranoid <= 1)\n",
			strerror(-r));
		return r;
	}
	perf_stream_enable(&s, true);
	/* Side-band records: a new name (COMM), an executable mapping (MMAP2), a fork (FORK). */
	prctl(PR_SET_NAME, "seed-comm");
	fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
	map = fd >= 0 ? mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	burn();
	child = fork();
	if (child == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(child, NULL, 0);
	burn();
	perf_stream_enable(&s, false);
	if (map != MAP_FAILED)
		munmap(map, 4096);
	if (fd >= 0)
		close(fd);
	records_len = 0;
	append_sideband();
	perf_stream_drain(&s, take, NULL, 0);
	*ret_type = s.sample_type;
	perf_stream_close(&s);
	scrub(*ret_type);
	return 0;
}

/* The first record boundary in the second half of what was captured. */
static size_t later_half(void)
{
	size_t off = 0;

	while (off < records_len / 2)
		off += ((const struct perf_event_header *)(records + off))->size;
	return off;
}

static int perf_seeds(const char *dir)
{
	uint64_t type;
	int r;

	for (int dwarf = 0; dwarf < 2; dwarf++) {
		char name[64];

		r = capture(dwarf, &type);
		if (r < 0)
			return r;
		/* 16 KiB ring, from its start; then wrapping over its end; then drained 256 bytes at a time.
		 */
		snprintf(name, sizeof(name), "%s-start", dwarf ? "dwarf" : "fp");
		r = write_perf_seed(dir, name, 2, type, 0, 0);
		snprintf(name, sizeof(name), "%s-wrap", dwarf ? "dwarf" : "fp");
		if (r == 0)
			r = write_perf_seed(dir, name, 2, type, (16384 - 40) / 8, 0);
		snprintf(name, sizeof(name), "%s-chunked", dwarf ? "dwarf" : "fp");
		if (r == 0)
			r = write_perf_seed(dir, name, 2 | 4, type, 0, later_half());
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- events ---- */

static uint8_t batch[8192];
static size_t batch_len;

static void add(const void *rec, size_t size)
{
	struct sched_event_batch *b = (void *)batch;

	memcpy(batch + batch_len, rec, size);
	batch_len += size;
	b->count++;
}

#define HDR(t, T)                                                               \
	{                                                                       \
		.type = (t), .size = sizeof(T), .cpu = 1, .ts_ns = 123456789012 \
	}

static void fill_all(void)
{
	struct sched_event_switch sw = {.h = HDR(SCHED_EVENT_SWITCH, struct sched_event_switch),
					.prev_pid = 1201,
					.prev_tgid = 1200,
					.next_pid = 7,
					.next_tgid = 7,
					.prev_prio = 120,
					.next_prio = 100,
					.prev_state = 1,
					.flags =
					    SCHED_SWITCH_RQ_LAT | SCHED_SWITCH_SCX | SCHED_SWITCH_SCX_DSQ,
					.rq_lat_ns = 15320,
					.prev_comm = "bash",
					.next_comm = "kworker/1:2",
					.scx_dsq_id = 3,
					.scx_dsq_lat_ns = 900,
					.scx_slice_ns = 20000000,
					.scx_vtime = 77};
	struct sched_event_wakeup wk = {.h = HDR(SCHED_EVENT_WAKEUP, struct sched_event_wakeup),
					.pid = 7,
					.tgid = 7,
					.prio = 100,
					.target_cpu = 1,
					.waker_pid = 1201,
					.waker_tgid = 1200,
					.comm = "kworker/1:2",
					.waker_comm = "bash"};
	struct sched_event_migrate mg = {.h = HDR(SCHED_EVENT_MIGRATE, struct sched_event_migrate),
					 .pid = 9,
					 .tgid = 9,
					 .prio = 120,
					 .orig_cpu = 0,
					 .dest_cpu = 1,
					 .comm = "make"};
	struct sched_event_fork fk = {.h = HDR(SCHED_EVENT_FORK, struct sched_event_fork),
				      .parent_pid = 1200,
				      .parent_tgid = 1200,
				      .child_pid = 1300,
				      .child_tgid = 1300,
				      .parent_comm = "bash",
				      .child_comm = "bash"};
	struct sched_event_exec ex = {.h = HDR(SCHED_EVENT_EXEC, struct sched_event_exec),
				      .pid = 1300,
				      .tgid = 1300,
				      .old_pid = 1300,
				      .comm = "ls",
				      .filename = "/usr/bin/ls"};
	struct sched_event_exit et = {.h = HDR(SCHED_EVENT_EXIT, struct sched_event_exit),
				      .pid = 1300,
				      .tgid = 1300,
				      .prio = 120,
				      .exit_code = 0,
				      .runtime_ns = 2100000,
				      .comm = "ls"};
	struct sched_event_wait wt = {.h = HDR(SCHED_EVENT_WAIT, struct sched_event_wait),
				      .pid = 1200,
				      .tgid = 1200,
				      .target_pid = 0,
				      .comm = "bash"};
	struct sched_event_softirq si = {.h = HDR(SCHED_EVENT_SOFTIRQ, struct sched_event_softirq),
					 .vec = 3,
					 .pid = 0,
					 .tgid = 0,
					 .duration_ns = 4100,
					 .comm = "swapper/1"};
	struct sched_event_ipi ipi = {.h = HDR(SCHED_EVENT_IPI, struct sched_event_ipi),
				      .pid = 1201,
				      .tgid = 1200,
				      .target_cpu = 0,
				      .nr_targets = 1,
				      .mask_low64 = 1,
				      .comm = "bash"};
	struct sched_event_cpuhp hp = {.h = HDR(SCHED_EVENT_CPUHP_ENTER, struct sched_event_cpuhp),
				       .target_cpu = 1,
				       .state = 100,
				       .idx_or_ret = 101};
	struct sched_event_cpuhp hx = {.h = HDR(SCHED_EVENT_CPUHP_EXIT, struct sched_event_cpuhp),
				       .target_cpu = 1,
				       .state = 100,
				       .idx_or_ret = 0};
	struct sched_event_hw_pressure hw = {.h =
						 HDR(SCHED_EVENT_HW_PRESSURE, struct sched_event_hw_pressure),
					     .target_cpu = 0,
					     .pressure = 128};
	struct sched_event_hang hg = {
	    .h = HDR(SCHED_EVENT_HANG, struct sched_event_hang), .pid = 55, .tgid = 55, .comm = "stuck"};
	struct sched_event_cpu_frequency fq = {
	    .h = HDR(SCHED_EVENT_CPU_FREQUENCY, struct sched_event_cpu_frequency),
	    .target_cpu = 1,
	    .freq_khz = 2400000};

	wk.h.type = SCHED_EVENT_WAKEUP;
	add(&sw, sizeof(sw));
	add(&wk, sizeof(wk));
	wk.h.type = SCHED_EVENT_WAKING;
	add(&wk, sizeof(wk));
	wk.h.type = SCHED_EVENT_WAKEUP_NEW;
	add(&wk, sizeof(wk));
	add(&mg, sizeof(mg));
	add(&fk, sizeof(fk));
	add(&ex, sizeof(ex));
	add(&et, sizeof(et));
	add(&wt, sizeof(wt));
	add(&si, sizeof(si));
	add(&ipi, sizeof(ipi));
	add(&hp, sizeof(hp));
	add(&hx, sizeof(hx));
	add(&hw, sizeof(hw));
	add(&hg, sizeof(hg));
	add(&fq, sizeof(fq));
}

static int write_batch(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fwrite(batch, 1, batch_len, f);
	return fclose(f) == 0 ? 0 : -errno;
}

static int events_seeds(const char *dir)
{
	struct sched_event_batch *b = (void *)batch;
	int r;

	memset(batch, 0, sizeof(batch));
	batch_len = sizeof(*b);
	b->sample_rate = 1;
	r = write_batch(dir, "empty");
	fill_all();
	b->dropped = 3;
	b->lost_kernel = 1;
	if (r == 0)
		r = write_batch(dir, "every-type");
	/* The first record alone: a batch of one sched_switch. */
	batch_len = sizeof(*b) + sizeof(struct sched_event_switch);
	b->count = 1;
	b->sample_rate = 10;
	if (r == 0)
		r = write_batch(dir, "one-switch");
	return r;
}

int main(int argc, char **argv)
{
	int r;

	if (argc != 3 || (strcmp(argv[1], "perf") != 0 && strcmp(argv[1], "events") != 0)) {
		fprintf(stderr, "usage: %s perf|events DIR\n", argv[0]);
		return 2;
	}
	r = strcmp(argv[1], "perf") == 0 ? perf_seeds(argv[2]) : events_seeds(argv[2]);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], strerror(-r));
		return 1;
	}
	return 0;
}
