/*
 * SPDX-License-Identifier: MIT
 *
 * Threads of a new process racing their first routed calls (DESIGN.md
 * invariant 1): 200 children, each forked with six threads released together,
 * make calls the policy denies (mknodat), fakes (getppid) and allows
 * (getpriority, `allow log`: routed).  Every call gets its own verdict: none is
 * answered with another's, no allow ever reaches a denied mknodat (no FIFO is
 * made), none goes unanswered.  Run per mechanism.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "harness.h"

TestSuite(forked_threads, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 120);

Test(forked_threads, threads_of_a_new_process_get_only_their_own_verdicts)
{
	const char *pol = sg_policy("three", "version 1\ndefault allow\n"
					     "mknod, mknodat deny EACCES\n"
					     "getppid fake 7\n"
					     "getpriority allow log\n");
	const char *dir = sg_strf("%s/fifos", sg_dir());
	long children = 0, crossed = -1, made = -1, unanswered = -1;
	struct sg_result *r;

	cr_assert_eq(mkdir(dir, 0755), 0);
	r = sg_shim(pol, sg_bin("tests/attack/forked_threads"), dir, "200", NULL);
	sg_assert_exit(r, 0);
	cr_assert_eq(sscanf(r->out, "children=%ld crossed=%ld made=%ld unanswered=%ld", &children,
			    &crossed, &made, &unanswered), 4, "%s", r->out);
	cr_expect(crossed == 0 && made == 0 && unanswered == 0, "%s", r->out);
	cr_expect_eq(children, 200, "%s", r->out);
}
