/* probe.c: probe BPF program and map types, attach points, perf events and kernel interfaces. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "procfs.h"
#include "probe.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif
#ifndef DEBUGFS_MAGIC
#define DEBUGFS_MAGIC 0x64626720
#endif

static const char *const feature_names[FEATURE_MAX] = {
	[FEATURE_BTF] = "btf",
	[FEATURE_TP_BTF] = "tp_btf",
	[FEATURE_RAW_TP] = "raw_tp",
	[FEATURE_RINGBUF] = "ringbuf",
	[FEATURE_SCHED_EXT] = "sched_ext",
	[FEATURE_KPROBE] = "kprobe",
	[FEATURE_FENTRY] = "fentry",
	[FEATURE_HW_PMU] = "hw_pmu",
	[FEATURE_PERF_SW] = "perf_sw",
	[FEATURE_BPF_STATS] = "bpf_stats",
	[FEATURE_PSI] = "psi",
	[FEATURE_TRACEFS] = "tracefs",
	[FEATURE_DEBUGFS] = "debugfs",
};

const char *feature_to_string(enum feature f)
{
	return (unsigned)f < FEATURE_MAX ? feature_names[f] : NULL;
}

static void set(struct features *fs, enum feature f, bool available, const char *fmt, ...)
	_printf_(4, 5);
static void set(struct features *fs, enum feature f, bool available, const char *fmt, ...)
{
	va_list ap;

	fs->f[f].available = available;
	fs->f[f].detail[0] = 0;
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(fs->f[f].detail, sizeof(fs->f[f].detail), fmt, ap);
	va_end(ap);
}

/* The smallest valid program: r0 = 0; exit. */
static const struct bpf_insn trivial_insns[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_trivial(enum bpf_prog_type type, enum bpf_attach_type attach, __u32 btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach, .attach_btf_id = btf_id);
	int fd = bpf_prog_load(type, NULL, "GPL", trivial_insns, ELEMENTSOF(trivial_insns), &opts);

	return fd < 0 ? negative_errno() : fd;
}

static void probe_btf_attach(struct features *fs, const struct btf *vmlinux)
{
	_cleanup_close_ int prog = -1, link = -1;
	int id;

	/* tp_btf: a BPF_TRACE_RAW_TP tracing program bound to the tracepoint's
	 * btf_trace_ typedef, attached for a moment. */
	if (!vmlinux) {
		set(fs, FEATURE_TP_BTF, false, "no kernel BTF");
		set(fs, FEATURE_FENTRY, false, "no kernel BTF");
		return;
	}
	id = btf__find_by_name_kind(vmlinux, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	if (id < 0) {
		set(fs, FEATURE_TP_BTF, false, "btf_trace_sched_switch not in kernel BTF");
	} else if ((prog = load_trivial(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, id)) < 0) {
		set(fs, FEATURE_TP_BTF, false, "loading a tp_btf program failed: %s", strerror(-prog));
	} else if ((link = bpf_raw_tracepoint_open(NULL, prog)) < 0) {
		set(fs, FEATURE_TP_BTF, false, "attaching tp_btf/sched_switch failed: %s", strerror(errno));
	} else {
		set(fs, FEATURE_TP_BTF, true, NULL);
	}
	link = safe_close(link);
	prog = safe_close(prog);

	id = btf__find_by_name_kind(vmlinux, "do_nanosleep", BTF_KIND_FUNC);
	if (id < 0) {
		set(fs, FEATURE_FENTRY, false, "do_nanosleep not in kernel BTF");
	} else if ((prog = load_trivial(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id)) < 0) {
		set(fs, FEATURE_FENTRY, false, "loading an fentry program failed: %s", strerror(-prog));
	} else if ((link = bpf_link_create(prog, 0, BPF_TRACE_FENTRY, NULL)) < 0) {
		set(fs, FEATURE_FENTRY, false, "attaching fentry/do_nanosleep refused: %s", strerror(errno));
	} else {
		set(fs, FEATURE_FENTRY, true, NULL);
	}
}

static void probe_raw_tp(struct features *fs)
{
	_cleanup_close_ int prog = load_trivial(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0);
	_cleanup_close_ int link = -1;

	if (prog < 0)
		set(fs, FEATURE_RAW_TP, false, "loading a raw_tp program failed: %s", strerror(-prog));
	else if ((link = bpf_raw_tracepoint_open("sched_switch", prog)) < 0)
		set(fs, FEATURE_RAW_TP, false, "attaching raw_tp/sched_switch failed: %s", strerror(errno));
	else
		set(fs, FEATURE_RAW_TP, true, NULL);
}

static int perf_open(struct perf_event_attr *attr, int cpu)
{
	int fd = (int)syscall(SYS_perf_event_open, attr, cpu == -1 ? 0 : -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? negative_errno() : fd;
}

static void probe_kprobe(struct features *fs, const char *root)
{
	struct perf_event_attr attr = { .size = sizeof(attr), .sample_period = 1, .wakeup_events = 1 };
	_cleanup_close_ int pfd = -1, prog = -1;
	char path[512], buf[32];
	int r;

	/* Creating the kprobe through the PMU and attaching a program is what
	 * a kprobe tracer does; either step may be refused by policy. */
	snprintf(path, sizeof(path), "%s/sys/bus/event_source/devices/kprobe/type", root);
	r = read_small_file(path, buf, sizeof(buf));
	if (r < 0) {
		set(fs, FEATURE_KPROBE, false, "no kprobe PMU (%s: %s)", path, strerror(-r));
		return;
	}
	attr.type = (unsigned)atoi(buf);
	attr.config1 = (__u64)(unsigned long)"do_nanosleep";
	pfd = perf_open(&attr, 0);
	if (pfd < 0) {
		set(fs, FEATURE_KPROBE, false, "creating a kprobe on do_nanosleep refused: %s", strerror(-pfd));
		return;
	}
	prog = load_trivial(BPF_PROG_TYPE_KPROBE, 0, 0);
	if (prog < 0) {
		set(fs, FEATURE_KPROBE, false, "loading a kprobe program failed: %s", strerror(-prog));
		return;
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) < 0) {
		set(fs, FEATURE_KPROBE, false, "attaching a kprobe program refused: %s", strerror(errno));
		return;
	}
	set(fs, FEATURE_KPROBE, true, NULL);
}

static void probe_perf(struct features *fs)
{
	struct perf_event_attr hw = { .size = sizeof(hw), .type = PERF_TYPE_HARDWARE,
				      .config = PERF_COUNT_HW_CPU_CYCLES, .disabled = 1 };
	struct perf_event_attr sw = { .size = sizeof(sw), .type = PERF_TYPE_SOFTWARE,
				      .config = PERF_COUNT_SW_CPU_CLOCK, .disabled = 1 };
	_cleanup_close_ int h = perf_open(&hw, 0), s = perf_open(&sw, 0);

	if (h < 0)
		set(fs, FEATURE_HW_PMU, false, "no hardware PMU: perf_event_open(cpu-cycles) failed: %s",
		    strerror(-h));
	else
		set(fs, FEATURE_HW_PMU, true, NULL);
	if (s < 0)
		set(fs, FEATURE_PERF_SW, false, "perf_event_open(cpu-clock) failed: %s", strerror(-s));
	else
		set(fs, FEATURE_PERF_SW, true, NULL);
}

static void probe_file(struct features *fs, enum feature f, const char *root, const char *rel,
		       const char *why_missing)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (access(path, R_OK) == 0)
		set(fs, f, true, NULL);
	else
		set(fs, f, false, "%s (%s: %s)", why_missing, path, strerror(errno));
}

