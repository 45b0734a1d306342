// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest-pattern: runs inside the Linux guest (linked -static, packed into the
 * initramfs).  Keeps MIB MiB (default 256) of its own memory under a pattern for ever:
 * each round checks that every 8-byte word holds what the last round wrote (a function
 * of the round, the word's index and a seed), then writes this round's.  After each
 * round it prints
 *
 *   MVM-PATTERN round=R mismatches=M total=T wall=S.NNN
 *
 * (M this round, T since the start; wall: the guest's CLOCK_REALTIME), so the host can
 * see that the program advances, that no word ever changed under it (a snapshot, a
 * restore or a migration that lost or mixed up a page), and what time the guest thinks
 * it is.  It never ends: the host stops the machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static uint64_t word(uint64_t seed, uint64_t round, uint64_t i)
{
	uint64_t x = seed ^ (round * 0x9e3779b97f4a7c15ULL) ^ (i * 0xbf58476d1ce4e5b9ULL);

	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 29);
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 256;
	uint64_t n, seed, total = 0, *mem;
	struct timespec ts;

	if (mib <= 0 || mib > 65536) {
		fprintf(stderr, "guest-pattern: MIB must be 1..65536\n");
		return 2;
	}
	n = (uint64_t)mib << 17;	/* 8-byte words */
	mem = mmap(NULL, n * 8, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("guest-pattern: mmap");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	seed = (uint64_t)ts.tv_nsec * 0x2545f4914f6cdd1dULL;
	for (uint64_t i = 0; i < n; i++)
		mem[i] = word(seed, 0, i);
	for (uint64_t round = 1;; round++) {
		uint64_t bad = 0;

		for (uint64_t i = 0; i < n; i++) {
			bad += mem[i] != word(seed, round - 1, i);
			mem[i] = word(seed, round, i);
		}
		total += bad;
		clock_gettime(CLOCK_REALTIME, &ts);
		printf("MVM-PATTERN round=%llu mismatches=%llu total=%llu wall=%lld.%03ld\n",
		       (unsigned long long)round, (unsigned long long)bad,
		       (unsigned long long)total, (long long)ts.tv_sec,
		       ts.tv_nsec / 1000000);
	}
}
