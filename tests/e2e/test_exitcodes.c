/*
 * SPDX-License-Identifier: MIT
 *
 * sysgate-run's exit status: the command's own, 128+N for a signal, 127 and
 * 126 for a command that cannot be found or run, 125 for its own failures,
 * 159 (128 + SIGSYS) when its policy killed it, in the kernel or through the
 * daemon.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

TestSuite(exitcodes, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

static const char *allow_policy(void)
{
	return sg_policy("allow", "version 1\ndefault allow\ngetppid fake 3\n");
}

Test(exitcodes, exit_status_is_propagated)
{
	sg_assert_exit(sg_shim(allow_policy(), sg_target("exit_with"), "3", NULL), 3);
	sg_assert_exit(sg_shim(allow_policy(), sg_target("exit_with"), "0", NULL), 0);
	sg_assert_exit(sg_shim(allow_policy(), sg_target("exit_with"), "124", NULL), 124);
}

Test(exitcodes, death_by_signal_is_128_plus_n)
{
	sg_assert_exit(sg_shim(allow_policy(), sg_target("kill_self"), "15", NULL), 128 + 15);
	sg_assert_exit(sg_shim(allow_policy(), sg_target("kill_self"), "9", NULL), 128 + 9);
}

/* One policy action, one status: `kill quiet` (the kernel's SIGSYS) and a routed `kill`
 * (the daemon's SIGKILL through a pidfd) both end sysgate-run with 128 + SIGSYS. */
Test(exitcodes, policy_kill_is_159_in_the_kernel_or_through_the_daemon)
{
	const char *quiet = sg_policy("killquiet", "version 1\ndefault allow\ngetppid kill quiet\n");
	const char *routed = sg_policy("kill", "version 1\ndefault allow\ngetppid kill\n");
	struct sg_result *r;

	r = sg_shim(quiet, sg_target("waiter"), "-v", "1", "-t", "5", NULL);
	sg_assert_exit(r, 128 + SIGSYS);
	cr_expect_str_eq(r->out, "", "it ran on");
	r = sg_shim(routed, sg_target("waiter"), "-v", "1", "-t", "5", NULL);
	sg_assert_exit(r, 128 + SIGSYS);
	cr_expect_str_eq(r->out, "", "it ran on");
	cr_expect_not_null(sg_audit_wait("event", "syscall", "syscall", "getppid", "verdict",
					 "kill", NULL),
			   "%s", sg_jtext(sg_audit()));
}

/* Only a kill of the command itself is the policy's: a command that dies of SIGKILL after
 * the policy killed one of its children dies of a SIGKILL of its own (137). */
Test(exitcodes, sigkill_not_from_the_policy_stays_137)
{
	const char *pol = sg_policy("killwr", "version 1\ndefault allow\n"
					      "openat kill if arg2 & 3 == 1\n");
	const char *file = sg_write_file("file", "x\n", 0644);
	struct sg_result *r;

	r = sg_shim(pol, "/bin/sh", "-c", "\"$0\" \"$1\" O_WRONLY EACCES; kill -9 $$",
		    sg_target("do_open"), file, NULL);
	sg_assert_exit(r, 128 + SIGKILL);
	cr_expect_not_null(sg_audit_wait("event", "syscall", "syscall", "openat", "verdict",
					 "kill", NULL),
			   "the child was not killed by the policy: %s", sg_jtext(sg_audit()));
}

Test(exitcodes, missing_command_is_127)
{
	struct sg_result *r = sg_shim(allow_policy(), sg_strf("%s/no-such-command", sg_dir()),
				      NULL);

	sg_assert_exit(r, 127);
	cr_expect(strstr(r->err, "no-such-command"), "no message naming the command:\n%s", r->err);
	/* a PATH of searchable directories only: an unsearchable one would make it EACCES */
	{
		const char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", NULL };
		struct sg_opts o = { .env = env };

		r = sg_run(sg_shim_argv(allow_policy(), "sysgate-e2e-no-such-command-in-path", NULL),
			   &o);
		sg_assert_exit(r, 127);
	}
}

Test(exitcodes, non_executable_command_is_126)
{
	const char *file = sg_write_file("not-executable", "#!/bin/sh\nexit 0\n", 0644);
	struct sg_result *r = sg_shim(allow_policy(), file, NULL);

	sg_assert_exit(r, 126);
	cr_expect(strstr(r->err, "not-executable"), "no message naming the command:\n%s", r->err);
}

