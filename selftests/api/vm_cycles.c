// SPDX-License-Identifier: GPL-2.0
/*
 * 1,000 create/populate/destroy cycles leak nothing measurable.
 *
 * Each cycle makes a VM with one 2 MiB slot over touched anonymous memory
 * and two vCPUs, then closes everything.  The kernel memory a cycle needs
 * is several KiB of slab (the VM, the vCPUs, the slot, two anon-inode files)
 * plus whole pages (per-vCPU control blocks, at least one stage-2 table
 * root), so a per-cycle leak of either kind adds up to megabytes over
 * 1,000 cycles.  The bounds below sit well above the noise of an idle test
 * host and well below the smallest real leak:
 *  - SUnreclaim (unreclaimable slab) may grow by less than 1 MiB: a leak of
 *    one 1 KiB object per cycle already exceeds it;
 *  - the test runs in a memory cgroup of its own, and every per-VM kernel
 *    allocation of mvm is charged to the caller's cgroup (GFP_KERNEL_ACCOUNT):
 *    its memory.current may grow by less than 1 MiB.  That bound covers the
 *    per-CPU charge batches (64 pages per CPU) and is exceeded by one
 *    leaked VM struct, vCPU control block or anon-inode file per cycle;
 *  - MemAvailable, system-wide and noisier (per-CPU free-page lists, other
 *    processes of the test host: 4 MiB of drift was seen on 6.12), may drop
 *    by less than 16 MiB: a leaked or pinned 2 MiB guest slot per cycle
 *    would be 2 GiB.
 * Caches are dropped before both readings; a 50-cycle warm-up first fills
 * the slab caches and per-CPU page lists so their growth is not counted.
 * Nothing here depends on timing; the timeout only allows slow emulation.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"

#define WARMUP		50
#define CYCLES		1000
#define SUNRECLAIM_MAX_KB	1024
#define AVAILABLE_MAX_KB	16384
#define MEMCG_MAX_KB		1024
#define CGROUP_ROOT		"/sys/fs/cgroup"

/* Note the failing step's line; keep its errno across the cleanup. */
#define FAILED() do { ret = __LINE__; err = errno; } while (0)

/* One cycle; 0, or the line of the step that failed (errno: its error). */
static int cycle(int dev)
{
	int vm, vcpu0, vcpu1, ret = 0, err = 0;
	char *mem = mvm_mmap_anon(MVM_2M);

	if (!mem)
		return __LINE__;
	for (size_t off = 0; off < MVM_2M; off += MVM_PAGE)
		mem[off] = 1;
	vm = mvm_create_vm(dev);
	if (vm < 0) {
		FAILED();
		goto err_mem;
	}
	err = mvm_set_region(vm, 0, 0, MVM_2M, (uintptr_t)mem);
	if (err) {
		ret = __LINE__;
		goto err_vm;
	}
	vcpu0 = mvm_create_vcpu(vm, 0);
	if (vcpu0 < 0) {
		FAILED();
		goto err_vm;
	}
	vcpu1 = mvm_create_vcpu(vm, 1);
	if (vcpu1 < 0)
		FAILED();
	else
		close(vcpu1);
	close(vcpu0);
err_vm:
	close(vm);
err_mem:
	munmap(mem, MVM_2M);
	errno = err;
	return ret;
}

struct counters {
	long unreclaim, slab, available, memcg;
};

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (int)strlen(s) ? 0 : -1;
}

/*
 * Moves this process into a fresh child of the cgroup2 root with the memory
 * controller; fills path with its directory.  -1 when that is not possible
 * (not root, no cgroup2, no memory controller): the memcg check is skipped.
 */
static int enter_memcg(char *path, size_t len)
{
	char pid[32];

	if (write_str(CGROUP_ROOT "/cgroup.subtree_control", "+memory"))
		return -1;
	snprintf(path, len, CGROUP_ROOT "/mvm-cycles-%d", getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	snprintf(pid, sizeof(pid), "%d", getpid());
	strncat(path, "/cgroup.procs", len - strlen(path) - 1);
	if (write_str(path, pid)) {
		path[strlen(path) - strlen("/cgroup.procs")] = 0;
		rmdir(path);
		return -1;
	}
	path[strlen(path) - strlen("/cgroup.procs")] = 0;
	return 0;
}

static void leave_memcg(const char *path)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_str(CGROUP_ROOT "/cgroup.procs", pid);
	rmdir(path);
}

static long memcg_current_kb(const char *path)
{
	char file[256], buf[64];
	long v = -1;
	int fd, n;

	snprintf(file, sizeof(file), "%s/memory.current", path);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		v = atol(buf) / 1024;
	}
	return v;
}

static void read_counters(struct counters *c, const char *memcg)
{
	mvm_drop_caches();
	c->unreclaim = mvm_meminfo_kb("SUnreclaim");
	c->slab = mvm_meminfo_kb("Slab");
	c->available = mvm_meminfo_kb("MemAvailable");
	c->memcg = memcg ? memcg_current_kb(memcg) : -1;
}

/* A fixture only for its timeout: TEST() has none in this harness. */
FIXTURE(cycles) {
	int unused;
};

FIXTURE_SETUP(cycles)
{
}

FIXTURE_TEARDOWN(cycles)
{
}

TEST_F_TIMEOUT(cycles, no_leak, 900)
{
	struct counters before, after;
	char cg[128];
	const char *memcg = NULL;
	long base;
	int dev, line;

	base = mvm_module_refcnt();
	MVM_OPEN_OR_SKIP(dev);
	if (mvm_cap(dev, MVM_CAP_MAX_VCPUS) < 2)
		SKIP(return, "fewer than 2 vCPUs per VM");

	if (enter_memcg(cg, sizeof(cg)) == 0)
		memcg = cg;
	else
		TH_LOG("no memory cgroup of our own: memcg check skipped");

	for (int i = 0; i < WARMUP; i++) {
		ASSERT_EQ(0, cycle(dev)) TH_LOG("warm-up cycle %d", i);
	}
	read_counters(&before, memcg);
	ASSERT_LE(0, before.unreclaim);
	ASSERT_LE(0, before.available);

	for (int i = 0; i < CYCLES; i++) {
		line = cycle(dev);
		ASSERT_EQ(0, line) TH_LOG("cycle %d failed at line %d: %s",
					  i, line, strerror(errno));
	}
	close(dev);
	MVM_ASSERT_FREED(base);		/* every VM released before measuring */
	read_counters(&after, memcg);
	if (memcg)
		leave_memcg(memcg);

	TH_LOG("%d cycles: SUnreclaim %+ld KiB, Slab %+ld KiB, MemAvailable %+ld KiB, memcg %+ld KiB",
	       CYCLES, after.unreclaim - before.unreclaim,
	       after.slab - before.slab, after.available - before.available,
	       memcg ? after.memcg - before.memcg : 0);
	ASSERT_GT(SUNRECLAIM_MAX_KB, after.unreclaim - before.unreclaim);
	ASSERT_GT(AVAILABLE_MAX_KB, before.available - after.available);
	if (memcg) {
		ASSERT_LE(0, before.memcg);
		ASSERT_GT(MEMCG_MAX_KB, after.memcg - before.memcg);
	}
}

TEST_HARNESS_MAIN
