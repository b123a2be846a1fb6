/*
 * SPDX-License-Identifier: MIT
 *
 * Equivalent calls (issue 13): reaching what a rule denies through another call —
 * io_uring's UNLINKAT/OPENAT/MKDIRAT, renameat2 over a file, clone3 with
 * CLONE_NEWUSER, execveat, openat2, and i386 socketcall past a conditional socket
 * rule.  Each is refused (and the refusal recorded, with the line of the rule it is
 * implied by), and what the rule denies did not happen.  Run once per mechanism.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

TestSuite(equiv, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 90);

static const char *equiv(void)
{
	return sg_bin("tests/attack/equiv");
}

static void expect_out(struct sg_result *r, const char *want)
{
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, want, "%s\nstderr:\n%s", r->cmd, r->err);
}

/* A record of syscall denied with errno name by the rule on line (implied: by an implied
 * rule, which the record says, with why). */
static void expect_record(const char *pol, const char *syscall, const char *err, unsigned line,
			  bool implied)
{
	json_object *rec = sg_audit_wait("event", "syscall", "syscall", syscall, "verdict", "deny",
					 "errno_name", err, NULL);

	cr_assert_not_null(rec, "no record of the refused %s; audit log:\n%s", syscall,
			   json_object_to_json_string(sg_audit()));
	cr_expect(sg_rule_is(rec, pol, line), "%s", sg_jtext(rec));
	cr_expect_eq(sg_jhas(rec, "implied"), implied, "%s", sg_jtext(rec));
	if (implied)
		cr_expect(sg_jstr(rec, "implied")[0] != '\0', "%s", sg_jtext(rec));
}

static void require_io_uring(void)
{
	char *v = sg_read_file("/proc/sys/kernel/io_uring_disabled");

	if (v && v[0] != '0')
		sg_skip(sg_strf("io_uring is disabled on this kernel (io_uring_disabled=%c)", v[0]));
}

static const char *make_file(const char *name)
{
	return sg_write_file(name, "keep\n", 0644);
}

/* io_uring OP on path under a rule denying that call: io_uring_setup is refused, the
 * operation never runs; with io_uring named in the policy it does (the attack works). */
static void uring(const char *op, const char *rule, const char *path, bool exists_before)
{
	const char *pol = sg_policy("uring", sg_strf("version 1\ndefault allow\n%s\n", rule));
	const char *open = sg_policy("uring-allowed", sg_strf("version 1\ndefault allow\n%s\n"
			"io_uring_setup, io_uring_enter, io_uring_register allow\n", rule));

	require_io_uring();
	expect_out(sg_shim(pol, equiv(), sg_strf("uring-%s", op), path, NULL),
		   "io_uring_setup=-1 errno=EPERM\n");
	expect_record(pol, "io_uring_setup", "EPERM", 3, true);
	cr_expect_eq(access(path, F_OK) == 0, exists_before, "%s changed", path);
	expect_out(sg_shim(open, equiv(), sg_strf("uring-%s", op), path, NULL),
		   sg_strf("io_uring_setup=ok\n%s=ok\n", op));
	cr_expect_eq(access(path, F_OK) == 0, !exists_before, "the opted-out %s did nothing", op);
}

Test(equiv, io_uring_unlinkat_under_an_unlinkat_deny)
{
	uring("unlinkat", "unlinkat, unlink deny EACCES", make_file("victim"), true);
}

Test(equiv, io_uring_openat_under_a_write_open_deny)
{
	uring("openat", "openat deny EACCES if arg2 & 3 == 1", sg_strf("%s/made", sg_dir()), false);
}

Test(equiv, io_uring_mkdirat_under_a_mkdirat_deny)
{
	uring("mkdirat", "mkdirat deny EACCES", sg_strf("%s/dir", sg_dir()), false);
}

/* renameat2 over a file removes it: denied with the removal; RENAME_NOREPLACE removes
 * nothing and runs (the kernel's EEXIST). */
Test(equiv, renameat2_over_a_file_under_an_unlink_deny)
{
	const char *pol = sg_policy("nounlink", "version 1\ndefault allow\nunlinkat deny EACCES\n");
	const char *src = sg_write_file("src", "new\n", 0644), *dst = make_file("dst");

	expect_out(sg_shim(pol, equiv(), "renameat2", src, dst, NULL),
		   "renameat2=-1 errno=EACCES\n");
	expect_record(pol, "renameat2", "EACCES", 3, true);
	cr_expect_str_eq(sg_read_file(dst), "keep\n");
	expect_out(sg_shim(pol, equiv(), "renameat2", src, dst, "noreplace", NULL),
		   "renameat2=-1 errno=EEXIST\n");
	cr_expect_str_eq(sg_read_file(dst), "keep\n");
}

