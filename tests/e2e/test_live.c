/* SPDX-License-Identifier: MIT */
/*
 * Issue 7, live: learning a policy from a run and enforcing it, switching a
 * running session between audit and enforce, loading a new policy into it.
 * Under every mechanism; sysgate-run --learn is notify's only (refused elsewhere).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

TestSuite(live, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

/* The path of a program on $PATH, or NULL. */
static const char *which(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;

	copy = sg_strf("%s", path && *path ? path : "/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		const char *p = sg_strf("%s/%s", dir, name);

		if (access(p, X_OK) == 0)
			return p;
	}
	return NULL;
}

/* The session id of the stepper just started (it has answered one step). */
static const char *current_session(size_t nth)
{
	return sg_strf("%lld", (long long)sg_session_id(nth));
}

Test(live, learnt_tar_policy_gives_the_same_output_and_denies_what_tar_did_not_do)
{
	const char *tar = which("tar");
	const char *dir = sg_strf("%s/tree", sg_dir());
	const char *out = sg_strf("%s/tar.policy", sg_dir());
	const char *learn[] = { sg_run_path(), "-s", sg_sock(), "--learn", out, "--", NULL, "-C",
				dir, "-cvf", "/dev/null", "a", "b", NULL };
	struct sg_result *r1, *r2, *r3;
	char *text;
	json_object *rec;

	sg_require_mechanism("notify", "sysgate-run --learn is notify only");
	if (!tar)
		sg_skip("no tar on $PATH");
	learn[6] = tar;
	cr_assert_eq(mkdir(dir, 0755), 0);
	sg_write_file("tree/a", "alpha\n", 0644);
	sg_write_file("tree/b", "beta\n", 0644);
	r1 = sg_run(learn, NULL);
	sg_assert_exit(r1, 0);
	text = sg_read_file(out);
	cr_assert_not_null(text);
	cr_expect(strstr(text, "\ndefault deny EPERM\n"), "%s", text);
	cr_expect(strstr(text, "\nexecve allow\n"), "%s", text);
	cr_expect(strstr(text, "# command: ") && strstr(text, "-cvf /dev/null a b"), "%s", text);
	sg_audit_wait_sessions_ended(1);
	cr_expect_eq(sg_audit_count("event", "syscall", NULL), 0, "learning records no call");

	r2 = sg_shim(out, tar, "-C", dir, "-cvf", "/dev/null", "a", "b", NULL);
	sg_assert_exit(r2, 0);
	cr_expect_str_eq(r2->out, r1->out);
	cr_expect_str_eq(r2->out, "a\nb\n");
	sg_audit_wait_sessions_ended(2);
	cr_expect_eq(sg_audit_count("event", "syscall", "verdict", "deny", NULL), 0, "%s",
		     sg_jtext(sg_audit()));

	/* compressing needs a pipe and a child: never done while learning */
	r3 = sg_shim(out, tar, "-C", dir, "-czf", sg_strf("%s/x.tgz", sg_dir()), "a", NULL);
	cr_expect(!sg_exited(r3, 0), "tar -z ran under a policy learnt without it: %s", r3->err);
	rec = sg_audit_wait("event", "syscall", "verdict", "deny", "default", "true", NULL);
	cr_assert_not_null(rec, "no denial recorded:\n%s", sg_jtext(sg_audit()));
	cr_expect(sg_jint(rec, "errno", &(int64_t){ 0 }), "%s", sg_jtext(rec));
	cr_expect(sg_rule_is(rec, out, 7), "the default of the learnt policy: %s", sg_jtext(rec));
}

