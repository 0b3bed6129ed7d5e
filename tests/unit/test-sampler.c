/* test-sampler.c: unit tests for sampler.c: exact rates over fixture deltas, windows, wraps and resets. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json-util.h"
#include "macro.h"
#include "sampler.h"
#include "test-proc.h"

#define SEC 1000000000ull

/* A root whose proc/ is a symlink we can re-point between samples. */
struct switch_root {
	char *dir;
	char *link;
};

static void switch_to(struct switch_root *sr, const char *fixture)
{
	_cleanup_free_ char *rel = NULL, *target = NULL;

	/* Absolute: a relative target would resolve against the link's directory. */
	if (asprintf(&rel, "%s/%s/proc", fixtures, fixture) < 0 || !(target = realpath(rel, NULL)))
		abort();
	unlink(sr->link);
	if (symlink(target, sr->link) < 0)
		abort();
}

static void switch_root_init(struct switch_root *sr, const char *fixture)
{
	sr->dir = tree_new();
	if (asprintf(&sr->link, "%s/proc", sr->dir) < 0)
		abort();
	switch_to(sr, fixture);
}

static void switch_root_done(struct switch_root *sr)
{
	unlink(sr->link);
	free(sr->link);
	tree_free(sr->dir);
}

/* A sampler holding the two fixture snapshots, 10 s apart. */
static struct sampler *fixture_pair(struct switch_root *sr, unsigned interval_ms)
{
	struct sampler *s;

	switch_root_init(sr, "2socket-smt/t0");
	CHECK_INT_EQ(0, sampler_new(sr->dir, interval_ms, &s));
	CHECK_INT_EQ(0, sampler_take(s, 1000 * SEC));
	switch_to(sr, "2socket-smt/t1");
	CHECK_INT_EQ(0, sampler_take(s, 1010 * SEC));
	return s;
}

static json_t *args_window(unsigned w)
{
	return json_pack("{s:i}", "window", (int)w);
}

static void test_cpu_exact(void)
{
	struct switch_root sr;
	_cleanup_(sampler_freep) struct sampler *s = fixture_pair(&sr, 10000);
	_cleanup_json_ json_t *j = NULL, *args = args_window(10);
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(0, sampler_cpu_json(s, args, &j, &error));
	CHECK(error == NULL);
	CHECK_JNUM(10, j, "window_s");
	CHECK_JNUM(10, j, "requested_window_s");
	CHECK_JNUM(1000 * SEC, j, "window_start_ns");
	CHECK_JNUM(1010 * SEC, j, "window_end_ns");
	CHECK_JNUM(2, j, "samples");
	CHECK(jpath(j, "note") == NULL);

	/* 16 cpus of each kind (make-fixtures.sh), 1000 ticks each. */
	CHECK_JNUM(30, j, "total.user_pct");
	CHECK_JNUM(2.5, j, "total.nice_pct");
	CHECK_JNUM(12.5, j, "total.system_pct");
	CHECK_JNUM(51.5, j, "total.idle_pct");
	CHECK_JNUM(1, j, "total.iowait_pct");
	CHECK_JNUM(0.5, j, "total.irq_pct");
	CHECK_JNUM(1.25, j, "total.softirq_pct");
	CHECK_JNUM(0.75, j, "total.steal_pct");
	CHECK_JNUM(47.5, j, "total.busy_pct");

	CHECK_JNUM(32, j, "nr_cpus");
	CHECK_JNUM(32, j, "per_cpu.total");
	CHECK_JNULL(j, "per_cpu.next_offset");
	CHECK_JNUM(0, j, "per_cpu.cpus.0.cpu");
	CHECK_JNUM(50, j, "per_cpu.cpus.0.user_pct");
	CHECK_JNUM(20, j, "per_cpu.cpus.0.system_pct");
	CHECK_JNUM(25, j, "per_cpu.cpus.0.idle_pct");
	CHECK_JNUM(2, j, "per_cpu.cpus.0.iowait_pct");
	CHECK_JNUM(1, j, "per_cpu.cpus.0.irq_pct");
	CHECK_JNUM(1.5, j, "per_cpu.cpus.0.softirq_pct");
	CHECK_JNUM(0.5, j, "per_cpu.cpus.0.steal_pct");
	CHECK_JNUM(73, j, "per_cpu.cpus.0.busy_pct");
	CHECK_JNUM(31, j, "per_cpu.cpus.31.cpu");
	CHECK_JNUM(10, j, "per_cpu.cpus.31.user_pct");
	CHECK_JNUM(5, j, "per_cpu.cpus.31.nice_pct");
	CHECK_JNUM(78, j, "per_cpu.cpus.31.idle_pct");
	CHECK_JNUM(22, j, "per_cpu.cpus.31.busy_pct");
	CHECK(jpath(j, "per_cpu.cpus.0.online_s") == NULL);

	CHECK_JNUM(123456.7, j, "context_switches_per_s");
	CHECK_JNUM(1000000000, j, "ctxt_start");
	CHECK_JNUM(1001234567, j, "ctxt_end");
	CHECK_JNUM(50000, j, "interrupts_per_s");
	CHECK_JNUM(100, j, "forks_per_s");
	CHECK_JNUM(5, j, "procs_running");
	CHECK_JNUM(1, j, "procs_blocked");
	CHECK_JNUM(4, j, "procs_running_avg");

	CHECK_JNUM(0, j, "softirqs_per_s.HI");
	CHECK_JNUM(3200, j, "softirqs_per_s.TIMER");
	CHECK_JNUM(496, j, "softirqs_per_s.NET_RX");
	/* cpu 3's count wrapped at 2^32 and is still counted right. */
	CHECK_JNUM(1599.6, j, "softirqs_per_s.RCU");
	CHECK_JNUM(3200 + 496 + 1599.6, j, "softirqs_total_per_s");
	switch_root_done(&sr);
}

