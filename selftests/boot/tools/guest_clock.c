// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest-clock: runs inside the Linux guest (linked -static, packed into the initramfs).
 * Prints a start marker, sleeps until SECS (default 10) of CLOCK_MONOTONIC have passed,
 * prints an end marker with the guest's own measure of the gap.  The host times the two
 * markers on the console with its own CLOCK_MONOTONIC: a guest clock that runs fast or
 * slow (a wrong kvmclock scale, a TSC frequency the guest miscalibrated) shows up as a
 * disagreement.  Both markers take the same path through the console, so its latency
 * cancels out; what the host sees late is only the jitter of that path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long ns_of(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* The clocksource the guest kernel picked (kvm-clock, tsc, hpet...), for the report. */
static void clocksource(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

int main(int argc, char **argv)
{
	struct timespec t0, t1, until;
	long secs = argc > 1 ? strtol(argv[1], NULL, 10) : 10;
	char cs[64];
	int rc;

	if (secs <= 0 || secs > 3600) {
		fprintf(stderr, "guest-clock: SECS must be 1..3600\n");
		return 2;
	}
	clocksource(cs, sizeof(cs));
	/* Unbuffered: each marker must leave the guest when it is printed. */
	setvbuf(stdout, NULL, _IONBF, 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("MVM-CLOCK-START clocksource=%s\n", cs);
	until = t0;
	until.tv_sec += secs;
	/* Absolute deadline: a wake-up by a signal just sleeps again to the same point. */
	do
		rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	while (rc == EINTR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("MVM-CLOCK-END guest_ns=%lld\n", ns_of(&t1) - ns_of(&t0));
	return rc ? 1 : 0;
}
