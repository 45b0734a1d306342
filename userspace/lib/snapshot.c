// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: snapshots of a whole machine (the layout is in snapshot.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "snapshot.h"

#define MEMORY_FILE	"memory"
#define STATE_FILE	"state"
#define CHUNK		(1U << 20)	/* CRC-32 and zero-page scan per MiB */

/* ---- Save ---- */

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	ssize_t w;

	while (n) {
		w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int zero_page(const uint8_t *p)
{
	static const uint8_t zero[MVM_PAGE_SIZE];

	return !memcmp(p, zero, MVM_PAGE_SIZE);
}

/* RAM into dir/memory.tmp: zero pages as holes; its CRC-32 in *crc. */
static int save_memory(const struct mvm_machine *m, int dir, uint32_t *crc)
{
	uLong c = crc32(0L, Z_NULL, 0);
	uint64_t off;
	int fd, err;

	/* Read-only: a restore maps it, and must not see it change. */
	fd = openat(dir, MEMORY_FILE ".tmp", O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0400);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)m->ram_size) < 0)
		goto err;
	for (off = 0; off < m->ram_size; off += MVM_PAGE_SIZE) {
		const uint8_t *p = m->ram + off;

		c = crc32(c, p, MVM_PAGE_SIZE);
		if (zero_page(p))
			continue;
		if (lseek(fd, (off_t)off, SEEK_SET) < 0 ||
		    write_all(fd, p, MVM_PAGE_SIZE) < 0)
			goto err;
	}
	if (fsync(fd) < 0)
		goto err;
	*crc = (uint32_t)c;
	return close(fd);
err:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static void put_machine(const struct mvm_machine *m, uint32_t crc,
			struct mvm_state *s)
{
	unsigned int i;

	mvm_state_begin(s, MVM_STATE_MACHINE, "machine", 0);
	mvm_state_put_u32(s, m->kind);
	mvm_state_put_u32(s, m->nr_vcpus);
	mvm_state_put_u64(s, m->ram_size);
	mvm_state_put_u32(s, crc);
	mvm_state_put_u32(s, m->nr_regions);
	for (i = 0; i < m->nr_regions; i++) {
		mvm_state_put_u64(s, m->regions[i].gpa);
		mvm_state_put_u64(s, m->regions[i].size);
		mvm_state_put_u64(s, m->regions[i].offset);
	}
	mvm_state_end(s);
}

/* Everything but the memory, into s: the machine lock held, paused. */
static int capture(struct mvm_machine *m, uint32_t crc, struct mvm_state *s)
{
	mvm_state_put_header(s);
	put_machine(m, crc, s);
	return mvm_machine_save_state(m, s);
}

