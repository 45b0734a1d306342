/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzzers of /dev/mvm share (ioctl_fuzz.c, guest_fuzz.c): the
 * seeded PRNG, findings, the watchdog over MVM_RUN calls, and the leak
 * checks that end a run.  Plain userspace, not built into the selftests.
 */
#ifndef MVM_FUZZ_LIB_H
#define MVM_FUZZ_LIB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- PRNG: xorshift64*, one state per thread ---- */

extern __thread uint64_t rng;

uint64_t rnd(void);
uint64_t below(uint64_t n);		/* 0 .. n-1; 0 for n == 0 */
int chance(unsigned int pct);
void randbytes(void *buf, size_t len);
void flip(void *buf, size_t len, unsigned int nbits);	/* a few random bits */
/* Seed this thread's PRNG from the run's seed and a per-thread salt. */
void fz_seed_thread(uint64_t salt);

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(a)		((a)[below(ARRAY_LEN(a))])
#define ATOMIC_INC(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)

/* ---- the run ---- */

extern uint64_t seed;
extern int verbose;
extern volatile int stop;
extern int findings;
/* What the main thread does now, for a finding's report (not thread-safe). */
extern char cur_call[256];
/* Extra words for a finding's header, e.g. ", call 1234" (may be NULL). */
extern const char *(*fz_context)(void);

/* --seconds N, --seed S, --verbose; exits 2 on anything else. */
double fz_parse_args(int argc, char **argv);
/* SIGUSR1 interrupts MVM_RUN (no SA_RESTART); SIGSEGV/SIGBUS are findings. */
void fz_signals(void);
double fz_since(const struct timespec *t);
void finding(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A finding printed with write(2) only, then _exit(1): for signal and watchdog context. */
void fz_fatal(const char *what) __attribute__((noreturn));

/* ---- the watchdog over MVM_RUN ---- */

/*
 * One slot per thread that calls MVM_RUN.  Once a RUN has taken longer
 * than kick_after seconds the watchdog sends SIGUSR1 to its thread, again
 * every 100 ms (one signal may land just before the ioctl); a RUN still
 * in the kernel hang_after seconds after the first kick is a finding, and
 * the program exits at once (a hung vCPU).
 */
struct fz_slot {
	pthread_t thread;
	int in_run;
	int kicked;		/* signals sent during this RUN */
	struct timespec start;
	char what[128];		/* for the report */
};

void fz_watchdog_start(double kick_after, double hang_after);
void fz_watchdog_stop(void);
void fz_slot_attach(struct fz_slot *s);	/* the calling thread's slot */
void fz_slot_detach(struct fz_slot *s);
void fz_run_begin(struct fz_slot *s);
/* How many kicks this RUN got. */
int fz_run_end(struct fz_slot *s);

/* ---- what the module must give back ---- */

struct fz_mem {
	long refcnt;		/* /sys/module/mvm/refcnt */
	long sunreclaim_kb;	/* /proc/meminfo */
	long free_kb;		/* MemFree after dropping caches */
};

void fz_mem_read(struct fz_mem *m);
/*
 * After everything is closed: waits up to 5 s for the refcount to come
 * back, then reports a finding for a refcount not back, SUnreclaim grown by
 * more than 8 MiB or free memory shrunk by more than free_bound_kb.
 * *now gets the figures for the summary.
 */
void fz_mem_check(const struct fz_mem *before, struct fz_mem *now, long free_bound_kb);

#endif /* MVM_FUZZ_LIB_H */
