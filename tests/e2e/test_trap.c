/* SPDX-License-Identifier: MIT */
/*
 * The trap mechanism end to end: sysgate-run --mechanism trap preloads
 * libsysgate-preload.so into the command, which registers its own session and
 * asks the daemon from its SIGSYS handler.  Each test runs one probe of
 * tests/targets/trap_probe.c (which checks what it sees itself) and then checks
 * the daemon's records.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

TestSuite(trap, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

static const char *trap_policy(void)
{
	return sg_policy("trap", "version 1\n"
				 "default allow\n"
				 "getppid fake 4242\n"
				 "mkdir, mkdirat deny EACCES\n"
				 "uname allow log\n"
				 "getpgrp kill\n");
}

/* The command line of one probe; static: one test per process, one probe at a time. */
static const char **trap_argv(const char *policy, const char *probe)
{
	static const char *argv[12];

	argv[0] = sg_run_path();
	argv[1] = "-s";
	argv[2] = sg_sock();
	argv[3] = "-m";
	argv[4] = "trap";
	argv[5] = "-p";
	argv[6] = policy;
	argv[7] = "--";
	argv[8] = sg_target("trap_probe");
	argv[9] = probe;
	argv[10] = sg_dir();
	return argv;
}

static struct sg_result *probe(const char *name)
{
	struct sg_result *r = sg_run(trap_argv(trap_policy(), name), NULL);

	cr_expect(sg_exited(r, 0), "%s: %s\nstdout: %s\nstderr: %s", r->cmd,
		  sg_status_str(r->status), r->out, r->err);
	return r;
}

static void expect_record(const char *syscall, const char *verdict)
{
	json_object *rec = sg_audit_wait("event", "syscall", "syscall", syscall, NULL);

	cr_assert_not_null(rec, "no %s record; audit log:\n%s", syscall, sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), verdict, "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "mechanism"), "trap", "%s", sg_jtext(rec));
}

Test(trap, fake_sets_the_return_value_and_keeps_errno)
{
	probe("fake");
	expect_record("getppid", "fake");
	cr_expect(sg_audit_wait("event", "session-start", "mechanism", "trap", NULL) != NULL);
}

Test(trap, deny_fails_with_the_policy_errno)
{
	probe("deny");
	expect_record("mkdir", "deny");
}

Test(trap, allow_reissues_the_call_from_the_trampoline)
{
	probe("allow");
	expect_record("uname", "allow");
}

Test(trap, threads_share_one_socket_safely)
{
	probe("threads");
	cr_expect_geq(sg_audit_wait_n(1600, "event", "syscall", "syscall", "getppid", NULL), 1600);
}

Test(trap, a_forked_child_registers_its_own_session)
{
	probe("fork");
	cr_expect_geq(sg_audit_wait_n(2, "event", "session-start", "mechanism", "trap", NULL), 2,
		      "%s", sg_jtext(sg_audit()));
}

Test(trap, a_trapped_call_inside_a_signal_handler)
{
	probe("signal");
}

Test(trap, the_i386_entry_gets_the_native_verdict)
{
	probe("i386");
	cr_expect(sg_audit_wait("event", "syscall", "arch", "x86", "syscall", "getppid", NULL)
		  != NULL, "no i386 record; audit log:\n%s", sg_jtext(sg_audit()));
	cr_expect(sg_audit_wait("event", "syscall", "arch", "x86_64", "syscall", "getppid", NULL)
		  != NULL, "no x86_64 record; audit log:\n%s", sg_jtext(sg_audit()));
}

Test(trap, a_program_with_its_own_sigsys_handler_gets_no_call_run)
{
	probe("ownsigsys");
}

Test(trap, kill_is_carried_out_by_the_daemon)
{
	const char *pol = sg_policy("trapkill", "version 1\ndefault allow\nwrite kill\n");
	const char **argv = trap_argv(pol, "allow");
	struct sg_result *r = sg_run(argv, NULL);

	cr_expect(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 128 + SIGSYS,
		  "%s: %s\nstderr: %s", r->cmd, sg_status_str(r->status), r->err);
	cr_expect_str_eq(r->out, "");
	expect_record("write", "kill");
}