/* A file of the snapshot, written whole under .tmp, then renamed. */
static int write_state(int dir, const struct mvm_state *s)
{
	int fd = openat(dir, STATE_FILE ".tmp", O_WRONLY | O_CREAT | O_EXCL |
			O_CLOEXEC, 0400), err;

	if (fd < 0)
		return -1;
	if (write_all(fd, s->buf, s->len) < 0 || fsync(fd) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

int mvm_snapshot_save(struct mvm_machine *m, const char *path)
{
	struct mvm_state s;
	uint32_t crc = 0;
	int dir = -1, err, r = -1;

	mvm_state_init(&s);
	/*
	 * Held from the first byte to the last: the input thread and the
	 * devices change nothing (no interrupt lands in a local APIC
	 * already saved), and the vCPUs stay parked (a resume needs it).
	 */
	pthread_mutex_lock(&m->lock);
	if (!mvm_machine_paused(m)) {
		errno = EBUSY;
		goto out_unlock;
	}
	if (mkdir(path, 0700) < 0)
		goto out_unlock;
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || save_memory(m, dir, &crc) < 0 || capture(m, crc, &s) < 0 ||
	    write_state(dir, &s) < 0)
		goto err;
	/* The state file last: its presence says the snapshot is whole. */
	if (renameat(dir, MEMORY_FILE ".tmp", dir, MEMORY_FILE) < 0 ||
	    fsync(dir) < 0 ||
	    renameat(dir, STATE_FILE ".tmp", dir, STATE_FILE) < 0 ||
	    fsync(dir) < 0)
		goto err;
	r = 0;
	goto out_close;

err:
	err = errno;
	if (!s.err && !err)
		err = EIO;
	if (s.err)
		err = s.err;
	if (dir >= 0) {
		unlinkat(dir, STATE_FILE, 0);
		unlinkat(dir, STATE_FILE ".tmp", 0);
		unlinkat(dir, MEMORY_FILE ".tmp", 0);
		unlinkat(dir, MEMORY_FILE, 0);
	}
	rmdir(path);
	errno = err;
out_close:
	if (dir >= 0)
		close(dir);
out_unlock:
	pthread_mutex_unlock(&m->lock);
	err = errno;
	mvm_state_free(&s);
	errno = err;
	return r;
}

/* ---- Restore ---- */

static int fail(const char **why, const char *what, int err)
{
	*why = what;
	errno = err;
	return -1;
}

static int read_file(int dir, const char *name, uint8_t **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto err;
	if (!S_ISREG(st.st_mode) || st.st_size > (1 << 30)) {
		errno = EINVAL;
		goto err;
	}
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf)
		goto err;
	while (got < (size_t)st.st_size) {
		n = read(fd, *buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			free(*buf);
			goto err;
		}
		got += (size_t)n;
	}
	*len = got;
	return close(fd);
err:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* The machine section's values, each as a machine could have them. */
static int get_machine(struct mvm_snapshot *snap, const char **why)
{
	struct mvm_state *s = &snap->s;
	struct mvm_state_section sec;
	unsigned int i;

	if (mvm_state_next(s, &sec) != 1 || sec.type != MVM_STATE_MACHINE ||
	    strcmp(sec.name, "machine") || sec.instance)
		return fail(why, "the state file does not start with the machine", EBADMSG);
	mvm_state_get_u32(s, &snap->kind);
	mvm_state_get_u32_max(s, &snap->nr_vcpus, MVM_SNAPSHOT_MAX_VCPUS);
	mvm_state_get_u64(s, &snap->ram_size);
	mvm_state_get_u32(s, &snap->memory_crc);
	mvm_state_get_u32_max(s, &snap->nr_regions, MVM_SNAPSHOT_MAX_REGIONS);
	for (i = 0; i < snap->nr_regions && !s->err; i++) {
		struct mvm_ram_region *r = &snap->regions[i];

		mvm_state_get_u64(s, &r->gpa);
		mvm_state_get_u64(s, &r->size);
		mvm_state_get_u64(s, &r->offset);
		r->slot = i;
		if (r->offset > snap->ram_size ||
		    r->size > snap->ram_size - r->offset)
			return fail(why, "a RAM region lies outside the memory", EBADMSG);
	}
	if (mvm_state_done(s) < 0 || !snap->nr_vcpus || !snap->ram_size ||
	    snap->ram_size % MVM_PAGE_SIZE || !snap->nr_regions)
		return fail(why, "the machine section is not one", EBADMSG);
	return 0;
}

int mvm_snapshot_open(struct mvm_snapshot *snap, const char *dir,
		      const char **why)
{
	struct mvm_state_section sec;
	struct mvm_state check;
	int r, err;

	memset(snap, 0, sizeof(*snap));
	snap->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (snap->dir_fd < 0)
		return fail(why, "cannot open the snapshot directory", errno);
	if (read_file(snap->dir_fd, STATE_FILE, &snap->buf, &snap->len) < 0) {
		err = errno;
		close(snap->dir_fd);
		snap->dir_fd = -1;
		return fail(why, "cannot read its state file", err);
	}
	/* Every section's length and checksum, before anything is used. */
	mvm_state_init_read(&check, snap->buf, snap->len);
	if (mvm_state_get_header(&check) < 0) {
		err = errno;
		mvm_snapshot_close(snap);
		return fail(why, err == EPROTONOSUPPORT ?
			    "the state file is of another format version" :
			    "the state file is not an mvm snapshot", err);
	}
	while ((r = mvm_state_next(&check, &sec)) == 1)
		;
	if (r < 0) {
		mvm_snapshot_close(snap);
		return fail(why, "the state file is truncated or corrupt (a section's length or checksum is wrong)", EBADMSG);
	}
	mvm_state_init_read(&snap->s, snap->buf, snap->len);
	mvm_state_get_header(&snap->s);
	if (get_machine(snap, why) < 0) {
		err = errno;
		mvm_snapshot_close(snap);
		errno = err;
		return -1;
	}
	return 0;
}

int mvm_snapshot_map_ram(struct mvm_snapshot *snap, struct mvm_machine *m,
			 int verify, const char **why)
{
	struct stat st;
	uint32_t i;
	void *p;
	int fd, err;

	fd = openat(snap->dir_fd, MEMORY_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(why, "cannot open its memory file", errno);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != snap->ram_size) {
		close(fd);
		return fail(why, "the memory file is not the size the state says", EBADMSG);
	}
	/* Private: the guest's writes are its own; the file never changes. */
	p = mmap(NULL, snap->ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 fd, 0);
	err = errno;
	close(fd);
	if (p == MAP_FAILED)
		return fail(why, "cannot map the memory file", err);
	m->ram = p;
	m->ram_size = snap->ram_size;
	m->ram_mapped = 1;
	if (verify) {
		uLong c = crc32(0L, Z_NULL, 0);
		uint64_t off;

		for (off = 0; off < snap->ram_size; off += CHUNK) {
			uint64_t n = snap->ram_size - off;

			c = crc32(c, m->ram + off, n < CHUNK ? (uInt)n : CHUNK);
		}
		if ((uint32_t)c != snap->memory_crc)
			return fail(why, "the memory file's checksum is wrong", EBADMSG);
	}
	for (i = 0; i < snap->nr_regions; i++) {
		const struct mvm_ram_region *r = &snap->regions[i];

		if (mvm_machine_add_region(m, r->gpa, r->offset, r->size) < 0)
			return fail(why, "a RAM region cannot be placed", EBADMSG);
	}
	return 0;
}

int mvm_snapshot_load(struct mvm_snapshot *snap, struct mvm_machine *m,
		      const char **why)
{
	struct mvm_state_section sec;

	if (m->nr_vcpus != snap->nr_vcpus || m->kind != snap->kind)
		return fail(why, "the machine is not the snapshot's", EINVAL);
	if (mvm_machine_load_state(m, &snap->s, why) < 0)
		return -1;
	if (mvm_state_next(&snap->s, &sec) != 0)
		return fail(why, "the state file has sections this mvm does not know", EBADMSG);
	return 0;
}

void mvm_snapshot_close(struct mvm_snapshot *snap)
{
	free(snap->buf);
	snap->buf = NULL;
	if (snap->dir_fd >= 0)
		close(snap->dir_fd);
	snap->dir_fd = -1;
}
