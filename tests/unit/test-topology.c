/* test-topology.c: unit tests for topology.c against the fixture trees and the running machine. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json-util.h"
#include "test-util.h"
#include "topology.h"

static char *fixture(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static int int_array_eq(const int *a, int n, const int *expected, int expected_n)
{
	return n == expected_n && (n == 0 || memcmp(a, expected, (size_t)n * sizeof(int)) == 0);
}

/* The cpu ids in a JSON array, as a list string, for one-line comparisons. */
static char *json_ids(const json_t *a)
{
	unsigned long b[CPULIST_LONGS(TOPO_MAX_CPUS)] = {};
	char *s = NULL;
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return strdup("(not an array)");
	json_array_foreach (a, i, v) {
		json_int_t id = json_integer_value(json_is_object(v) ? json_object_get(v, "id") : v);

		if (id >= 0 && id < TOPO_MAX_CPUS)
			b[id / CPULIST_BITS_PER_LONG] |= 1UL << (id % CPULIST_BITS_PER_LONG);
	}
	if (cpulist_format(b, TOPO_MAX_CPUS, &s) < 0)
		abort();
	return s;
}

static const json_t *json_find_id(const json_t *a, json_int_t id)
{
	size_t i;
	json_t *v;

	json_array_foreach (a, i, v)
		if (json_integer_value(json_object_get(v, "id")) == id)
			return v;
	return NULL;
}

/* nodes[i].cpus of a SUMMARY object. */
static const char *node_cpus_string(const json_t *summary, size_t i)
{
	const json_t *node = json_array_get(json_object_get(summary, "nodes"), i);

	return json_string_value(json_object_get(node, "cpus"));
}

static void check_list(const char *s, unsigned nr_bits, int expected_r, const char *expected_fmt)
{
	unsigned long b[CPULIST_LONGS(TOPO_MAX_CPUS)];
	_cleanup_free_ char *f = NULL;
	int r;

	memset(b, 0xaa, sizeof(b));
	r = cpulist_parse(s, nr_bits, b);
	if (r != expected_r)
		fprintf(stderr, "cpulist_parse(\"%s\", %u):\n", s, nr_bits);
	CHECK_INT_EQ(expected_r, r);
	if (r < 0) {
		/* Untouched on failure. */
		CHECK_INT_EQ(0xaaaaaaaaaaaaaaaaULL & ~0UL, b[0]);
		return;
	}
	CHECK_INT_EQ(0, cpulist_format(b, nr_bits, &f));
	CHECK_STR_EQ(expected_fmt, f);
}

static void test_cpulist(void)
{
	check_list("0-3,8,10-11\n", 64, 7, "0-3,8,10-11");
	check_list("0", 1, 1, "0");
	check_list("5", 64, 1, "5");
	check_list("0-63", 64, 64, "0-63");
	check_list("3,1,2,2,0-1", 64, 4, "0-3");
	check_list("0,2,4,6", 64, 4, "0,2,4,6");
	check_list("8191", TOPO_MAX_CPUS, 1, "8191");
	check_list("0-8191", TOPO_MAX_CPUS, 8192, "0-8191");
	check_list("62-65", 128, 4, "62-65");
	check_list("", 64, 0, "");
	check_list("\n", 64, 0, "");
	check_list("  1-2  \n", 64, 2, "1-2");

	check_list("5-3", 64, -EINVAL, NULL);
	check_list("abc", 64, -EINVAL, NULL);
	check_list("1,", 64, -EINVAL, NULL);
	check_list(",1", 64, -EINVAL, NULL);
	check_list("1,,2", 64, -EINVAL, NULL);
	check_list("1-", 64, -EINVAL, NULL);
	check_list("-1", 64, -EINVAL, NULL);
	check_list("1--2", 64, -EINVAL, NULL);
	check_list("1 2", 64, -EINVAL, NULL);
	check_list("1 -2", 64, -EINVAL, NULL);
	check_list("1-+2", 64, -EINVAL, NULL);
	check_list("0x10", 64, -EINVAL, NULL);
	check_list("0-7:2/4", 64, -EINVAL, NULL);
	check_list("3\n4", 64, -EINVAL, NULL);

	check_list("64", 64, -ERANGE, NULL);
	check_list("0-64", 64, -ERANGE, NULL);
	check_list("8192", TOPO_MAX_CPUS, -ERANGE, NULL);
	check_list("99999999999999999999999", TOPO_MAX_CPUS, -ERANGE, NULL);
	check_list("0-99999999999999999999999", TOPO_MAX_CPUS, -ERANGE, NULL);
}

