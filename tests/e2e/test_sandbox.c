/*
 * SPDX-License-Identifier: MIT
 *
 * The daemon sandboxes itself once it is set up: the harness's daemon (and so
 * the whole e2e suite) runs under its own filter with only the kept
 * capabilities; so does the embedded daemon of sysgate-run; --no-sandbox
 * leaves a daemon as it was started.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
