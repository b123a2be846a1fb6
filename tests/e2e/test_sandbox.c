/*
 * SPDX-License-Identifier: MIT
 *
 * The daemon sandboxes itself once it is set up: the harness's daemon (and so
 * the whole e2e suite) runs under its own filter with only the kept
 * capabilities; so does the embedded daemon of sysgate-run; --no-sandbox
 * leaves a daemon as it was started.  The emulation helpers it forks run under
 * the same filter and bounding set: a root caller gets one within the kept
 * capabilities, a caller in its own pid namespace one made there.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "sandbox/sandbox.h"

TestSuite(sandbox, .init = sg_setup, .fini = sg_teardown, .timeout = 60);

/* A field of /proc/PID/status ("Seccomp"), harness-owned; fails when missing. */
static const char *status_field(pid_t pid, const char *key)
{
	const char *path = sg_strf("/proc/%d/status", (int)pid);
	char *text = sg_read_file(path), *line;
	size_t len = strlen(key);

	cr_assert_not_null(text, "cannot read %s", path);
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			line += len + 1;
			line += strspn(line, "\t ");
			return sg_strf("%.*s", (int)strcspn(line, "\n"), line);
		}
	cr_assert_fail("no %s in %s", key, path);
	return NULL;
}

static uint64_t status_caps(pid_t pid, const char *key)
{
	return strtoull(status_field(pid, key), NULL, 16);
}

/* The daemon accepts from listen() on and confines itself before its loop runs: once it
 * has answered a request, it is as it will stay. */
static void wait_answer(const char *sock)
{
	const char *argv[] = { sg_ctl_path(), "-s", sock, "status", NULL };

	sg_assert_exit(sg_run(argv, NULL), 0);
}

Test(sandbox, the_daemon_runs_under_its_filter_with_the_kept_capabilities)
{
	uint64_t kept = sandbox_caps_kept() & status_caps(getpid(), "CapBnd");
	pid_t pid;

	if (geteuid() != 0)
		sg_skip("the capability drop needs a root daemon");
	sg_setup_daemon();
	pid = sg_daemon_pid();
	wait_answer(sg_sock());
	cr_expect_str_eq(status_field(pid, "Seccomp"), "2");
	cr_expect_str_eq(status_field(pid, "Seccomp_filters"), "1");
	cr_expect_eq(status_caps(pid, "CapBnd"), kept, "CapBnd %s",
		     status_field(pid, "CapBnd"));
	cr_expect_eq(status_caps(pid, "CapPrm"), kept);
	cr_expect_eq(status_caps(pid, "CapEff"), kept);
	cr_expect_eq(status_caps(pid, "CapInh"), 0);
	cr_expect_eq(status_caps(pid, "CapAmb"), 0);
	/* root keeps CAP_SYS_ADMIN: no no_new_privs, which every helper would inherit */
	cr_expect_str_eq(status_field(pid, "NoNewPrivs"), "0");
	cr_expect(strstr(sg_daemon_stderr(), "sysgated: sandbox: "), "%s", sg_daemon_stderr());
}

Test(sandbox, no_sandbox_leaves_the_daemon_as_it_was_started)
{
	const char *sock = sg_strf("%s/plain.sock", sg_dir());
	const char *argv[] = { sg_daemon_path(), "--foreground", "--no-sandbox", "--socket", sock,
			       "--log", sg_strf("%s/plain.log", sg_dir()), NULL };
	struct sg_proc *daemon = sg_spawn(argv, NULL);
	struct sg_result *r;

	sg_wait_file(sock);
	wait_answer(sock);
	cr_expect_str_eq(status_field(daemon->pid, "Seccomp"), "0");
	cr_expect_eq(status_caps(daemon->pid, "CapBnd"), status_caps(getpid(), "CapBnd"));
	cr_expect_eq(status_caps(daemon->pid, "CapEff"), status_caps(getpid(), "CapEff"));
	cr_assert_eq(kill(daemon->pid, SIGTERM), 0);
	r = sg_wait(daemon);
	sg_assert_exit(r, 0);
	cr_expect_null(strstr(r->err, "sandbox"), "%s", r->err);
}

