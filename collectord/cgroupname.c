/* cgroupname.c: a bounded breadth-first walk of the cgroup2 tree, matching directory inode numbers to ids. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroupname.h"
#include "macro.h"

static size_t match(struct cgroup_name *ids, size_t n, uint64_t ino, const char *rel)
{
	size_t found = 0;

	for (size_t i = 0; i < n; i++)
		if (ids[i].id == ino && !ids[i].path) {
			ids[i].path = strdup(*rel ? rel : "/");
			found += ids[i].path != NULL;
		}
	return found;
}

int cgroup_names_resolve(const char *root, struct cgroup_name *ids, size_t n)
{
	char base[512];
	char **queue;
	size_t head = 0, tail = 0, seen = 0, found = 0, missing = n;
	struct stat st;

	snprintf(base, sizeof(base), "%s/sys/fs/cgroup", root ? root : "");
	if (stat(base, &st) < 0)
		return -errno;
	queue = calloc(CGROUPNAME_MAX_DIRS + 1, sizeof(*queue));
	if (!queue)
		return -ENOMEM;
	queue[tail++] = strdup("");
	found += match(ids, n, (uint64_t)st.st_ino, "");
	while (head < tail && found < missing) {
		_cleanup_free_ char *rel = queue[head++];
		char dir[4096];
		DIR *d;
		struct dirent *e;

		if (!rel)
			continue;
		snprintf(dir, sizeof(dir), "%s%s", base, rel);
		d = opendir(dir);
		if (!d)
			continue;
		while ((e = readdir(d)) && seen < CGROUPNAME_MAX_DIRS) {
			char child[4096];

			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			seen++;
			if (snprintf(child, sizeof(child), "%s/%s", rel, e->d_name) >= (int)sizeof(child))
				continue;
			found += match(ids, n, (uint64_t)e->d_ino, child);
			if (tail < CGROUPNAME_MAX_DIRS)
				queue[tail++] = strdup(child);
		}
		closedir(d);
	}
	while (head < tail)
		free(queue[head++]);
	free(queue);
	return (int)found;
}

void cgroup_names_done(struct cgroup_name *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ids[i].path);
		ids[i].path = NULL;
	}
}