static void test_2socket_cpus(const struct topology *t)
{
	static const int llc0[] = { 0, 1, 2, 3, 16, 17, 18, 19 };
	static const int llc3[] = { 12, 13, 14, 15, 28, 29 };
	static const int dist0[] = { 10, 21 }, dist1[] = { 21, 10 };

	CHECK_INT_EQ(32, t->nr_cpus);
	CHECK_INT_EQ(30, t->nr_online);
	CHECK_INT_EQ(2, t->nr_packages);
	CHECK_INT_EQ(16, t->nr_cores);
	CHECK_INT_EQ(4, t->nr_llcs);
	CHECK_INT_EQ(2, t->nr_nodes);
	CHECK(t->smt_active);

	/* cpu0 has no online file and is online all the same. */
	CHECK(t->cpus[0].online);
	CHECK_INT_EQ(0, t->cpus[0].core_id);
	CHECK_INT_EQ(0, t->cpus[0].package_id);
	CHECK_INT_EQ(-1, t->cpus[0].die_id);
	CHECK_INT_EQ(0, t->cpus[0].llc_id);
	CHECK_INT_EQ(0, t->cpus[0].node_id);
	CHECK_INT_EQ(1024, t->cpus[0].capacity);
	CHECK_INT_EQ(2000000, t->cpus[0].cur_khz);
	CHECK_INT_EQ(800000, t->cpus[0].min_khz);
	CHECK_INT_EQ(3500000, t->cpus[0].max_khz);
	CHECK_INT_EQ(2100000, t->cpus[0].base_khz);

	/* SMT siblings are 16 apart; cores 14 and 15 lost theirs to offlining. */
	CHECK_INT_EQ(2, t->cpus[5].smt_sibling_count);
	CHECK(int_array_eq(t->cpus[5].smt_siblings, 2, (int[]){ 5, 21 }, 2));
	CHECK_INT_EQ(2, t->cpus[21].smt_sibling_count);
	CHECK_INT_EQ(t->cpus[5].core_index, t->cpus[21].core_index);
	CHECK_INT_EQ(1, t->cpus[14].smt_sibling_count);
	CHECK(t->cpus[5].core_index != t->cpus[6].core_index);

	/* Same core_id on both sockets is two cores, not one. */
	CHECK_INT_EQ(t->cpus[0].core_id, t->cpus[8].core_id);
	CHECK(t->cpus[0].core_index != t->cpus[8].core_index);
	CHECK_INT_EQ(2, t->cores[t->cpus[0].core_index].nr_cpus);
	CHECK_INT_EQ(1, t->cores[t->cpus[15].core_index].nr_cpus);

	/* Socket 1 lacks base_frequency; SMT siblings lack cpufreq. */
	CHECK_INT_EQ(3700000, t->cpus[9].max_khz);
	CHECK_INT_EQ(-1, t->cpus[9].base_khz);
	CHECK_INT_EQ(-1, t->cpus[20].cur_khz);
	CHECK_INT_EQ(1, t->cpus[9].package_id);
	CHECK_INT_EQ(1, t->cpus[9].node_id);

	for (int c = 30; c < 32; c++) {
		CHECK(t->cpus[c].present);
		CHECK(!t->cpus[c].online);
		CHECK_INT_EQ(-1, t->cpus[c].core_id);
		CHECK_INT_EQ(-1, t->cpus[c].package_id);
		CHECK_INT_EQ(-1, t->cpus[c].llc_id);
		CHECK_INT_EQ(-1, t->cpus[c].core_index);
		CHECK_INT_EQ(0, t->cpus[c].smt_sibling_count);
		CHECK_INT_EQ(-1, t->cpus[c].capacity);
		/* Known from the cpuN/node1 link although node1/cpulist omits it. */
		CHECK_INT_EQ(1, t->cpus[c].node_id);
	}

	CHECK_INT_EQ(3, t->llcs[0].level);
	CHECK_INT_EQ(32768, t->llcs[0].size_kb);
	CHECK(int_array_eq(t->llcs[0].cpus, t->llcs[0].nr_cpus, llc0, (int)ELEMENTSOF(llc0)));
	CHECK(int_array_eq(t->llcs[3].cpus, t->llcs[3].nr_cpus, llc3, (int)ELEMENTSOF(llc3)));
	CHECK_INT_EQ(0, t->llcs[1].node_id);
	CHECK_INT_EQ(1, t->llcs[2].node_id);
	for (int c = 0; c < 30; c++)
		CHECK_INT_EQ((c % 16) / 4, t->cpus[c].llc_id);

	CHECK_INT_EQ(0, t->nodes[0].id);
	CHECK_INT_EQ(1, t->nodes[1].id);
	CHECK_INT_EQ(16, t->nodes[0].nr_cpus);
	CHECK_INT_EQ(16, t->nodes[1].nr_cpus);
	CHECK(int_array_eq(t->nodes[0].distances, t->nodes[0].nr_distances, dist0, 2));
	CHECK(int_array_eq(t->nodes[1].distances, t->nodes[1].nr_distances, dist1, 2));
	CHECK_INT_EQ(16384000, t->nodes[0].mem_total_kb);
	CHECK_INT_EQ(16777216, t->nodes[1].mem_total_kb);
	CHECK_INT_EQ(1, topology_node_index(t, 1));
	CHECK_INT_EQ(-ENOENT, topology_node_index(t, 7));
}

