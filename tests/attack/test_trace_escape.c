/*
 * SPDX-License-Identifier: MIT
 *
 * Attacks on the trace mechanism (issue 13): a target making a task the daemon
 * does not trace (clone with CLONE_UNTRACED, through the native or the i386 entry;
 * clone3), becoming that task's tracer (PTRACE_SEIZE, PTRACE_TRACEME) or having a
 * foreign tracer attach to it, so that its denied mknod would run unrecorded.
 * Under trace the filter refuses the untraced clone and ptrace in the kernel; under
 * every mechanism the mknod stays denied and is recorded.  Run once per mechanism.
 */
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

TestSuite(trace_escape, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 90);

static const char *mknod_policy(void)
{
	return sg_policy("nomknod", "version 1\ndefault allow\nmknod, mknodat deny EACCES\n");
}

static bool under_trace(void)
{
	return strcmp(sg_mechanism(), "trace") == 0;
}

/* The mknod was denied, recorded as such, and made nothing. */
static void expect_denied_and_recorded(const char *path)
{
	json_object *rec = sg_audit_wait("event", "syscall", "syscall", "mknodat", "verdict",
					 "deny", NULL);

	cr_expect_not_null(rec, "the denied mknod was not recorded; audit log:\n%s",
			   json_object_to_json_string(sg_audit()));
	cr_expect_neq(access(path, F_OK), 0, "%s was made", path);
}

/* escape MODE under the mknod deny: what the untraced clone and the tracing attempt
 * (WHAT: ptrace or traceme) gave, and the mknod denied and recorded. */
static void escape(const char *mode, const char *what, const char *clone_refused)
{
	const char *path = sg_strf("%s/node-%s", sg_dir(), mode);
	struct sg_result *r = sg_shim(mknod_policy(), sg_bin("tests/attack/escape"), mode, path,
				      NULL);
	const char *expect;

	sg_assert_exit(r, 0);
	if (under_trace())
		expect = sg_strf("clone=-1 errno=%s\n%s=-1 errno=EPERM\nmknod=-1 errno=EACCES\n",
				 clone_refused, what);
	else /* notify and trap need no help: the child is filtered all the same */
		expect = sg_strf("clone=ok\n%s=ok\nmknod=-1 errno=EACCES\n", what);
	cr_expect_str_eq(r->out, expect, "%s: stderr:\n%s", r->cmd, r->err);
	expect_denied_and_recorded(path);
}

Test(trace_escape, untraced_clone_then_attach)
{
	escape("attach", "ptrace", "EPERM");
}

Test(trace_escape, untraced_clone_then_traceme)
{
	escape("traceme", "traceme", "EPERM");
}

Test(trace_escape, untraced_clone_through_the_i386_entry)
{
	escape("i386", "ptrace", "EPERM");
}

Test(trace_escape, clone3_with_untraced)
{
	escape("clone3", "ptrace", "ENOSYS");
}

/* A process outside the session attaches to the target with PTRACE_SEIZE and
 * TRACESECCOMP: under trace the daemon already is its tracer (EPERM); under notify
 * and trap a root tracer may attach, but seccomp still decides the mknod. */
Test(trace_escape, foreign_tracer)
{
	const char *pidfile = sg_strf("%s/pid", sg_dir()), *go = sg_strf("%s/go", sg_dir());
	const char *path = sg_strf("%s/node-foreign", sg_dir());
	const char *tracer_argv[] = { sg_bin("tests/attack/foreign_tracer"), pidfile, go, NULL };
	struct sg_proc *target = sg_spawn(sg_shim_argv(mknod_policy(),
						       sg_bin("tests/attack/await_mknod"), pidfile,
						       go, path, NULL), NULL);
	struct sg_result *t = sg_run(tracer_argv, NULL), *r = sg_wait(target);

	sg_assert_exit(t, 0);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(t->out, under_trace() ? "ptrace=-1 errno=EPERM\n" : "ptrace=ok\n");
	cr_expect_str_eq(r->out, "mknod=-1 errno=EACCES\n");
	expect_denied_and_recorded(path);
}
