/* SPDX-License-Identifier: MIT */
/*
 * shim/run.c, run_command() called in-process: the policy prepared (found, checked,
 * compiled, or printed with --print-filter), the command found, and a command run under
 * an embedded daemon, whose exit becomes sysgate-run's exit code.  The exit codes of
 * the built program against a system daemon: tests/e2e/test_exitcodes.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "shim.h"

static struct run_opts opts;
static char out[65536];
static int saved_stdout = -1, out_fd = -1;

static void setup(void)
{
	st_setup();
	st_capture_stderr();
	unsetenv("SYSGATE_POLICY_PATH");
	setenv("XDG_RUNTIME_DIR", st_dir(), 1);
	opts = (struct run_opts){ .policy = st_write("allow.policy", "version 1\ndefault allow\n",
						      0644),
				  .log = st_path("audit.log"), .embedded = true,
				  .mechanism = SG_MECH_NOTIFY };
}

static void teardown(void)
{
	if (saved_stdout >= 0) {
		dup2(saved_stdout, STDOUT_FILENO);
		close(saved_stdout);
		close(out_fd);
	}
	st_teardown();
}

TestSuite(shim_run, .init = setup, .fini = teardown, .timeout = 60);

/* run_command with argv (NULL-terminated); standard output kept in out.  The signal
 * mask and SIGCHLD's disposition are given back after, as if each run were its own
 * sysgate-run (it leaves the forwarded signals blocked on its way out). */
static int run(char **argv)
{
	struct sigaction chld;
	sigset_t mask;
	int r;

	cr_assert_eq(sigprocmask(SIG_SETMASK, NULL, &mask), 0);
	cr_assert_eq(sigaction(SIGCHLD, NULL, &chld), 0);
	fflush(stdout);
	out_fd = memfd_create("stdout", MFD_CLOEXEC);
	saved_stdout = dup(STDOUT_FILENO);
	cr_assert(out_fd >= 0 && saved_stdout >= 0);
	dup2(out_fd, STDOUT_FILENO);
	opts.argv = argv;
	r = run_command(&opts);
	fflush(stdout);
	dup2(saved_stdout, STDOUT_FILENO);
	close(saved_stdout);
	saved_stdout = -1;
	out[pread(out_fd, out, sizeof(out) - 1, 0)] = '\0';
	close(out_fd);
	cr_assert_eq(sigprocmask(SIG_SETMASK, &mask, NULL), 0);
	cr_assert_eq(sigaction(SIGCHLD, &chld, NULL), 0);
	return r;
}

Test(shim_run, print_filter_prints_the_compiled_filter_and_runs_nothing)
{
	char *argv[] = { "/nonexistent/never-run", NULL };

	opts.policy = st_write("p.policy", "version 1\ndefault allow\nptrace kill\n", 0644);
	opts.print_filter = true;
	cr_expect_eq(run(NULL), 0, "no command needed");
	cr_expect(strstr(out, "pseudo filter code start"), "%s", out);
	cr_expect(strstr(out, "\"ptrace\""), "%s", out);
	cr_expect_str_eq(st_stderr(), "");
	cr_expect_eq(run(argv), 0);
	cr_expect(strstr(out, "pseudo filter code start"), "%s", out);
}

Test(shim_run, policy_problems_exit_125_with_the_position)
{
	char *argv[] = { "/bin/true", NULL };
	char want[1024];

	opts.policy = "sg-test-no-such-policy";
	cr_expect_eq(run(argv), SHIM_EXIT_FAILURE);
	cr_expect(strncmp(st_stderr(), "sysgate-run: policy 'sg-test-no-such-policy' not found in ",
			  58) == 0, "%s", st_err);
	cr_expect_eq(strchr(st_err, '\n'), st_err + strlen(st_err) - 1, "one line: %s", st_err);

	opts.policy = st_write("bad.policy", "version 1\ndefault allow\nread frob\n", 0644);
	cr_expect_eq(run(argv), SHIM_EXIT_FAILURE);
	snprintf(want, sizeof(want), "sysgate-run: %s:3:6: error: unknown action 'frob'\n"
		 "read frob\n     ^\n", opts.policy);
	cr_expect_str_eq(st_stderr(), want);

	opts.policy = st_write("emu.policy", "version 1\ndefault allow\nmknod emulate mknod\n", 0644);
	opts.mechanism = SG_MECH_TRACE;
	cr_expect_eq(run(argv), SHIM_EXIT_FAILURE);
	snprintf(want, sizeof(want), "sysgate-run: %s:3:1: error: emulate needs --mechanism notify, "
		 "not trace (the emulators work through the notify listener)\n", opts.policy);
	cr_expect_str_eq(st_stderr(), want);

	opts.policy = st_path("missing.policy");
	opts.mechanism = SG_MECH_NOTIFY;
	cr_expect_eq(run(argv), SHIM_EXIT_FAILURE);
	snprintf(want, sizeof(want), "sysgate-run: %s: error: cannot open policy: No such file or "
		 "directory\n", opts.policy);
	cr_expect_str_eq(st_stderr(), want);
	cr_expect_str_eq(out, "");
}

