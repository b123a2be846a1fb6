/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_compile.c: compiled filters are loaded in forked children and the
 * real kernel behaviour is observed: the verdicts the kernel carries out itself,
 * the ABIs and arches covered, the shipped policies.  Routed calls are in
 * test_policy_compile_routed.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "macro.h"
#include "policy.h"
#include "policy_compile_test.h"

static int quiet_deny_child(void)
{
	CHECK(1, sc(SYS_getppid, 0, 0) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 0, 0) == -1 && errno == 4094);
	CHECK(3, sc(SYS_getpid, 0, 0) > 0);
	return 0;
}

Test(policy_compile, quiet_deny_returns_the_errno)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\n"
					      "getppid deny EACCES quiet\n"
					      "getpriority errno 4094 quiet\n", 0);

	assert_exit_ok(run_filtered(&prog, quiet_deny_child));
	free(prog.filter);
}

static int getppid_child(void)
{
	sc(SYS_getppid, 0, 0);
	return 0;
}

Test(policy_compile, quiet_kill_kills_with_sigsys)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\ngetppid kill quiet\n", 0);

	assert_sigsys(run_filtered(&prog, getppid_child));
	free(prog.filter);
	prog = compile_text("version 1\ndefault kill quiet\nexit_group, exit allow\n", 0);
	assert_sigsys(run_filtered(&prog, getppid_child));
	free(prog.filter);
}

static int seed_errno_child(void)
{
	long fd = sc(SYS_dup, 0, 0);

	CHECK(1, fd >= 0);
	CHECK(2, sc(SYS_close, fd, 0) == 0);
	CHECK(3, sc(SYS_write, -1, 0) == -1 && errno == EBADF); /* the kernel's own answer */
	CHECK(4, sc(SYS_getppid, 0, 0) == -1 && errno == ENOSYS); /* routed, no listener */
	return 0;				       /* exit_group is routed too: glibc falls back to exit */
}

static int seed_errno_quiet_child(void)
{
	CHECK(1, sc(SYS_dup, 0, 0) >= 0);
	CHECK(2, sc(SYS_getppid, 0, 0) == -1 && errno == EIO);
	return 0;
}

Test(policy_compile, seed_errno_default)
{
	struct sock_fprog prog = compile_text("version 1\ndefault errno 5\n"
					      "close, dup, write, exit allow\n", 0);

	assert_exit_ok(run_filtered(&prog, seed_errno_child));
	free(prog.filter);
	prog = compile_text("version 1\ndefault errno 5 quiet\nclose, dup, write, exit allow\n", 0);
	assert_exit_ok(run_filtered(&prog, seed_errno_quiet_child));
	free(prog.filter);
}

static int seed_dup2_child(void)
{
	CHECK(1, sc(SYS_dup2, 1, 2) == 2);
	CHECK(2, sc(SYS_dup2, 1, 3) == -1 && errno == ENOSYS); /* routed kill, no listener */
	CHECK(3, sc(SYS_dup2, 2, 2) == -1 && errno == ENOSYS);
	return 0;
}

static int seed_dup2_quiet_child(void)
{
	CHECK(1, sc(SYS_dup2, 1, 2) == 2);
	sc(SYS_dup2, 1, 3); /* killed here */
	return 2;
}

Test(policy_compile, allow_with_conditions_allows_only_matching_args)
{
	struct sock_fprog prog = compile_text("version 1\ndefault kill\n"
					      "rt_sigreturn, exit, read, write allow\n"
					      "dup2 allow if arg0 == 1 and arg1 == 2\n", 0);

	assert_exit_ok(run_filtered(&prog, seed_dup2_child));
	free(prog.filter);
	prog = compile_text("version 1\ndefault kill quiet\n"
			    "rt_sigreturn, exit, exit_group, read, write allow\n"
			    "dup2 allow if arg0 == 1 and arg1 == 2\n", 0);
	assert_sigsys(run_filtered(&prog, seed_dup2_quiet_child));
	free(prog.filter);
}

static char cwd_before[256];

static int fake_child(void)
{
	char cwd[256];

	CHECK(1, sc(SYS_chdir, (long)"/nonexistent-sysgate-dir", 0) == 0);
	CHECK(2, sc(SYS_getcwd, (long)cwd, sizeof(cwd)) > 0);
	CHECK(3, strcmp(cwd, cwd_before) == 0); /* the call never ran */
	return 0;
}

Test(policy_compile, quiet_fake_zero_returns_zero)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\nchdir fake quiet\n", 0);

	cr_assert_not_null(getcwd(cwd_before, sizeof(cwd_before)));
	assert_exit_ok(run_filtered(&prog, fake_child));
	free(prog.filter);
}

