/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_compile.c: routed calls.  A small supervisor receives them on a
 * real listener and answers with policy_decide(); the PFC shows which calls
 * are routed and with which action.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>

#include "macro.h"
#include "policy.h"
#include "policy_compile_test.h"

static int routed_target(void)
{
	CHECK(1, sc(SYS_getppid, 0, 0) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 2, 1234) == 42);
	CHECK(3, sc(SYS_getpriority, 0, 0) > 0); /* kernel allow: never notified */
	return 0;
}

Test(policy_compile_routed, routed_rules_notify_the_listener)
{
	struct sg_policy *p = parse("version 1\ndefault allow\n"
				    "getppid deny EACCES\n"
				    "getpriority fake 42 if arg0 == 2 and arg1 == 1234\n");
	struct supervised s = { .policy = p, .target = routed_target };
	struct notify_log *log = run_supervised(&s);

	assert_exit_ok(log->target_status);
	cr_assert_eq(log->n, 2);
	cr_assert_eq(log->ev[0].nr, SYS_getppid);
	cr_assert_eq(log->ev[0].arch, AUDIT_ARCH_X86_64);
	cr_assert_eq(log->ev[0].kind, SG_ACT_DENY);
	cr_assert_eq(log->ev[1].nr, SYS_getpriority);
	cr_assert_eq(log->ev[1].args[0], 2);
	cr_assert_eq(log->ev[1].args[1], 1234);
	cr_assert_eq(log->ev[1].kind, SG_ACT_FAKE);
	munmap(log, sizeof(*log));
	policy_free(p);
}

static const char mixed_policy[] = "version 1\ndefault allow\n"
				   "getpriority deny EPERM if arg0 == 5 quiet\n"
				   "getpriority fake if arg1 == 7 quiet\n"
				   "getpriority kill if arg0 == 5 quiet\n";

static int mixed_target(void)
{
	CHECK(1, sc(SYS_getpriority, 5, 7) == -1 && errno == EPERM); /* first rule wins */
	CHECK(2, sc(SYS_getpriority, 9, 7) == 0);
	CHECK(3, sc(SYS_getpriority, 0, 0) > 0);
	return 0;
}

static int mixed_unsupervised(void)
{
	CHECK(1, sc(SYS_getpriority, 5, 7) == -1 && errno == ENOSYS);
	CHECK(2, sc(SYS_getpriority, 0, 0) == -1 && errno == ENOSYS);
	return 0;
}

Test(policy_compile_routed, first_match_with_mixed_actions_routes_the_syscall)
{
	struct sg_policy *p = parse(mixed_policy);
	struct supervised s = { .policy = p, .target = mixed_target };
	struct notify_log *log = run_supervised(&s);
	struct sock_fprog prog;
	char *pfc = pfc_of(mixed_policy, 0);

	assert_exit_ok(log->target_status);
	cr_assert_eq(log->n, 3);
	cr_assert_eq(log->ev[0].kind, SG_ACT_DENY);
	cr_assert_eq(log->ev[1].kind, SG_ACT_FAKE);
	cr_assert_eq(log->ev[2].kind, SG_ACT_ALLOW);
	munmap(log, sizeof(*log));
	cr_assert(routed_in_pfc(pfc, "getpriority"), "%s", pfc);
	free(pfc);
	/* Without a daemon, a routed call fails closed. */
	prog = compile_policy(p, 0);
	assert_exit_ok(run_filtered(&prog, mixed_unsupervised));
	free(prog.filter);
	policy_free(p);
}

static int range_target(void)
{
	CHECK(1, sc(SYS_getpriority, 15, 0) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 0, 0) > 0);
	return 0;
}

Test(policy_compile_routed, two_comparisons_on_one_argument_route)
{
	static const char text[] = "version 1\ndefault allow\n"
				   "getpriority deny EACCES if arg0 >= 10 and arg0 <= 20 quiet\n";
	struct sg_policy *p = parse(text);
	struct supervised s = { .policy = p, .target = range_target };
	struct notify_log *log = run_supervised(&s);
	char *pfc = pfc_of(text, 0);

	assert_exit_ok(log->target_status);
	cr_assert_eq(log->n, 2);
	cr_assert(routed_in_pfc(pfc, "getpriority"), "%s", pfc);
	free(pfc);
	munmap(log, sizeof(*log));
	policy_free(p);
}

static int exec_target(void)
{
	char *argv[] = { (char *)"true", NULL }, *envp[] = { NULL };

	execve("/bin/true", argv, envp);
	return 10 + errno;
}

static int exec_denied_child(void)
{
	char *argv[] = { (char *)"true", NULL }, *envp[] = { NULL };

	execve("/bin/true", argv, envp);
	CHECK(1, errno == EACCES);
	return 0;
}

