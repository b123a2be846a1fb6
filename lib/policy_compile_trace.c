/* SPDX-License-Identifier: MIT */
/*
 * What the trace mechanism adds to a compiled filter.  Under trace the daemon
 * supervises a task only while it is the task's ptracer, and three calls would
 * let a target make a task the daemon never traces, or trace one itself:
 *  - clone with CLONE_UNTRACED: the kernel does not auto-attach the child;
 *  - clone3: the same flag, in a struct the filter cannot read;
 *  - ptrace: a target tracing its own untraced child (PTRACE_ATTACH, or the child's
 *    PTRACE_TRACEME) would receive that child's SECCOMP_RET_TRACE stops and let
 *    every routed call run.
 * So the filter refuses them in the kernel, whatever the policy says: clone with
 * CLONE_UNTRACED fails EPERM, ptrace EPERM, clone3 ENOSYS (glibc then uses clone).
 * The policy's other clone rules keep their meaning: "CLONE_UNTRACED is clear" is
 * folded into their conditions, so that no rule overlaps the refusal (libseccomp
 * gives overlapping rules no order), or, when it cannot be folded, the calls
 * without the flag are routed and the daemon applies the rules.
 */
#include <errno.h>
#include <string.h>

#include "policy-compile.h"

#define SG_CLONE_UNTRACED UINT64_C(0x00800000)

/* Whether the trace mechanism decides name itself (ptrace, clone3): the policy's
 * rules for it are not compiled. */
bool compile_trace_owns(const struct compiler *c, const char *name)
{
	return (c->flags & SG_COMPILE_ROUTE_TRACE) &&
	       (strcmp(name, "ptrace") == 0 || strcmp(name, "clone3") == 0);
}

/* A copy of rule x that applies only when CLONE_UNTRACED is clear in arg0 (x's
 * flags).  1: done; 0: x can only match calls with the flag set (skip it, the
 * refusal decides them); -EINVAL: not expressible (arg0 compared by an order). */
static int fold_untraced(const struct sg_rule *x, struct sg_rule *out)
{
	bool on_flags = false;

	*out = *x;
	for (unsigned i = 0; i < out->n_conds; i++) {
		struct sg_cond *k = &out->conds[i];

		if (k->arg != 0)
			continue;
		on_flags = true;
		if (k->op != SG_CMP_EQ && k->op != SG_CMP_MASKED_EQ)
			return -EINVAL;
		if (k->value & SG_CLONE_UNTRACED)
			return 0;
		if (k->op == SG_CMP_MASKED_EQ)
			k->mask |= SG_CLONE_UNTRACED; /* an EQ without the flag already excludes it */
	}
	if (on_flags)
		return 1;
	if (out->n_conds == SG_MAX_CONDS)
		return -EINVAL;
	out->conds[out->n_conds++] = (struct sg_cond){ .arg = 0, .op = SG_CMP_MASKED_EQ,
						       .mask = SG_CLONE_UNTRACED, .value = 0 };
	return 1;
}

/* Whether the rules can stay in the kernel beside the refusal: one kernel action, and
 * conditions that can be folded. */
static bool clone_in_kernel(struct compiler *c, const unsigned *rules, size_t n, uint32_t act)
{
	struct sg_rule tmp;

	for (size_t i = 0; i < n; i++) {
		const struct sg_rule *x = &c->p->rules[rules[i]];

		if (compile_kernel_action(c, &x->action) != act || compile_same_arg_twice(x) ||
		    fold_untraced(x, &tmp) < 0)
			return false;
	}
	return true;
}

/* Compile the policy's clone rules (rules[], n of them, may be 0) under the trace
 * mechanism: CLONE_UNTRACED refused in the kernel, the rules for the rest. */
int compile_trace_clone(struct compiler *c, const unsigned *rules, size_t n)
{
	static const struct sg_rule untraced = {
		.conds = { { .arg = 0, .op = SG_CMP_MASKED_EQ, .mask = SG_CLONE_UNTRACED,
			     .value = SG_CLONE_UNTRACED } },
		.n_conds = 1,
	};
	static const struct sg_rule traced = {
		.conds = { { .arg = 0, .op = SG_CMP_MASKED_EQ, .mask = SG_CLONE_UNTRACED, .value = 0 } },
		.n_conds = 1,
	};
	const struct sg_rule *first = n ? &c->p->rules[rules[0]] : NULL;
	unsigned line = first ? first->line : c->p->def_line, col = first ? first->col : 1;
	uint32_t act;
	int r;

	r = compile_add_rule(c, &untraced, "clone", SCMP_ACT_ERRNO(EPERM), line, col);
	if (r < 0 || n == 0)
		return r;
	n = compile_effective(c->p, rules, n);
	act = compile_kernel_action(c, &first->action);
	if (!clone_in_kernel(c, rules, n, act))
		return compile_add_rule(c, &traced, "clone", c->route, line, col);
	for (size_t i = 0; i < n; i++) {
		const struct sg_rule *x = &c->p->rules[rules[i]];
		struct sg_rule folded;

		if (fold_untraced(x, &folded) == 0)
			continue;
		r = compile_add_rule(c, &folded, "clone", act, x->line, x->col);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The trace mechanism's refusals: ptrace EPERM, clone3 ENOSYS; clone without rules. */
int compile_trace_refusals(struct compiler *c, bool clone_done)
{
	unsigned line = c->p->def_line;
	int r;

	if (!(c->flags & SG_COMPILE_ROUTE_TRACE))
		return 0;
	r = compile_add_rule(c, NULL, "ptrace", SCMP_ACT_ERRNO(EPERM), line, 1);
	if (r < 0)
		return r;
	r = compile_add_rule(c, NULL, "clone3", SCMP_ACT_ERRNO(ENOSYS), line, 1);
	if (r < 0)
		return r;
	return clone_done ? 0 : compile_trace_clone(c, NULL, 0);
}
