// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the source of a live migration (the stream is in migrate.h).
 *
 * One thread does it all.  Logging goes on, then rounds: the first sends
 * all of RAM, each next one what the guest wrote during the last, while
 * the guest runs.  When what is left would go in the downtime target at
 * the bandwidth seen so far, rounds go on only while they pay: while the
 * last one at least halved what is left and more than SMALL_LEFT is (a
 * round is short then, and every page it sends is one less in the pause);
 * then the vCPUs are paused, the rest goes with the machine's state, and
 * the destination says whether it took it.  A
 * guest that writes faster than the link is throttled (auto-converge):
 * held 20 % of the time, then 10 % more each round it still outruns it,
 * up to 99 %.  On any failure logging goes off, the throttle and the
 * pause end, and the guest runs on; nothing of it was changed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migrate.h"

#define THROTTLE_FIRST	20
#define THROTTLE_STEP	10
#define THROTTLE_MAX	99
/* Rounds at the largest throttle before the last one goes regardless. */
#define ROUNDS_AT_MAX	5
/* Left for the pause: small enough that a further round is not worth it. */
#define SMALL_LEFT	(64ULL << 10)
/* Rounds, once the rest fits the target, that may still halve it. */
#define ROUNDS_AFTER_FIT	4

struct mvm_migration {
	struct mvm_machine *m;
	struct mvm_migrate_opts o;
	mvm_mig_done_fn done;
	void *done_arg;
	pthread_t thread;
	int cancel;			/* atomic: a cancel, or the machine's end */
	pthread_mutex_t lock;		/* covers p */
	struct mvm_mig_progress p;