Test(policy_compile_routed, route_exec_flag)
{
	static const char text[] = "version 1\ndefault allow\nexecve deny EACCES quiet\n";
	struct sg_policy *p = parse(text);
	struct supervised s = { .policy = p, .flags = SG_COMPILE_ROUTE_EXEC,
				.target = exec_target, .continue_first_exec = true };
	struct notify_log *log = run_supervised(&s);
	struct sock_fprog prog;
	char *pfc;

	/* With the flag the exec reaches the supervisor, which lets it run. */
	assert_exit_ok(log->target_status);
	cr_assert_eq(log->n, 1);
	cr_assert_eq(log->ev[0].nr, SYS_execve);
	munmap(log, sizeof(*log));
	/* Without it the kernel denies the exec by itself. */
	prog = compile_policy(p, 0);
	assert_exit_ok(run_filtered(&prog, exec_denied_child));
	free(prog.filter);
	policy_free(p);

	/* A kernel allow is kept: no routing when the first outcome is an unconditional allow. */
	pfc = pfc_of("version 1\ndefault allow\n", SG_COMPILE_ROUTE_EXEC);
	cr_assert_null(strstr(pfc, "\"execve\""), "%s", pfc);
	free(pfc);
	/* execveat follows execve (an implied rule: lib/policy_equiv.c), in the kernel too */
	pfc = pfc_of("version 1\ndefault deny quiet\nexecve allow\n", SG_COMPILE_ROUTE_EXEC);
	cr_assert(!routed_in_pfc(pfc, "execve") && strstr(pfc, "\"execve\""), "%s", pfc);
	cr_assert(!routed_in_pfc(pfc, "execveat") && strstr(pfc, "\"execveat\""), "%s", pfc);
	free(pfc);
	pfc = pfc_of("version 1\ndefault deny quiet\nexecve allow\nexecveat deny\n",
		     SG_COMPILE_ROUTE_EXEC);
	cr_assert(routed_in_pfc(pfc, "execveat"), "%s", pfc);
	free(pfc);
	pfc = pfc_of("version 1\ndefault allow\nexecve allow if arg1 == 0\n", SG_COMPILE_ROUTE_EXEC);
	cr_assert(routed_in_pfc(pfc, "execve"), "%s", pfc);
	cr_assert(routed_in_pfc(pfc, "execveat"), "%s", pfc);
	free(pfc);
}

Test(policy_compile_routed, pfc_mentions_routed_syscalls)
{
	char *pfc = pfc_of("version 1\ndefault allow\nopenat deny EACCES\nread deny quiet\n", 0);
	FILE *f = tmpfile();
	struct sg_policy *p = parse("version 1\ndefault allow\nopenat deny\n");
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	char buf[8192];
	size_t n;

	cr_assert(routed_in_pfc(pfc, "openat"), "%s", pfc);
	cr_assert(!routed_in_pfc(pfc, "read"), "%s", pfc);
	free(pfc);
	/* A stream with an fd: written straight to it. */
	cr_assert_not_null(f);
	fputs("header\n", f);
	cr_assert_eq(policy_compile(p, 0, &ctx, NULL), 0);
	cr_assert_eq(policy_export_pfc(ctx, f), 0);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	cr_assert_eq(strncmp(buf, "header\n", 7), 0);
	cr_assert(routed_in_pfc(buf, "openat"), "%s", buf);
	fclose(f);
	policy_free(p);
}

Test(policy_compile_routed, route_flags_choose_the_route_action)
{
	static const char text[] = "version 1\ndefault allow\ngetppid fake 7\n"
				   "getpid deny EPERM quiet\n";
	char *notify = pfc_of(text, 0), *trace = pfc_of(text, SG_COMPILE_ROUTE_TRACE);
	char *trap = pfc_of(text, SG_COMPILE_ROUTE_TRAP);
	char *all = pfc_of(text, SG_COMPILE_ROUTE_ALL | SG_COMPILE_ROUTE_TRAP);
	char block[2048];
	struct sg_policy *p = parse(text);
	scmp_filter_ctx ctx = NULL;

	cr_assert(routed_in_pfc(notify, "getppid"));
	pfc_block(trace, "getppid", block, sizeof(block));
	cr_assert_not_null(strstr(block, "action TRACE(0)"), "%s", trace);
	pfc_block(trap, "getppid", block, sizeof(block));
	cr_assert_not_null(strstr(block, "action TRAP"), "%s", trap);
	/* the quiet deny stays in the kernel, except when everything is routed */
	pfc_block(trap, "getpid", block, sizeof(block));
	cr_assert_not_null(strstr(block, "ERRNO(1)"), "%s", trap);
	cr_assert_null(strstr(all, "ERRNO"), "%s", all);
	cr_assert_null(strstr(all, "getppid"), "%s", all); /* no rule: the default routes all */
	cr_assert_not_null(strstr(all, "action TRAP;"), "%s", all);
	cr_assert_eq(policy_compile(p, SG_COMPILE_ROUTE_TRACE | SG_COMPILE_ROUTE_TRAP, &ctx, NULL),
		     -EINVAL);
	policy_free(p);
	free(notify), free(trace), free(trap), free(all);
}
