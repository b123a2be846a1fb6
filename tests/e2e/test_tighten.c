/* SPDX-License-Identifier: MIT */
/* Gradual tightening (issue 7): audit mode, by policy directive and by sysgate-run --audit. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

TestSuite(tighten, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

#define DENY_WRITE_OPENS "openat deny EACCES if arg2 & 3 == 1\n"

Test(tighten, mode_audit_allows_and_records_the_would_be_deny)
{
	const char *pol = sg_policy("modeaudit", "version 1\nmode audit\ndefault allow\n"
						 DENY_WRITE_OPENS);
	const char *file = sg_write_file("file", "x\n", 0644);

	sg_expect_audited_open(sg_shim(pol, sg_target("do_open"), file, "O_WRONLY", "ok", NULL), pol,
			    4);
	/* allowed calls stay silent: the only syscall record is the openat */
	sg_audit_wait_sessions_ended(1);
	cr_expect_eq(sg_audit_count("event", "syscall", NULL), 1, "%s", sg_jtext(sg_audit()));
}

Test(tighten, audit_flag_allows_what_the_same_policy_denies_otherwise)
{
	const char *pol = sg_policy("enforce", "version 1\ndefault allow\n" DENY_WRITE_OPENS);
	const char *file = sg_write_file("file", "x\n", 0644);
	const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-m", sg_mechanism(), "--audit",
			       "-p", pol, "--", sg_target("do_open"), file, "O_WRONLY", "ok",
			       NULL };
	struct sg_result *r;

	sg_expect_audited_open(sg_run(argv, NULL), pol, 3);
	/* without --audit the same policy denies */
	r = sg_shim(pol, sg_target("do_open"), file, "O_WRONLY", "ok", NULL);
	cr_expect(strstr(r->out, "open=ok") == NULL, "the open was not denied: %s", r->out);
	/* the deny may still be in the daemon's batch when the command has exited */
	sg_audit_wait_sessions_ended(2);
	cr_expect_eq(sg_audit_count("event", "syscall", "syscall", "openat", "errno", "13", NULL), 2,
		     "%s", sg_jtext(sg_audit()));
}

Test(tighten, live_switch_is_recorded_with_who_and_denied_to_others)
{
	const char *ready = sg_strf("%s/ready", sg_dir());
	const char *pol = sg_policy("live", "version 1\ndefault allow\ngetppid fake 5\n");
	struct sg_opts o = { .stdin_pipe = true };
	struct sg_proc *p = sg_spawn(sg_shim_argv(pol, sg_target("waiter"), "-v", "5", "-r", ready,
						  NULL), &o);
	const char *id;
	const char *nobody[] = { "session", NULL, "audit", NULL };
	struct sg_result *r;
	json_object *rec;
	int64_t v;

	sg_wait_file(ready);
	id = sg_strf("%lld", (long long)sg_session_id(0));
	r = sg_ctl("session", id, "audit", NULL);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, sg_strf("session %s: audit\n", id));
	rec = sg_audit_wait("event", "session-mode", "mode", "audit", NULL);
	cr_assert_not_null(rec, "no session-mode record:\n%s", sg_jtext(sg_audit()));
	cr_expect(sg_jint(rec, "by_uid", &v) && v == 0, "%s", sg_jtext(rec));
	cr_expect(sg_jint(rec, "by_pid", &v) && v > 0, "%s", sg_jtext(rec));
	nobody[1] = id;
	r = sg_ctl_as_nobody(nobody);
	cr_expect(!sg_exited(r, 0), "another uid switched the session: %s", r->out);
	r = sg_ctl("session", id, "enforce", NULL);
	sg_assert_exit(r, 0);
	cr_expect(sg_audit_wait("event", "session-mode", "mode", "enforce", NULL) != NULL);
	cr_expect_eq(sg_audit_count("event", "session-mode", NULL), 2, "%s", sg_jtext(sg_audit()));
	r = sg_ctl("session", id, "loud", NULL);
	cr_expect(sg_exited(r, 2), "a bad mode is a usage error: %s", r->err);
	close(p->stdin_fd);
	p->stdin_fd = -1;
	r = sg_wait(p);
	sg_assert_exit(r, 0);
}