Test(live, learn_default_flag_and_bad_options)
{
	const char *out = sg_strf("%s/l.policy", sg_dir());
	const char *ok[] = { sg_run_path(), "-s", sg_sock(), "--learn", out, "--learn-default",
			     "deny EACCES", "--", sg_target("exit_with"), "0", NULL };
	const char *bad[] = { sg_run_path(), "-s", sg_sock(), "--learn", out, "--learn-default",
			      "deny EWHAT", "--", sg_target("exit_with"), "0", NULL };
	const char *with_p[] = { sg_run_path(), "-s", sg_sock(), "-p", "x.policy", "--learn", out,
				 "--", sg_target("exit_with"), "0", NULL };
	struct sg_result *r;

	r = sg_run(ok, NULL);
	if (strcmp(sg_mechanism(), "notify") != 0) { /* refused before the command starts */
		cr_expect(sg_exited(r, 125) && strstr(r->err, "--learn"), "%s", r->err);
		cr_expect_null(sg_read_file(out), "a policy was written");
		return;
	}
	sg_assert_exit(r, 0);
	cr_expect(strstr(sg_read_file(out), "\ndefault deny EACCES\n"), "%s", sg_read_file(out));
	r = sg_run(bad, NULL);
	cr_expect(sg_exited(r, 125) && strstr(r->err, "EWHAT"), "%s", r->err);
	r = sg_run(with_p, NULL);
	cr_expect(sg_exited(r, 125) && strstr(r->err, "--learn"), "%s", r->err);
}

/* A learnt policy that cannot be written whole (here: past the file size limit, set by sh,
 * which also ignores SIGXFSZ) leaves the policy already at OUT as it was, and nothing else. */
Test(live, a_failed_learn_write_keeps_the_old_policy)
{
	const char *out = sg_strf("%s/kept.policy", sg_dir());
	const char *learn[] = { sg_run_path(), "-s", sg_sock(), "--learn", out, "--",
				sg_target("exit_with"), "0", NULL };
	const char *limited[] = { "/bin/sh", "-c", "trap '' XFSZ; ulimit -f 1 && exec \"$@\"", "sh",
				  sg_run_path(), "-s", sg_sock(), "--learn", out, "--",
				  sg_target("exit_with"), "0", NULL };
	struct sg_result *r;
	struct dirent *de;
	char *old;
	DIR *d;

	sg_require_mechanism("notify", "sysgate-run --learn is notify only");
	sg_assert_exit(sg_run(learn, NULL), 0);
	old = sg_read_file(out);
	cr_assert(old && strlen(old) > 512, "the policy must outgrow a 512-byte limit:\n%s",
		  old ? old : "(none)");
	r = sg_run(limited, NULL);
	cr_expect(!sg_exited(r, 0), "the write failed, yet exit 0");
	cr_expect(strstr(r->err, sg_strf("cannot write '%s': File too large", out)), "%s", r->err);
	cr_expect_str_eq(sg_read_file(out), old);
	d = opendir(sg_dir());
	cr_assert_not_null(d);
	while ((de = readdir(d)))
		cr_expect(strncmp(de->d_name, "kept.policy.", 12) != 0, "left behind: %s",
			  de->d_name);
	closedir(d);
}

Test(live, a_learning_run_that_fails_makes_no_output_file)
{
	const char *out = sg_strf("%s/never.policy", sg_dir());
	const char *bad = sg_strf("%s/no-daemon.sock", sg_dir());
	const char *learn[] = { sg_run_path(), "-s", bad, "--learn", out, "--",
				sg_target("exit_with"), "0", NULL };
	const char *nodir[] = { sg_run_path(), "-s", sg_sock(), "--learn",
				sg_strf("%s/missing/x.policy", sg_dir()), "--",
				sg_target("exit_with"), "0", NULL };
	struct sg_result *r;

	sg_require_mechanism("notify", "sysgate-run --learn is notify only");
	r = sg_run(learn, NULL);
	cr_expect(sg_exited(r, 125), "no daemon at -s: %s", r->err);
	cr_expect(access(out, F_OK) < 0 && errno == ENOENT, "'%s' was made by a failed run", out);
	r = sg_run(nodir, NULL);
	cr_expect(sg_exited(r, 125), "%s", r->err);
	cr_expect(strstr(r->err, "missing/x.policy': No such file or directory"), "%s", r->err);
}

