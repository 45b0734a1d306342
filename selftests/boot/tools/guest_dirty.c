// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest-dirty: runs inside the Linux guest (linked -static, packed into the
 * initramfs) for the migration and snapshot benchmarks (scripts/bench-migrate).
 *
 *   guest_dirty RATE MIB
 *
 * Keeps MIB MiB of its own memory resident and dirties RATE MB/s of it (10^6 bytes a
 * second, one byte per 4 KiB page, the pages in turn; 0: none), paced by
 * CLOCK_MONOTONIC so the rate holds when a sleep runs long.  Every 10 ms it prints
 *
 *   MVM-TICK N SECONDS
 *
 * (SECONDS: its CLOCK_MONOTONIC as it prints) so the host can tell within 10 ms when
 * the program runs again (after a restore, or on a migration's destination), and when
 * a line was printed however late the console brought it.  It never ends: the host
 * stops the machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE 4096
#define TICK_NS 10000000L

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long rate = argc > 1 ? strtol(argv[1], NULL, 10) : 8;
	long mib = argc > 2 ? strtol(argv[2], NULL, 10) : 64;
	struct timespec tick = { .tv_nsec = TICK_NS };
	uint64_t pages, next = 0, done = 0;
	volatile uint8_t *mem;
	double t0;

	if (rate < 0 || rate > 100000 || mib <= 0 || mib > 65536) {
		fprintf(stderr, "guest-dirty: RATE must be 0..100000, MIB 1..65536\n");
		return 2;
	}
	pages = (uint64_t)mib << 8;
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("guest-dirty: mmap");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	t0 = now();
	for (uint64_t n = 1;; n++) {
		/* The pages due by now at RATE, less those written. */
		uint64_t due = (uint64_t)((now() - t0) * rate * 1e6 / PAGE);

		/* After a long stop, one pass over the buffer, not a burst. */
		if (due - done > pages)
			done = due - pages;
		for (; done < due; done++) {
			mem[next * PAGE] += 1;
			next = (next + 1) % pages;
		}
		printf("MVM-TICK %llu %.6f\n", (unsigned long long)n, now());
		nanosleep(&tick, NULL);
	}
}
