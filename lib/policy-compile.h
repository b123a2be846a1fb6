/* SPDX-License-Identifier: MIT */
/* The seccomp compiler's private state, shared by policy_compile.c (the rules of a
 * policy) and policy_compile_trace.c (what the trace mechanism adds). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy-internal.h"

struct compiler {
	const struct sg_policy *p;
	scmp_filter_ctx ctx;
	uint32_t def;
	uint32_t route; /* the action that hands a call to the daemon (NOTIFY, TRACE, TRAP) */
	unsigned flags;
	bool x86; /* the filter being built covers x86 */
	struct sg_policy_error *err;
};

/* policy_compile.c */

/* The kernel action carrying out a, or c->route when the daemon must decide. */
uint32_t compile_kernel_action(const struct compiler *c, const struct sg_action *a);
/* Add one rule (r may be NULL: unconditional) for a syscall name with action act;
 * 0 also when act is the default action (libseccomp's -EACCES: nothing to add). */
int compile_add_rule(struct compiler *c, const struct sg_rule *r, const char *name, uint32_t act,
		     unsigned line, unsigned col);
/* Whether a rule compares one argument twice (libseccomp cannot express it). */
bool compile_same_arg_twice(const struct sg_rule *r);
/* Cut a syscall's rules (indices, file order) after the first unconditional one. */
size_t compile_effective(const struct sg_policy *p, const unsigned *rules, size_t n);

/* policy_compile_trace.c */

/* Whether the trace mechanism decides name itself (ptrace, clone3): the policy's
 * rules for it are not compiled. */
bool compile_trace_owns(const struct compiler *c, const char *name);
/* Compile the policy's clone rules (rules[], n of them, may be 0) under the trace
 * mechanism: CLONE_UNTRACED refused in the kernel, the rules for the rest. */
int compile_trace_clone(struct compiler *c, const unsigned *rules, size_t n);
/* The trace mechanism's refusals: ptrace EPERM, clone3 ENOSYS; clone without rules. */
int compile_trace_refusals(struct compiler *c, bool clone_done);
