/*
 * SPDX-License-Identifier: MIT
 *
 * Signals reach a supervised target as they would without sysgate: under trace
 * the daemon sees each signal first (a signal-delivery stop) and must deliver
 * it, and job control must work (a group-stop stays stopped until SIGCONT).
 * Runs under every mechanism.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

TestSuite(signals, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

static const char *fake_policy(void)
{
	return sg_policy("fake", "version 1\ndefault allow\ngetppid fake 4242\n");
}

/* Start sig_wait under the policy; its pid once it is ready. */
static pid_t start(struct sg_proc **ret)
{
	const char *ready = sg_strf("%s/ready", sg_dir());
	pid_t pid;

	*ret = sg_spawn(sg_shim_argv(fake_policy(), sg_target("sig_wait"), ready, "4242", NULL),
			NULL);
	sg_wait_file(ready);
	pid = (pid_t)atoi(sg_read_file(ready));
	cr_assert_gt(pid, 0);
	return pid;
}

/* The state letter of /proc/PID/stat ('T' stopped, 't' stopped under a tracer). */
static char proc_state(pid_t pid)
{
	char *stat = sg_read_file(sg_strf("/proc/%d/stat", (int)pid));
	char *p = stat ? strrchr(stat, ')') : NULL;

	return p && p[1] == ' ' ? p[2] : '?';
}

static bool wait_stopped(pid_t pid)
{
	struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

	for (int i = 0; i < 500; i++) {
		char c = proc_state(pid);

		if (c == 'T' || c == 't')
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

Test(signals, a_signal_to_the_target_runs_its_handler)
{
	struct sg_proc *p;
	pid_t pid = start(&p);
	struct sg_result *r;

	cr_assert_eq(kill(pid, SIGUSR1), 0);
	r = sg_wait(p);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "usr1 handled, getppid=4242\n");
}

Test(signals, sigstop_stops_the_target_until_sigcont)
{
	struct timespec ts = { .tv_nsec = 200 * 1000 * 1000 };
	struct sg_proc *p;
	pid_t pid = start(&p);
	struct sg_result *r;

	cr_assert_eq(kill(pid, SIGSTOP), 0);
	cr_assert(wait_stopped(pid), "pid %d did not stop (state %c)", (int)pid, proc_state(pid));
	/* stopped, a signal stays pending: the handler must not run before SIGCONT */
	cr_assert_eq(kill(pid, SIGUSR1), 0);
	nanosleep(&ts, NULL);
	cr_expect(proc_state(pid) == 'T' || proc_state(pid) == 't', "pid %d ran on (state %c)",
		  (int)pid, proc_state(pid));
	cr_expect_str_eq(sg_read_file(p->out_path), "", "it ran while stopped");
	cr_assert_eq(kill(pid, SIGCONT), 0);
	r = sg_wait(p);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "usr1 handled, getppid=4242\n");
}