Test(exitcodes, policy_syntax_error_is_125_with_a_caret)
{
	const char *bad = sg_policy("bad", "version 1\n"
					   "default allow\n"
					   "openat frobnicate\n");
	struct sg_result *r = sg_shim(bad, sg_target("exit_with"), "0", NULL);

	sg_assert_exit(r, 125);
	/* said like every other message of sysgate-run's: the command shares the stream */
	cr_expect(strstr(r->err, sg_strf("sysgate-run: %s:3:8: error: ", bad)),
		  "no 'sysgate-run: file:line:col: error:' in:\n%s", r->err);
	cr_expect(strstr(r->err, "\nopenat frobnicate\n       ^"), "no caret under the error:\n%s",
		  r->err);
	/* nothing ran: no session was registered */
	cr_expect_eq(sg_audit_count("event", "session-start", NULL), 0, "%s",
		     sg_jtext(sg_audit()));
}

/* A NAME found nowhere: say where it was looked for and what would find it; from the build
 * tree, where the shipped policies are. */
Test(exitcodes, policy_name_not_found_says_what_finds_it)
{
	const char *src = getenv("SG_SOURCE_ROOT");
	const char *shipped = sg_strf("'%s/policies'", src);
	const char *copy = sg_strf("%s/sysgate-run", sg_dir());
	const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-p", "sg-no-such-policy", "--",
			       sg_target("exit_with"), "0", NULL };
	struct sg_result *r;

	cr_assert_not_null(src, "SG_SOURCE_ROOT is not set (run the tests through meson test)");
	r = sg_run(argv, NULL);
	sg_assert_exit(r, 125);
	cr_expect(strstr(r->err, "sysgate-run: policy 'sg-no-such-policy' not found in "),
		  "%s", r->err);
	cr_expect(strstr(r->err, "SYSGATE_POLICY_PATH") &&
		  strstr(r->err, "a path (./sg-no-such-policy.policy)"),
		  "no word of SYSGATE_POLICY_PATH or a path:\n%s", r->err);
	cr_expect(strstr(r->err, shipped), "the source tree's policies (%s) not named:\n%s",
		  shipped, r->err);

	/* an installed copy has no source tree to point at */
	cr_assert_eq(system(sg_strf("cp '%s' '%s'", sg_run_path(), copy)), 0);
	argv[0] = copy;
	r = sg_run(argv, NULL);
	sg_assert_exit(r, 125);
	cr_expect(strstr(r->err, "SYSGATE_POLICY_PATH"), "%s", r->err);
	cr_expect(!strstr(r->err, shipped), "a copy names the source tree:\n%s", r->err);
}

Test(exitcodes, bad_option_is_125)
{
	const char *argv[] = { sg_run_path(), "--no-such-option", "--", sg_target("exit_with"), "0",
			       NULL };

	sg_assert_exit(sg_run(argv, NULL), 125);
}

Test(exitcodes, no_command_is_125)
{
	const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-p", allow_policy(), NULL };

	sg_assert_exit(sg_run(argv, NULL), 125);
}

Test(exitcodes, sigterm_to_sysgate_run_reaches_the_command)
{
	const char *ready = sg_strf("%s/ready", sg_dir());
	struct sg_opts o = { .stdin_pipe = true };
	struct sg_proc *p = sg_spawn(sg_shim_argv(allow_policy(), sg_target("waiter"), "-r", ready,
						  NULL),
				     &o);
	struct sg_result *r;

	sg_wait_file(ready);
	kill(p->pid, SIGTERM);
	r = sg_wait(p);
	sg_assert_exit(r, 128 + 15);
}

Test(exitcodes, script_without_shebang_runs_under_sh)
{
	const char *script = sg_write_file("noshebang", "echo \"ran with $# args: $*\"\nexit 4\n",
					   0755);
	struct sg_result *r = sg_shim(allow_policy(), script, "a", "b", NULL);

	sg_assert_exit(r, 4);
	cr_expect(strstr(r->out, "ran with 2 args: a b"), "the script did not run:\n%s", r->out);
}

Test(exitcodes, trace_refused_when_the_target_is_already_traced_is_125)
{
	/* LeakSanitizer (a sanitized build) cannot run under a tracer: off for this run */
	const char *argv[] = { "/usr/bin/env", "ASAN_OPTIONS=detect_leaks=0", "/usr/bin/strace",
			       "-f", "-o", "/dev/null", sg_run_path(),
			       "--mechanism", "trace", "-s", sg_sock(), "-p", allow_policy(),
			       "--", sg_target("exit_with"), "0", NULL };
	struct sg_result *r;

	sg_require_mechanism("trace", "only trace needs to attach with ptrace");
	if (access(argv[2], X_OK) != 0)
		sg_skip("no /usr/bin/strace to hold the target traced");
	r = sg_run(argv, NULL);
	/* refused with the reason, never a hang: the daemon cannot be a second tracer */
	sg_assert_exit(r, 125);
	cr_expect(strstr(r->err, "already traced by pid"), "%s", r->err);
	sg_assert_daemon_alive();
	cr_expect_eq(sg_audit_count("event", "session-start", NULL), 0, "%s", sg_jtext(sg_audit()));
}
