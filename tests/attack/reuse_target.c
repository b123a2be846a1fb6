/* SPDX-License-Identifier: MIT */
/*
 * reuse_target: the supervised side of pid_reuse.  Reads one command a line on
 * stdin and answers one line on stdout:
 *   fork ARG   fork C, which makes getpriority(PRIO_PROCESS, ARG) (raw) once told
 *              to go; answers "child PID" once C runs
 *   go         C makes its call
 *   reuse      SIGKILL C, reap it (bounded: a traced C stays a zombie until its
 *              tracer reaps it), then fork N with C's pid through ns_last_pid
 *              (needs root); N makes getpriority(PRIO_PROCESS, 2222) and reports
 *              the result; answers "reuse yes" or "reuse no"
 *   collect    wait for N and C; answers "n=VALUE", "n=-1 errno=E", "n=killed SIG"
 *              or "n=none"
 * Exits 0 at the end of its input.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "attack.h"

#define N_ARG 2222
#define REUSE_TRIES 200

static pid_t c = -1, n = -1;
static int go_w = -1, n_res = -1;
static bool c_reaped;

static void __attribute__((format(printf, 1, 2))) answer(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A child making getpriority(PRIO_PROCESS, arg) after a byte on go (when go >= 0);
 * the raw result (-errno) goes to res (when res >= 0). */
static void caller(long arg, int go, int res)
{
	char b;
	long r;

	if (go >= 0 && attack_read(go, &b, 1) < 0)
		_exit(3);
	r = syscall(SYS_getpriority, PRIO_PROCESS, arg);
	if (r < 0)
		r = -errno;
	if (res >= 0)
		(void)!write(res, &r, sizeof(r));
	_exit(0);
}

static void do_fork(long arg)
{
	int go[2], ready[2];
	char b;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
		exit(3);
	c = fork();
	if (c < 0)
		exit(3);
	if (c == 0) {
		close(go[1]);
		(void)!write(ready[1], "r", 1);
		caller(arg, go[0], -1);
	}
	close(go[0]);
	close(ready[1]);
	go_w = go[1];
	c_reaped = false;
	if (attack_read(ready[0], &b, 1) < 0) /* running: a tracer has let it go */
		exit(3);
	close(ready[0]);
	answer("child %d", (int)c);
}

static bool reap_c(int ms)
{
	for (int i = 0; i < ms && !c_reaped; i++) {
		if (waitpid(c, NULL, WNOHANG) == c)
			c_reaped = true;
		else
			usleep(1000);
	}
	return c_reaped;
}

/* Fork N with C's pid; whether it worked. */
static bool fork_n(void)
{
	int res[2];

	if (pipe2(res, O_CLOEXEC) < 0)
		exit(3);
	for (int i = 0; i < REUSE_TRIES; i++) {
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
		pid_t k;

		if (fd < 0 || dprintf(fd, "%d", (int)c - 1) < 0)
			exit(3);
		close(fd);
		k = fork();
		if (k == 0) {
			if (getpid() != c)
				_exit(0);
			caller(N_ARG, -1, res[1]);
		}
		if (k == c) {
			close(res[1]);
			n = k;
			n_res = res[0];
			return true;
		}
		waitpid(k, NULL, 0);
	}
	close(res[0]);
	close(res[1]);
	return false;
}

static void do_reuse(void)
{
	kill(c, SIGKILL);
	close(go_w);
	go_w = -1;
	/* a C that is not reaped keeps its pid (and under trace a fork would wait for the
	 * held tracer): no reuse then */
	answer("reuse %s", reap_c(500) && fork_n() ? "yes" : "no");
}

static void do_collect(void)
{
	struct pollfd p = { .fd = n_res, .events = POLLIN };
	long r = 0;
	int st;

	if (!c_reaped && waitpid(c, NULL, 0) == c)
		c_reaped = true;
	if (n < 0) {
		answer("n=none");
		return;
	}
	if (poll(&p, 1, 10000) != 1 || attack_read(n_res, &r, sizeof(r)) < 0)
		r = 1; /* no answer: see how it ended */
	close(n_res);
	if (waitpid(n, &st, 0) != n)
		exit(3);
	n = -1;
	if (WIFSIGNALED(st))
		printf("n=killed %s\n", sigabbrev_np(WTERMSIG(st)));
	else if (r < 0)
		printf("n=-1 errno=%s\n", strerrorname_np((int)-r));
	else
		printf("n=%ld\n", r == 1 ? -1 : r);
	fflush(stdout);
}

int main(void)
{
	char line[64];

	while (fgets(line, sizeof(line), stdin)) {
		if (strncmp(line, "fork ", 5) == 0)
			do_fork(atol(line + 5));
		else if (strcmp(line, "go\n") == 0)
			(void)!write(go_w, "g", 1);
		else if (strcmp(line, "reuse\n") == 0)
			do_reuse();
		else if (strcmp(line, "collect\n") == 0)
			do_collect();
		else
			return 2;
	}
	return 0;
}