Test(live, sysgatectl_learn_reads_a_running_swappable_session)
{
	struct sg_proc *p = sg_stepper(sg_policy("allow", "version 1\ndefault allow\n"),
					  "--swappable");
	const char *id, *out = sg_strf("%s/live.policy", sg_dir());
	struct sg_result *r;

	cr_expect_str_eq(sg_step(p, "getppid"), sg_strf("getppid = %d", (int)p->pid));
	sg_step(p, "umask");
	id = current_session(0);
	r = sg_ctl("learn", id, "-o", out, NULL);
	sg_assert_exit(r, 0);
	cr_expect(strstr(sg_read_file(out), "\ngetppid allow\n"), "%s", sg_read_file(out));
	cr_expect(strstr(sg_read_file(out), "\numask allow\n"), "%s", sg_read_file(out));
	cr_expect(strstr(sg_read_file(out), "# Learnt by sysgate from session "), "%s",
		  sg_read_file(out));
	cr_expect(!strstr(sg_read_file(out), "\ngetuid allow\n"), "%s", sg_read_file(out));
	r = sg_ctl_as_nobody((const char *const[]){ "learn", id, NULL });
	cr_expect(sg_exited(r, 1) && strstr(r->err, "no such session"), "%s", r->err);
	sg_stepper_finish(p);
}

Test(live, a_normal_session_cannot_be_learnt)
{
	struct sg_proc *p = sg_stepper(sg_policy("allow", "version 1\ndefault allow\n"), NULL);
	struct sg_result *r;

	sg_step(p, "getpid");
	r = sg_ctl("learn", current_session(0), NULL);
	cr_expect(sg_exited(r, 1) && strstr(r->err, "does not route every call"), "%s", r->err);
	sg_stepper_finish(p);
}

Test(live, audit_enforce_switch_decides_the_next_call)
{
	const char *pol = sg_policy("p", "version 1\ndefault allow\ngetuid deny EACCES\n");
	struct sg_proc *p = sg_stepper(pol, NULL);
	const char *id;
	json_object *rec;

	cr_expect_str_eq(sg_step(p, "getuid"), "getuid = -1 errno=EACCES");
	id = current_session(0);
	cr_expect(strstr(sg_ctl("session", id, NULL)->out, "\nmode:       enforce\n"), "%s",
		  sg_ctl("session", id, NULL)->out);
	sg_assert_exit(sg_ctl("session", id, "audit", NULL), 0);
	cr_expect(strstr(sg_ctl("session", id, NULL)->out, "\nmode:       audit\n"), "%s",
		  sg_ctl("session", id, NULL)->out);
	cr_expect(strstr(sg_ctl("sessions", NULL)->out, " audit "), "%s",
		  sg_ctl("sessions", NULL)->out);
	cr_expect(strstr(sg_ctl("--json", "session", id, NULL)->out, "\"mode\":\"audit\""),
		  "%s", sg_ctl("--json", "session", id, NULL)->out);
	cr_expect_str_eq(sg_step(p, "getuid"), sg_strf("getuid = %d", (int)getuid()));
	rec = sg_audit_wait("event", "syscall", "syscall", "getuid", "audit", "true", NULL);
	cr_assert_not_null(rec, "%s", sg_jtext(sg_audit()));
	cr_expect(sg_rule_is(rec, pol, 3), "%s", sg_jtext(rec));
	sg_assert_exit(sg_ctl("session", id, "enforce", NULL), 0);
	cr_expect_str_eq(sg_step(p, "getuid"), "getuid = -1 errno=EACCES");
	cr_expect_eq(sg_audit_count("event", "session-mode", NULL), 2);
	sg_stepper_finish(p);
}

Test(live, audit_switch_refused_when_the_kernel_keeps_a_denial)
{
	const char *pol = sg_policy("q", "version 1\ndefault allow\ngetuid deny EACCES quiet\n"
					 "getppid fake 3\n");
	struct sg_proc *p = sg_stepper(pol, NULL);
	struct sg_result *r;

	cr_expect_str_eq(sg_step(p, "getppid"), "getppid = 3");
	r = sg_ctl("session", current_session(0), "audit", NULL);
	cr_expect(sg_exited(r, 1), "%s", r->out);
	cr_expect(strstr(r->err, "q.policy:3:1: getuid deny"), "%s", r->err);
	cr_expect_str_eq(sg_step(p, "getuid"), "getuid = -1 errno=EACCES");
	cr_expect_eq(sg_audit_count("event", "session-mode", NULL), 0);
	sg_stepper_finish(p);
}

