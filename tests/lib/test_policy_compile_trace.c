/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_compile_trace.c: what the trace mechanism adds to a compiled filter,
 * checked by running the exported BPF on crafted calls of every arch the filter
 * covers (x86_64, i386, x32: this kernel need not run x32).  Table: policy,
 * compile flags, arch, syscall, arg0 -> the filter's action.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "bpf_sim.h"
#include "policy.h"

#define UNTRACED 0x00800000ull
#define NEWUSER 0x10000000ull
#define TRACE SG_COMPILE_ROUTE_TRACE
#define ROUTED SECCOMP_RET_TRACE
#define ALLOWED SECCOMP_RET_ALLOW
#define ERR(e) (SECCOMP_RET_ERRNO | (e))
#define KILLED SECCOMP_RET_KILL_PROCESS

static const uint32_t all_arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };

/* The filter's action for syscall name on arch with the given arg0 (other args 0). */
static uint32_t verdict(const struct sock_fprog *prog, uint32_t arch, const char *name,
			uint64_t arg0)
{
	uint64_t args[6] = { arg0 };
	int nr = seccomp_syscall_resolve_name_arch(arch, name);

	cr_assert_geq(nr, 0, "%s has no number on arch 0x%x", name, arch);
	return sim_run(prog, arch, nr, args);
}

struct row {
	const char *policy; /* after "version 1\n" */
	unsigned flags;
	const char *syscall;
	uint64_t arg0;
	uint32_t action; /* the same on every arch */
};

static const struct row rows[] = {
	/* a plain policy under trace: the three refusals, everything else as before */
	{ "default allow\n", TRACE, "clone", UNTRACED, ERR(EPERM) },
	{ "default allow\n", TRACE, "clone", UNTRACED | 0x11, ERR(EPERM) },
	{ "default allow\n", TRACE, "clone", 0x11, ALLOWED },
	{ "default allow\n", TRACE, "clone3", 0, ERR(ENOSYS) },
	{ "default allow\n", TRACE, "ptrace", 0, ERR(EPERM) },
	{ "default allow\n", TRACE, "ptrace", 16 /* PTRACE_ATTACH */, ERR(EPERM) },
	{ "default allow\n", TRACE, "fork", 0, ALLOWED },
	/* the other mechanisms do not need them */
	{ "default allow\n", 0, "clone", UNTRACED, ALLOWED },
	{ "default allow\n", 0, "ptrace", 0, ALLOWED },
	{ "default allow\n", 0, "clone3", 0, ALLOWED },
	{ "default allow\n", SG_COMPILE_ROUTE_TRAP, "ptrace", 0, ALLOWED },
	/* the policy cannot allow them back under trace */
	{ "default allow\nptrace, clone3 allow\nclone allow\n", TRACE, "ptrace", 0, ERR(EPERM) },
	{ "default allow\nptrace, clone3 allow\nclone allow\n", TRACE, "clone3", 0, ERR(ENOSYS) },
	{ "default allow\nptrace, clone3 allow\nclone allow\n", TRACE, "clone", UNTRACED, ERR(EPERM) },
	{ "default kill\nclone allow\n", TRACE, "clone", 0x11, ALLOWED },
	{ "default kill\nclone allow\n", TRACE, "clone", UNTRACED, ERR(EPERM) },
	{ "default errno EPERM quiet\n", TRACE, "clone", UNTRACED, ERR(EPERM) },
	{ "default errno EPERM quiet\n", TRACE, "clone", 0, ERR(EPERM) },
	/* a quiet flag rule stays in the kernel, folded: disjoint from the refusal */
	{ "default allow\nclone deny EACCES quiet if arg0 & 0x10000000 == 0x10000000\n", TRACE,
	  "clone", NEWUSER, ERR(EACCES) },
	{ "default allow\nclone deny EACCES quiet if arg0 & 0x10000000 == 0x10000000\n", TRACE,
	  "clone", NEWUSER | UNTRACED, ERR(EPERM) },
	{ "default allow\nclone deny EACCES quiet if arg0 & 0x10000000 == 0x10000000\n", TRACE,
	  "clone", UNTRACED, ERR(EPERM) },
	{ "default allow\nclone deny EACCES quiet if arg0 & 0x10000000 == 0x10000000\n", TRACE,
	  "clone", 0x11, ALLOWED },
	{ "default allow\nclone deny EACCES quiet if arg0 == 0x10000011\n", TRACE, "clone",
	  NEWUSER | 0x11, ERR(EACCES) },
	{ "default allow\nclone deny EACCES quiet if arg0 == 0x10000011\n", TRACE, "clone",
	  NEWUSER | 0x11 | UNTRACED, ERR(EPERM) },
	/* a rule that only matches with the flag set is the refusal's */
	{ "default allow\nclone allow if arg0 & 0x800000 == 0x800000\n", TRACE, "clone", UNTRACED,
	  ERR(EPERM) },
	{ "default allow\nclone kill quiet if arg0 == 0x800011\n", TRACE, "clone",
	  UNTRACED | 0x11, ERR(EPERM) },
	/* a recorded rule routes its calls; the refusal stays in the kernel */
	{ "default allow\nclone deny if arg0 & 0x10000000 == 0x10000000\n", TRACE, "clone",
	  NEWUSER, ROUTED },
	{ "default allow\nclone deny if arg0 & 0x10000000 == 0x10000000\n", TRACE, "clone",
	  NEWUSER | UNTRACED, ERR(EPERM) },
	{ "default allow\nclone deny if arg0 & 0x10000000 == 0x10000000\n", TRACE, "clone",
	  0x11, ALLOWED },
	/* conditions that cannot be folded (an order on arg0, one on another argument
	 * in a chain of two actions): the calls without the flag are routed */
	{ "default allow\nclone deny EACCES quiet if arg0 > 0x100\n", TRACE, "clone", 0x11, ROUTED },
	{ "default allow\nclone deny EACCES quiet if arg0 > 0x100\n", TRACE, "clone", UNTRACED,
	  ERR(EPERM) },
	{ "default allow\nclone allow if arg1 == 0\nclone deny EACCES quiet\n", TRACE, "clone",
	  0x11, ROUTED },
	{ "default allow\nclone allow if arg1 == 0\nclone deny EACCES quiet\n", TRACE, "clone",
	  UNTRACED, ERR(EPERM) },
	/* a session that routes everything (audit, learning, swappable) */
	{ "default allow\n", TRACE | SG_COMPILE_ROUTE_ALL, "clone", 0x11, ROUTED },
	{ "default allow\n", TRACE | SG_COMPILE_ROUTE_ALL, "clone", UNTRACED, ERR(EPERM) },
	{ "default allow\n", TRACE | SG_COMPILE_ROUTE_ALL, "ptrace", 0, ERR(EPERM) },
	{ "default allow\n", TRACE | SG_COMPILE_ROUTE_ALL, "clone3", 0, ERR(ENOSYS) },
	{ "default allow\n", TRACE | SG_COMPILE_ROUTE_ALL, "getppid", 0, ROUTED },
};

