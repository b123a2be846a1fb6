/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_compile.c with the implied rules of lib/policy_equiv.c: what the kernel
 * filter does with an equivalent call, run as BPF on crafted calls of each arch.
 * Table: policy, arch, syscall number, arguments -> the filter's action.  Also the
 * i386 multiplexers: a socket call with conditions is routed on x86 (direct and
 * through socketcall), so that the daemon applies the conditions or the refusal,
 * while x86_64 and x32 keep deciding it in the kernel.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "bpf_sim.h"
#include "policy.h"

#define X86_64 SCMP_ARCH_X86_64
#define X86 SCMP_ARCH_X86
#define X32 SCMP_ARCH_X32
#define X32_BIT 0x40000000
#define ROUTED SECCOMP_RET_USER_NOTIF
#define ALLOWED SECCOMP_RET_ALLOW
#define ERR(e) (SECCOMP_RET_ERRNO | (e))

/* x86_64 numbers, and x86 ones where the test needs them */
enum {
	NR_OPEN = 2, NR_CREAT = 85, NR_OPENAT = 257, NR_OPENAT2 = 437, NR_RENAME = 82,
	NR_RENAMEAT2 = 316, NR_UNSHARE = 272, NR_CLONE3 = 435, NR_SOCKET = 41, NR_CONNECT = 42,
	NR_URING_SETUP = 425, NR_URING_ENTER = 426,
	X86_OPEN = 5, X86_SOCKET = 359, X86_SOCKETCALL = 102, X86_IPC = 117, X86_UNSHARE = 310,
};

struct row {
	const char *policy; /* after "version 1\n" */
	uint32_t arch;
	int nr;
	uint64_t args[6];
	uint32_t action;
};

#define OPENAT_W "default allow\nopenat deny EACCES quiet if arg2 & 3 == 1\n"
#define UNLINK "default allow\nunlinkat deny EPERM quiet\n"
#define NEWUSER "default allow\nclone deny EACCES quiet if arg0 & 0x10000000 == 0x10000000\n"
#define SOCK_Q "default allow\nsocket deny EACCES quiet if arg0 == 16\n"
#define SOCK_A "default errno EPERM quiet\nsocket allow if arg0 == 1\nexit_group allow\n"

