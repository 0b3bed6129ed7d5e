/* test-bpfprogs.c: unit tests for bpfprogs.c: the pure helpers, and (as root) a program of our own. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpfprogs.h"
#include "json-util.h"
#include "test-util.h"

static void check_kind(unsigned type, const char *btf_name, const char *kind, const char *target)
{
	const char *t = NULL, *k = bpfprogs_attach_kind(type, btf_name, &t);

	if (!kind) {
		CHECK(k == NULL);
		return;
	}
	CHECK_STR_EQ(kind, k);
	CHECK_STR_EQ(target, t);
}

static void test_helpers(void)
{
	const char *fdinfo = "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nprog_type:\t26\n"
			     "prog_jited:\t1\nprog_tag:\tc06ce23c55380c3b\nmemlock:\t4096\nprog_id:\t519\n";
	uint64_t v = 0;

	check_kind(BPF_PROG_TYPE_TRACING, "btf_trace_sched_switch", "tp_btf", "sched_switch");
	check_kind(BPF_PROG_TYPE_TRACING, "bpf_iter_task", "iter", "task");
	check_kind(BPF_PROG_TYPE_TRACING, "do_nanosleep", "function", "do_nanosleep");
	check_kind(BPF_PROG_TYPE_LSM, "bpf_lsm_file_open", "lsm", "file_open");
	check_kind(BPF_PROG_TYPE_EXT, "handler", "freplace", "handler");
	check_kind(BPF_PROG_TYPE_STRUCT_OPS, "sched_ext_ops", "struct_ops", "sched_ext_ops");
	check_kind(BPF_PROG_TYPE_KPROBE, "whatever", NULL, NULL);
	check_kind(BPF_PROG_TYPE_TRACING, NULL, NULL, NULL);
	check_kind(BPF_PROG_TYPE_TRACING, "", NULL, NULL);

	CHECK_STR_EQ("struct_ops (sched_ext scheduler)",
		     bpfprogs_type_string(BPF_PROG_TYPE_STRUCT_OPS, "sched_ext_ops"));
	CHECK_STR_EQ("struct_ops", bpfprogs_type_string(BPF_PROG_TYPE_STRUCT_OPS, "tcp_congestion_ops"));
	CHECK_STR_EQ("tracing", bpfprogs_type_string(BPF_PROG_TYPE_TRACING, NULL));
	CHECK_STR_EQ("socket_filter", bpfprogs_type_string(BPF_PROG_TYPE_SOCKET_FILTER, NULL));
	CHECK_STR_EQ("unknown", bpfprogs_type_string(9999, NULL));

	CHECK_INT_EQ(0, bpfprogs_fdinfo_memlock(fdinfo, &v));
	CHECK_INT_EQ(4096, v);
	CHECK_INT_EQ(-ENOENT, bpfprogs_fdinfo_memlock("pos:\t0\nmemlock_x\n", &v));
	CHECK_INT_EQ(-ENOENT, bpfprogs_fdinfo_memlock("", &v));
}

static const json_t *find_id(const json_t *programs, json_int_t id)
{
	const json_t *p;
	size_t i;

	json_array_foreach (programs, i, p)
		if (json_integer_value(json_object_get(p, "id")) == id)
			return p;
	return NULL;
}

/* Loads a two-instruction socket filter, runs it with statistics on, and looks for it. */
static void test_live(void)
{
	static const struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_test_run_opts, run, .repeat = 10);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	_cleanup_json_ json_t *programs = NULL, *past = NULL;
	_cleanup_free_ char *error = NULL, *error2 = NULL;
	_cleanup_close_ int stats = -1, prog = -1;
	struct page all = { 0, PAGE_LIMIT_MAX }, beyond;
	unsigned char pkt[64] = { 0 };
	const json_t *p;
	uint64_t total = 0, total2 = 0;
	int r;

	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	prog = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "h6_test_prog", "GPL", insns, 2, NULL);
	if (stats < 0 || prog < 0) {
		printf("SKIP live part: cannot load a BPF program (%s)\n", strerror(errno));
		return;
	}
	run.data_in = pkt;
	run.data_size_in = sizeof(pkt);
	CHECK_INT_EQ(0, bpf_prog_test_run_opts(prog, &run));
	CHECK_INT_EQ(0, bpf_obj_get_info_by_fd(prog, &info, &len));

	r = bpfprogs_list(&all, &programs, &total, &error);
	CHECK_INT_EQ(0, r);
	CHECK(total >= 1);
	p = find_id(programs, info.id);
	CHECK(p != NULL);
	if (p) {
		CHECK_STR_EQ("h6_test_prog", json_string_value(json_object_get(p, "name")));
		CHECK_STR_EQ("socket_filter", json_string_value(json_object_get(p, "type")));
		CHECK(json_integer_value(json_object_get(p, "run_cnt")) >= 10);
		CHECK(json_is_integer(json_object_get(p, "ns_per_run")));
		CHECK_INT_EQ(2, json_integer_value(json_object_get(p, "verified_insns")));
		CHECK(json_integer_value(json_object_get(p, "memlock_bytes")) > 0);
		CHECK_INT_EQ(0, json_integer_value(json_object_get(p, "nr_maps")));
		CHECK(json_real_value(json_object_get(p, "loaded_s_ago")) < 60);
		CHECK(strlen(json_string_value(json_object_get(p, "loaded_at"))) == 20);
		CHECK(json_object_get(p, "attach") == NULL);
	}
	beyond = (struct page){ total + 5, 10 };
	CHECK_INT_EQ(0, bpfprogs_list(&beyond, &past, &total2, &error2));
	CHECK_INT_EQ(0, json_array_size(past));
	CHECK(total2 >= 1);
}

int main(void)
{
	test_helpers();
	if (geteuid() == 0)
		test_live();
	else
		printf("SKIP live part: needs root to load BPF programs\n");
	return test_result("test-bpfprogs");
}
