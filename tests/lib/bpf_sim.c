/* SPDX-License-Identifier: MIT */
/* A classic-BPF interpreter with the kernel's semantics, for the tests that run a
 * compiled seccomp filter on crafted seccomp_data (every arch, whatever this kernel runs). */
#include <stdbool.h>
#include <string.h>

#include <criterion/criterion.h>
#include <linux/audit.h>

#include "bpf_sim.h"
#include "policy.h"

/* Run prog on d as the kernel's classic BPF does (the subset seccomp accepts). */
uint32_t bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	const uint8_t *data = (const uint8_t *)d;

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS) {
				cr_assert(f->k + 4 <= sizeof(*d) && f->k % 4 == 0, "ld [%u]", f->k);
				memcpy(&a, data + f->k, 4);
			} else if (BPF_MODE(f->code) == BPF_IMM)
				a = f->k;
			else if (BPF_MODE(f->code) == BPF_MEM)
				a = mem[f->k];
			else
				cr_assert_fail("ld mode 0x%x", f->code);
			break;
		case BPF_LDX:
			x = BPF_MODE(f->code) == BPF_MEM ? mem[f->k] : f->k;
			break;
		case BPF_ST:
			mem[f->k] = a;
			break;
		case BPF_STX:
			mem[f->k] = x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_AND: a &= src; break;
			case BPF_OR: a |= src; break;
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_RSH: a >>= src; break;
			case BPF_LSH: a <<= src; break;
			default: cr_assert_fail("alu op 0x%x", f->code);
			}
			break;
		case BPF_JMP: {
			bool t = false;

			if (BPF_OP(f->code) == BPF_JA) {
				pc += f->k;
				break;
			}
			switch (BPF_OP(f->code)) {
			case BPF_JEQ: t = a == src; break;
			case BPF_JGT: t = a > src; break;
			case BPF_JGE: t = a >= src; break;
			case BPF_JSET: t = (a & src) != 0; break;
			default: cr_assert_fail("jmp op 0x%x", f->code);
			}
			pc += t ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			cr_assert_fail("class 0x%x", f->code);
		}
	}
	cr_assert_fail("fell off the program");
	return 0;
}

/* Parse and compile a policy text with the compile flags; the exported BPF program
 * (filter malloc'd).  A criterion failure with the error when either step fails. */
struct sock_fprog sim_compile(const char *text, unsigned flags)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	struct sock_fprog prog = { 0, NULL };
	scmp_filter_ctx ctx = NULL;
	char buf[1024];
	int r = policy_parse(text, strlen(text), "sim.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "%s", buf);
	r = policy_compile(p, flags, &ctx, &e);
	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "policy_compile: %d %s", r, buf);
	cr_assert_eq(policy_export_bpf(ctx, &prog), 0);
	seccomp_release(ctx);
	policy_free(p);
	return prog;
}

/* The filter's action for syscall nr of arch (SCMP_ARCH_*; an x32 nr carries the x32
 * bit, and reaches the filter as x86_64) with the arguments. */
uint32_t sim_run(const struct sock_fprog *prog, uint32_t arch, int nr, const uint64_t args[6])
{
	struct seccomp_data d = { 0 };

	d.nr = nr;
	d.arch = arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch;
	memcpy(d.args, args, sizeof(d.args));
	return bpf_run(prog->filter, prog->len, &d);
}
