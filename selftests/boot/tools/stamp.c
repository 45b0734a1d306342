// SPDX-License-Identifier: GPL-2.0-only
/*
 * stamp: run a command and time-stamp each line of its standard output.
 *
 *   stamp [-a|-r] -- COMMAND [ARGS...]
 *
 * Prints every output line of COMMAND as "<seconds> <line>", the seconds being
 * CLOCK_MONOTONIC at the moment the line's newline arrived, counted from just before
 * COMMAND was started (so a boot marker's stamp is the time from starting the VMM to
 * the marker); with -a, CLOCK_MONOTONIC itself (so the lines of two commands can be
 * set side by side); with -r, CLOCK_REALTIME (to set beside a guest's own clock).
 * COMMAND inherits standard input and standard error.  Carriage returns (a serial
 * console sends CR LF) are dropped.  Exits with COMMAND's status, or 128+N
 * when a signal N ended it, like a shell.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void)
{
	struct timespec t;

	clock_gettime(clock_id, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char line[4096], buf[4096];
	size_t len = 0;
	bool absolute = argc > 1 && (!strcmp(argv[1], "-a") || !strcmp(argv[1], "-r"));
	int pfd[2], status;
	double t0;
	pid_t pid;
	ssize_t n;

	if (absolute && argv[1][1] == 'r')
		clock_id = CLOCK_REALTIME;
	argc -= absolute;
	argv += absolute;
	if (argc < 3 || strcmp(argv[1], "--")) {
		fprintf(stderr, "usage: stamp [-a|-r] -- COMMAND [ARGS...]\n");
		return 2;
	}
	if (pipe(pfd) < 0) {
		perror("stamp: pipe");
		return 1;
	}
	t0 = absolute ? 0 : now();
	pid = fork();
	if (pid < 0) {
		perror("stamp: fork");
		return 1;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "stamp: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (;;) {
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (c == '\r')
				continue;
			if (c == '\n' || len == sizeof(line) - 1) {
				printf("%.6f %.*s\n", now() - t0, (int)len, line);
				len = 0;
				if (c == '\n')
					continue;
			}
			line[len++] = c;
		}
	}
	/* A last line without a newline (a shell prompt) still gets shown. */
	if (len)
		printf("%.6f %.*s\n", now() - t0, (int)len, line);

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("stamp: waitpid");
			return 1;
		}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