Test(shim_run, a_command_not_found_is_127_not_executable_126)
{
	char *missing[] = { "sg-test-no-such-command", NULL };
	char *plain[] = { (char *)st_write("plain", "exit 0\n", 0644), NULL };
	char want[512];

	setenv("PATH", st_dir(), 1);
	cr_expect_eq(run(missing), SHIM_EXIT_NOT_FOUND);
	cr_expect_str_eq(st_stderr(), "sysgate-run: 'sg-test-no-such-command': command not found\n");
	cr_expect_eq(run(plain), SHIM_EXIT_CANNOT_EXEC);
	snprintf(want, sizeof(want), "sysgate-run: cannot execute '%s': Permission denied\n",
		 plain[0]);
	cr_expect_str_eq(st_stderr(), want);
}

Test(shim_run, the_command_s_exit_becomes_ours)
{
	char *status[] = { "/bin/sh", "-c", "exit 7", NULL };
	char *signal[] = { "/bin/sh", "-c", "kill -USR1 $$", NULL };
	char *script[] = { (char *)st_write("script", "exit 3\n", 0755), NULL };

	cr_expect_eq(run(status), 7, "%s", st_stderr());
	cr_expect_eq(run(signal), 128 + SIGUSR1, "%s", st_stderr());
	cr_expect_eq(run(script), 3, "a script without '#!' runs under /bin/sh: %s", st_stderr());
	cr_expect_str_eq(st_stderr(), "");
}

Test(shim_run, a_policy_kill_is_159_and_a_deny_is_seen_by_the_command)
{
	char *mkdir_argv[] = { "/bin/mkdir", (char *)st_path("d"), NULL };

	opts.policy = st_write("kill.policy", "version 1\ndefault allow\nmkdir, mkdirat kill\n", 0644);
	cr_expect_eq(run(mkdir_argv), SHIM_EXIT_POLICY_KILL, "%s", st_stderr());
	opts.policy = st_write("deny.policy", "version 1\ndefault allow\nmkdir, mkdirat deny EROFS\n",
			       0644);
	cr_expect_eq(run(mkdir_argv), 1);
	cr_expect(strstr(st_stderr(), "Read-only file system"), "%s", st_err);
	opts.policy = st_write("quiet.policy", "version 1\ndefault allow\nmkdir, mkdirat kill quiet\n",
			       0644);
	cr_expect_eq(run(mkdir_argv), SHIM_EXIT_POLICY_KILL, "killed in the kernel: %s", st_stderr());
}

Test(shim_run, learn_writes_the_policy_the_command_needed)
{
	char *argv[] = { "/bin/true", NULL };
	char text[8192] = "";
	FILE *f;

	opts.policy_given = false;
	opts.learn_out = st_path("learnt.policy");
	cr_assert_eq(run(argv), 0, "%s", st_stderr());
	f = fopen(opts.learn_out, "r");
	cr_assert_not_null(f);
	cr_expect_gt(fread(text, 1, sizeof(text) - 1, f), 0);
	fclose(f);
	cr_expect(strstr(text, "\n# command: /bin/true\n"), "%s", text);
	cr_expect(strstr(text, "\nexecve allow\n"), "%s", text);
	cr_expect(strstr(text, "\nexit_group allow\n"), "%s", text);
}