/* sysgate-run's own daemon: its command lists its parent's children, the daemon among them. */
Test(sandbox, the_embedded_daemon_runs_under_its_filter_too)
{
	const char *policy = sg_policy("all", "version 1\ndefault allow\n");
	const char *script = "for p in $(cat /proc/$PPID/task/$PPID/children); do "
			     "echo $(sed -n 's/^Name:\t//p;s/^Seccomp:\t//p' /proc/$p/status); "
			     "done";
	const char *argv[] = { sg_run_path(), "--embedded", "-p", policy, "--log", "/dev/null",
			       "--", "/bin/sh", "-c", script, NULL };
	struct sg_result *r = sg_run(argv, NULL);

	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "sysgated 2\n"), "%s", r->out);
}

/* An emulated open of a file of uid 4242 (0600) by the command of argv[0..] under the
 * sandboxed daemon: the result, the daemon still alive and silent about its filter. */
static struct sg_result *emulated_cat(const char *const *cmd)
{
	const char *f = sg_write_file("theirs", "their words\n", 0600);
	const char *pol = sg_policy("open", sg_strf("version 1\n"
						    "default allow\n"
						    "open, openat emulate open %s/denied\n",
						    sg_dir()));
	const char *argv[7] = { NULL };
	struct sg_result *r;
	size_t n = 0;

	if (geteuid() != 0)
		sg_skip("a file of another user and the capability drop need root");
	cr_assert_eq(chown(f, 4242, 4242), 0);
	cr_assert_eq(chmod(sg_dir(), 0755), 0);
	sg_setup_daemon();
	for (; cmd[n]; n++) {
		cr_assert_lt(n, 5);
		argv[n] = cmd[n];
	}
	argv[n++] = f;
	argv[n] = NULL;
	r = sg_run(sg_shim_argv(pol, argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], NULL),
		   NULL);
	cr_expect_not_null(sg_audit_wait("syscall", "openat", "verdict", "emulate", NULL),
			   "no emulated openat: %s", sg_jtext(sg_audit()));
	cr_expect_eq(kill(sg_daemon_pid(), 0), 0, "the daemon died: %s", sg_daemon_stderr());
	cr_expect_null(strstr(sg_daemon_stderr(), "is not allowed"), "%s", sg_daemon_stderr());
	return r;
}

/* The daemon kept ten capabilities: a root caller holding all of them gets a helper with
 * those ten (its sets within the daemon's bounding set), which opens the file as root. */
Test(sandbox, a_root_caller_s_emulated_open_goes_through_a_helper_within_the_kept_caps)
{
	const char *const cmd[] = { "/bin/cat", NULL };
	struct sg_result *r = emulated_cat(cmd);

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "their words\n");
}

/* A root caller that dropped CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH gets a helper without
 * them: the file stays closed to it. */
Test(sandbox, a_root_caller_without_dac_override_gets_a_helper_without_it)
{
	const char *const cmd[] = { "/usr/bin/setpriv", "--bounding-set",
				    "-dac_override,-dac_read_search", "--", "/bin/cat", NULL };
	struct sg_result *r;

	if (access(cmd[0], X_OK) < 0)
		sg_skip("setpriv is not installed");
	r = emulated_cat(cmd);
	cr_expect(!sg_exited(r, 0), "cat read the file: %s", r->out);
	cr_expect(strstr(r->err, "Permission denied"), "%s", r->err);
}

/* A caller in its own user and pid namespaces: the helper is made by an intermediate child
 * that joins the pid namespace (pipe2, setns, clone with CLONE_PARENT), all under the
 * daemon's filter. */
Test(sandbox, a_caller_in_its_own_pid_namespace_gets_a_helper_there)
{
	const char *const cmd[] = { "/usr/bin/unshare", "-Urpf", "/bin/cat", NULL };
	const char *const probe[] = { cmd[0], "-Urpf", "/bin/true", NULL };
	struct sg_result *r;

	if (access(cmd[0], X_OK) < 0 || !sg_exited(sg_run(probe, NULL), 0))
		sg_skip("cannot make user and pid namespaces here");
	r = emulated_cat(cmd);
	/* root in its user namespace, which maps no 4242: as any other user, 0600 denies */
	cr_expect(!sg_exited(r, 0), "cat read the file: %s", r->out);
	cr_expect(strstr(r->err, "Permission denied"), "%s", r->err);
}
