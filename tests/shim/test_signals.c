/* SPDX-License-Identifier: MIT */
/*
 * shim/signals.c: the forwarded signals blocked and read from a signalfd, an ignored one
 * left alone, SIGCHLD's disposition reset and given back, and which signals are
 * forwarded to the command (a table).  Each test runs in its own process.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "shim.h"

static struct run_signals sig = { .fd = -EBADF };

static void teardown(void)
{
	signals_done(&sig);
	st_teardown();
}

TestSuite(shim_signals, .init = st_setup, .fini = teardown);

static bool blocked(int s)
{
	sigset_t now;

	cr_assert_eq(sigprocmask(SIG_BLOCK, NULL, &now), 0);
	return sigismember(&now, s) == 1;
}

Test(shim_signals, setup_blocks_the_forwarded_signals_and_sigchld)
{
	static const int fwd[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2 };

	cr_assert_eq(signals_setup(&sig), 0);
	cr_expect_geq(sig.fd, 0);
	cr_expect(fcntl(sig.fd, F_GETFD) & FD_CLOEXEC);
	cr_expect(fcntl(sig.fd, F_GETFL) & O_NONBLOCK);
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
		cr_expect_eq(sigismember(&sig.forward, fwd[i]), 1, "%s", strsignal(fwd[i]));
		cr_expect(blocked(fwd[i]), "%s", strsignal(fwd[i]));
	}
	cr_expect(blocked(SIGCHLD));
	cr_expect_eq(sigismember(&sig.forward, SIGCHLD), 0, "SIGCHLD is read, not forwarded");
	cr_expect(!blocked(SIGALRM));
	cr_expect_eq(sigismember(&sig.orig_mask, SIGUSR1), 0, "the mask before");
}

Test(shim_signals, an_ignored_signal_stays_ignored)
{
	struct sigaction sa;

	signal(SIGHUP, SIG_IGN); /* nohup */
	cr_assert_eq(signals_setup(&sig), 0);
	cr_expect_eq(sigismember(&sig.forward, SIGHUP), 0);
	cr_expect(!blocked(SIGHUP), "blocked, it would queue for us instead of being discarded");
	cr_assert_eq(sigaction(SIGHUP, NULL, &sa), 0);
	cr_expect_eq(sa.sa_handler, SIG_IGN);
	cr_expect_eq(sigismember(&sig.forward, SIGTERM), 1);
}

Test(shim_signals, sigchld_is_reset_and_given_back_with_the_mask)
{
	struct sigaction sa;
	sigset_t before;

	signal(SIGCHLD, SIG_IGN); /* would reap our children before waitpid */
	sigemptyset(&before);
	sigaddset(&before, SIGALRM);
	cr_assert_eq(sigprocmask(SIG_SETMASK, &before, NULL), 0);
	cr_assert_eq(signals_setup(&sig), 0);
	cr_assert_eq(sigaction(SIGCHLD, NULL, &sa), 0);
	cr_expect_eq(sa.sa_handler, SIG_DFL);
	cr_assert_eq(signals_restore(&sig), 0);
	cr_assert_eq(sigaction(SIGCHLD, NULL, &sa), 0);
	cr_expect_eq(sa.sa_handler, SIG_IGN);
	cr_expect(blocked(SIGALRM));
	cr_expect(!blocked(SIGTERM));
	cr_expect(!blocked(SIGCHLD));
}

Test(shim_signals, pending_signals_are_read_one_at_a_time)
{
	struct signalfd_siginfo si;

	cr_assert_eq(signals_setup(&sig), 0);
	cr_expect_eq(signals_read(&sig, &si), 0, "none pending");
	cr_expect_eq(signals_wait(&sig, 0), 0, "a timeout");
	cr_assert_eq(kill(getpid(), SIGTERM), 0);
	cr_assert_eq(kill(getpid(), SIGHUP), 0);
	cr_expect_eq(signals_wait(&sig, 1000), 1);
	cr_assert_eq(signals_read(&sig, &si), 1);
	cr_expect_eq(si.ssi_signo, SIGHUP, "standard signals come lowest number first");
	cr_expect_eq(si.ssi_code, SI_USER);
	cr_expect_eq((pid_t)si.ssi_pid, getpid());
	cr_assert_eq(signals_read(&sig, &si), 1);
	cr_expect_eq(si.ssi_signo, SIGTERM);
	cr_expect_eq(signals_read(&sig, &si), 0);
}

Test(shim_signals, done_closes_the_fd_and_keeps_the_mask)
{
	struct run_signals unset = { .fd = -EBADF };
	int fd;

	signals_done(&unset);
	cr_assert_eq(signals_setup(&sig), 0);
	fd = sig.fd;
	signals_done(&sig);
	cr_expect_lt(sig.fd, 0);
	cr_expect_eq(fcntl(fd, F_GETFD), -1, "the signalfd is closed");
	cr_expect(blocked(SIGTERM), "a pending signal must not kill us on the way out");
	signals_done(&sig);
}

static const struct {
	int signo, code;
	pid_t from; /* 0: the command */
	bool forward;
} forward_cases[] = {
	{ SIGTERM, SI_USER, 1, true },   /* kill(1) by someone else */
	{ SIGUSR1, SI_QUEUE, 1, true },
	{ SIGHUP, SI_USER, 1, true },
	{ SIGTERM, SI_USER, 0, false },  /* the command's own kill(0, sig) */
	{ SIGTERM, SI_QUEUE, 0, true },  /* only SI_USER from the command is its own */
	{ SIGINT, SI_KERNEL, 1, false }, /* ^C: the terminal sent it to the command too */
	{ SIGQUIT, SI_KERNEL, 0, false },
	{ SIGCHLD, SI_USER, 1, false },  /* not a forwarded signal */
	{ SIGALRM, SI_USER, 1, false },
};

Test(shim_signals, which_signals_reach_the_command_table)
{
	const pid_t command = 4242;

	cr_assert_eq(signals_setup(&sig), 0);
	for (size_t i = 0; i < sizeof(forward_cases) / sizeof(forward_cases[0]); i++) {
		struct signalfd_siginfo si = { .ssi_signo = (uint32_t)forward_cases[i].signo,
					       .ssi_code = forward_cases[i].code,
					       .ssi_pid = (uint32_t)(forward_cases[i].from ?
								     forward_cases[i].from : command) };

		cr_expect_eq(signals_should_forward(&sig, &si, command), forward_cases[i].forward,
			     "case %zu (%s)", i, strsignal(forward_cases[i].signo));
	}
	/* an ignored signal is not forwarded */
	sigdelset(&sig.forward, SIGUSR2);
	{
		struct signalfd_siginfo si = { .ssi_signo = SIGUSR2, .ssi_code = SI_USER, .ssi_pid = 1 };

		cr_expect(!signals_should_forward(&sig, &si, command));
	}
}