/* clone3 keeps its flags in memory: refused ENOSYS; the fallback the rule sees
 * (unshare, with clone's flag rule) is denied. */
Test(equiv, clone3_newuser_under_a_clone_flags_rule)
{
	const char *pol = sg_policy("nouserns", "version 1\ndefault allow\n"
					    "clone deny EACCES if arg0 & 0x10000000 == 0x10000000\n");

	expect_out(sg_shim(pol, equiv(), "clone3-newuser", NULL),
		   "clone3=-1 errno=ENOSYS\nunshare=-1 errno=EACCES\n");
	expect_record(pol, "unshare", "EACCES", 3, true);
	if (strcmp(sg_mechanism(), "trace") != 0) /* trace refuses clone3 in the kernel */
		expect_record(pol, "clone3", "ENOSYS", 3, true);
}

Test(equiv, execveat_under_an_execve_rule)
{
	const char *pol = sg_policy("noexec", "version 1\ndefault allow\nexecve deny EACCES\n");

	expect_out(sg_shim(pol, equiv(), "execveat", equiv(), NULL), "execveat=-1 errno=EACCES\n");
	expect_record(pol, "execveat", "EACCES", 3, true);
}

Test(equiv, openat2_under_a_conditional_openat_rule)
{
	const char *pol = sg_policy("nowrite", "version 1\ndefault allow\n"
					   "openat deny EACCES if arg2 & 3 == 1\n");
	const char *path = sg_strf("%s/made", sg_dir());

	expect_out(sg_shim(pol, equiv(), "openat2", path, NULL),
		   "openat2=-1 errno=ENOSYS\nopenat=-1 errno=EACCES\n");
	expect_record(pol, "openat2", "ENOSYS", 3, true);
	cr_expect_neq(access(path, F_OK), 0, "%s was made", path);
}

/* i386 socketcall keeps socket's arguments in memory: refused ENOSYS for SYS_SOCKET;
 * the direct call is decided by the rule's condition. */
Test(equiv, i386_socketcall_past_a_conditional_socket_rule)
{
	const char *pol = sg_policy("noinet6", "version 1\ndefault allow\n"
					   "socket deny EACCES if arg0 == 10\n");
	const char *prog = sg_strf("%s/tests/attack/socketcall32", getenv("SG_BUILD_ROOT"));

	sg_skip_mechanism("trap", "LD_PRELOAD cannot reach an i386 program (sysgate-run "
			  "refuses it under trap)");
	if (access(prog, X_OK) != 0)
		sg_skip("no socketcall32: the compiler cannot build static -m32 programs "
			"(gcc-multilib)");
	expect_out(sg_shim(pol, prog, "10", NULL),
		   "socketcall=-1 errno=ENOSYS\nsocket=-1 errno=EACCES\n");
	expect_record(pol, "socketcall", "ENOSYS", 3, true);
	expect_record(pol, "socket", "EACCES", 3, false);
	/* another family: the direct call runs, socketcall is refused all the same */
	expect_out(sg_shim(pol, prog, "1", NULL), "socketcall=-1 errno=ENOSYS\nsocket=ok\n");
}

/* sysgate-run -v says what the policy implies and how to opt out; the trace mechanism
 * what it refuses. */
Test(equiv, sysgate_run_v_says_what_was_added)
{
	const char *pol = sg_policy("nounlink", "version 1\ndefault allow\nunlinkat deny EACCES\n");
	const char *argv[] = { sg_run_path(), "-v", "-s", sg_sock(), "-p", pol, "--", "/bin/true",
			       NULL };
	struct sg_result *r = sg_run(argv, NULL);

	sg_assert_exit(r, 0);
	cr_expect(strstr(r->err, sg_strf("sysgate-run: %s:3:1: implied 'unlink deny EACCES' by "
					 "'unlinkat deny EACCES': unlink, unlinkat and rmdir "
					 "remove the same names; name 'unlink' in the policy to "
					 "decide it yourself\n", pol)), "stderr:\n%s", r->err);
	cr_expect(strstr(r->err, "implied 'io_uring_setup deny EPERM'"), "stderr:\n%s", r->err);
	cr_expect_eq(strstr(r->err, "trace: clone with CLONE_UNTRACED") != NULL,
		     strcmp(sg_mechanism(), "trace") == 0, "stderr:\n%s", r->err);
}
