/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cgroup2 memory group of the test's own: make it, move a process into
 * it, read its counters.  Header-only, host side.  Needs root and cgroup2
 * on /sys/fs/cgroup (scripts/vmtest-guest mounts it); every call returns
 * -1 when that is not there, and the test decides whether to skip.
 */
#ifndef MVM_SELFTEST_MEMCG_H
#define MVM_SELFTEST_MEMCG_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEMCG_ROOT	"/sys/fs/cgroup"

static inline int memcg_write(const char *dir, const char *file,
			      const char *val)
{
	char path[256];
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (int)strlen(val) ? 0 : -1;
}

/* The first number in @file ("memory.current"), or -1. */
static inline long long memcg_read(const char *dir, const char *file)
{
	char path[256], buf[64];
	long long v = -1;
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		v = atoll(buf);
	}
	return v;
}

/* The value of "@key N" in a flat-keyed file (memory.events), or -1. */
static inline long long memcg_key(const char *dir, const char *file,
				  const char *key)
{
	char path[256], line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ' ') {
			v = atoll(line + n + 1);
			break;
		}
	}
	fclose(f);
	return v;
}

/* A fresh child of the root with the memory controller: its path in @dir. */
static inline int memcg_create(char *dir, size_t len, const char *name)
{
	if (memcg_write(MEMCG_ROOT, "cgroup.subtree_control", "+memory"))
		return -1;
	snprintf(dir, len, MEMCG_ROOT "/%s-%d", name, getpid());
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

/* Move the calling process into @dir (NULL: back to the root). */
static inline int memcg_enter(const char *dir)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return memcg_write(dir ? dir : MEMCG_ROOT, "cgroup.procs", pid);
}

/* Remove @dir; the caller and every other member must have left it. */
static inline void memcg_remove(const char *dir)
{
	rmdir(dir);
}

#endif /* MVM_SELFTEST_MEMCG_H */