static void test_cpu_paging_and_args(void)
{
	struct switch_root sr;
	_cleanup_(sampler_freep) struct sampler *s = fixture_pair(&sr, 10000);
	json_t *j = NULL, *args;
	char *error = NULL;

	args = json_pack("{s:i, s:i}", "offset", 30, "limit", 5);
	CHECK_INT_EQ(0, sampler_cpu_json(s, args, &j, &error));
	CHECK_INT_EQ(2, json_array_size(jpath(j, "per_cpu.cpus")));
	CHECK_JNUM(30, j, "per_cpu.cpus.0.cpu");
	CHECK_JNUM(32, j, "per_cpu.total");
	json_decref(args);
	json_decref(j);

	args = json_pack("{s:i, s:i}", "offset", 0, "limit", 4);
	CHECK_INT_EQ(0, sampler_cpu_json(s, args, &j, &error));
	CHECK_INT_EQ(4, json_array_size(jpath(j, "per_cpu.cpus")));
	CHECK_JNUM(4, j, "per_cpu.next_offset");
	/* The total is over every cpu, not the page. */
	CHECK_JNUM(30, j, "total.user_pct");
	json_decref(args);
	json_decref(j);

	/* NULL arguments: the defaults. */
	CHECK_INT_EQ(0, sampler_cpu_json(s, NULL, &j, &error));
	CHECK_JNUM(10, j, "requested_window_s");
	json_decref(j);

	static const char *const bad[] = {
		"{\"window\": 0}", "{\"window\": 61}", "{\"window\": \"10\"}", "{\"window\": 1.5}",
		"{\"windw\": 10}", "{\"limit\": -1}",  "{\"offset\": true}",   "[]",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		args = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		j = NULL;
		CHECK_INT_EQ(-EINVAL, sampler_cpu_json(s, args, &j, &error));
		if (!error)
			fprintf(stderr, "no message for %s\n", bad[i]);
		CHECK(error != NULL);
		CHECK(j == NULL);
		free(error);
		error = NULL;
		json_decref(args);
	}
	args = json_pack("{s:i}", "window", 0);
	CHECK_INT_EQ(-EINVAL, sampler_cpu_json(s, args, &j, &error));
	CHECK_MSG("from 1 to 60", error);
	free(error);
	error = NULL;
	json_decref(args);
	args = json_pack("{s:i}", "windw", 10);
	CHECK_INT_EQ(-EINVAL, sampler_memory_json(s, args, &j, &error));
	CHECK_MSG("unknown argument 'windw'", error);
	free(error);
	json_decref(args);
	switch_root_done(&sr);
}

