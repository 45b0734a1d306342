// SPDX-License-Identifier: GPL-2.0
/*
 * MVM_RUN holds the vCPU's lock while its guest halts with interrupts on,
 * which the guest can make last for ever.  Another thread's vCPU ioctl
 * then waits, but never in an unkillable sleep: the host's hung-task
 * detector (which reports only those) says nothing about it, and a fatal
 * signal ends the process at once.  The detector is set to a 1 s timeout
 * for the test and put back after.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>

#include "kselftest_harness.h"
#include "mvm_util.h"

#define HUNG_TIMEOUT	"/proc/sys/kernel/hung_task_timeout_secs"
#define HUNG_WARNINGS	"/proc/sys/kernel/hung_task_warnings"
#define WAITER		"mvm-lockwaiter"

static int vcpu_fd;

static void *waiter(void *unused)
{
	struct mvm_regs r;

	prctl(PR_SET_NAME, WAITER);
	ioctl(vcpu_fd, MVM_GET_REGS, &r);
	return NULL;
}

/* A guest at 0: sti; hlt; jmp back.  Nothing ever wakes it. */
static int child(void)
{
	static const uint8_t code[] = { 0xfb, 0xf4, 0xeb, 0xfd };
	struct mvm_sregs s;
	struct mvm_regs r;
	pthread_t t;
	uint8_t *mem;
	int dev, vm;

	dev = open(MVM_DEV, O_RDWR | O_CLOEXEC);
	CHILD_CHECK(dev >= 0);
	vm = mvm_create_vm(dev);
	vcpu_fd = mvm_create_vcpu(vm, 0);
	mem = mvm_mmap_anon(MVM_PAGE);
	CHILD_CHECK(vm >= 0 && vcpu_fd >= 0 && mem);
	memcpy(mem, code, sizeof(code));
	CHILD_CHECK(mvm_set_region(vm, 0, 0, MVM_PAGE, (uintptr_t)mem) == 0);
	CHILD_CHECK(ioctl(vcpu_fd, MVM_GET_SREGS, &s) == 0);
	s.cs.selector = 0;
	s.cs.base = 0;
	CHILD_CHECK(ioctl(vcpu_fd, MVM_SET_SREGS, &s) == 0);
	CHILD_CHECK(ioctl(vcpu_fd, MVM_GET_REGS, &r) == 0);
	r.rip = 0;
	CHILD_CHECK(ioctl(vcpu_fd, MVM_SET_REGS, &r) == 0);
	CHILD_CHECK(pthread_create(&t, NULL, waiter, NULL) == 0);
	/* Usually the waiter comes second; either way one of them waits. */
	ioctl(vcpu_fd, MVM_RUN, 0UL);
	return 1;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static int read_str(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	return 0;
}

/* Did the kernel log, since @kmsg was opened, a hung-task report of the waiter? */
static bool hung_report(int kmsg)
{
	char rec[2048];
	ssize_t n;
	bool seen = false;

	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, "blocked for more than") && strstr(rec, WAITER))
			seen = true;
	}
	return seen;
}

TEST(waiting_vcpu_ioctl_is_killable)
{
	char old_timeout[32], old_warn[32];
	int dev, kmsg, st;
	long base;
	pid_t pid;

	base = mvm_module_refcnt();
	MVM_OPEN_OR_SKIP(dev);
	close(dev);
	if (read_str(HUNG_TIMEOUT, old_timeout, sizeof(old_timeout)) ||
	    read_str(HUNG_WARNINGS, old_warn, sizeof(old_warn)))
		SKIP(return, "no hung-task detector in this kernel");
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg < 0)
		SKIP(return, "no /dev/kmsg: %s", strerror(errno));
	lseek(kmsg, 0, SEEK_END);
	ASSERT_EQ(0, write_str(HUNG_WARNINGS, "-1"));
	ASSERT_EQ(0, write_str(HUNG_TIMEOUT, "1"));

	pid = mvm_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child());
	/* Long enough for several passes of the detector. */
	mvm_sleep_ms(5000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	st = mvm_wait_child(pid);
	write_str(HUNG_TIMEOUT, old_timeout);
	write_str(HUNG_WARNINGS, old_warn);

	ASSERT_EQ(128 + SIGKILL, st);
	EXPECT_FALSE(hung_report(kmsg))
		TH_LOG("the waiting thread slept unkillably (hung-task report)");
	close(kmsg);
	MVM_ASSERT_FREED(base);
}

TEST_HARNESS_MAIN
