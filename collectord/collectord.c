/* collectord.c: main: parse arguments, create the manager, start it, notify READY, run the loop. */
#include "build-config.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "manager.h"

static void help(void)
{
	printf("Usage: collectord [OPTIONS]\n"
	       "Scheduler data collector for schedmcp (runs as root, usually socket-activated).\n\n"
	       "  --foreground           run in the foreground, log to stderr (the default without systemd)\n"
	       "  --socket PATH          bind PATH when not socket-activated (default %s)\n"
	       "  --socket-group GROUP   group that may read (default: collectord, or root if it is missing)\n"
	       "  --socket-mode MODE     octal mode of a socket we bind (default 0660)\n"
	       "  --config FILE          configuration file (default %s)\n"
	       "  --exit-on-idle SECS    exit after SECS without clients (for socket activation)\n"
	       "  --log-level LEVEL      error, warning, notice, info or debug (default info)\n"
	       "  --sysfs-root DIR       read /sys and /proc under DIR (tests)\n"
	       "  --no-bpf               do not load BPF programs (tests of the socket layer)\n"
	       "  --bpf-attach KIND      auto (tp_btf where it attaches, else raw_tp) or raw_tp\n"
	       "  --version              print the version\n"
	       "  --help                 this text\n",
	       DEFAULT_SOCKET_PATH, DEFAULT_CONFIG_PATH);
}

enum {
	ARG_FOREGROUND = 0x100,
	ARG_SOCKET,
	ARG_SOCKET_GROUP,
	ARG_SOCKET_MODE,
	ARG_CONFIG,
	ARG_EXIT_ON_IDLE,
	ARG_LOG_LEVEL,
	ARG_SYSFS_ROOT,
	ARG_NO_BPF,
	ARG_BPF_ATTACH,
	ARG_VERSION,
	ARG_HELP,
};

static int parse_uint(const char *s, unsigned long max, int base, unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct manager_options *o, int *log_level)
{
	static const struct option options[] = {
		{ "foreground", no_argument, NULL, ARG_FOREGROUND },
		{ "socket", required_argument, NULL, ARG_SOCKET },
		{ "socket-group", required_argument, NULL, ARG_SOCKET_GROUP },
		{ "socket-mode", required_argument, NULL, ARG_SOCKET_MODE },
		{ "config", required_argument, NULL, ARG_CONFIG },
		{ "exit-on-idle", required_argument, NULL, ARG_EXIT_ON_IDLE },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
		{ "sysfs-root", required_argument, NULL, ARG_SYSFS_ROOT },
		{ "no-bpf", no_argument, NULL, ARG_NO_BPF },
		{ "bpf-attach", required_argument, NULL, ARG_BPF_ATTACH },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "help", no_argument, NULL, ARG_HELP },
		{}
	};
	unsigned long v;
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		switch (c) {
		case ARG_FOREGROUND:
			break; /* there is no daemonizing mode: systemd does that */
		case ARG_SOCKET:
			o->socket_path = optarg;
			break;
		case ARG_SOCKET_GROUP:
			o->socket_group = optarg;
			break;
		case ARG_SOCKET_MODE:
			if (parse_uint(optarg, 0777, 8, &v) < 0)
				return log_error_errno(-EINVAL, "bad --socket-mode '%s': expected octal, e.g. 0660", optarg);
			o->socket_mode = (mode_t)v;
			break;
		case ARG_CONFIG:
			o->config_path = optarg;
			break;
		case ARG_EXIT_ON_IDLE:
			if (parse_uint(optarg, 86400 * 365, 10, &v) < 0)
				return log_error_errno(-EINVAL, "bad --exit-on-idle '%s': expected seconds", optarg);
			o->exit_on_idle_sec = (unsigned)v;
			break;
		case ARG_LOG_LEVEL:
			*log_level = log_level_from_string(optarg);
			if (*log_level < 0)
				return log_error_errno(-EINVAL, "bad --log-level '%s'", optarg);
			break;
		case ARG_SYSFS_ROOT:
			/* "/" and "" both mean the running system */
			o->sysfs_root = strcmp(optarg, "/") == 0 ? "" : optarg;
			break;
		case ARG_NO_BPF:
			o->no_bpf = true;
			break;
		case ARG_BPF_ATTACH:
			/* raw_tp on a kernel that has tp_btf: the fallback path, testable */
			if (strcmp(optarg, "raw_tp") == 0)
				o->force_raw_tp = true;
			else if (strcmp(optarg, "auto") != 0)
				return log_error_errno(-EINVAL, "bad --bpf-attach '%s': auto or raw_tp", optarg);
			break;
		case ARG_VERSION:
			printf("collectord %s\n", PROJECT_VERSION);
			return 0;
		case ARG_HELP:
			help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc)
		return log_error_errno(-EINVAL, "unexpected argument '%s'", argv[optind]);
	return 1;
}

int main(int argc, char **argv)
{
	struct manager_options o = {
		.socket_path = DEFAULT_SOCKET_PATH,
		.socket_mode = 0660,
		.config_path = DEFAULT_CONFIG_PATH,
		.sysfs_root = "",
	};
	struct manager *m = NULL;
	int level = LOG_INFO, r;

	log_setup("collectord", LOG_INFO);
	r = parse_args(argc, argv, &o, &level);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	log_set_max_level(level);
	/* A client that vanishes mid-send must give EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	r = manager_new(&o, &m);
	if (r < 0)
		return 1;
	r = manager_start(m);
	if (r < 0) {
		log_error_errno(r, "start-up failed: %m");
		goto finish;
	}
	r = manager_run(m);
finish:
	manager_free(m);
	return r < 0 ? 1 : 0;
}
