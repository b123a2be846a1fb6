/* SPDX-License-Identifier: MIT */
/*
 * The exemption prefix of the trap filter, in classic BPF, joined in front of
 * libseccomp's exported program.  It allows a call whose instruction pointer
 * is exactly the trampoline's (both 32-bit halves compared, and under the arch
 * that trampoline's instruction reports), and rt_sigreturn on x86_64 so the
 * SIGSYS handler can return.  Everything else falls through to the policy.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "preload.h"

#define OFF_NR offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)
#define OFF_IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define OFF_IP_HI (offsetof(struct seccomp_data, instruction_pointer) + 4)

struct prefix {
	struct sock_filter insn[SG_TRAP_PREFIX_MAX];
	size_t n;
};

static void emit(struct prefix *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	p->insn[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

/* jt/jf from the instruction at `at` to the instruction at `to`. */
static uint8_t rel(size_t at, size_t to)
{
	return (uint8_t)(to - at - 1);
}

/*
 * 0 ld arch; 1 jeq X86_64 ? 2 : 8 (x32 enters as X86_64 with the x32 bit in nr)
 * 2 ld nr; 3 jeq rt_sigreturn ? ALLOW : 4
 * 4 ld ip_lo; 5 jeq lo64 ? 6 : END; 6 ld ip_hi; 7 jeq hi64 ? ALLOW : END
 * 8 jeq I386 ? 9 : END; 9 ld ip_lo; 10 jeq lo32 ? 11 : END; 11 ld ip_hi; 12 jeq hi32 ? ALLOW : END
 * 13 END: ja +1; 14 ALLOW: ret allow; then libseccomp's program (it loads arch itself).
 */
static void build_prefix(struct prefix *p, uint64_t ip64, uint64_t ip32)
{
	const size_t i386_at = 8, end = 13, allow = 14;
	const uint16_t ld = BPF_LD | BPF_W | BPF_ABS, jeq = BPF_JMP | BPF_JEQ | BPF_K;

	p->n = 0;
	emit(p, ld, 0, 0, OFF_ARCH);                                       /* 0 */
	emit(p, jeq, 0, rel(1, i386_at), AUDIT_ARCH_X86_64);               /* 1 */
	emit(p, ld, 0, 0, OFF_NR);                                         /* 2 */
	emit(p, jeq, rel(3, allow), 0, __NR_rt_sigreturn);                 /* 3 */
	emit(p, ld, 0, 0, OFF_IP_LO);                                      /* 4 */
	emit(p, jeq, 0, rel(5, end), (uint32_t)ip64);                      /* 5 */
	emit(p, ld, 0, 0, OFF_IP_HI);                                      /* 6 */
	emit(p, jeq, rel(7, allow), rel(7, end), (uint32_t)(ip64 >> 32));  /* 7 */
	emit(p, jeq, 0, rel(8, end), AUDIT_ARCH_I386);                     /* 8 */
	emit(p, ld, 0, 0, OFF_IP_LO);                                      /* 9 */
	emit(p, jeq, 0, rel(10, end), (uint32_t)ip32);                     /* 10 */
	emit(p, ld, 0, 0, OFF_IP_HI);                                      /* 11 */
	emit(p, jeq, rel(12, allow), rel(12, end), (uint32_t)(ip32 >> 32)); /* 12 */
	emit(p, BPF_JMP | BPF_JA, 0, 0, 1);                                /* 13 END */
	emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);                 /* 14 ALLOW */
}

/* Whether every jump of prog lands inside it, and it ends with a return. */
static bool prog_valid(const struct sock_filter *prog, size_t n)
{
	if (n == 0 || BPF_CLASS(prog[n - 1].code) != BPF_RET)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (BPF_CLASS(prog[i].code) != BPF_JMP)
			continue;
		if (BPF_OP(prog[i].code) == BPF_JA) {
			if (prog[i].k >= n - i - 1)
				return false;
		} else if (prog[i].jt >= n - i - 1 || prog[i].jf >= n - i - 1)
			return false;
	}
	return true;
}

/* Join the prefix and prog; see preload.h. */
int trap_filter_join(const struct sock_filter *prog, size_t n, uint64_t ip64, uint64_t ip32,
		     struct sock_filter **ret_out, size_t *ret_n)
{
	struct prefix p;
	struct sock_filter *out;

	if (!prog || !prog_valid(prog, n))
		return -EINVAL;
	build_prefix(&p, ip64, ip32);
	if (n + p.n > BPF_MAXINSNS)
		return -E2BIG;
	out = malloc((n + p.n) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	memcpy(out, p.insn, p.n * sizeof(*out));
	memcpy(out + p.n, prog, n * sizeof(*out));
	*ret_out = out;
	*ret_n = n + p.n;
	return 0;
}
