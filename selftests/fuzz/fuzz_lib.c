// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzers' shared half (fuzz_lib.h): PRNG, findings, watchdog, leak
 * checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_lib.h"

__thread uint64_t rng;
uint64_t seed;
int verbose;
volatile int stop;
int findings;
char cur_call[256];
const char *(*fz_context)(void);

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- PRNG ---- */

uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

int chance(unsigned int pct)
{
	return below(100) < pct;
}

void flip(void *buf, size_t len, unsigned int nbits)
{
	unsigned char *p = buf;

	while (len && nbits--)
		p[below(len)] ^= 1u << below(8);
}

void randbytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t v;

	for (; len >= 8; len -= 8, p += 8) {
		v = rnd();
		memcpy(p, &v, 8);
	}
	v = rnd();
	memcpy(p, &v, len);
}

void fz_seed_thread(uint64_t salt)
{
	rng = seed ^ (salt * 0x9e3779b97f4a7c15ULL);
	if (!rng)
		rng = 1;
}

/* ---- the run ---- */

double fz_parse_args(int argc, char **argv)
{
	double seconds = 60;
	int i;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else {
			fprintf(stderr, "usage: %s [--seconds N] [--seed S] [--verbose]\n",
				argv[0]);
			exit(2);
		}
	}
	rng = seed ? seed : 1;
	return seconds;
}

double fz_since(const struct timespec *t)
{
	struct timespec n;

	clock_gettime(CLOCK_MONOTONIC, &n);
	return (n.tv_sec - t->tv_sec) + (n.tv_nsec - t->tv_nsec) / 1e9;
}

void finding(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&print_lock);
	findings++;
	fprintf(stderr, "fuzz: FINDING (seed %llu%s): ", (unsigned long long)seed,
		fz_context ? fz_context() : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&print_lock);
}

void fz_fatal(const char *what)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "fuzz: FINDING (seed %llu): %s\n",
			 (unsigned long long)seed, what);

	if (write(2, msg, n) < 0)
		(void)0;
	_exit(1);
}

static void on_kick(int sig)
{
	(void)sig;
}

static void on_crash(int sig)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "signal %d in the fuzzer, last call %s", sig, cur_call);
	fz_fatal(msg);
}

void fz_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;	/* no SA_RESTART: RUN returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_crash;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* ---- the watchdog ---- */

#define MAX_SLOTS	8

static struct fz_slot *slots[MAX_SLOTS];
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static double kick_after, hang_after;
static volatile int wd_stop;
static pthread_t wd_thread;

void fz_slot_attach(struct fz_slot *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->thread = pthread_self();
	pthread_mutex_lock(&slot_lock);
	for (i = 0; i < MAX_SLOTS && slots[i]; i++)
		;
	if (i < MAX_SLOTS)
		slots[i] = s;
	pthread_mutex_unlock(&slot_lock);
}

void fz_slot_detach(struct fz_slot *s)
{
	int i;

	pthread_mutex_lock(&slot_lock);
	for (i = 0; i < MAX_SLOTS; i++)
		if (slots[i] == s)
			slots[i] = NULL;
	pthread_mutex_unlock(&slot_lock);
}

void fz_run_begin(struct fz_slot *s)
{
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	__atomic_store_n(&s->kicked, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->in_run, 1, __ATOMIC_SEQ_CST);
}

int fz_run_end(struct fz_slot *s)
{
	__atomic_store_n(&s->in_run, 0, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&s->kicked, __ATOMIC_SEQ_CST);
}

static void watch(struct fz_slot *s)
{
	double t;

	if (!__atomic_load_n(&s->in_run, __ATOMIC_SEQ_CST))
		return;
	t = fz_since(&s->start);
	if (t >= kick_after + hang_after) {
		char msg[256];

		snprintf(msg, sizeof(msg), "hung vCPU: %s did not return %.0f s after a signal",
			 s->what, hang_after);
		fz_fatal(msg);
	}
	if (t > kick_after) {
		/* Keep kicking: one signal may land before the RUN. */
		__atomic_add_fetch(&s->kicked, 1, __ATOMIC_SEQ_CST);
		pthread_kill(s->thread, SIGUSR1);
	}
}

static void *watchdog(void *arg)
{
	int i;

	(void)arg;
	while (!wd_stop) {
		usleep(50000);
		pthread_mutex_lock(&slot_lock);
		for (i = 0; i < MAX_SLOTS; i++)
			if (slots[i])
				watch(slots[i]);
		pthread_mutex_unlock(&slot_lock);
	}
	return NULL;
}

void fz_watchdog_start(double kick, double hang)
{
	kick_after = kick;
	hang_after = hang;
	pthread_create(&wd_thread, NULL, watchdog, NULL);
}

void fz_watchdog_stop(void)
{
	wd_stop = 1;
	pthread_join(wd_thread, NULL);
}

/* ---- leaks ---- */

static long read_long(const char *path, const char *fmt)
{
	FILE *f = fopen(path, "r");
	char line[128];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &v) == 1)
			break;
	fclose(f);
	return v;
}

void fz_mem_read(struct fz_mem *m)
{
	FILE *f;

	m->refcnt = read_long("/sys/module/mvm/refcnt", "%ld");
	m->sunreclaim_kb = read_long("/proc/meminfo", "SUnreclaim: %ld kB");
	sync();
	f = fopen("/proc/sys/vm/drop_caches", "w");
	if (f) {
		fputs("3\n", f);
		fclose(f);
	}
	m->free_kb = read_long("/proc/meminfo", "MemFree: %ld kB");
}

/* Whether this program itself still holds an mvm fd (its own leak). */
static void own_fds(void)
{
	char path[64], target[256];
	int fd;

	for (fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strstr(target, "mvm"))
			fprintf(stderr, "fuzz: still open here: fd %d -> %s\n", fd, target);
	}
}

void fz_mem_check(const struct fz_mem *before, struct fz_mem *now, long free_bound_kb)
{
	int i;

	fz_mem_read(now);
	for (i = 0; i < 50 && now->refcnt != before->refcnt; i++) {
		usleep(100000);
		fz_mem_read(now);
	}
	if (now->refcnt != before->refcnt) {
		own_fds();
		finding("leak: /sys/module/mvm/refcnt %ld before, %ld 5 s after closing everything",
			before->refcnt, now->refcnt);
	}
	if (before->sunreclaim_kb >= 0 && now->sunreclaim_kb >= 0 &&
	    now->sunreclaim_kb - before->sunreclaim_kb > 8192)
		finding("SUnreclaim grew by %ld kB", now->sunreclaim_kb - before->sunreclaim_kb);
	if (free_bound_kb && before->free_kb >= 0 && now->free_kb >= 0 &&
	    before->free_kb - now->free_kb > free_bound_kb)
		finding("MemFree (caches dropped) shrank by %ld kB", before->free_kb - now->free_kb);
}
