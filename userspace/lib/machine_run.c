// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: running a machine, one thread per vCPU.
 *
 * The calling thread waits for a stop: a device's request through the
 * machine's wake eventfd, or SIGINT/SIGTERM/SIGHUP through a signalfd
 * (those are blocked in every thread while the machine runs, so no vCPU
 * thread takes them).  Then it kicks every vCPU out of MVM_RUN
 * (immediate_exit, and SIGUSR1 for one waiting in the kernel) and joins
 * them.  vCPUs other than 0 of a guest that starts them by INIT/SIPI wait
 * in the kernel, so all threads start at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "libmvm.h"

static void on_kick(int sig)
{
	(void)sig;	/* only there to make MVM_RUN return EINTR */
}

static void stop_locked(struct mvm_machine *m, int status, const char *why)
{
	pthread_mutex_lock(&m->lock);
	mvm_machine_stop(m, status, why);
	pthread_mutex_unlock(&m->lock);
}

/* ---- Pausing ---- */

/*
 * Out of MVM_RUN, and out of a pause if the machine is stopping.  Lock
 * held: started and thread do not change under it, and no thread is
 * joined before the machine is stopping, which is set under it too.
 */
static void kick_all_locked(struct mvm_machine *m)
{
	unsigned int i;

	pthread_cond_broadcast(&m->cond);
	for (i = 0; i < m->nr_vcpus; i++) {
		if (!m->vcpus[i].started)
			continue;
		mvm_vcpu_kick(&m->vcpus[i].v);
		pthread_kill(m->vcpus[i].thread, SIGUSR1);
	}
}

void mvm_machine_pause_by(struct mvm_machine *m, unsigned int who)
{
	pthread_mutex_lock(&m->lock);
	if (!mvm_machine_stopping(m)) {
		__atomic_fetch_or(&m->pause_req, (int)who, __ATOMIC_SEQ_CST);
		kick_all_locked(m);
	}
	while (m->parked < m->running && !mvm_machine_stopping(m))
		pthread_cond_wait(&m->cond, &m->lock);
	pthread_mutex_unlock(&m->lock);
}

