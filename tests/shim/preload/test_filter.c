/* SPDX-License-Identifier: MIT */
/*
 * shim/preload/filter.c: the exemption prefix joined in front of a program (its bounds
 * and checks), and the trap filter as the kernel would run it: policy_compile(SG_COMPILE_ROUTE_TRAP)
 * exported by libseccomp, joined behind the preload library's exemption prefix,
 * and executed by a classic-BPF interpreter with the kernel's semantics on
 * crafted seccomp_data — x86_64, i386 and x32 (which this kernel may not run)
 * get the same verdict for the same call; only the trampoline's exact address is
 * exempt.  Plus a live x32 call where the kernel accepts x32.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bpf_sim.h"
#include "macro.h"
#include "policy.h"
#include "preload.h"

#define X32_BIT 0x40000000u
#define IP64 0x00003ffff7ff0123ull
#define IP32 0x00003ffff7ff0456ull
#define I386_GETPPID 64
#define I386_MKDIR 39

static struct sock_filter *prog;
static size_t prog_n;

static void setup(void)
{
	static const char text[] = "version 1\ndefault allow\ngetppid fake 4242\n"
				   "mkdir deny EACCES quiet\nuname allow log\n";
	struct sg_policy *p = NULL;
	struct sg_policy_error e = { 0 };
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	struct sock_fprog fp = { 0 };

	cr_assert_eq(policy_parse(text, sizeof(text) - 1, "t", &p, &e), 0, "%s", e.msg);
	cr_assert_eq(policy_compile(p, SG_COMPILE_ROUTE_TRAP, &ctx, &e), 0, "%s", e.msg);
	cr_assert_eq(policy_export_bpf(ctx, &fp), 0);
	cr_assert_eq(trap_filter_join(fp.filter, fp.len, IP64, IP32, &prog, &prog_n), 0);
	free(fp.filter);
	policy_free(p);
}

static void teardown(void)
{
	free(prog);
}

TestSuite(preload_filter, .init = setup, .fini = teardown);

static uint32_t run(uint32_t arch, uint32_t nr, uint64_t ip)
{
	struct seccomp_data d = { .nr = (int)nr, .arch = arch, .instruction_pointer = ip };

	return bpf_run(prog, prog_n, &d);
}

Test(preload_filter, routed_calls_trap_on_every_abi)
{
	cr_expect_eq(run(AUDIT_ARCH_X86_64, __NR_getppid, 0x401000), SECCOMP_RET_TRAP);
	cr_expect_eq(run(AUDIT_ARCH_X86_64, X32_BIT | __NR_getppid, 0x401000), SECCOMP_RET_TRAP);
	cr_expect_eq(run(AUDIT_ARCH_I386, I386_GETPPID, 0x401000), SECCOMP_RET_TRAP);
	cr_expect_eq(run(AUDIT_ARCH_X86_64, __NR_uname, 0x401000), SECCOMP_RET_TRAP);
}

Test(preload_filter, kernel_denies_are_the_same_on_every_abi)
{
	uint32_t native = run(AUDIT_ARCH_X86_64, __NR_mkdir, 0x401000);

	cr_expect_eq(native, SECCOMP_RET_ERRNO | EACCES);
	cr_expect_eq(run(AUDIT_ARCH_X86_64, X32_BIT | __NR_mkdir, 0x401000), native);
	cr_expect_eq(run(AUDIT_ARCH_I386, I386_MKDIR, 0x401000), native);
	cr_expect_eq(run(AUDIT_ARCH_X86_64, __NR_getpid, 0x401000), SECCOMP_RET_ALLOW);
}

Test(preload_filter, only_the_exact_trampoline_address_is_exempt)
{
	cr_expect_eq(run(AUDIT_ARCH_X86_64, __NR_getppid, IP64), SECCOMP_RET_ALLOW);
	cr_expect_eq(run(AUDIT_ARCH_X86_64, X32_BIT | __NR_getppid, IP64), SECCOMP_RET_ALLOW);
	cr_expect_eq(run(AUDIT_ARCH_I386, I386_GETPPID, IP32), SECCOMP_RET_ALLOW);
	/* the same low half elsewhere, the other half, the other ABI's trampoline */
	cr_expect_eq(run(AUDIT_ARCH_X86_64, __NR_getppid, (uint32_t)IP64), SECCOMP_RET_TRAP);
	cr_expect_eq(run(AUDIT_ARCH_X86_64, __NR_getppid, IP64 + (1ull << 32)), SECCOMP_RET_TRAP);
	cr_expect_eq(run(AUDIT_ARCH_X86_64, __NR_getppid, IP64 + 1), SECCOMP_RET_TRAP);
	cr_expect_eq(run(AUDIT_ARCH_X86_64, __NR_getppid, IP32), SECCOMP_RET_TRAP);
	cr_expect_eq(run(AUDIT_ARCH_I386, I386_GETPPID, IP64), SECCOMP_RET_TRAP);
	/* the handler's return */
	cr_expect_eq(run(AUDIT_ARCH_X86_64, __NR_rt_sigreturn, 0x401000), SECCOMP_RET_ALLOW);
}

