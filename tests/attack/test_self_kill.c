/*
 * SPDX-License-Identifier: MIT
 *
 * Targets dying mid-decision, many times (issue 13): for 3 seconds a session's
 * processes keep dying while their threads are in routed calls (SIGKILL to
 * themselves, exit_group from a thread, a call the policy kills, SIGKILL from
 * their parent); under notify their emulated opens die too.  Meanwhile another
 * session times its routed calls.  The daemon keeps running and answering: the
 * other session's every answer is right and none waits a second, a new session
 * afterwards is served, and the daemon holds no more file descriptors than
 * before.  Run per mechanism.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

TestSuite(self_kill, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 120);

/* getppid faked 7, getpriority faked 5 or killing (arg1 999); under notify the open
 * of DIR/pub/x emulated (sg_open_rule_policy's rule). */
static const char *dying_policy(void)
{
	const char *open_rule = "";

	if (strcmp(sg_mechanism(), "notify") == 0) {
		sg_open_rule_policy();
		open_rule = sg_strf("open, openat emulate open %s/secret\n", sg_dir());
	}
	return sg_policy("dying", sg_strf("version 1\ndefault allow\ngetppid fake 7\n"
					  "getpriority kill if arg1 == 999\n"
					  "getpriority fake 5 if arg1 == 0\n%s", open_rule));
}

/* No session left, within a few seconds (under trap every child had its own). */
static void wait_no_sessions(void)
{
	size_t n = 1;

	for (int i = 0; i < 500 && n > 0; i++) {
		n = json_object_array_length(sg_ctl_json("sessions", NULL));
		if (n > 0)
			usleep(10 * 1000);
	}
	cr_expect_eq(n, 0, "%zu sessions still listed", n);
}

struct meter {
	long calls, wrong, p50, p99, max;
};

/* self_killer for 3 s while another session times its calls (rtt, every ms); checks what
 * must hold under every mechanism and returns what the other session saw. */
static struct meter dying_run(void)
{
	const char *meter_pol = sg_policy("meter", "version 1\ndefault allow\ngetppid fake 5\n");
	const char *pol = dying_policy(), *file = sg_strf("%s/pub/x", sg_dir());
	/* enough deaths that the race was run, however loaded the machine: trace forks slowly
	 * (a few per second on a busy 2-cpu machine), the others by the hundred */
	long least = strcmp(sg_mechanism(), "trace") == 0 ? 2 : 20;
	long children = 0, wrong = -1;
	struct meter m = { 0, -1, 0, 0, 0 };
	struct sg_proc *meter;
	struct sg_result *r;
	size_t fds;

	sg_run_alone("self_kill"); /* two runs would measure each other */
	/* a first session makes what the mechanism keeps for good (trace's signalfd) */
	sg_assert_exit(sg_shim(pol, "/bin/true", NULL), 0);
	wait_no_sessions();
	fds = sg_daemon_fds_settled();
	meter = sg_spawn(sg_shim_argv(meter_pol, sg_bin("tests/attack/rtt"), "4", "1000", "5",
				      NULL), NULL);
	r = sg_shim(pol, sg_bin("tests/attack/self_killer"), "3", "8",
		    strcmp(sg_mechanism(), "notify") == 0 ? file : NULL, NULL);
	sg_assert_exit(r, 0);
	cr_assert_eq(sscanf(r->out, "children=%ld wrong=%ld", &children, &wrong), 2, "%s",
		     r->out);
	cr_expect_geq(children, least, "only %ld deaths", children);
	cr_expect_eq(wrong, 0, "%s", r->out);
	r = sg_wait(meter);
	sg_assert_exit(r, 0);
	cr_assert_eq(sscanf(r->out, "calls=%ld wrong=%ld p50=%ld p99=%ld max=%ld", &m.calls,
			    &m.wrong, &m.p50, &m.p99, &m.max), 5, "%s", r->out);
	cr_expect(m.calls > 0 && m.wrong == 0, "the other session: %s", r->out);
	sg_assert_daemon_alive();
	r = sg_shim(pol, sg_target("threads"), "4", "200", "7", NULL);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "threads: 4 x 200 calls, 0 wrong\n");
	wait_no_sessions();
	sg_expect_daemon_fds(fds);
	return m;
}

Test(self_kill, targets_dying_mid_decision_leave_the_daemon_running_and_answering)
{
	sg_skip_mechanism("trace", "does not hold yet (reported on issue 13): under a loaded "
			  "machine the dying command's own session can stall past the 30 s bound "
			  "(1.4 million stops drained, the command never answered: daemon/mech/"
			  "trace.c's waitpid(-1) drain); the daemon itself survives");
	dying_run();
}

Test(self_kill, another_session_is_not_stalled_while_targets_die_mid_decision)
{
	struct meter m;

	sg_skip_mechanism("trace", "does not hold yet (reported on issue 13): while targets "
			  "die, a call of the other session waits up to seconds (0.3 s to 12.5 s "
			  "seen; see test_flood.c)");
	m = dying_run();
	cr_log_info("%s: the other session: %ld calls, p50 %ld p99 %ld max %ld us",
		    sg_mechanism(), m.calls, m.p50, m.p99, m.max);
	cr_expect(m.calls > 500 && m.max < 1000000, "the other session made %ld calls in 4 s, "
		  "the slowest took %ld us", m.calls, m.max);
}