static void test_memory_exact(void)
{
	struct switch_root sr;
	_cleanup_(sampler_freep) struct sampler *s = fixture_pair(&sr, 10000);
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(0, sampler_memory_json(s, NULL, &j, &error));
	CHECK(error == NULL);
	CHECK_JNUM(263000000, j, "mem_total_kb");
	CHECK_JNUM(0.25, j, "used_ratio");
	CHECK_JNUM(0.25, j, "swap_used_ratio");
	CHECK_JNUM(10, j, "vmstat.window_s");
	CHECK_JNUM(100000, j, "vmstat.pgfault_per_s");
	CHECK_JNUM(50, j, "vmstat.pgmajfault_per_s");
	CHECK_JNUM(200, j, "vmstat.pswpin_per_s");
	CHECK_JNUM(300, j, "vmstat.pswpout_per_s");
	CHECK_JNUM(4000, j, "vmstat.pgpgin_kb_per_s");
	CHECK_JNUM(8000, j, "vmstat.pgpgout_kb_per_s");
	CHECK_JNUM(1000, j, "vmstat.pgscan_per_s");
	CHECK_JNUM(600, j, "vmstat.pgsteal_per_s");
	CHECK(jpath(j, "vmstat.note") == NULL);
	CHECK(json_is_true(jpath(j, "psi.available")));
	CHECK_JNUM(16.48, j, "psi.cpu.some.avg10_pct");
	switch_root_done(&sr);
}

static void test_network_exact(void)
{
	struct switch_root sr;
	_cleanup_(sampler_freep) struct sampler *s = fixture_pair(&sr, 10000);
	_cleanup_json_ json_t *j = NULL, *args = NULL;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(0, sampler_network_json(s, NULL, &j, &error));
	CHECK(error == NULL);
	CHECK_JNUM(4, j, "total");
	CHECK_JNULL(j, "next_offset");
	CHECK_JSTR_CONTAINS("eno1", j, "interfaces.0.name");
	CHECK_JNUM(901250000000, j, "interfaces.0.rx_bytes");
	CHECK_JNUM(125000000, j, "interfaces.0.rx_bytes_per_s");
	CHECK_JNUM(100000, j, "interfaces.0.rx_packets_per_s");
	CHECK_JNUM(3, j, "interfaces.0.rx_drops_per_s");
	CHECK_JNUM(0, j, "interfaces.0.rx_errors_per_s");
	CHECK_JNUM(25000000, j, "interfaces.0.tx_bytes_per_s");
	CHECK_JNUM(50000, j, "interfaces.0.tx_packets_per_s");
	CHECK_JNUM(0.2, j, "interfaces.0.tx_errors_per_s");
	CHECK(jpath(j, "interfaces.0.present_s") == NULL);
	/* veth1 exists in t1 only: no rate yet, and it says so. */
	CHECK_JSTR_CONTAINS("veth1", j, "interfaces.3.name");
	CHECK_JNUM(1000, j, "interfaces.3.rx_bytes");
	CHECK_JNULL(j, "interfaces.3.rx_bytes_per_s");
	CHECK_JNUM(0, j, "interfaces.3.present_s");
	CHECK_JNUM(125000000, j, "totals_excluding_lo.rx_bytes_per_s");
	CHECK_JNUM(901250000000 + 1000, j, "totals_excluding_lo.rx_bytes");
	json_decref(TAKE_PTR(j));

	args = json_pack("{s:i}", "limit", 2);
	CHECK_INT_EQ(0, sampler_network_json(s, args, &j, &error));
	CHECK_INT_EQ(2, json_array_size(jpath(j, "interfaces")));
	CHECK_JNUM(2, j, "next_offset");
	switch_root_done(&sr);
}

