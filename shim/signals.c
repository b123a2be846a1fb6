/* SPDX-License-Identifier: MIT */
/* sysgate-run's signals: the forwarded set, read from a signalfd, and given back to children. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>

#include "shim.h"

static const int forwarded[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2 };

/* Block the forwarded signals and SIGCHLD; read them from a signalfd. */
int signals_setup(struct run_signals *s)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t block;

	sigemptyset(&s->forward);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++) {
		struct sigaction sa;

		if (sigaction(forwarded[i], NULL, &sa) < 0)
			return -errno;
		/* An ignored signal (nohup) stays ignored: blocked, it would be queued
		 * for us instead of discarded.  The command inherits SIG_IGN anyway. */
		if (sa.sa_handler != SIG_IGN)
			sigaddset(&s->forward, forwarded[i]);
	}
	/* An inherited SIG_IGN for SIGCHLD would reap our children before waitpid. */
	if (sigaction(SIGCHLD, &dfl, &s->orig_chld) < 0)
		return -errno;
	block = s->forward;
	sigaddset(&block, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &block, &s->orig_mask) < 0)
		return -errno;
	s->fd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->fd < 0)
		return -errno;
	return 0;
}

/* Give a child back the mask and SIGCHLD disposition we started with. */
int signals_restore(const struct run_signals *s)
{
	if (sigaction(SIGCHLD, &s->orig_chld, NULL) < 0)
		return -errno;
	if (sigprocmask(SIG_SETMASK, &s->orig_mask, NULL) < 0)
		return -errno;
	return 0;
}

/* Read one pending signal: 1, 0 when none is pending, -errno. */
int signals_read(const struct run_signals *s, struct signalfd_siginfo *ret)
{
	ssize_t n;

	do
		n = read(s->fd, ret, sizeof(*ret));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n != sizeof(*ret))
		return -EIO;
	return 1;
}

/* Wait until a signal is pending: 1, 0 on timeout or EINTR, -errno. */
int signals_wait(const struct run_signals *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	int r;

	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r > 0;
}

/* Whether si is a forwarded signal the command did not get by itself. */
bool signals_should_forward(const struct run_signals *s, const struct signalfd_siginfo *si,
			    pid_t child)
{
	if (sigismember(&s->forward, (int)si->ssi_signo) != 1)
		return false;
	/* ^C, ^\ and a hangup reach the terminal's whole foreground process group,
	 * the command included: forwarding would deliver them twice. */
	if (si->ssi_code == SI_KERNEL)
		return false;
	/* Nor back to the command that sent it (kill(0, sig), kill(getppid(), sig)). */
	if (si->ssi_code == SI_USER && (pid_t)si->ssi_pid == child)
		return false;
	return true;
}

/* Close the signalfd; the signals stay blocked. */
void signals_done(struct run_signals *s)
{
	/* The mask stays: a signal still pending must not kill us on the way out
	 * and replace the command's exit status. */
	s->fd = safe_close(s->fd);
}
