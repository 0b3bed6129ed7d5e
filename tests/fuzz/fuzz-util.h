/* fuzz-util.h: what the libFuzzer targets share: exact-size text copies, input cutting, scratch trees,
 * checks. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken invariant: says which, then aborts so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                                             \
	do {                                                                                         \
		if (!(cond)) {                                                                       \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                     \
		}                                                                                    \
	} while (0)

/* A NUL-terminated copy of exactly size bytes (+1), so ASan sees any read past the text. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s);
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

/* Cuts the input at the first sep byte: returns the part before it and leaves *data and
 * *size at the rest (empty when there is no sep). The part is an exact-size copy. */
static inline char *fuzz_cut(const uint8_t **data, size_t *size, uint8_t sep)
{
	const uint8_t *p = memchr(*data, sep, *size);
	size_t n = p ? (size_t)(p - *data) : *size;
	char *s = fuzz_text(*data, n);

	*data += p ? n + 1 : n;
	*size -= p ? n + 1 : n;
	return s;
}

/* Takes up to 8 bytes as a little-endian number (fewer at the end of the input). */
static inline uint64_t fuzz_take(const uint8_t **data, size_t *size, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i<n && * size> 0; i++, (*data)++, (*size)--)
		v |= (uint64_t) * *data << (8 * i);
	return v;
}

static int fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Removes a tree under the scratch directory (the directory itself too). */
static inline void fuzz_rm_tree(const char *path)
{
	nftw(path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char fuzz_scratch_dir[256];

static void fuzz_scratch_remove(void)
{
	if (fuzz_scratch_dir[0])
		fuzz_rm_tree(fuzz_scratch_dir);
}

/* This process's scratch directory, on tmpfs when /dev/shm is there; removed at exit. */
static inline const char *fuzz_scratch(void)
{
	if (!fuzz_scratch_dir[0]) {
		const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ?: "/tmp";

		snprintf(fuzz_scratch_dir, sizeof(fuzz_scratch_dir), "%s/schedmcp-fuzz.XXXXXX", base);
		FUZZ_CHECK(mkdtemp(fuzz_scratch_dir));
		atexit(fuzz_scratch_remove);
	}
	return fuzz_scratch_dir;
}

/* Writes ROOT/REL, making ROOT and REL's parents; REL must not climb out (checked by the caller). */
static inline int fuzz_write_file(const char *root, const char *rel, const void *data, size_t len)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		return -errno;
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*s = '/';
			return -errno;
		}
		*s = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (len && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

/* A relative path of plain names: no empty, "." or ".." component, no leading '/'. */
static inline bool fuzz_path_ok(const char *rel)
{
	const char *p = rel;

	if (!*rel || strlen(rel) > 200)
		return false;
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

/* Builds a tree under ROOT from "PATH=CONTENT" records separated by NUL bytes, PATH
 * relative to ROOT/prefix; at most max_files files, bad paths skipped. */
static inline void fuzz_tree(const char *root, const char *prefix, const uint8_t *data, size_t size,
			     unsigned max_files)
{
	for (unsigned n = 0; size > 0 && n < max_files; n++) {
		char *rec = fuzz_cut(&data, &size, 0), *eq = strchr(rec, '='), rel[512];

		if (eq) {
			*eq = 0;
			if (fuzz_path_ok(rec) &&
			    (size_t)snprintf(rel, sizeof(rel), "%s%s", prefix, rec) < sizeof(rel))
				fuzz_write_file(root, rel, eq + 1, strlen(eq + 1));
		}
		free(rec);
	}
}

/* A JSON value a reader will get: it serializes, and the text loads back equal. */
static inline void fuzz_check_json(const json_t *j)
{
	char *text;
	json_t *back;

	FUZZ_CHECK(j);
	text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	FUZZ_CHECK(text);
	back = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(back);
	FUZZ_CHECK(json_equal(j, back));
	json_decref(back);
	free(text);
}