static void probe_sched_ext(struct features *fs, const char *root)
{
	char path[512], state[64];
	int r;

	snprintf(path, sizeof(path), "%s/sys/kernel/sched_ext/state", root);
	r = read_small_file(path, state, sizeof(state));
	if (r < 0)
		set(fs, FEATURE_SCHED_EXT, false,
		    "kernel built without CONFIG_SCHED_CLASS_EXT (%s: %s)", path, strerror(-r));
	else
		set(fs, FEATURE_SCHED_EXT, true, "state: %s", state);
}

/* Mounts a pseudo file system where systemd's own mount units would. */
static void probe_fs(struct features *fs, enum feature f, const char *root, const char *dir,
		     const char *fstype, long magic, bool mount_missing, bool *ret_mounted)
{
	char path[512];
	struct statfs st;

	snprintf(path, sizeof(path), "%s%s", root, dir);
	if (statfs(path, &st) == 0 && st.f_type == magic) {
		set(fs, f, true, "mounted at %s", path);
		return;
	}
	if (!mount_missing || *root) {
		set(fs, f, false, "%s is not mounted at %s", fstype, path);
		return;
	}
	if (mount("nodev", path, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, NULL) < 0) {
		set(fs, f, false, "%s is not mounted at %s and mounting it failed: %s", fstype, path,
		    strerror(errno));
		return;
	}
	*ret_mounted = true;
	set(fs, f, true, "mounted at %s by collectord", path);
}

static void probe_bpf_stats(struct features *fs)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0) {
		set(fs, FEATURE_BPF_STATS, false, "BPF_ENABLE_STATS refused: %s", strerror(errno));
		return;
	}
	close(fd);
	set(fs, FEATURE_BPF_STATS, true, NULL);
}

void features_probe(struct features *ret, const char *root, bool mount_missing)
{
	struct btf *vmlinux;
	char path[512];

	memset(ret, 0, sizeof(*ret));
	snprintf(path, sizeof(path), "%s/sys/kernel/btf/vmlinux", root);
	probe_file(ret, FEATURE_BTF, root, "/sys/kernel/btf/vmlinux",
		   "kernel built without CONFIG_DEBUG_INFO_BTF");
	vmlinux = ret->f[FEATURE_BTF].available ? btf__parse(path, NULL) : NULL;
	probe_btf_attach(ret, vmlinux);
	btf__free(vmlinux);
	probe_raw_tp(ret);
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) > 0)
		set(ret, FEATURE_RINGBUF, true, NULL);
	else
		set(ret, FEATURE_RINGBUF, false, "BPF ring buffer maps need Linux 5.8 or later");
	probe_sched_ext(ret, root);
	probe_kprobe(ret, root);
	probe_perf(ret);
	probe_bpf_stats(ret);
	probe_file(ret, FEATURE_PSI, root, "/proc/pressure/cpu",
		   "pressure stall information is off (CONFIG_PSI, or psi=0 on the command line)");
	probe_fs(ret, FEATURE_TRACEFS, root, "/sys/kernel/tracing", "tracefs", TRACEFS_MAGIC,
		 mount_missing, &ret->mounted_tracefs);
	probe_fs(ret, FEATURE_DEBUGFS, root, "/sys/kernel/debug", "debugfs", DEBUGFS_MAGIC,
		 mount_missing, &ret->mounted_debugfs);
}

json_t *features_to_json(const struct features *fs)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	for (unsigned i = 0; i < FEATURE_MAX; i++) {
		const struct feature_state *s = &fs->f[i];
		json_t *e = json_pack("{s:b}", "available", s->available);

		if (!e) {
			json_decref(o);
			return NULL;
		}
		if (s->detail[0])
			json_object_set_new(e, s->available ? "note" : "reason", json_string(s->detail));
		json_object_set_new(o, feature_names[i], e);
	}
	return o;
}