/* Window choice among many samples, with timer jitter. */
static void test_window_selection(void)
{
	_cleanup_free_ char *root = fixture_root("2socket-smt/t1"), *error = NULL;
	_cleanup_(sampler_freep) struct sampler *s = NULL;
	json_t *j, *args;

	CHECK_INT_EQ(0, sampler_new(root, 1000, &s));
	CHECK_INT_EQ(62, sampler_capacity(s));
	/* Three samples 0..2 s: a 10 s window is 2 s, and says so. */
	for (unsigned i = 0; i < 3; i++)
		CHECK_INT_EQ(0, sampler_take(s, 100 * SEC + i * SEC));
	args = args_window(10);
	CHECK_INT_EQ(0, sampler_cpu_json(s, args, &j, &error));
	CHECK_JNUM(2, j, "window_s");
	CHECK_JNUM(10, j, "requested_window_s");
	CHECK_JSTR_CONTAINS("sampled for only 2.000 s", j, "note");
	json_decref(j);
	json_decref(args);

	/* 80 samples, one a second with +-3 ms of jitter: the ring keeps 62. */
	for (unsigned i = 3; i < 80; i++)
		CHECK_INT_EQ(0, sampler_take(s, 100 * SEC + i * SEC + (i % 2 ? 3000000 : -3000000ll)));
	CHECK_INT_EQ(62, sampler_count(s));
	/* Newest at 179 s + 3 ms. */
	args = args_window(1);
	CHECK_INT_EQ(0, sampler_cpu_json(s, args, &j, &error));
	CHECK_JNUM(1.006, j, "window_s");
	CHECK_JNUM(178 * SEC - 3000000, j, "window_start_ns");
	CHECK(jpath(j, "note") == NULL);
	json_decref(j);
	json_decref(args);
	args = args_window(60);
	CHECK_INT_EQ(0, sampler_cpu_json(s, args, &j, &error));
	CHECK_JNUM(60, j, "window_s");
	CHECK_JNUM(61, j, "samples");
	CHECK(jpath(j, "note") == NULL);
	json_decref(j);
	json_decref(args);

	/* A longer interval resizes the ring, keeping the newest samples. */
	CHECK_INT_EQ(0, sampler_set_interval(s, 5000));
	CHECK_INT_EQ(14, sampler_capacity(s));
	CHECK_INT_EQ(14, sampler_count(s));
	args = args_window(1);
	CHECK_INT_EQ(0, sampler_cpu_json(s, args, &j, &error));
	CHECK_JNUM(179 * SEC + 3000000, j, "window_end_ns");
	json_decref(j);
	json_decref(args);
	CHECK_INT_EQ(-EINVAL, sampler_set_interval(s, 0));
}

/* Samples far apart: the nearest window is longer than asked, and says so. */
static void test_window_coarse(void)
{
	_cleanup_free_ char *root = fixture_root("2socket-smt/t1"), *error = NULL;
	_cleanup_(sampler_freep) struct sampler *s = NULL;
	_cleanup_json_ json_t *j = NULL, *args = args_window(1);

	CHECK_INT_EQ(0, sampler_new(root, 5000, &s));
	for (unsigned i = 0; i < 3; i++)
		CHECK_INT_EQ(0, sampler_take(s, 100 * SEC + i * 5 * SEC));
	CHECK_INT_EQ(0, sampler_cpu_json(s, args, &j, &error));
	CHECK_JNUM(5, j, "window_s");
	CHECK_JSTR_CONTAINS("5000 ms apart", j, "note");
	/* Nothing changed in this tree: no tick, so shares are null, not 0. */
	CHECK_JNULL(j, "total.user_pct");
	CHECK_JNUM(0, j, "context_switches_per_s");
}

static const char *const net_header =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo "
	"colls carrier compressed\n";

static void write_tree(const char *root, const char *stat, const char *softirqs, const char *netdev)
{
	_cleanup_free_ char *net = NULL;

	if (asprintf(&net, "%s%s", net_header, netdev) < 0)
		abort();
	tree_write(root, "proc/stat", stat);
	tree_write(root, "proc/softirqs", softirqs);
	tree_write(root, "proc/vmstat", "pgfault 5\n");
	tree_write(root, "proc/net/dev", net);
}

#define TAIL "intr 100\nctxt 100\nbtime 1\nprocesses 10\nprocs_running 1\nprocs_blocked 0\n"

/* Counters that go backwards (cpu hotplug resets a cpu's idle time, a driver
 * resets its statistics) count as zero for that interval, never negative. */