static int union_child(void)
{
	CHECK(1, sc(SYS_getpriority, 5, 0) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 0, 7) == -1 && errno == EACCES);
	CHECK(3, sc(SYS_getpriority, 0, 0) > 0);
	return 0;
}

Test(policy_compile, same_kernel_action_stays_in_the_kernel)
{
	static const char text[] = "version 1\ndefault allow\n"
				   "getpriority deny EACCES if arg0 == 5 quiet\n"
				   "getpriority deny EACCES if arg1 == 7 quiet\n"
				   "getpriority deny EACCES quiet\n"
				   "getpriority kill quiet\n";
	struct sock_fprog prog = compile_text(text, 0);
	char *pfc = pfc_of(text, 0), block[2048];

	/* The unconditional third rule makes every getpriority EACCES; the fourth never runs. */
	pfc_block(pfc, "getpriority", block, sizeof(block));
	cr_assert(strstr(block, "ERRNO(13)") && !strstr(block, "KILL"), "%s", block);
	free(pfc);
	free(prog.filter);

	prog = compile_text("version 1\ndefault allow\n"
			    "getpriority deny EACCES if arg0 == 5 quiet\n"
			    "getpriority deny EACCES if arg1 == 7 quiet\n", 0);
	assert_exit_ok(run_filtered(&prog, union_child));
	free(prog.filter);
}

static int masked_child(void)
{
	CHECK(1, sc(SYS_getpriority, 0, 0x7fff0125) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 0, 0x7fff0020) == -1 && errno == EACCES);
	/* Not denied: the kernel's own answer (no such process: above pid_max). */
	CHECK(3, sc(SYS_getpriority, 0, 0x7fff0030) == -1 && errno == ESRCH);
	CHECK(4, sc(SYS_getpriority, 0, 0x7fff00f0) == -1 && errno == ESRCH);
	return 0;
}

Test(policy_compile, masked_condition_in_the_kernel)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\n"
					      "getpriority deny EACCES if arg1 & 0xf0 == 0x20 quiet\n", 0);

	assert_exit_ok(run_filtered(&prog, masked_child));
	free(prog.filter);
}

#if defined(__x86_64__)
static long int80(long nr, long a, long b)
{
	long r;

	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a), "c"(b)
			 : "memory", "r8", "r9", "r10", "r11");
	return r;
}

static int i386_probe(void)
{
	return int80(20 /* getpid */, 0, 0) == getpid() ? 0 : 1;
}

static int i386_child(void)
{
	CHECK(1, int80(20 /* getpid */, 0, 0) == -EACCES);
	CHECK(2, int80(96 /* getpriority */, 0, 0) > 0);
	CHECK(3, sc(SYS_getpid, 0, 0) == -1 && errno == EACCES);
	return 0;
}

static int i386_socket_target(void)
{
	CHECK(1, int80(359 /* socket */, 2, 1) == -EAFNOSUPPORT);
	CHECK(2, int80(102 /* socketcall */, 1 /* SYS_SOCKET */, 0) == -EAFNOSUPPORT);
	return 0;
}

static int i386_getpid_child(void)
{
	int80(20, 0, 0);
	return 1;
}

Test(policy_compile, i386_abi_is_covered)
{
	struct sock_fprog prog;
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(i386_probe());
	status = wait_child(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		cr_skip_test("the kernel does not run i386 (int 0x80) syscalls");

	prog = compile_text("version 1\ndefault allow\ngetpid deny EACCES quiet\n", 0);
	assert_exit_ok(run_filtered(&prog, i386_child));
	free(prog.filter);
	/* A routed socket rule also covers the multiplexed socketcall(SYS_SOCKET). */
	{
		struct sg_policy *p = parse("version 1\ndefault allow\nsocket deny EAFNOSUPPORT\n");
		struct supervised s = { .policy = p, .target = i386_socket_target };
		struct notify_log *log = run_supervised(&s);

		assert_exit_ok(log->target_status);
		cr_assert_eq(log->n, 2);
		cr_assert_eq(log->ev[0].arch, AUDIT_ARCH_I386);
		cr_assert_eq(log->ev[0].nr, 359);
		cr_assert_eq(log->ev[1].nr, 102);
		cr_assert_eq(log->ev[1].args[0], 1);
		munmap(log, sizeof(*log));
		policy_free(p);
	}
	/* A policy without x86 kills an i386 call (bad arch), it never lets it through. */
	prog = compile_text("version 1\narch x86_64\ndefault allow\n", 0);
	assert_sigsys(run_filtered(&prog, i386_getpid_child));
	free(prog.filter);
}

static int x32_child(void)
{
	CHECK(1, sc(X32_BIT | 39 /* getpid */, 0, 0) == -1 && errno == EACCES);
	return 0;
}

static int x32_getpid_child(void)
{
	sc(X32_BIT | 39, 0, 0);
	return 1;
}

Test(policy_compile, x32_abi_is_covered)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\ngetpid deny EACCES quiet\n", 0);

	/* seccomp sees x32 numbers even when the kernel lacks the x32 ABI. */
	assert_exit_ok(run_filtered(&prog, x32_child));
	free(prog.filter);
	prog = compile_text("version 1\narch x86_64 x86\ndefault allow\n", 0);
	assert_sigsys(run_filtered(&prog, x32_getpid_child));
	free(prog.filter);
}
#endif

