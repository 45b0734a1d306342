/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mvm selftests: reach /dev/mvm or skip, build VMs,
 * map memory, pass descriptors between processes and read the kernel's
 * memory counters.  Header-only: every suite file is one binary.
 *
 * The harness in use (linux-source-6.1) runs a TEST_F body even when its
 * FIXTURE_SETUP called SKIP(), so tests skip from their own body through
 * MVM_OPEN_OR_SKIP() and never from a fixture setup.
 */
#ifndef MVM_SELFTEST_UTIL_H
#define MVM_SELFTEST_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mvm.h>

#define MVM_DEV		"/dev/mvm"
#define MVM_REFCNT	"/sys/module/mvm/refcnt"
#define MVM_PAGE	4096ULL
#define MVM_2M		(2ULL << 20)

/* 0 when the call succeeded, else its errno: ASSERT_EQ(EINVAL, mvm_err(...)). */
static inline int mvm_err(long ret)
{
	return ret < 0 ? errno : 0;
}

/*
 * Open /dev/mvm into @fd, or SKIP the calling test when the module is not
 * there (no node, a stale node, or no permission to use it).
 */
#define MVM_OPEN_OR_SKIP(fd) do {					\
	(fd) = open(MVM_DEV, O_RDWR | O_CLOEXEC);			\
	if ((fd) < 0 && (errno == ENOENT || errno == ENODEV ||		\
			 errno == ENXIO || errno == EACCES ||		\
			 errno == EPERM))				\
		SKIP(return, MVM_DEV " unavailable: %s", strerror(errno)); \
	ASSERT_LE(0, (fd)) TH_LOG("open " MVM_DEV ": %s", strerror(errno)); \
} while (0)

static inline long mvm_cap(int dev, unsigned long cap)
{
	return ioctl(dev, MVM_CHECK_EXTENSION, cap);
}

static inline int mvm_create_vm(int dev)
{
	return ioctl(dev, MVM_CREATE_VM, 0UL);
}

static inline int mvm_create_vcpu(int vm, unsigned long id)
{
	return ioctl(vm, MVM_CREATE_VCPU, id);
}

/* A VM with the in-kernel irqchip; -1 (errno set) if either call fails. */
static inline int mvm_create_irqchip_vm(int dev)
{
	int vm = mvm_create_vm(dev);

	if (vm >= 0 && ioctl(vm, MVM_CREATE_IRQCHIP, 0UL)) {
		int e = errno;

		close(vm);
		errno = e;
		return -1;
	}
	return vm;
}

/* Returns 0 or the errno of MVM_SET_MEMORY_REGION. */
static inline int mvm_set_region(int vm, __u32 slot, __u64 gpa, __u64 size,
				 __u64 uaddr)
{
	struct mvm_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = uaddr,
	};

	return mvm_err(ioctl(vm, MVM_SET_MEMORY_REGION, &r));
}

static inline int mvm_delete_region(int vm, __u32 slot)
{
	return mvm_set_region(vm, slot, 0, 0, 0);
}

/* Anonymous read-write memory, or NULL. */
static inline void *mvm_mmap_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A user address range of @size bytes that is certainly not mapped. */
static inline __u64 mvm_unmapped_range(size_t size)
{
	void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return 0;
	munmap(p, size);
	return (__u64)(uintptr_t)p;
}

static inline int mvm_is_cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);

	return f >= 0 && (f & FD_CLOEXEC);
}

/*
 * Checks inside a process the test forked: the harness's ASSERT_* would
 * longjmp into the parent's copy of the test, so a child reports on stderr
 * and exits non-zero instead, and the test asserts on mvm_wait_child().
 */
#define CHILD_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# child %d: %s:%d: failed: %s (errno %d)\n", \
			getpid(), __FILE__, __LINE__, #cond, errno);	\
		_exit(1);						\
	}								\
} while (0)