Test(live, policy_load_decides_the_next_call_and_is_recorded)
{
	struct sg_proc *p = sg_stepper(sg_policy("old", "version 1\ndefault allow\n"),
					  "--swappable");
	const char *id, *next = sg_policy("new", "version 1\ndefault allow\ngetppid fake 7\n"
						 "getpid deny EPERM quiet\n");
	struct sg_result *r;
	json_object *rec;
	int64_t v;

	cr_expect_str_eq(sg_step(p, "getppid"), sg_strf("getppid = %d", (int)p->pid));
	id = current_session(0);
	r = sg_ctl("policy", "load", id, next, NULL);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "loaded"), "%s", r->out);
	cr_expect_str_eq(sg_step(p, "getppid"), "getppid = 7");
	cr_expect_str_eq(sg_step(p, "getpid"), "getpid = -1 errno=EPERM");
	rec = sg_audit_wait("event", "policy-load", NULL);
	cr_assert_not_null(rec, "%s", sg_jtext(sg_audit()));
	cr_expect(sg_jstr(rec, "old_hash") && sg_jstr(rec, "new_hash") &&
		  strcmp(sg_jstr(rec, "old_hash"), sg_jstr(rec, "new_hash")) != 0, "%s",
		  sg_jtext(rec));
	cr_expect(sg_jint(rec, "by_uid", &v) && v == (int64_t)getuid(), "%s", sg_jtext(rec));
	cr_expect(sg_jint(rec, "by_pid", &v) && v > 0, "%s", sg_jtext(rec));
	sg_stepper_finish(p);
}

Test(live, refused_or_failed_loads_leave_the_old_policy_in_force)
{
	struct sg_proc *p = sg_stepper(sg_policy("old", "version 1\ndefault allow\n"
						    "getppid fake 5\n"), NULL);
	const char *id, *pids = sg_strf("getpid = %d", 0);
	const char *kernel = sg_policy("kernel", "version 1\ndefault allow\ngetppid fake 6\n"
						 "getpid deny EPERM quiet\n");
	const char *broken = sg_policy("broken", "version 1\ndefault allow\ngetppid fake x\n");
	const char *routed = sg_policy("routed", "version 1\ndefault allow\ngetppid fake 6\n");
	const char *args[] = { "policy", "load", NULL, routed, NULL };
	struct sg_result *r;

	cr_expect_str_eq(sg_step(p, "getppid"), "getppid = 5");
	pids = sg_step(p, "getpid");
	id = current_session(0);
	/* getpid is allowed in the kernel by the running filter: cannot be denied now */
	r = sg_ctl("policy", "load", id, kernel, NULL);
	cr_expect(sg_exited(r, 1), "%s", r->out);
	cr_expect(strstr(r->err, "kernel.policy:4:1: getpid deny"), "%s", r->err);
	cr_expect(!strstr(r->err, "getppid"), "getppid is routed, it could change: %s", r->err);
	r = sg_ctl("policy", "load", id, broken, NULL);
	cr_expect(sg_exited(r, 1) && strstr(r->err, "broken.policy:3:"), "%s", r->err);
	r = sg_ctl("policy", "load", "999", routed, NULL);
	cr_expect(sg_exited(r, 1) && strstr(r->err, "no such session"), "%s", r->err);
	args[2] = id;
	cr_assert_eq(chmod(routed, 0644), 0);
	cr_assert_eq(chmod(sg_dir(), 0755), 0);
	r = sg_ctl_as_nobody(args);
	cr_expect(sg_exited(r, 1) && strstr(r->err, "no such session"), "%s", r->err);
	cr_expect_str_eq(sg_step(p, "getppid"), "getppid = 5");
	cr_expect_str_eq(sg_step(p, "getpid"), pids);
	cr_expect_eq(sg_audit_count("event", "policy-load", NULL), 0);
	/* a routed syscall can be re-decided in a normal session */
	sg_assert_exit(sg_ctl("policy", "load", id, routed, NULL), 0);
	cr_expect_str_eq(sg_step(p, "getppid"), "getppid = 6");
	sg_stepper_finish(p);
}