static int errno_4095_child(void)
{
	CHECK(1, sc(SYS_getppid, 0, 0) == -1 && errno == ENOSYS); /* routed: no listener */
	return 0;
}

Test(policy_compile, errno_beyond_libseccomp_is_routed)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\ngetppid deny 4095 quiet\n", 0);

	assert_exit_ok(run_filtered(&prog, errno_4095_child));
	free(prog.filter);
	/* As a default too: libseccomp's seccomp_init() would refuse ERRNO(4095). */
	prog = compile_text("version 1\ndefault errno 4095 quiet\nexit_group allow\n", 0);
	free(prog.filter);
}

Test(policy_compile, arches_are_exactly_the_policys)
{
	char *pfc = pfc_of("version 1\narch x86\ndefault allow\nsocket deny quiet\n", 0);

	cr_assert_null(strstr(pfc, "arch x86_64"), "%s", pfc);
	cr_assert_null(strstr(pfc, "arch x32"), "%s", pfc);
	cr_assert_not_null(strstr(pfc, "arch x86 "), "%s", pfc);
	cr_assert_not_null(strstr(pfc, "\"socketcall\""), "%s", pfc); /* multiplexed form too */
	cr_assert_not_null(strstr(pfc, "invalid architecture action\naction KILL_PROCESS"), "%s", pfc);
	free(pfc);
}

Test(policy_compile, bad_arguments)
{
	scmp_filter_ctx ctx = NULL;
	struct sock_fprog prog;

	cr_assert_eq(policy_compile(NULL, 0, &ctx, NULL), -EINVAL);
	cr_assert_eq(policy_export_bpf(NULL, &prog), -EINVAL);
	cr_assert_eq(policy_export_pfc(NULL, stdout), -EINVAL);
}

Test(policy_compile, shipped_policies_compile)
{
	const char *src = getenv("SG_SOURCE_ROOT");
	char pattern[4096], buf[1024];
	struct sg_policy_error e;
	glob_t g;

	cr_assert_not_null(src, "SG_SOURCE_ROOT is not set");
	snprintf(pattern, sizeof(pattern), "%s/policies/*.policy", src);
	cr_assert_eq(glob(pattern, 0, NULL, &g), 0);
	cr_assert_geq(g.gl_pathc, 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct sg_policy *p = NULL;

		cr_assert_eq(policy_load_file(g.gl_pathv[i], &p, NULL, &e), 0, "%s", g.gl_pathv[i]);
		cr_assert_eq(policy_check_loadable(p, &e), 0, "%s: %s", g.gl_pathv[i], e.msg);
		for (unsigned flags = 0; flags <= SG_COMPILE_ROUTE_EXEC; flags++) {
			_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
			struct sock_fprog prog;
			int r = policy_compile(p, flags, &ctx, &e);

			policy_error_format(&e, buf, sizeof(buf));
			cr_assert_eq(r, 0, "%s: %s", g.gl_pathv[i], buf);
			cr_assert_eq(policy_export_bpf(ctx, &prog), 0);
			cr_assert_gt(prog.len, 0);
			free(prog.filter);
		}
		policy_free(p);
	}
	globfree(&g);
}

static int default_policy_child(void)
{
	/* umount2(MNT_FORCE) is routed (recorded deny): no daemon here, ENOSYS. */
	CHECK(1, sc(SYS_umount2, (long)"/nonexistent-sysgate", 1) == -1 && errno == ENOSYS);
	/* Without MNT_FORCE the kernel itself answers. */
	CHECK(2, sc(SYS_umount2, (long)"/nonexistent-sysgate", 0) == -1 && errno == ENOENT);
	CHECK(3, sc(SYS_getppid, 0, 0) > 0);
	return 0;
}

Test(policy_compile, default_policy_routes_force_umount_only)
{
	const char *src = getenv("SG_SOURCE_ROOT");
	char path[4096];
	struct sg_policy *p = NULL;
	struct sock_fprog prog;

	cr_assert_not_null(src);
	snprintf(path, sizeof(path), "%s/policies/default.policy", src);
	cr_assert_eq(policy_load_file(path, &p, NULL, NULL), 0);
	prog = compile_policy(p, SG_COMPILE_ROUTE_EXEC);
	assert_exit_ok(run_filtered(&prog, default_policy_child));
	free(prog.filter);
	policy_free(p);
}