/* fork() with the stdio buffers flushed, so nothing is printed twice. */
static inline pid_t mvm_fork(void)
{
	fflush(NULL);
	return fork();
}

/* The child's exit status, 128 + signal when killed, -1 when lost. */
static inline int mvm_wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- counters ---- */

/* A /proc/meminfo field in KiB ("SUnreclaim"), or -1. */
static inline long mvm_meminfo_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			val = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* Best effort: needs root, and its failure only makes the counters noisier. */
static inline void mvm_drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	sync();
	if (fd < 0)
		return;
	if (write(fd, "3\n", 2) < 0)
		(void)0;
	close(fd);
}

/* mvm.ko's reference count, or -1 when the kernel does not show it. */
static inline long mvm_module_refcnt(void)
{
	char buf[32];
	long val = -1;
	int fd = open(MVM_REFCNT, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		val = strtol(buf, NULL, 10);
	}
	close(fd);
	return val;
}

static inline void mvm_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Wait (up to @secs) until the module holds no more references than
 * @baseline, i.e. every VM made since @baseline was read has been freed.
 * The kernel may finish a release asynchronously, so this polls; it waits
 * for a state, it does not measure time.  Returns the last count read (-1:
 * unknown, the caller cannot check).
 */
static inline long mvm_wait_refcnt(long baseline, int secs)
{
	long c = mvm_module_refcnt();

	for (int i = 0; c > baseline && i < secs * 20; i++) {
		mvm_sleep_ms(50);
		c = mvm_module_refcnt();
	}
	return c;
}

/* Wait (up to @secs) until @path exists (@want 1) or is gone (@want 0). */
static inline int mvm_wait_path(const char *path, int want, int secs)
{
	struct stat st;

	for (int i = 0; i <= secs * 20; i++) {
		if ((stat(path, &st) == 0) == !!want)
			return 0;
		mvm_sleep_ms(50);
	}
	return -1;
}

/* ---- passing descriptors (SCM_RIGHTS) and one-byte handshakes ---- */

static inline int mvm_send_fds(int sock, const int *fds, int n)
{
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = CMSG_SPACE(sizeof(int) * n),
	};
	struct cmsghdr *c;

	if (n < 1 || n > 8)
		return -1;
	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Receives exactly @n descriptors (close-on-exec) into @fds. */
static inline int mvm_recv_fds(int sock, int *fds, int n)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;

	if (n < 1 || n > 8 || recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int) * n))
		return -1;
	memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
	return 0;
}

static inline int mvm_signal(int sock, char c)
{
	return write(sock, &c, 1) == 1 ? 0 : -1;
}

/* Waits for one byte; returns it, or -1 on EOF/error. */
static inline int mvm_wait_signal(int sock)
{
	char c;

	return read(sock, &c, 1) == 1 ? (unsigned char)c : -1;
}

/*
 * Liveness through the module's reference count: every open mvm descriptor
 * keeps mvm.ko loaded (mvm-api.md: no unload while a VM exists), so with
 * @baseline read before a test opened anything, "count > baseline" means
 * something of the test is still alive and "count <= baseline" that it has
 * all been freed.  Both checks are skipped (logged) when the kernel does
 * not show the count.
 */
#define MVM_ASSERT_ALIVE(baseline) do {					\
	if ((baseline) >= 0) {						\
		ASSERT_LT((baseline), mvm_module_refcnt())		\
			TH_LOG("nothing holds mvm.ko: the VM was freed early"); \
	}								\
} while (0)

#define MVM_ASSERT_FREED(baseline) do {					\
	if ((baseline) >= 0) {						\
		ASSERT_GE((baseline), mvm_wait_refcnt((baseline), 5))	\
			TH_LOG("mvm.ko still referenced: VM not freed");\
	} else {							\
		TH_LOG("no " MVM_REFCNT ": cannot check the VM was freed"); \
	}								\
} while (0)

#endif /* MVM_SELFTEST_UTIL_H */