void mvm_machine_resume_by(struct mvm_machine *m, unsigned int who)
{
	pthread_mutex_lock(&m->lock);
	__atomic_fetch_and(&m->pause_req, ~(int)who, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

void mvm_machine_pause(struct mvm_machine *m)
{
	mvm_machine_pause_by(m, MVM_PAUSE_USER);
}

void mvm_machine_resume(struct mvm_machine *m)
{
	mvm_machine_resume_by(m, MVM_PAUSE_USER);
}

int mvm_machine_paused(const struct mvm_machine *m)
{
	return m->pause_req && m->parked == m->running &&
	       !mvm_machine_stopping(m);
}

int mvm_machine_user_paused(const struct mvm_machine *m)
{
	return (m->pause_req & MVM_PAUSE_USER) && !mvm_machine_stopping(m);
}

void mvm_machine_park(struct mvm_machine *m)
{
	pthread_mutex_lock(&m->lock);
	m->parked++;
	pthread_cond_broadcast(&m->cond);
	while (m->pause_req && !mvm_machine_stopping(m) && !m->stop_signal)
		pthread_cond_wait(&m->cond, &m->lock);
	m->parked--;
	pthread_mutex_unlock(&m->lock);
}

/* ---- Throttling ---- */

#define THROTTLE_SLICE_NS	10000000LL	/* running, between holds */

static void sleep_ns(long long ns)
{
	struct timespec t = { .tv_sec = ns / 1000000000LL,
			      .tv_nsec = ns % 1000000000LL };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/*
 * Run a slice, hold for pct / (100 - pct) slices, and again: the vCPUs
 * run (100 - pct) % of the time.  Ends when pct goes to 0 or the machine
 * stops.
 */
static void *throttle_main(void *arg)
{
	struct mvm_machine *m = arg;
	unsigned int pct;

	for (;;) {
		sleep_ns(THROTTLE_SLICE_NS);
		pthread_mutex_lock(&m->lock);
		pct = m->throttle_pct;
		if (!pct || mvm_machine_stopping(m)) {
			m->throttle_running = 0;
			pthread_mutex_unlock(&m->lock);
			return NULL;
		}
		pthread_mutex_unlock(&m->lock);
		mvm_machine_pause_by(m, MVM_PAUSE_THROTTLE);
		sleep_ns(THROTTLE_SLICE_NS * pct / (100 - pct));
		mvm_machine_resume_by(m, MVM_PAUSE_THROTTLE);
	}
}

int mvm_machine_throttle(struct mvm_machine *m, unsigned int pct)
{
	pthread_t old = 0;
	int err = 0, join = 0;

	if (pct > 99)
		pct = 99;
	pthread_mutex_lock(&m->lock);
	m->throttle_pct = pct;
	if (pct && !m->throttle_running) {
		/* A thread that ended by itself is joined first. */
		if (m->throttle_thread) {
			old = m->throttle_thread;
			m->throttle_thread = 0;
			pthread_mutex_unlock(&m->lock);
			pthread_join(old, NULL);
			pthread_mutex_lock(&m->lock);
		}
		err = mvm_thread_create_nosig(&m->throttle_thread,
					      throttle_main, m);
		if (err)
			m->throttle_thread = 0;
		else
			m->throttle_running = 1;
	} else if (!pct && m->throttle_thread) {
		join = 1;
		old = m->throttle_thread;
		m->throttle_thread = 0;
	}
	pthread_mutex_unlock(&m->lock);
	if (join)
		pthread_join(old, NULL);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---- vCPU threads ---- */

static void *vcpu_main(void *arg)
{
	struct mvm_machine_vcpu *t = arg;
	struct mvm_machine *m = t->m;
	struct mvm_stop st;
	sigset_t kick;

	/* The kick must reach MVM_RUN, whatever mask mvm was started with. */
	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	mvm_vcpu_run_loop(m, &t->v, &st);
	pthread_mutex_lock(&m->lock);
	m->running--;
	pthread_cond_broadcast(&m->cond);	/* a pauser waits for one less */
	pthread_mutex_unlock(&m->lock);
	switch (st.reason) {
	case MVM_STOP_POWEROFF:
	case MVM_STOP_SIGNAL:
		break;
	case MVM_STOP_HALT:
		/*
		 * HLT with interrupts off parks this vCPU for good: Linux
		 * stops the other CPUs this way before it powers off, so
		 * the machine only ends when every vCPU is parked.
		 */
		pthread_mutex_lock(&m->lock);
		if (++m->halted == m->nr_vcpus) {
			snprintf(m->reason_buf, sizeof(m->reason_buf),
				 "guest halted (HLT with interrupts off, rip 0x%" PRIx64 ")",
				 (uint64_t)st.regs.rip);
			mvm_machine_stop(m, 0, m->reason_buf);
		}
		pthread_mutex_unlock(&m->lock);
		break;
	case MVM_STOP_SHUTDOWN:
		stop_locked(m, 1, "guest triple fault");
		break;
	default:
		if (mvm_machine_stopping(m))
			break;	/* torn down under it: not news */
		if (m->hooks && m->hooks->vcpu_failed)
			m->hooks->vcpu_failed(m, t->v.id, &st);
		/* Said already: an empty reason adds nothing. */
		stop_locked(m, 1, "");
		break;
	}
	return NULL;
}

/* Block the stop signals (every thread inherits that) and read them. */
static int setup_signals(struct mvm_machine *m, sigset_t *old)
{
	struct sigaction kick = { .sa_handler = on_kick };
	sigset_t set;

	/* No SA_RESTART: MVM_RUN must return EINTR. */
	sigemptyset(&kick.sa_mask);
	if (sigaction(SIGUSR1, &kick, NULL) < 0 ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	errno = pthread_sigmask(SIG_BLOCK, &set, old);
	if (errno)
		return -1;
	m->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (m->sig_fd < 0) {
		pthread_sigmask(SIG_SETMASK, old, NULL);
		return -1;
	}
	return 0;
}

/* Wait for a stop request or a signal; returns the signal or 0. */
static int wait_for_stop(struct mvm_machine *m)
{
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = m->wake_fd, .events = POLLIN },
			{ .fd = m->sig_fd, .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (mvm_machine_stopping(m))
			return 0;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if ((p[1].revents & POLLIN) &&
		    read(m->sig_fd, &si, sizeof(si)) == sizeof(si))
			return (int)si.ssi_signo;
		if (p[0].revents & POLLIN)
			return 0;
	}
}

/*
 * The end of a run: stop (with status 1 when not every vCPU started),
 * kick and join the threads, give the signals back.
 */
static void finish(struct mvm_machine *m, int sig, int failed)
{
	unsigned int i;

	/*
	 * Stopping from here on (a signal sets no stop request: make one),
	 * so no pause kicks a thread once the joins begin.
	 */
	pthread_mutex_lock(&m->lock);
	if (sig)
		m->stop_signal = sig;
	mvm_machine_stop(m, failed, failed ? "" : NULL);
	kick_all_locked(m);
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < m->nr_vcpus; i++) {
		if (m->vcpus[i].started)
			pthread_join(m->vcpus[i].thread, NULL);
		m->vcpus[i].started = 0;
	}

	close(m->sig_fd);
	m->sig_fd = -1;
	pthread_sigmask(SIG_SETMASK, &m->run_sigmask, NULL);
	signal(SIGUSR1, SIG_DFL);
	/* Stopped for good: a stop the input thread asks for writes nothing. */
	pthread_mutex_lock(&m->lock);
	close(m->wake_fd);
	m->wake_fd = -1;
	pthread_mutex_unlock(&m->lock);
}

int mvm_machine_start(struct mvm_machine *m)
{
	unsigned int i;
	int err = 0;

	m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->wake_fd < 0)
		goto err;
	if (setup_signals(m, &m->run_sigmask) < 0)
		goto err_wake;

	/* Under the lock: a pause that kicks sees each thread whole. */
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nr_vcpus; i++) {
		m->running++;
		err = mvm_thread_create(&m->vcpus[i].thread, vcpu_main,
					&m->vcpus[i]);
		if (err) {
			m->running--;
			break;
		}
		m->vcpus[i].started = 1;
	}
	pthread_mutex_unlock(&m->lock);
	if (err) {
		finish(m, 0, 1);
		errno = err;
		return -1;
	}
	return 0;

err_wake:
	err = errno;
	close(m->wake_fd);
	m->wake_fd = -1;
	errno = err;
err:
	stop_locked(m, 1, "");
	return -1;
}

int mvm_machine_wait(struct mvm_machine *m)
{
	int sig = wait_for_stop(m);

	finish(m, sig, 0);
	return sig;
}

int mvm_machine_run(struct mvm_machine *m)
{
	if (mvm_machine_start(m) < 0)
		return -1;
	return mvm_machine_wait(m);
}
