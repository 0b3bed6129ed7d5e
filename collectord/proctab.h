/* proctab.h: what a profile knows of the processes and threads it sampled: names and memory maps. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hashmap.h"
#include "procmaps.h"

#define PROCTAB_COMM_LEN 16

struct proc_info {
	pid_t tgid;
	char comm[PROCTAB_COMM_LEN];
	struct proc_maps maps;
	bool snapshotted;    /* maps read from /proc at least once */
	bool snapshot_tried; /* ... or tried: not tried again for every sample */
	bool exited;      /* an EXIT record, or /proc/PID was gone */
};

struct thread_info {
	pid_t pid, tgid;
	char comm[PROCTAB_COMM_LEN];
};

struct proctab {
	const char *root; /* "" for the running system */
	struct hashmap procs, threads;
	unsigned snapshots, snapshot_failures;
};

struct proc_info *proctab_proc(struct proctab *t, pid_t tgid, bool create);
/* Reads /proc/TGID/maps and comm now; marks the process exited when it is gone. */
int proctab_snapshot(struct proctab *t, pid_t tgid);
/* A thread's name (COMM records, BPF's comm); exec also renames the process. */
int proctab_set_comm(struct proctab *t, pid_t pid, pid_t tgid, const char *comm);
/* A thread seen in a sample: its name read from /proc the first time. */
void proctab_note_thread(struct proctab *t, pid_t pid, pid_t tgid);
const char *proctab_comm(const struct proctab *t, pid_t pid, pid_t tgid);
/* Whether /proc/TGID may still be used for the process captured. */
bool proctab_alive(const struct proctab *t, pid_t tgid);
void proctab_clear(struct proctab *t);