static void test_counters_backwards(void)
{
	char *root = tree_new();
	_cleanup_(sampler_freep) struct sampler *s = NULL;
	_cleanup_json_ json_t *j = NULL, *n = NULL;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(0, sampler_new(root, 1000, &s));
	write_tree(root,
		   "cpu  200 0 0 800 0 0 0 0 0 0\ncpu0 100 0 0 400 0 0 0 0 0 0\ncpu1 100 0 0 400 0 0 0 0 0 "
		   "0\n" TAIL,
		   " CPU0 CPU1\n RCU: 10 10\n", "  eth0: 1000 10 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n");
	CHECK_INT_EQ(0, sampler_take(s, 10 * SEC));
	/* cpu1 went offline and came back with a smaller idle; eth0 was reset. */
	write_tree(
		root,
		"cpu  300 0 0 850 0 0 0 0 0 0\ncpu0 150 0 0 450 0 0 0 0 0 0\ncpu1 150 0 0 100 0 0 0 0 0 0\n"
		"intr 90\nctxt 200\nbtime 1\nprocesses 10\nprocs_running 1\nprocs_blocked 0\n",
		" CPU0 CPU1\n RCU: 20 20\n", "  eth0: 100 1 0 0 0 0 0 0 600 6 0 0 0 0 0 0\n");
	CHECK_INT_EQ(0, sampler_take(s, 11 * SEC));
	/* cpu2 comes online. */
	write_tree(
		root,
		"cpu  400 0 0 950 0 0 0 0 0 0\ncpu0 200 0 0 500 0 0 0 0 0 0\ncpu1 200 0 0 150 0 0 0 0 0 0\n"
		"cpu2 0 0 0 0 0 0 0 0 0 0\n" TAIL,
		" CPU0 CPU1 CPU2\n RCU: 30 30 0\n", "  eth0: 1100 11 0 0 0 0 0 0 700 7 0 0 0 0 0 0\n");
	CHECK_INT_EQ(0, sampler_take(s, 12 * SEC));

	CHECK_INT_EQ(0, sampler_cpu_json(s, NULL, &j, &error));
	CHECK(error == NULL);
	CHECK_JNUM(2, j, "window_s");
	CHECK_JSTR_CONTAINS("went backwards", j, "note");
	CHECK_JNUM(50, j, "context_switches_per_s");
	/* intr fell 100 -> 90 then rose to 100: only the rise counts. */
	CHECK_JNUM(5, j, "interrupts_per_s");
	/* cpu1: user +50 +50, idle 0 (went back) +50. */
	CHECK_JNUM(1, j, "per_cpu.cpus.1.cpu");
	CHECK_JNUM(66.67, j, "per_cpu.cpus.1.user_pct");
	CHECK_JNUM(33.33, j, "per_cpu.cpus.1.idle_pct");
	/* cpu2 was online for none of the intervals. */
	CHECK_JNUM(2, j, "per_cpu.cpus.2.cpu");
	CHECK_JNUM(0, j, "per_cpu.cpus.2.online_s");
	CHECK_JNULL(j, "per_cpu.cpus.2.user_pct");
	/* A new cpu column does not break the per-type sums: 20 -> 40 -> 60. */
	CHECK_JNUM(20, j, "softirqs_per_s.RCU");

	CHECK_INT_EQ(0, sampler_network_json(s, NULL, &n, &error));
	CHECK_JSTR_CONTAINS("went backwards", n, "note");
	/* rx: reset (counted 0), then +1000 over 2 s. */
	CHECK_JNUM(500, n, "interfaces.0.rx_bytes_per_s");
	CHECK_JNUM(100, n, "interfaces.0.tx_bytes_per_s");
	tree_free(root);
}