Test(preload_filter, other_arches_are_killed_even_at_the_trampoline)
{
	cr_expect_eq(run(AUDIT_ARCH_AARCH64, 172, IP64), SECCOMP_RET_KILL_PROCESS);
	cr_expect_eq(run(AUDIT_ARCH_AARCH64, 172, 0x401000), SECCOMP_RET_KILL_PROCESS);
}

Test(preload_filter, join_refuses_a_broken_program)
{
	struct sock_filter bad[2] = { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0),
				      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_filter *out = NULL;
	size_t n = 0;

	cr_expect_eq(trap_filter_join(bad, 2, IP64, IP32, &out, &n), -EINVAL);
	cr_expect_eq(trap_filter_join(bad, 0, IP64, IP32, &out, &n), -EINVAL);
}

/* The live x32 call: same verdict as native under the real kernel filter. */
Test(preload_filter, live_x32_call_where_the_kernel_has_x32)
{
	long r = syscall(X32_BIT | __NR_getppid);
	struct sock_fprog fp = { .len = (unsigned short)prog_n, .filter = prog };
	int st = 0;
	pid_t c;

	if (r < 0 && errno == ENOSYS)
		cr_skip_test("this kernel has no x32 ABI (CONFIG_X86_X32_ABI off): the x32 path is "
			     "covered by the compiled-filter tests above");
	c = fork();
	cr_assert_geq(c, 0);
	if (c == 0) {
		signal(SIGSYS, SIG_DFL);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
			_exit(3);
		(void)syscall(X32_BIT | __NR_getppid); /* trapped, no handler: SIGSYS */
		_exit(0);
	}
	cr_assert_eq(waitpid(c, &st, 0), c);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status 0x%x", (unsigned)st);
}

Test(preload_filter, the_prefix_goes_in_front_of_the_program_unchanged)
{
	static const struct sock_filter two[2] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_filter *out = NULL;
	size_t n = 0;

	cr_assert_eq(trap_filter_join(two, 2, IP64, IP32, &out, &n), 0);
	cr_assert_gt(n, 2);
	cr_expect_leq(n - 2, SG_TRAP_PREFIX_MAX);
	cr_expect_eq(memcmp(out + n - 2, two, sizeof(two)), 0, "the program follows as it was");
	/* the prefix ends by jumping over its ALLOW into the program */
	cr_expect_eq(out[n - 4].code, BPF_JMP | BPF_JA);
	cr_expect_eq(out[n - 4].k, 1);
	cr_expect_eq(out[n - 3].code, BPF_RET | BPF_K);
	cr_expect_eq(out[n - 3].k, SECCOMP_RET_ALLOW);
	/* a call from nowhere special reaches the program's verdict */
	{
		struct seccomp_data d = { .nr = __NR_getpid, .arch = AUDIT_ARCH_X86_64,
					  .instruction_pointer = 0x401000 };

		cr_expect_eq(bpf_run(out, n, &d), SECCOMP_RET_KILL_PROCESS);
		d.instruction_pointer = IP64;
		cr_expect_eq(bpf_run(out, n, &d), SECCOMP_RET_ALLOW);
	}
	free(out);
}

Test(preload_filter, programs_that_cannot_be_joined)
{
	static const struct sock_filter no_ret[1] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0) };
	static const struct sock_filter ja_out[2] = {
		BPF_STMT(BPF_JMP | BPF_JA, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	static const struct sock_filter jf_out[3] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	static struct sock_filter big[BPF_MAXINSNS];
	struct sock_filter *out = (struct sock_filter *)0x1;
	size_t n = 77;

	cr_expect_eq(trap_filter_join(NULL, 2, IP64, IP32, &out, &n), -EINVAL);
	cr_expect_eq(trap_filter_join(no_ret, 1, IP64, IP32, &out, &n), -EINVAL);
	cr_expect_eq(trap_filter_join(ja_out, 2, IP64, IP32, &out, &n), -EINVAL);
	cr_expect_eq(trap_filter_join(jf_out, 3, IP64, IP32, &out, &n), -EINVAL);
	for (size_t i = 0; i < BPF_MAXINSNS; i++)
		big[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	cr_expect_eq(trap_filter_join(big, BPF_MAXINSNS, IP64, IP32, &out, &n), -E2BIG);
	cr_expect_eq(out, (struct sock_filter *)0x1, "outputs untouched on failure");
	cr_expect_eq(n, 77);
	/* the longest program that still fits */
	cr_assert_eq(trap_filter_join(big, BPF_MAXINSNS - SG_TRAP_PREFIX_MAX, IP64, IP32, &out, &n), 0);
	cr_expect_leq(n, BPF_MAXINSNS);
	free(out);
}