/* A trapped getppid once the daemon is gone: never allowed, fails with want. */
static void expect_unreachable(const char *policy, const char *want)
{
	struct sg_proc *p = sg_spawn(trap_argv(policy, "unreachable"), NULL);
	struct sg_result *r;

	cr_assert_not_null(sg_audit_wait("event", "session-start", "mechanism", "trap", NULL),
			   "no session started; audit log:\n%s", sg_jtext(sg_audit()));
	sg_daemon_kill();
	sg_write_file("go", "", 0600);
	r = sg_wait(p);
	cr_expect(sg_exited(r, 0), "%s: %s\nstdout: %s\nstderr: %s", r->cmd,
		  sg_status_str(r->status), r->out, r->err);
	cr_expect_str_eq(r->out, sg_strf("getppid=-1 errno=%s\n", want));
}

Test(trap, no_daemon_means_enosys_never_allow)
{
	expect_unreachable(trap_policy(), "ENOSYS");
}

Test(trap, no_daemon_gives_the_errno_the_policy_sets)
{
	expect_unreachable(sg_policy("unreach", "version 1\nunreachable EPERM\ndefault allow\n"
						"getppid fake 4242\n"),
			   "EPERM");
}

static const char *i386_helper(void)
{
	const char *path = sg_target("getppid32");

	if (access(path, X_OK) < 0)
		sg_skip("no i386 helper: the compiler cannot build -m32 programs "
			"(install gcc-multilib)");
	return path;
}

Test(trap, a_real_i386_program_gets_the_native_verdict_under_notify)
{
	const char *helper = i386_helper();
	const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-m", "notify", "-p",
			       trap_policy(), "--", helper, "4242", NULL };
	struct sg_result *r = sg_run(argv, NULL);
	json_object *rec;

	cr_expect(sg_exited(r, 0), "%s: %s\nstdout: %s\nstderr: %s", r->cmd,
		  sg_status_str(r->status), r->out, r->err);
	rec = sg_audit_wait("event", "syscall", "syscall", "getppid", NULL);
	cr_assert_not_null(rec, "no getppid record; audit log:\n%s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "arch"), "x86", "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "fake", "%s", sg_jtext(rec));
}

Test(trap, a_real_i386_program_is_refused_under_trap)
{
	const char *helper = i386_helper();
	const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-m", "trap", "-p",
			       trap_policy(), "--", helper, "4242", NULL };
	struct sg_result *r = sg_run(argv, NULL);

	/* LD_PRELOAD of a 64-bit library cannot reach it: it would run unfiltered. */
	sg_assert_exit(r, 125);
	cr_expect(strstr(r->err, "not an x86_64 program") != NULL, "%s", r->err);
	cr_expect_str_eq(r->out, "");
}

Test(trap, a_static_program_is_refused_under_trap)
{
	const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-m", "trap", "-p",
			       trap_policy(), "--", sg_target("seed_eio"), NULL };
	struct sg_result *r = sg_run(argv, NULL);

	sg_assert_exit(r, 125);
	cr_expect(strstr(r->err, "statically linked") != NULL, "%s", r->err);
}

Test(trap, a_program_execd_under_the_inherited_filter_is_supervised)
{
	const char *dir = sg_strf("%s/made", sg_dir());
	const char *script = sg_strf("/bin/mkdir %s; echo rc=$?", dir);
	const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-m", "trap", "-p",
			       trap_policy(), "--", "/bin/sh", "-c", script, NULL };
	struct sg_result *r = sg_run(argv, NULL);
	struct stat st;

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "rc=1\n", "stderr: %s", r->err);
	cr_expect(stat(dir, &st) < 0, "the denied mkdir made %s", dir);
	expect_record("mkdir", "deny");
}
