/* SPDX-License-Identifier: MIT */
/* Private helpers shared by the policy engine's source files; not for other components. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "policy.h"

/* x32 syscalls arrive with arch AUDIT_ARCH_X86_64 and this bit set in nr. */
#define SG_X32_SYSCALL_BIT 0x40000000

/* libseccomp's pseudo numbers for the socketcall(2)/ipc(2) multiplexed calls of x86
 * (__PNR_socket = -101 ... __PNR_shmctl = -224); other pseudo numbers are <= -10000. */
#define SG_PNR_MUX_FIRST (-299)
#define SG_PNR_MUX_LAST (-101)

/* names.c */

/* Parse an unsigned 64-bit number: decimal, 0x hex or leading-0 octal, nothing else.
 * 0, -EINVAL (not a number) or -ERANGE (does not fit in 64 bits). */
int parse_uint64(const char *s, size_t len, uint64_t *ret);
/* Number of syscall name on one arch as the kernel delivers it, or __NR_SCMP_ERROR.
 * *ret_known is set when libseccomp knows the name there (a multiplexed x86 call
 * without a direct number, e.g. accept, is known but has no number). */
int syscall_resolve_arch(uint32_t arch, const char *name, bool *ret_known);

/* The i386 multiplexers socketcall(2) and ipc(2). */
#define X86_NR_SOCKETCALL 102
#define X86_NR_IPC 117

/* policy_eval.c */

/* Build p->index[] from p->rules (sorted by nr, then file order). */
int policy_build_index(struct sg_policy *p);
/* Whether condition c holds for the argument value; narrow: compare the low 32 bits
 * only, as libseccomp's filter does on 32-bit ABIs (x86, x32). */
bool policy_cond_holds(const struct sg_cond *c, uint64_t value, bool narrow);
/* The name of sub-call `call` of the i386 multiplexer socketcall (ipc false) or ipc,
 * or NULL when there is none. */
const char *x86_mux_call(bool ipc, uint64_t call);

/* policy_parse.c */

/* Fill *e (if not NULL): where, what, and the source line for the caret. */
void policy_error_set(struct sg_policy_error *e, const char *file, unsigned line, unsigned col,
		      const char *text, size_t text_len, const char *fmt, ...) _printf_(7, 8);
