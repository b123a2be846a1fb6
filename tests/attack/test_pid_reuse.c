/*
 * SPDX-License-Identifier: MIT
 *
 * pid reuse (DESIGN.md invariant 1, issue 13): a target dies while the daemon
 * decides its call, and its pid goes to a new process of the same session
 * making its own call.  The daemon is held with ptrace right after it received
 * the dying target's call (tests/attack/pid_reuse.c); the new process must get
 * its own verdict (faked 77), never the dead one's (killed, or faked 11).  Under
 * notify and trap the pid is really reused while the decision is pending; under
 * trace it cannot be: a traced target stays a zombie until its tracer, the held
 * daemon, reaps it.  Run per mechanism.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"


TestSuite(pid_reuse, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 120);

Test(pid_reuse, a_verdict_never_reaches_the_process_that_reused_the_pid)
{
	const char *pol = sg_policy("reuse", "version 1\ndefault allow\n"
					     "getpriority kill if arg1 == 1111\n"
					     "getpriority fake 11 if arg1 == 1112\n"
					     "getpriority fake 77 if arg1 == 2222\n");
	const struct sg_opts o = { .timeout_ms = 90000 };
	/* trace: each round waits half a second for a reap that cannot come */
	const unsigned want = strcmp(sg_mechanism(), "trace") == 0 ? 8 : 100;
	unsigned rounds = 0, held = 0, reused = 0, wrong = 0;
	struct sg_result *r;

	if (geteuid() != 0)
		sg_skip("tracing the daemon and choosing a pid (ns_last_pid) need root");
	r = sg_run((const char *[]){ sg_bin("tests/attack/pid_reuse"),
				     sg_strf("%d", (int)sg_daemon_pid()), sg_mechanism(),
				     sg_strf("%u", want), "--", sg_run_path(), "--mechanism",
				     sg_mechanism(), "-s", sg_sock(), "-p", pol, "--",
				     sg_bin("tests/attack/reuse_target"), NULL },
		   &o);
	sg_assert_exit(r, 0);
	cr_assert_eq(sscanf(r->out, "rounds=%u held=%u reused=%u misdirected=%u", &rounds, &held,
			    &reused, &wrong), 4, "%s\n%s", r->out, r->err);
	cr_expect_eq(wrong, 0, "a verdict reached the process that reused the pid:\n%s", r->err);
	cr_expect_eq(held, want, "the daemon was not held at every call:\n%s", r->err);
	if (strcmp(sg_mechanism(), "trace") == 0)
		cr_expect_eq(reused, 0, "a traced pid was reused before its tracer reaped it:\n%s",
			     r->err);
	else
		cr_expect_geq(reused, want / 2, "the pid was seldom reused: no attack:\n%s",
			      r->err);
	sg_assert_daemon_alive();
}
