/* cgroupname.h: cgroup v2 ids, as BPF reports them (kernfs inode numbers), turned into paths. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CGROUPNAME_MAX_DIRS 20000 /* a walk looks at no more directories than this */

struct cgroup_name {
	uint64_t id;
	char *path; /* "/system.slice/foo.service"; NULL when not found */
};

/* Resolves ids[] (any order, duplicates allowed) by one bounded walk of the
 * cgroup2 mount at root + "/sys/fs/cgroup". Paths the walk did not reach stay
 * NULL. Returns the number resolved, or a negative errno when the hierarchy
 * cannot be read. */
int cgroup_names_resolve(const char *root, struct cgroup_name *ids, size_t n);
void cgroup_names_done(struct cgroup_name *ids, size_t n);
