/* proctab.c: per-profile process and thread records, captured while they live so exited ones still resolve. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "procfs.h"
#include "proctab.h"

#define PROCTAB_MAX_PROCS 65536
#define PROCTAB_MAX_THREADS 262144

static bool proc_eq(const void *item, const void *key)
{
	return ((const struct proc_info *)item)->tgid == *(const pid_t *)key;
}

static bool thread_eq(const void *item, const void *key)
{
	return ((const struct thread_info *)item)->pid == *(const pid_t *)key;
}

struct proc_info *proctab_proc(struct proctab *t, pid_t tgid, bool create)
{
	uint64_t h = hash_u64((uint64_t)tgid);
	struct proc_info *p = hashmap_find(&t->procs, h, proc_eq, &tgid);

	if (p || !create || t->procs.n >= PROCTAB_MAX_PROCS)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tgid = tgid;
	if (hashmap_put(&t->procs, h, p) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

static void read_comm(const char *root, pid_t pid, char *buf)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (procfs_read(root, path, 64, &text, &len) < 0)
		return;
	text[strcspn(text, "\n")] = 0;
	snprintf(buf, PROCTAB_COMM_LEN, "%s", text);
}

int proctab_snapshot(struct proctab *t, pid_t tgid)
{
	struct proc_info *p = proctab_proc(t, tgid, true);
	int r;

	if (!p)
		return -ENOMEM;
	p->snapshot_tried = true;
	r = procmaps_load(t->root ? t->root : "", tgid, &p->maps);
	if (r < 0) {
		t->snapshot_failures++;
		if (r == -ENOENT || r == -ESRCH)
			p->exited = true;
		return r;
	}
	if (!p->comm[0])
		read_comm(t->root ? t->root : "", tgid, p->comm);
	p->snapshotted = true;
	t->snapshots++;
	return 0;
}

int proctab_set_comm(struct proctab *t, pid_t pid, pid_t tgid, const char *comm)
{
	uint64_t h = hash_u64((uint64_t)pid);
	struct thread_info *th = hashmap_find(&t->threads, h, thread_eq, &pid);
	struct proc_info *p;

	if (!th) {
		if (t->threads.n >= PROCTAB_MAX_THREADS)
			return -ENOSPC;
		th = calloc(1, sizeof(*th));
		if (!th || hashmap_put(&t->threads, h, th) < 0) {
			free(th);
			return -ENOMEM;
		}
		th->pid = pid;
	}
	th->tgid = tgid;
	snprintf(th->comm, sizeof(th->comm), "%s", comm);
	if (pid == tgid && comm[0] && (p = proctab_proc(t, tgid, true)))
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	return 0;
}

void proctab_note_thread(struct proctab *t, pid_t pid, pid_t tgid)
{
	char comm[PROCTAB_COMM_LEN] = "";

	if (pid <= 0 || hashmap_find(&t->threads, hash_u64((uint64_t)pid), thread_eq, &pid))
		return;
	read_comm(t->root ? t->root : "", pid, comm);
	proctab_set_comm(t, pid, tgid, comm); /* "" when gone: the process's name is used */
}

const char *proctab_comm(const struct proctab *t, pid_t pid, pid_t tgid)
{
	const struct thread_info *th = hashmap_find(&t->threads, hash_u64((uint64_t)pid), thread_eq, &pid);
	const struct proc_info *p;

	if (th && th->comm[0])
		return th->comm;
	p = hashmap_find(&t->procs, hash_u64((uint64_t)tgid), proc_eq, &tgid);
	if (p && p->comm[0])
		return p->comm;
	return tgid == 0 ? "swapper" : "[unknown]";
}

bool proctab_alive(const struct proctab *t, pid_t tgid)
{
	const struct proc_info *p = hashmap_find(&t->procs, hash_u64((uint64_t)tgid), proc_eq, &tgid);

	if (t->root && t->root[0])
		return false;
	if (p && p->exited)
		return false;
	return tgid > 0 && (kill(tgid, 0) == 0 || errno == EPERM);
}

static void proc_free(void *item)
{
	struct proc_info *p = item;

	procmaps_clear(&p->maps);
	free(p);
}

void proctab_clear(struct proctab *t)
{
	hashmap_clear(&t->procs, proc_free);
	hashmap_clear(&t->threads, free);
}