/* A source that cannot be read: its resource says why; the others work. */
static void test_failing_source(void)
{
	char *root = tree_new();
	_cleanup_(sampler_freep) struct sampler *s = NULL;
	_cleanup_json_ json_t *j = NULL, *m = NULL;
	_cleanup_free_ char *error = NULL;

	CHECK_INT_EQ(0, sampler_new(root, 1000, &s));
	tree_write(root, "proc/stat", "cpu  1 0 0 1 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n" TAIL);
	tree_write(root, "proc/softirqs", " CPU0\n RCU: 1\n");
	tree_write(root, "proc/vmstat", "pgfault 1\n");
	tree_write(root, "proc/meminfo", "MemTotal: 100 kB\n");
	CHECK_INT_EQ(0, sampler_take(s, 1 * SEC));
	tree_write(root, "proc/stat", "cpu  2 0 0 2 0 0 0 0 0 0\ncpu0 2 0 0 2 0 0 0 0 0 0\n" TAIL);
	tree_write(root, "proc/softirqs", " CPU0\n RCU: garbage\n");
	tree_write(root, "proc/vmstat", "pgfault 2\n");
	CHECK_INT_EQ(0, sampler_take(s, 2 * SEC));

	CHECK_INT_EQ(-EAGAIN, sampler_network_json(s, NULL, &j, &error));
	CHECK_MSG("/proc/net/dev: No such file or directory", error);
	free(TAKE_PTR(error));

	/* /proc/softirqs broke in the second sample: no pair, so null and why. */
	CHECK_INT_EQ(0, sampler_cpu_json(s, NULL, &j, &error));
	CHECK_JNUM(50, j, "total.user_pct");
	CHECK_JNULL(j, "softirqs_per_s");
	CHECK_JSTR_CONTAINS("RCU: bad number", j, "softirqs_note");

	/* meminfo without MemAvailable fails the read, with the reason. */
	CHECK_INT_EQ(-EINVAL, sampler_memory_json(s, NULL, &m, &error));
	CHECK_MSG("/proc/meminfo: MemAvailable missing", error);
	free(TAKE_PTR(error));
	tree_write(root, "proc/meminfo", "MemTotal: 100 kB\nMemAvailable: 50 kB\n");
	CHECK_INT_EQ(0, sampler_memory_json(s, NULL, &m, &error));
	CHECK_JNUM(1, m, "vmstat.pgfault_per_s");
	CHECK_JNULL(m, "vmstat.pswpin_per_s");
	CHECK_JSTR_CONTAINS("pswpin is not in /proc/vmstat", m, "vmstat.note");
	CHECK(json_is_false(jpath(m, "psi.available")));
	tree_free(root);
}

/* Right after start there is one sample: a read takes a second one itself. */
static void test_first_read(void)
{
	_cleanup_free_ char *root = fixture_root("no-psi"), *error = NULL;
	_cleanup_(sampler_freep) struct sampler *s = NULL;
	_cleanup_json_ json_t *j = NULL;

	CHECK_INT_EQ(0, sampler_new(root, 1000, &s));
	CHECK_INT_EQ(0, sampler_cpu_json(s, NULL, &j, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(2, sampler_count(s));
	CHECK(jnum(j, "window_s") >= 0.1);
	CHECK(jnum(j, "window_s") < 5);
	CHECK_JSTR_CONTAINS("a sample was taken for this read", j, "note");
	CHECK_JNUM(4, j, "nr_cpus");
}

/* The timer: a sample at start, then one per interval. */
static void test_timer(void)
{
	_cleanup_free_ char *root = fixture_root("no-psi"), *error = NULL;
	struct event_base *base = event_base_new();
	struct sampler *s = NULL;
	struct timeval stop = { .tv_sec = 0, .tv_usec = 550000 };
	json_t *j = NULL, *args = args_window(1);

	CHECK(base != NULL);
	CHECK_INT_EQ(0, sampler_new(root, 100, &s));
	CHECK_INT_EQ(602, sampler_capacity(s));
	CHECK_INT_EQ(0, sampler_start(s, base));
	CHECK_INT_EQ(1, sampler_count(s));
	event_base_loopexit(base, &stop);
	event_base_dispatch(base);
	/* Ticks at 100..500 ms; a loaded machine may lose one at the end. */
	CHECK(sampler_count(s) >= 4 && sampler_count(s) <= 6);
	CHECK_INT_EQ(0, sampler_cpu_json(s, args, &j, &error));
	/* Up to 0.5 s of samples: the window is what there is. */
	CHECK(jnum(j, "window_s") >= 0.3 && jnum(j, "window_s") < 0.9);
	CHECK_JSTR_CONTAINS("sampled for only", j, "note");
	json_decref(j);
	json_decref(args);
	sampler_free(s);
	event_base_free(base);
}

int main(int argc, char *argv[])
{
	fixtures_from_args(argc, argv);
	test_cpu_exact();
	test_cpu_paging_and_args();
	test_memory_exact();
	test_network_exact();
	test_window_selection();
	test_window_coarse();
	test_counters_backwards();
	test_failing_source();
	test_first_read();
	test_timer();
	return test_result("test-sampler");
}
