/*
 * SPDX-License-Identifier: MIT
 *
 * Many tasks at once: threads and forked children each get their own verdicts
 * (invariant 1), and a target dying with a call pending leaves the daemon
 * serving.
 */
#include <signal.h>
#include <string.h>

#include "harness.h"

TestSuite(tasks, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 90);

/* "getppid fake BASE+i if arg0 == i" for i in 0..n-1. */
static const char *distinct_policy(unsigned n, long base)
{
	char *text = sg_strf("version 1\ndefault allow\n");

	for (unsigned i = 0; i < n; i++)
		text = sg_strf("%sgetppid fake %ld if arg0 == %u\n", text, base + i, i);
	return sg_policy("distinct", text);
}

Test(tasks, threads_all_see_the_faked_value)
{
	const char *pol = sg_policy("fake4242", "version 1\n"
						"default allow\n"
						"getppid fake 4242\n");
	struct sg_result *r = sg_shim(pol, sg_target("threads"), "8", "2000", "4242", NULL);
	json_object *end;
	int64_t n;

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "threads: 8 x 2000 calls, 0 wrong\n");
	/* invariant 5: not one record lost */
	end = sg_audit_wait("event", "session-end", NULL);
	cr_assert_not_null(end, "the session did not end; sessions:\n%s",
			   sg_ctl("--json", "sessions", NULL)->out);
	cr_expect(sg_jint(end, "notifications", &n) && n == 16000, "%s", sg_jtext(end));
	n = (int64_t)sg_audit_count("event", "syscall", "syscall", "getppid", "verdict", "fake",
				    "value", "4242", NULL);
	cr_expect_eq(n, 16000, "%lld records of 16000; daemon:\n%s", (long long)n,
		     sg_daemon_stderr());
}

Test(tasks, threads_get_only_their_own_verdicts)
{
	const char *pol = distinct_policy(8, 1000);
	/* thread i passes arg0 = i and must get 1000 + i back, never a neighbour's value */
	struct sg_result *r = sg_shim(pol, sg_target("threads"), "8", "2000", "1000", "1", NULL);

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "threads: 8 x 2000 calls, 0 wrong\n");
}

Test(tasks, forked_children_all_see_the_faked_value)
{
	const char *pol = sg_policy("fake4242", "version 1\n"
						"default allow\n"
						"getppid fake 4242\n");
	struct sg_result *r = sg_shim(pol, sg_target("forker"), "8", "500", "4242", NULL);

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "forker: 8 children x 500 calls, 0 failed\n");
}

Test(tasks, forked_children_get_only_their_own_verdicts)
{
	const char *pol = distinct_policy(8, 2000);
	struct sg_result *r = sg_shim(pol, sg_target("forker"), "8", "500", "2000", "1", NULL);

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "forker: 8 children x 500 calls, 0 failed\n");
}

Test(tasks, kill_rule_kills_every_thread)
{
	const char *pol = sg_policy("kill", "version 1\n"
					    "default allow\n"
					    "getppid kill\n");
	struct sg_result *r = sg_shim(pol, sg_target("threads"), "4", "100", "0", NULL);

	sg_assert_exit(r, 128 + SIGSYS); /* the policy killed it */
	cr_expect_eq(r->out[0], '\0', "it ran on: %s", r->out);
	cr_expect_not_null(sg_audit_wait("event", "syscall", "syscall", "getppid", "verdict",
					 "kill", NULL),
			   "%s", sg_jtext(sg_audit()));
}

Test(tasks, daemon_survives_targets_killed_with_calls_pending)
{
	static const char *const delays_us[] = { "0",    "300",  "1000", "2000",
						 "3000", "5000", "8000", "13000" };
	const char *pol = sg_policy("fake7", "version 1\n"
					     "default allow\n"
					     "getppid fake 7\n");
	struct sg_result *r;
	size_t ended;

	for (size_t i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
		r = sg_shim(pol, sg_target("dier"), delays_us[i], "4", NULL);
		sg_assert_exit(r, 128 + 9); /* its own SIGKILL: not the policy's */
		sg_assert_daemon_alive();
	}
	/* every dead target's session ended */
	ended = sg_audit_wait_n(8, "event", "session-end", NULL);
	cr_expect_eq(ended, 8, "%zu of 8 sessions ended:\n%s", ended, sg_jtext(sg_audit()));

	/* and a new session is served correctly */
	r = sg_shim(pol, sg_target("threads"), "4", "200", "7", NULL);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "threads: 4 x 200 calls, 0 wrong\n");
	sg_assert_daemon_alive();
}
