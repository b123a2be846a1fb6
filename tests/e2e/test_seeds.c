/* SPDX-License-Identifier: MIT */
/*
 * The seed policies on freestanding targets that make only the syscalls written
 * in them: a routed default errno, and a routed kill through the daemon.
 */
#include <signal.h>

#include "harness.h"

TestSuite(seeds, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

Test(seeds, default_errno_fails_open_with_eio_and_records_it)
{
	sg_skip_mechanism("trap", "the seeds are static programs, which LD_PRELOAD cannot reach");
	const char *pol = sg_policy("seed_eio", "version 1\n"
						"default errno 5\n"
						"close, dup, write, exit allow\n");
	struct sg_result *r = sg_shim(pol, sg_target("seed_eio"), NULL);
	json_object *rec;
	int64_t v;

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "open=-5\n");
	rec = sg_audit_wait("event", "syscall", "syscall", "open", NULL);
	cr_assert_not_null(rec, "no record for open; audit log:\n%s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "deny", "%s", sg_jtext(rec));
	cr_expect(sg_jint(rec, "errno", &v) && v == 5, "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "errno_name"), "EIO", "%s", sg_jtext(rec));
	cr_expect(sg_jtrue(rec, "default"), "no \"default\": true in %s", sg_jtext(rec));
	cr_expect(sg_rule_is(rec, pol, 2), "rule should be the default's line 2: %s",
		  sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "mechanism"), sg_mechanism(), "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "arch"), "x86_64", "%s", sg_jtext(rec));
	cr_expect(sg_jint(rec, "nr", &v) && v == 2, "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jarg(rec, 1), "0x0", "open flags: %s", sg_jtext(rec));
	sg_audit_wait_sessions_ended(1);
	/* the shim's own exec went through the STARTING rule: no record for it */
	cr_expect_eq(sg_audit_count("event", "syscall", "syscall", "execve", NULL), 0,
		     "the shim's exec was recorded: %s", sg_jtext(sg_audit()));
	/* write and exit stay in the kernel */
	cr_expect_eq(sg_audit_count("event", "syscall", "syscall", "write", NULL), 0);
}

Test(seeds, default_kill_kills_through_the_daemon)
{
	sg_skip_mechanism("trap", "the seeds are static programs, which LD_PRELOAD cannot reach");
	const char *pol = sg_policy("seed_dup2", "version 1\n"
						 "default kill\n"
						 "rt_sigreturn, exit, read, write allow\n"
						 "dup2 allow if arg0 == 1 and arg1 == 2\n");
	struct sg_result *r = sg_shim(pol, sg_target("seed_dup2"), NULL);
	json_object *rec;

	sg_assert_exit(r, 128 + SIGSYS); /* the policy killed it */
	cr_expect_str_eq(r->out, "dup2 ok\n");
	rec = sg_audit_wait("event", "syscall", "syscall", "dup2", "verdict", "kill", NULL);
	cr_assert_not_null(rec, "no kill record for dup2; audit log:\n%s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jarg(rec, 0), "0x2", "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jarg(rec, 1), "0x2a", "%s", sg_jtext(rec));
	cr_expect(sg_rule_is(rec, pol, 2), "rule should be the default's line 2: %s",
		  sg_jtext(rec));
	/* the allowed dup2(1, 2) never left the kernel */
	sg_audit_wait_sessions_ended(1);
	cr_expect_eq(sg_audit_count("event", "syscall", "syscall", "dup2", NULL), 1,
		     "%s", sg_jtext(sg_audit()));
}
