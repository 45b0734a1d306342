// SPDX-License-Identifier: GPL-2.0-only
/*
 * The terminal and the input thread.
 *
 * The input thread owns standard input: it reads what is there, looks for
 * the escape key (as QEMU's -nographic does: Ctrl-A x quits), and pushes
 * the rest into the UART's receive FIFO under the machine lock, which
 * raises the UART's interrupt.  When the FIFO is full it waits until the
 * guest empties it (the UART's rx_wake hook writes an eventfd), so input
 * is never dropped and never overruns.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include "term.h"

/* ---- Raw mode, restored on every way out ---- */

static struct termios saved;
static volatile sig_atomic_t raw_on;

void term_restore(void)
{
	if (raw_on) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		raw_on = 0;
	}
}

/* A fatal signal: give the terminal back, then die of the signal. */
static void on_fatal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

int term_raw(void)
{
	static const int fatal[] = { SIGQUIT, SIGSEGV, SIGBUS, SIGABRT,
				     SIGFPE, SIGILL };
	static int registered;
	struct sigaction sa = { .sa_handler = on_fatal };
	struct termios t;
	size_t i;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
		return 0;
	t = saved;
	cfmakeraw(&t);
	/* Leave output processing alone: stderr lines still need \r. */
	t.c_oflag = saved.c_oflag;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0)
		return 0;
	raw_on = 1;
	if (!registered) {
		registered = 1;
		atexit(term_restore);
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND;
		for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
			sigaction(fatal[i], &sa, NULL);
	}
	return 1;
}

/* ---- The input thread ---- */

struct input {
	struct mvm_machine *m;
	struct uart8250 *u;
	int in_fd;		/* -1 once input has ended */
	int escapes;
	int quit_fd;		/* eventfd: stop the thread */
	int room_fd;		/* eventfd: the guest emptied the FIFO */
	pthread_t thread;
	int escape_seen;
	uint8_t out[256];	/* bytes for the guest not yet in the FIFO */
	size_t off, len;
};

static void on_room(void *ctx)
{
	struct input *in = ctx;
	uint64_t one = 1;

	if (write(in->room_fd, &one, sizeof(one)) < 0) {
		/* A full counter wakes the thread anyway. */
	}
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* Nothing to drain: another wake-up took it. */
	}
}

/* The escape key's second byte. */
static void escape(struct input *in, uint8_t c)
{
	switch (c) {
	case 'x':
	case 'X':
		pthread_mutex_lock(&in->m->lock);
		mvm_machine_stop(in->m, 0, "Ctrl-A x: quit");
		pthread_mutex_unlock(&in->m->lock);
		in->in_fd = -1;		/* nothing more goes to the guest */
		break;
	case TERM_ESCAPE:
		in->out[in->len++] = TERM_ESCAPE;
		break;
	case 'h':
	case 'H':
	case '?':
		fputs("\r\nmvm: Ctrl-A x  quit\r\nmvm: Ctrl-A Ctrl-A  send Ctrl-A\r\n",
		      stderr);
		break;
	default:
		break;		/* unknown: both bytes are dropped */
	}
}

/* Read what input has (out is empty) and filter the escape key. */
static void read_input(struct input *in)
{
	uint8_t buf[sizeof(in->out)];
	ssize_t n, i;

	n = read(in->in_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		in->in_fd = -1;	/* end of input: the line goes quiet */
		return;
	}
	in->off = in->len = 0;
	for (i = 0; i < n && in->in_fd >= 0; i++) {
		if (!in->escapes) {
			in->out[in->len++] = buf[i];
		} else if (in->escape_seen) {
			in->escape_seen = 0;
			escape(in, buf[i]);
		} else if (buf[i] == TERM_ESCAPE) {
			in->escape_seen = 1;
		} else {
			in->out[in->len++] = buf[i];
		}
	}
}

static void *input_main(void *arg)
{
	struct input *in = arg;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = in->quit_fd, .events = POLLIN },
			{ .fd = in->room_fd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		size_t pending = in->len - in->off;

		if (pending) {
			pthread_mutex_lock(&in->m->lock);
			in->off += uart8250_receive(in->u, in->out + in->off,
						    pending);
			pthread_mutex_unlock(&in->m->lock);
			pending = in->len - in->off;
		}
		/* Read more only when everything read so far is delivered. */
		if (!pending && in->in_fd >= 0)
			p[2].fd = in->in_fd;
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (p[1].revents)
			drain(in->room_fd);
		if (p[2].revents)
			read_input(in);
	}
	return NULL;
}

struct input *input_start(struct mvm_machine *m, struct uart8250 *u,
			  int in_fd, int escapes)
{
	struct input *in = calloc(1, sizeof(*in));
	int err;

	if (!in)
		return NULL;
	in->m = m;
	in->u = u;
	in->in_fd = in_fd;
	in->escapes = escapes;
	in->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	in->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (in->quit_fd < 0 || in->room_fd < 0)
		goto err_free;
	pthread_mutex_lock(&m->lock);
	uart8250_set_rx_wake(u, on_room, in);
	pthread_mutex_unlock(&m->lock);
	err = mvm_thread_create_nosig(&in->thread, input_main, in);
	if (err) {
		pthread_mutex_lock(&m->lock);
		uart8250_set_rx_wake(u, NULL, NULL);
		pthread_mutex_unlock(&m->lock);
		errno = err;
		goto err_free;
	}
	return in;

err_free:
	err = errno;
	if (in->quit_fd >= 0)
		close(in->quit_fd);
	if (in->room_fd >= 0)
		close(in->room_fd);
	free(in);
	errno = err;
	return NULL;
}

void input_stop(struct input *in)
{
	uint64_t one = 1;

	if (!in)
		return;
	if (write(in->quit_fd, &one, sizeof(one)) < 0) {
		/* An eventfd write only fails when the counter is full. */
	}
	pthread_join(in->thread, NULL);
	pthread_mutex_lock(&in->m->lock);
	uart8250_set_rx_wake(in->u, NULL, NULL);
	pthread_mutex_unlock(&in->m->lock);
	close(in->quit_fd);
	close(in->room_fd);
	free(in);
}