Test(policy_compile_trace, table_on_every_arch)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *w = &rows[i];
		char *text = NULL;
		struct sock_fprog prog;

		cr_assert_gt(asprintf(&text, "version 1\n%s", w->policy), 0);
		prog = sim_compile(text, w->flags);
		for (size_t a = 0; a < sizeof(all_arches) / sizeof(all_arches[0]); a++) {
			uint32_t got = verdict(&prog, all_arches[a], w->syscall, w->arg0);

			cr_expect_eq(got, w->action,
				     "row %zu, arch 0x%x: %s(0x%llx) under flags 0x%x gave 0x%x, "
				     "expected 0x%x\npolicy:\n%s", i, all_arches[a], w->syscall,
				     (unsigned long long)w->arg0, w->flags, got, w->action, text);
		}
		free(prog.filter);
		free(text);
	}
}

/* Only the low 32 bits of i386's flags exist: the refusal must not depend on the
 * high half the x86_64 test sets (x86_64 checks all 64 bits, and a flag word with
 * junk above bit 31 still has CLONE_UNTRACED). */
Test(policy_compile_trace, high_bits_do_not_hide_the_flag)
{
	struct sock_fprog prog = sim_compile("version 1\ndefault allow\n"
					 "clone deny EACCES quiet if arg0 & 0x10000000 == 0x10000000\n",
					 TRACE);

	cr_expect_eq(verdict(&prog, SCMP_ARCH_X86_64, "clone", UNTRACED | (1ull << 40)), ERR(EPERM));
	cr_expect_eq(verdict(&prog, SCMP_ARCH_X86, "clone", UNTRACED | (1ull << 40)), ERR(EPERM));
	free(prog.filter);
}