static void test_2socket_json(const struct topology *t)
{
	_cleanup_json_ json_t *full = NULL, *all = NULL, *sum = NULL, *sum_all = NULL;
	_cleanup_free_ char *ids = NULL, *ids_all = NULL, *node1 = NULL, *node1_all = NULL;
	const json_t *c, *llc, *f, *node0;

	CHECK_INT_EQ(0, topology_to_json(t, TOPO_DETAIL_FULL, false, &full));
	CHECK_INT_EQ(0, topology_to_json(t, TOPO_DETAIL_FULL, true, &all));
	CHECK_INT_EQ(-EINVAL, topology_to_json(t, TOPO_DETAIL_MAX, true, &sum));
	CHECK_INT_EQ(0, topology_to_json(t, TOPO_DETAIL_SUMMARY, false, &sum));
	CHECK_INT_EQ(0, topology_to_json(t, TOPO_DETAIL_SUMMARY, true, &sum_all));
	if (!full || !all || !sum || !sum_all)
		return;

	/* Counts say what the kernel says either way; lists drop offline cpus. */
	CHECK_INT_EQ(32, json_integer_value(json_object_get(full, "nr_cpus")));
	CHECK_INT_EQ(30, json_integer_value(json_object_get(full, "nr_online")));
	CHECK_INT_EQ(16, json_integer_value(json_object_get(full, "nr_cores")));
	CHECK(json_is_true(json_object_get(full, "smt_active")));
	ids = json_ids(json_object_get(full, "cpus"));
	ids_all = json_ids(json_object_get(all, "cpus"));
	CHECK_STR_EQ("0-29", ids);
	CHECK_STR_EQ("0-31", ids_all);
	node1 = json_ids(json_object_get(json_array_get(json_object_get(full, "nodes"), 1), "cpus"));
	node1_all = json_ids(json_object_get(json_array_get(json_object_get(all, "nodes"), 1), "cpus"));
	CHECK_STR_EQ("8-15,24-29", node1);
	CHECK_STR_EQ("8-15,24-31", node1_all);
	CHECK_INT_EQ(4, json_array_size(json_object_get(full, "llcs")));
	CHECK_INT_EQ(16, json_array_size(json_object_get(full, "cores")));

	/* Unknown fields are omitted, not -1. */
	c = json_find_id(json_object_get(all, "cpus"), 31);
	CHECK(c != NULL);
	CHECK(json_is_false(json_object_get(c, "online")));
	CHECK(json_object_get(c, "core_id") == NULL);
	CHECK(json_object_get(c, "llc_id") == NULL);
	CHECK(json_object_get(c, "smt_siblings") == NULL);
	CHECK(json_object_get(c, "frequency_khz") == NULL);
	CHECK_INT_EQ(1, json_integer_value(json_object_get(c, "node_id")));

	c = json_find_id(json_object_get(full, "cpus"), 9);
	CHECK(c != NULL);
	CHECK_INT_EQ(1024, json_integer_value(json_object_get(c, "capacity")));
	CHECK_INT_EQ(2, json_array_size(json_object_get(c, "smt_siblings")));
	f = json_object_get(c, "frequency_khz");
	CHECK_INT_EQ(2090000, json_integer_value(json_object_get(f, "cur")));
	CHECK_INT_EQ(3700000, json_integer_value(json_object_get(f, "max")));
	CHECK(json_object_get(f, "base") == NULL);
	CHECK(json_object_get(json_find_id(json_object_get(full, "cpus"), 20), "frequency_khz") == NULL);

	llc = json_array_get(json_object_get(full, "llcs"), 3);
	CHECK_INT_EQ(3, json_integer_value(json_object_get(llc, "level")));
	CHECK_INT_EQ(32768, json_integer_value(json_object_get(llc, "size_kb")));
	CHECK_INT_EQ(1, json_integer_value(json_object_get(llc, "node_id")));
	node0 = json_array_get(json_object_get(full, "nodes"), 0);
	CHECK_INT_EQ(21, json_integer_value(json_array_get(json_object_get(node0, "distances"), 1)));
	CHECK_INT_EQ(16384000, json_integer_value(json_object_get(node0, "mem_total_kb")));

	CHECK_STR_EQ("0-29", json_string_value(json_object_get(sum, "online")));
	CHECK_STR_EQ("30-31", json_string_value(json_object_get(sum, "offline")));
	CHECK_STR_EQ("0-3,16-19", json_string_value(json_array_get(json_object_get(sum, "llcs"), 0)));
	CHECK_STR_EQ("12-15,28-29", json_string_value(json_array_get(json_object_get(sum, "llcs"), 3)));
	CHECK_STR_EQ("8-15,24-29", node_cpus_string(sum, 1));
	/* With include_offline, node 1 regains 30-31 through their cpuN/node1 links. */
	CHECK_STR_EQ("8-15,24-31", node_cpus_string(sum_all, 1));
	f = json_object_get(sum, "frequency_khz");
	CHECK_INT_EQ(800000, json_integer_value(json_object_get(f, "min")));
	CHECK_INT_EQ(3700000, json_integer_value(json_object_get(f, "max")));
	CHECK(json_object_get(sum, "cpus") == NULL);
}

