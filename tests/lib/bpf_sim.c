/* SPDX-License-Identifier: MIT */
/* A classic-BPF interpreter with the kernel's semantics, for the tests that run a
 * compiled seccomp filter on crafted seccomp_data (every arch, whatever this kernel runs). */
#include <stdbool.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bpf_sim.h"

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