	/* The thread's own */
	struct mvm_state_io io;
	struct mvm_state s;		/* the section being sent */
	uint64_t *todo;			/* RAM pages to send */
	uint64_t pages_sent, ram_sections;
	int64_t t0, round_t0;
	uint64_t round_bytes0;
	uint64_t send_ns;		/* time spent sending, for the bandwidth */
	int paused;
};

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void set_error(struct mvm_migration *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct mvm_migration *g, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&g->lock);
	if (!g->p.error[0]) {
		va_start(ap, fmt);
		vsnprintf(g->p.error, sizeof(g->p.error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&g->lock);
}

/* Say what went wrong with the connection, in words. */
static void io_error(struct mvm_migration *g, const char *doing)
{
	int err = errno;

	if (err == ECANCELED)
		set_error(g, "cancelled");
	else if (err == ETIMEDOUT)
		set_error(g, "%s: nothing moved for %u s", doing, g->o.timeout_s);
	else if (err == EPROTO)
		set_error(g, "%s: the destination closed the connection", doing);
	else
		set_error(g, "%s: %s", doing, strerror(err));
}

/*
 * Sending failed: a destination that refused the stream says why before
 * it closes (a REPLY), so read that if it came, else say what failed.
 */
static void peer_error(struct mvm_migration *g)
{
	char msg[256];
	int err = errno, status;

	if (err == EPIPE || err == ECONNRESET) {
		g->io.timeout_ms = 1000;
		status = mvm_mig_recv_reply(&g->io, msg, sizeof(msg));
		if (status > 0) {
			set_error(g, "the destination refused the stream: %s", msg);
			return;
		}
	}
	errno = err;
	io_error(g, "sending");
}

/*
 * The destination's answer: 0 for a yes; else -1, with what failed
 * while waiting, or what it refused and why, said.
 */
static int await_reply(struct mvm_migration *g, const char *waiting,
		       const char *refused)
{
	char msg[256];
	int status = mvm_mig_recv_reply(&g->io, msg, sizeof(msg));

	if (status < 0) {
		io_error(g, waiting);
		return -1;
	}
	if (status) {
		set_error(g, "the destination refused %s: %s", refused, msg);
		return -1;
	}
	return 0;
}

/* ---- Sending ---- */

static void put_hello(struct mvm_machine *m, struct mvm_state *s)
{
	const struct mvm_vcpu *v = &m->vcpus[0].v;
	unsigned long khz = 0;
	unsigned int i;

	mvm_check_extension(m->dev_fd, MVM_CAP_TSC_KHZ, &khz);
	mvm_state_put_header(s);
	mvm_state_begin(s, MVM_STATE_HELLO, "hello", 0);
	mvm_state_put_u32(s, m->kind);
	mvm_state_put_u32(s, m->nr_vcpus);
	mvm_state_put_u64(s, m->ram_size);
	mvm_state_put_u32(s, m->nr_regions);
	for (i = 0; i < m->nr_regions; i++) {
		mvm_state_put_u64(s, m->regions[i].gpa);
		mvm_state_put_u64(s, m->regions[i].size);
		mvm_state_put_u64(s, m->regions[i].offset);
	}
	mvm_state_put_u64(s, khz);
	mvm_state_put_u32(s, v->nr_cpuid);
	for (i = 0; i < v->nr_cpuid; i++) {
		const struct mvm_cpuid_entry *e = &v->cpuid[i];

		mvm_state_put_u32(s, e->function);
		mvm_state_put_u32(s, e->index);
		mvm_state_put_u32(s, e->flags);
		mvm_state_put_u32(s, e->eax);
		mvm_state_put_u32(s, e->ebx);
		mvm_state_put_u32(s, e->ecx);
		mvm_state_put_u32(s, e->edx);
	}
	mvm_state_end(s);
}

/* Hold the stream to max_bandwidth: sleep off what this round is ahead. */
static void rate_limit(struct mvm_migration *g)
{
	uint64_t bytes = g->io.bytes - g->round_bytes0;
	int64_t due, ahead;

	if (!g->o.max_bandwidth)
		return;
	due = (int64_t)(bytes * 1000000000ULL / g->o.max_bandwidth);
	ahead = due - (now_ns() - g->round_t0);
	if (ahead > 0) {
		struct timespec t = { .tv_sec = ahead / 1000000000LL,
				      .tv_nsec = ahead % 1000000000LL };

		nanosleep(&t, NULL);
	}
}

static int send_section(struct mvm_migration *g)
{
	int64_t t = now_ns();
	int r;

	r = mvm_state_end(&g->s) < 0 ? -1 : mvm_state_io_send(&g->io, &g->s);
	mvm_state_reset(&g->s);
	g->send_ns += (uint64_t)(now_ns() - t);
	if (r < 0) {
		peer_error(g);
		return -1;
	}
	pthread_mutex_lock(&g->lock);
	g->p.sent = g->io.bytes;
	pthread_mutex_unlock(&g->lock);
	rate_limit(g);
	return 0;
}

static int zero_page(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < MVM_PAGE_SIZE / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

static int todo(const struct mvm_migration *g, uint64_t page)
{
	return (g->todo[page / 64] >> (page % 64)) & 1;
}

/*
 * Send every page marked in todo, clearing the marks: runs of pages of
 * data, MVM_MIG_RAM_MAX_PAGES a section at most, and runs of zero pages
 * without their bytes.
 */
static int send_pages(struct mvm_migration *g)
{
	uint64_t pages = g->m->ram_size / MVM_PAGE_SIZE, p = 0, n, i;
	const uint8_t *ram = g->m->ram;
	int zero;

	while (p < pages) {
		if (!g->todo[p / 64]) {
			p = (p / 64 + 1) * 64;
			continue;
		}
		if (!todo(g, p)) {
			p++;
			continue;
		}
		if (__atomic_load_n(&g->cancel, __ATOMIC_ACQUIRE)) {
			set_error(g, "cancelled");
			return -1;
		}
		zero = zero_page(ram + p * MVM_PAGE_SIZE);
		for (n = 1; p + n < pages && todo(g, p + n) &&
		     (zero || n < MVM_MIG_RAM_MAX_PAGES) &&
		     zero == zero_page(ram + (p + n) * MVM_PAGE_SIZE); n++)
			;
		mvm_state_begin(&g->s, MVM_STATE_RAM, "ram", 0);
		mvm_state_put_u64(&g->s, p * MVM_PAGE_SIZE);
		mvm_state_put_u32(&g->s, (uint32_t)n);
		mvm_state_put_u32(&g->s, zero ? MVM_MIG_RAM_ZERO : 0);
		if (!zero)
			mvm_state_put_bytes(&g->s, ram + p * MVM_PAGE_SIZE,
					    n * MVM_PAGE_SIZE);
		for (i = p; i < p + n; i++)
			g->todo[i / 64] &= ~(1ULL << (i % 64));
		if (send_section(g) < 0)
			return -1;
		g->ram_sections++;
		g->pages_sent += n;
		p += n;
	}
	return 0;
}

/*
 * The end of a round: SYNC, and wait for the destination to say it read
 * it.  Counted as sending: the bandwidth is what the destination took.
 */
static int sync_round(struct mvm_migration *g)
{
	int64_t t;
	int r;

	mvm_state_begin(&g->s, MVM_STATE_SYNC, "sync", 0);
	mvm_state_put_u32(&g->s, g->p.round + 1);
	if (send_section(g) < 0)
		return -1;
	t = now_ns();
	r = await_reply(g, "waiting for the destination to take a round",
			"the stream");
	g->send_ns += (uint64_t)(now_ns() - t);
	return r;
}

/* ---- Rounds ---- */

static uint64_t bandwidth(const struct mvm_migration *g)
{
	/* Bytes per second the destination took; a guess before anything went. */
	if (g->send_ns < 1000000 || g->io.bytes < (1U << 20))
		return 100ULL << 20;
	return g->io.bytes * 1000000000ULL / g->send_ns;
}

static void progress_line(struct mvm_migration *g)
{
	struct mvm_mig_progress p;
	char throttle[24] = "";

	pthread_mutex_lock(&g->lock);
	p = g->p;
	pthread_mutex_unlock(&g->lock);
	if (p.throttle_pct)
		snprintf(throttle, sizeof(throttle), ", throttle %u %%",
			 p.throttle_pct);
	if (g->m->log)
		g->m->log("migrate: round %u: sent %.1f MB, left %.1f MB, dirty %.1f MB/s, expected downtime %" PRIu64 " ms%s",
			  p.round, p.sent / 1e6, p.left / 1e6, p.dirty_rate / 1e6,
			  p.expected_downtime_ms, throttle);
}

/* Rounds while the guest runs, until the rest fits the downtime (and while they pay). */
static int precopy(struct mvm_migration *g)
{
	uint64_t pages = g->m->ram_size / MVM_PAGE_SIZE, bw, left;
	uint64_t before = g->m->ram_size;	/* what the round had to send */
	unsigned int throttle = 0, at_max = 0, after_fit = 0;
	int64_t dirty, dt;
	size_t i;

	/* Round 1 is all of RAM. */
	for (i = 0; i < pages / 64; i++)
		g->todo[i] = ~0ULL;
	if (pages % 64)
		g->todo[pages / 64] = (1ULL << (pages % 64)) - 1;
	for (;;) {
		g->round_t0 = now_ns();
		g->round_bytes0 = g->io.bytes;
		if (send_pages(g) < 0 || sync_round(g) < 0)
			return -1;
		dt = now_ns() - g->round_t0;
		dirty = mvm_machine_take_dirty(g->m, g->todo);
		if (dirty < 0) {
			set_error(g, "harvesting the dirty pages: %s", strerror(errno));
			return -1;
		}
		bw = bandwidth(g);
		if (g->o.max_bandwidth && bw > g->o.max_bandwidth)
			bw = g->o.max_bandwidth;
		left = (uint64_t)dirty * MVM_PAGE_SIZE;
		pthread_mutex_lock(&g->lock);
		g->p.round++;
		g->p.sent = g->io.bytes;
		g->p.left = left;
		g->p.dirty_rate = dt > 0 ? left * 1000000000ULL / (uint64_t)dt : 0;
		g->p.expected_downtime_ms = left * 1000 / bw;
		g->p.throttle_pct = throttle;
		pthread_mutex_unlock(&g->lock);
		progress_line(g);
		if (g->p.expected_downtime_ms <= g->o.downtime_ms) {
			/* It fits: one more round only if it is likely to halve it. */
			if (left <= SMALL_LEFT || left * 2 > before ||
			    after_fit++ == ROUNDS_AFTER_FIT)
				return 0;
			before = left;
			continue;
		}
		before = left;
		if (throttle == THROTTLE_MAX && ++at_max >= ROUNDS_AT_MAX)
			return 0;	/* the longer pause it takes is reported */
		/* Writing faster than half the link: hold the guest more. */
		if (g->p.round >= 2 && g->p.dirty_rate > bw / 2) {
			throttle = throttle ? throttle + THROTTLE_STEP : THROTTLE_FIRST;
			if (throttle > THROTTLE_MAX)
				throttle = THROTTLE_MAX;
			if (mvm_machine_throttle(g->m, throttle) < 0) {
				set_error(g, "throttling: %s", strerror(errno));
				return -1;
			}
		}
	}
}

/* Paused: the last pages, the machine's state, END; then the answer. */
static int complete(struct mvm_migration *g)
{
	int status;

	if (mvm_machine_take_dirty(g->m, g->todo) < 0) {
		set_error(g, "harvesting the dirty pages: %s", strerror(errno));
		return -1;
	}
	if (send_pages(g) < 0)
		return -1;
	/* Devices under the lock, as for a snapshot: nothing changes them. */
	pthread_mutex_lock(&g->m->lock);
	status = mvm_machine_save_state(g->m, &g->s);
	pthread_mutex_unlock(&g->m->lock);
	if (status < 0) {
		set_error(g, "saving the machine's state: %s", strerror(errno));
		return -1;
	}
	mvm_state_begin(&g->s, MVM_STATE_END, "end", 0);
	mvm_state_put_u64(&g->s, g->ram_sections);
	mvm_state_put_u64(&g->s, g->pages_sent);
	mvm_state_put_u32(&g->s, g->p.round + 1);
	/* The state's sections are whole already: END closes the last. */
	if (send_section(g) < 0)
		return -1;
	return await_reply(g, "waiting for the destination", "the machine");
}

static int handshake(struct mvm_migration *g)
{
	const char *why;
	int status;

	if (mvm_mig_connect(g->p.uri, &g->io, &why) < 0) {
		if (errno == ECANCELED)
			set_error(g, "cancelled");
		else if (errno == ETIMEDOUT)
			set_error(g, "%s: %s: no answer in %u s", g->p.uri, why,
				  g->o.timeout_s);
		else
			set_error(g, "%s: %s: %s", g->p.uri, why, strerror(errno));
		return -1;
	}
	put_hello(g->m, &g->s);
	status = g->s.err ? -1 : mvm_state_io_send(&g->io, &g->s);
	mvm_state_reset(&g->s);
	if (status < 0) {
		io_error(g, "sending the handshake");
		return -1;
	}
	return await_reply(g, "waiting for the destination's answer",
			   "the handshake");
}

static void *migrate_main(void *arg)
{
	struct mvm_migration *g = arg;
	struct mvm_machine *m = g->m;
	enum mvm_mig_state end = MVM_MIG_FAILED;
	int64_t down_t0 = 0, t1;
	struct mvm_mig_progress p;
	size_t words = (m->ram_size / MVM_PAGE_SIZE + 63) / 64;

	g->todo = calloc(words, sizeof(uint64_t));
	if (!g->todo) {
		set_error(g, "out of memory");
		goto out;
	}
	if (handshake(g) < 0)
		goto out;
	if (mvm_machine_log_dirty(m, 1) < 0) {
		set_error(g, "turning dirty logging on: %s", strerror(errno));
		goto out;
	}
	if (precopy(g) < 0)
		goto out_log;
	down_t0 = now_ns();
	mvm_machine_throttle(m, 0);
	mvm_machine_pause_by(m, MVM_PAUSE_MIGRATE);
	g->paused = 1;
	if (mvm_machine_stopping(m)) {
		set_error(g, "the guest stopped");
		goto out_log;
	}
	if (complete(g) < 0)
		goto out_log;
	end = MVM_MIG_COMPLETED;
	goto out;

out_log:
	mvm_machine_throttle(m, 0);
	mvm_machine_log_dirty(m, 0);
out:
	t1 = now_ns();
	pthread_mutex_lock(&g->lock);
	if (end != MVM_MIG_COMPLETED && !strcmp(g->p.error, "cancelled"))
		end = MVM_MIG_CANCELLED;
	g->p.state = end;
	g->p.sent = g->io.bytes;
	g->p.throttle_pct = 0;
	if (end == MVM_MIG_COMPLETED) {
		g->p.left = 0;
		g->p.downtime_ms = (uint64_t)(t1 - down_t0) / 1000000;
	}
	g->p.total_ms = (uint64_t)(t1 - g->t0) / 1000000;
	p = g->p;
	pthread_mutex_unlock(&g->lock);
	if (g->io.fd >= 0)
		close(g->io.fd);
	g->io.fd = -1;
	if (m->log && end == MVM_MIG_COMPLETED)
		m->log("migrate: completed: downtime %" PRIu64 " ms, total %" PRIu64 " ms, %.1f MB sent in %u rounds",
		       p.downtime_ms, p.total_ms, p.sent / 1e6, p.round + 1);
	else if (m->log)
		m->log("migrate: %s: %s; the guest runs on",
		       end == MVM_MIG_CANCELLED ? "cancelled" : "failed", p.error);
	if (g->done)
		g->done(&p, g->done_arg);
	if (end == MVM_MIG_COMPLETED) {
		/* The guest runs on the destination now: this one ends. */
		pthread_mutex_lock(&m->lock);
		snprintf(m->reason_buf, sizeof(m->reason_buf), "migrated to %s",
			 p.uri);
		mvm_machine_stop(m, 0, m->reason_buf);
		pthread_mutex_unlock(&m->lock);
	} else if (g->paused) {
		mvm_machine_resume_by(m, MVM_PAUSE_MIGRATE);
	}
	free(g->todo);
	g->todo = NULL;
	mvm_state_free(&g->s);
	return NULL;
}

/* ---- The API ---- */

static int active(const struct mvm_migration *g)
{
	return g && __atomic_load_n(&g->p.state, __ATOMIC_ACQUIRE) == MVM_MIG_ACTIVE;
}

static void free_migration(struct mvm_migration *g)
{
	pthread_join(g->thread, NULL);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

int mvm_migrate_start(struct mvm_machine *m, const char *uri,
		      const struct mvm_migrate_opts *o, mvm_mig_done_fn done,
		      void *arg)
{
	struct mvm_migration *g, *old;
	int err;

	if (strlen(uri) >= sizeof(g->p.uri)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A machine that runs: its VM, its vCPUs (vCPU 0's CPUID goes). */
	if (m->vm_fd < 0 || !m->nr_vcpus || !m->ram) {
		errno = EINVAL;
		return -1;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -1;
	g->m = m;
	g->o = *o;
	if (!g->o.downtime_ms)
		g->o.downtime_ms = MVM_MIG_DOWNTIME_MS;
	if (!g->o.timeout_s)
		g->o.timeout_s = MVM_MIG_TIMEOUT_S;
	g->done = done;
	g->done_arg = arg;
	g->io.fd = -1;
	g->io.timeout_ms = (int)g->o.timeout_s * 1000;
	g->io.cancel = &g->cancel;
	g->p.state = MVM_MIG_ACTIVE;
	strcpy(g->p.uri, uri);
	g->t0 = now_ns();
	mvm_state_init(&g->s);
	pthread_mutex_init(&g->lock, NULL);

	pthread_mutex_lock(&m->lock);
	old = m->migration;
	if (active(old) || mvm_machine_stopping(m)) {
		pthread_mutex_unlock(&m->lock);
		pthread_mutex_destroy(&g->lock);
		free(g);
		errno = EBUSY;
		return -1;
	}
	err = mvm_thread_create_nosig(&g->thread, migrate_main, g);
	if (err) {
		pthread_mutex_unlock(&m->lock);
		pthread_mutex_destroy(&g->lock);
		free(g);
		errno = err;
		return -1;
	}
	m->migration = g;
	pthread_mutex_unlock(&m->lock);
	/* The last one ended: its thread is done or about to be. */
	if (old)
		free_migration(old);
	return 0;
}

int mvm_migrate_cancel(struct mvm_machine *m)
{
	int r = 0;

	pthread_mutex_lock(&m->lock);
	if (active(m->migration))
		__atomic_store_n(&m->migration->cancel, 1, __ATOMIC_RELEASE);
	else
		r = -1;
	pthread_mutex_unlock(&m->lock);
	if (r)
		errno = ESRCH;
	return r;
}

int mvm_migrate_progress(struct mvm_machine *m, struct mvm_mig_progress *p)
{
	struct mvm_migration *g;

	pthread_mutex_lock(&m->lock);
	g = m->migration;
	if (g) {
		pthread_mutex_lock(&g->lock);
		*p = g->p;
		pthread_mutex_unlock(&g->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return g != NULL;
}

void mvm_migrate_finish(struct mvm_machine *m)
{
	struct mvm_migration *g;

	pthread_mutex_lock(&m->lock);
	g = m->migration;
	m->migration = NULL;
	if (g)
		__atomic_store_n(&g->cancel, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&m->lock);
	if (g)
		free_migration(g);
}