static void test_2socket(const char *dir)
{
	_cleanup_(topology_freep) struct topology *t = NULL;
	_cleanup_free_ char *root = fixture(dir, "2socket-smt");

	CHECK_INT_EQ(0, topology_load(root, &t));
	if (!t)
		return;
	test_2socket_cpus(t);
	test_2socket_json(t);
}

static void test_single_cpu(const char *dir)
{
	_cleanup_(topology_freep) struct topology *t = NULL;
	_cleanup_json_ json_t *sum = NULL, *full = NULL;
	_cleanup_free_ char *root = fixture(dir, "single-cpu");

	CHECK_INT_EQ(0, topology_load(root, &t));
	if (!t)
		return;
	CHECK_INT_EQ(1, t->nr_cpus);
	CHECK_INT_EQ(1, t->nr_online);
	CHECK_INT_EQ(1, t->nr_cores);
	CHECK_INT_EQ(1, t->nr_llcs);
	CHECK_INT_EQ(1, t->nr_nodes);
	CHECK(!t->smt_active);
	CHECK_INT_EQ(2, t->llcs[0].level);
	CHECK_INT_EQ(512, t->llcs[0].size_kb);
	CHECK_INT_EQ(0, t->cpus[0].node_id);
	CHECK_INT_EQ(1, t->nodes[0].nr_cpus);
	CHECK_INT_EQ(0, t->nodes[0].nr_distances);
	CHECK_INT_EQ(-1, t->nodes[0].mem_total_kb);
	CHECK_INT_EQ(-1, t->cpus[0].capacity);
	CHECK_INT_EQ(-1, t->cpus[0].max_khz);

	CHECK_INT_EQ(0, topology_to_json(t, TOPO_DETAIL_SUMMARY, false, &sum));
	CHECK_INT_EQ(0, topology_to_json(t, TOPO_DETAIL_FULL, false, &full));
	CHECK_STR_EQ("0", json_string_value(json_object_get(sum, "online")));
	CHECK(json_object_get(sum, "offline") == NULL);
	CHECK(json_object_get(sum, "frequency_khz") == NULL);
	CHECK(json_object_get(json_array_get(json_object_get(full, "nodes"), 0), "distances") == NULL);
	CHECK(json_object_get(json_array_get(json_object_get(full, "nodes"), 0), "mem_total_kb") == NULL);
}