static const struct row rows[] = {
	/* open and creat get openat's rule, in the kernel; openat2 is refused (routed:
	 * the refusal is recorded) */
	{ OPENAT_W, X86_64, NR_OPEN, { 0, 1 }, ERR(EACCES) },
	{ OPENAT_W, X86_64, NR_OPEN, { 0, 2 }, ALLOWED },
	{ OPENAT_W, X86_64, NR_CREAT, { 0, 0644 }, ERR(EACCES) },
	{ OPENAT_W, X86_64, NR_OPENAT, { 0, 0, 1 }, ERR(EACCES) },
	{ OPENAT_W, X86_64, NR_OPENAT2, { 0, 0, 0, 24 }, ROUTED },
	{ OPENAT_W, X86, X86_OPEN, { 0, 0x41 }, ERR(EACCES) },
	{ OPENAT_W, X32, X32_BIT | NR_OPEN, { 0, 1 }, ERR(EACCES) },
	/* a rename that could replace a name is denied with the removal; one that cannot
	 * (RENAME_NOREPLACE, RENAME_EXCHANGE) is not */
	{ UNLINK, X86_64, NR_RENAME, { 0 }, ERR(EPERM) },
	{ UNLINK, X86_64, NR_RENAMEAT2, { 0, 0, 0, 0, 0 }, ERR(EPERM) },
	{ UNLINK, X86_64, NR_RENAMEAT2, { 0, 0, 0, 0, 1 }, ALLOWED },
	{ UNLINK, X86_64, NR_RENAMEAT2, { 0, 0, 0, 0, 2 }, ALLOWED },
	{ UNLINK, X86_64, NR_RENAMEAT2, { 0, 0, 0, 0, 4 /* RENAME_WHITEOUT */ }, ERR(EPERM) },
	{ UNLINK "rename allow\n", X86_64, NR_RENAME, { 0 }, ALLOWED },
	/* namespaces: unshare gets clone's flag rule; clone3 is refused */
	{ NEWUSER, X86_64, NR_UNSHARE, { 0x10000000 }, ERR(EACCES) },
	{ NEWUSER, X86_64, NR_UNSHARE, { 0x20000 }, ALLOWED },
	{ NEWUSER, X86, X86_UNSHARE, { 0x10000000 }, ERR(EACCES) },
	{ NEWUSER, X32, X32_BIT | NR_UNSHARE, { 0x10000000 }, ERR(EACCES) },
	{ NEWUSER, X86_64, NR_CLONE3, { 0, 88 }, ROUTED },
	/* io_uring refused while a rule decides a call it can perform */
	{ OPENAT_W, X86_64, NR_URING_SETUP, { 8 }, ROUTED },
	{ OPENAT_W, X86_64, NR_URING_ENTER, { 3 }, ROUTED },
	{ OPENAT_W "io_uring_setup allow\n", X86_64, NR_URING_SETUP, { 8 }, ALLOWED },
	/* a socket call with conditions: x86_64 and x32 in the kernel as before; on x86
	 * the direct call and socketcall(SYS_SOCKET) go to the daemon whatever the
	 * registers socketcall really has (its arguments are in memory) */
	{ SOCK_Q, X86_64, NR_SOCKET, { 16 }, ERR(EACCES) },
	{ SOCK_Q, X86_64, NR_SOCKET, { 2 }, ALLOWED },
	{ SOCK_Q, X32, X32_BIT | NR_SOCKET, { 16 }, ERR(EACCES) },
	{ SOCK_Q, X86, X86_SOCKET, { 2 }, ROUTED },
	{ SOCK_Q, X86, X86_SOCKETCALL, { 1, 0xbfff0000 }, ROUTED },
	{ SOCK_Q, X86, X86_SOCKETCALL, { 1, 0xbfff0000, 16 }, ROUTED },
	{ SOCK_Q, X86, X86_SOCKETCALL, { 3, 0xbfff0000 }, ALLOWED },
	{ SOCK_A, X86_64, NR_SOCKET, { 1 }, ALLOWED },
	{ SOCK_A, X86_64, NR_SOCKET, { 2 }, ERR(EPERM) },
	{ SOCK_A, X86, X86_SOCKETCALL, { 1, 0xbfff0000, 0, 0, 0, 0 }, ROUTED },
	{ SOCK_A, X86, X86_SOCKETCALL, { 1, 1, 1, 1, 1, 1 }, ROUTED },
	{ SOCK_A, X86, X86_SOCKETCALL, { 3, 0xbfff0000 }, ERR(EPERM) },
	/* without conditions libseccomp's own expansion is exact and stays in the kernel */
	{ "default allow\nconnect deny EACCES quiet\n", X86, X86_SOCKETCALL, { 3, 0 }, ERR(EACCES) },
	{ "default allow\nconnect deny EACCES quiet\n", X86_64, NR_CONNECT, { 3 }, ERR(EACCES) },
	/* ipc takes a version in the high half of its call: the refusal covers it */
	{ "default allow\nsemget deny EACCES quiet if arg2 == 0\n", X86, X86_IPC, { 2 }, ROUTED },
	{ "default allow\nsemget deny EACCES quiet if arg2 == 0\n", X86, X86_IPC, { 0x10002 },
	  ROUTED },
	{ "default allow\nsemget deny EACCES quiet if arg2 == 0\n", X86, X86_IPC, { 3 }, ALLOWED },
	/* the filter built apart for x86 and merged keeps the bad-arch kill */
	{ SOCK_Q, SCMP_ARCH_AARCH64, 198, { 16 }, SECCOMP_RET_KILL_PROCESS },
	{ "arch x86_64 x86\n" SOCK_Q, X32, X32_BIT | NR_SOCKET, { 16 }, SECCOMP_RET_KILL_PROCESS },
	/* an x86-only policy is one filter, with the same treatment */
	{ "arch x86\n" SOCK_Q, X86, X86_SOCKETCALL, { 1, 0 }, ROUTED },
	{ "arch x86\n" SOCK_Q, X86, X86_SOCKETCALL, { 2, 0 }, ALLOWED },
};

Test(policy_compile_equiv, table)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *w = &rows[i];
		char *text = NULL;
		struct sock_fprog prog;
		uint32_t got;

		cr_assert_gt(asprintf(&text, "version 1\n%s", w->policy), 0);
		prog = sim_compile(text, 0);
		got = sim_run(&prog, w->arch, w->nr, w->args);
		cr_expect_eq(got, w->action, "row %zu: arch 0x%x nr %d arg0 0x%llx gave 0x%x, "
			     "expected 0x%x\npolicy:\n%s", i, w->arch, w->nr,
			     (unsigned long long)w->args[0], got, w->action, text);
		free(prog.filter);
		free(text);
	}
}

/* The daemon's side of the routed x86 calls: the direct call by its conditions,
 * socketcall(SYS_SOCKET) refused ENOSYS by the implied rule. */
Test(policy_compile_equiv, daemon_decides_the_routed_x86_socket_calls)
{
	const char *text = "version 1\n" SOCK_Q;
	struct sg_policy *p = NULL;
	const struct sg_rule *r;
	const struct sg_action *a;
	uint64_t direct[6] = { 16 }, mux[6] = { 1, 0xbfff0000 };

	cr_assert_eq(policy_parse(text, strlen(text), "d.policy", &p, NULL), 0);
	a = policy_decide(p, AUDIT_ARCH_I386, X86_SOCKET, direct, &r);
	cr_expect(a->kind == SG_ACT_DENY && a->err == EACCES && r && !r->implied_by);
	direct[0] = 2;
	a = policy_decide(p, AUDIT_ARCH_I386, X86_SOCKET, direct, &r);
	cr_expect(a->kind == SG_ACT_ALLOW && !r);
	a = policy_decide(p, AUDIT_ARCH_I386, X86_SOCKETCALL, mux, &r);
	cr_expect(a->kind == SG_ACT_DENY && a->err == ENOSYS && r && r->implied_by == 1);
	policy_free(p);
}
