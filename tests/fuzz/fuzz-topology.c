/* fuzz-topology.c: libFuzzer target for the sysfs topology reader: cpu lists and a whole fuzzed sysfs tree.
 *
 * Input: one byte choosing the bitmap size, a cpu list up to the first NUL byte, then the tree:
 * "PATH=CONTENT" records separated by NUL bytes, PATH under ROOT/sys/devices/system/ (see
 * fuzz-util.h). Checked: a cpu list that parses prints (cpulist_format) to a list that parses to
 * the same set, and a refused one leaves the bitmap alone; a tree topology_load() accepts is
 * consistent (every cpu's LLC, core and node exist, SMT siblings ascend,
 * counts add up) and its JSON, in every detail, serializes and loads back equal. */
#include "fuzz-util.h"
#include "topology.h"

static const unsigned sizes[] = {1, 2, 63, 64, 65, 128, 1000, TOPO_MAX_CPUS};

static void check_cpulist(const char *s, unsigned nr_bits)
{
	unsigned long a[CPULIST_LONGS(TOPO_MAX_CPUS)], b[CPULIST_LONGS(TOPO_MAX_CPUS)];
	size_t bytes = CPULIST_LONGS(nr_bits) * sizeof(unsigned long);
	char *text = NULL;
	int n, m;

	memset(a, 0x5a, sizeof(a));
	n = cpulist_parse(s, nr_bits, a);
	if (n < 0) {
		FUZZ_CHECK(n == -EINVAL || n == -ERANGE);
		for (size_t i = 0; i < ELEMENTSOF(a); i++)
			FUZZ_CHECK(a[i] == (unsigned long)0x5a5a5a5a5a5a5a5aull);
		return;
	}
	FUZZ_CHECK((unsigned)n <= nr_bits);
	FUZZ_CHECK(cpulist_format(a, nr_bits, &text) == 0);
	m = cpulist_parse(text, nr_bits, b);
	FUZZ_CHECK(m == n && memcmp(a, b, bytes) == 0);
	free(text);
}

static void check_topology(const struct topology *t)
{
	int online = 0;

	FUZZ_CHECK(t->nr_cpus >= 1 && t->nr_cpus <= TOPO_MAX_CPUS && t->nr_online >= 1);
	FUZZ_CHECK(t->nr_nodes >= 1 && t->nr_nodes <= TOPO_MAX_NODES);
	for (int c = 0; c < t->nr_cpus; c++) {
		const struct topo_cpu *cpu = &t->cpus[c];

		FUZZ_CHECK(cpu->id == c);
		online += cpu->online;
		FUZZ_CHECK(cpu->llc_id >= -1 && cpu->llc_id < t->nr_llcs);
		FUZZ_CHECK(cpu->core_index >= -1 && cpu->core_index < t->nr_cores);
		FUZZ_CHECK(cpu->node_id == -1 || topology_node_index(t, cpu->node_id) >= 0);
		for (unsigned i = 0; i < cpu->smt_sibling_count; i++) {
			FUZZ_CHECK(cpu->smt_siblings[i] >= 0 && cpu->smt_siblings[i] < t->nr_cpus);
			FUZZ_CHECK(i == 0 || cpu->smt_siblings[i] > cpu->smt_siblings[i - 1]);
		}
	}
	FUZZ_CHECK(online == t->nr_online);
	for (int i = 0; i < t->nr_llcs; i++)
		for (int k = 0; k < t->llcs[i].nr_cpus; k++)
			FUZZ_CHECK(t->cpus[t->llcs[i].cpus[k]].llc_id == i);
	for (int i = 0; i < t->nr_cores; i++)
		for (int k = 0; k < t->cores[i].nr_cpus; k++)
			FUZZ_CHECK(t->cpus[t->cores[i].cpus[k]].core_index == i);
	for (int i = 0; i < t->nr_nodes; i++) {
		FUZZ_CHECK(i == 0 || t->nodes[i].id > t->nodes[i - 1].id);
		for (int k = 0; k < t->nodes[i].nr_cpus; k++)
			FUZZ_CHECK(t->cpus[t->nodes[i].cpus[k]].node_id == t->nodes[i].id);
	}
	for (int d = 0; d < TOPO_DETAIL_MAX; d++)
		for (int off = 0; off < 2; off++) {
			json_t *j = NULL;

			FUZZ_CHECK(topology_to_json(t, d, off, &j) == 0);
			fuzz_check_json(j);
			json_decref(j);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned nr_bits = sizes[fuzz_take(&data, &size, 1) % ELEMENTSOF(sizes)];
	char *list = fuzz_cut(&data, &size, 0), root[300];
	struct topology *t = NULL;
	int r;

	check_cpulist(list, nr_bits);
	free(list);
	snprintf(root, sizeof(root), "%s/root", fuzz_scratch());
	fuzz_tree(root, "sys/devices/system/", data, size, 256);
	r = topology_load(root, &t);
	if (r == 0) {
		check_topology(t);
		topology_free(t);
	} else {
		FUZZ_CHECK(r < 0 && !t);
	}
	fuzz_rm_tree(root);
	return 0;
}