static void test_malformed(const char *dir)
{
	static const struct {
		const char *name;
		int r;
	} cases[] = {
		{ "malformed-core-id", -EINVAL },
		{ "malformed-cpulist", -ERANGE },
		{ "malformed-possible", -ERANGE },
		{ "does-not-exist", -ENOENT },
		/* A directory, but no sys/devices/system/cpu below it. */
		{ "single-cpu/sys/devices", -ENOENT },
	};
	_cleanup_(topology_freep) struct topology *t = NULL;
	_cleanup_free_ char *opt = fixture(dir, "malformed-optional");

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *root = fixture(dir, cases[i].name);
		struct topology *sentinel = (struct topology *)0x1;
		int r = topology_load(root, &sentinel);

		if (r != cases[i].r)
			fprintf(stderr, "loading %s:\n", cases[i].name);
		CHECK_INT_EQ(cases[i].r, r);
		CHECK(sentinel == (struct topology *)0x1);
	}
	CHECK_INT_EQ(-EINVAL, topology_load("", &t));

	/* Garbage in optional values reads as "unknown", not as an error. */
	CHECK_INT_EQ(0, topology_load(opt, &t));
	if (!t)
		return;
	CHECK_INT_EQ(2, t->nr_online);
	CHECK_INT_EQ(1, t->nr_llcs);
	CHECK_INT_EQ(1024, t->llcs[0].size_kb); /* cpu0 still said 1024K */
	CHECK_INT_EQ(-1, t->cpus[1].capacity);
	CHECK_INT_EQ(-1, t->cpus[1].cur_khz);
	CHECK_INT_EQ(-1, t->cpus[1].max_khz);
	CHECK_INT_EQ(-1, t->nodes[0].mem_total_kb);
	CHECK(t->smt_active); /* no smt/active: derived from the siblings */
}

/* The running machine: whatever it is, the online count must match libc's. */
static void test_real_machine(void)
{
	_cleanup_(topology_freep) struct topology *t = NULL;
	_cleanup_json_ json_t *full = NULL, *sum = NULL;
	int r;

	if (access("/sys/devices/system/cpu", F_OK) < 0) {
		printf("no /sys/devices/system/cpu, skipping the real machine\n");
		return;
	}
	r = topology_load("/", &t);
	CHECK_INT_EQ(0, r);
	if (r < 0)
		return;
	CHECK_INT_EQ(sysconf(_SC_NPROCESSORS_ONLN), t->nr_online);
	CHECK(t->nr_nodes >= 1);
	CHECK(t->nr_cpus >= t->nr_online);
	for (int c = 0; c < t->nr_cpus; c++)
		if (t->cpus[c].online)
			CHECK(t->cpus[c].node_id >= 0);
	CHECK_INT_EQ(0, topology_to_json(t, TOPO_DETAIL_FULL, true, &full));
	CHECK_INT_EQ(0, topology_to_json(t, TOPO_DETAIL_SUMMARY, false, &sum));
}

int main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE-DIR (tests/fixtures/topology)\n", argv[0]);
		return EXIT_FAILURE;
	}
	test_cpulist();
	test_2socket(argv[1]);
	test_single_cpu(argv[1]);
	test_malformed(argv[1]);
	test_real_machine();
	return test_result("test-topology");
}
