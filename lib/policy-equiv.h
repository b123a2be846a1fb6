/* SPDX-License-Identifier: MIT */
/* The equivalent-calls step's private state, shared by policy_equiv.c (the step, the
 * i386 multiplexers, io_uring) and policy_equiv_family.c (the families of calls). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy-internal.h"

struct expander {
	struct sg_policy *p;
	size_t n_written; /* rules[0..n_written) are the policy's own */
	size_t cap;       /* allocated rules */
	struct sg_policy_error *err;
};

/* policy_equiv.c */

/* Index >= from of the next written rule for name, or n_written when there is none. */
size_t equiv_next(const struct expander *x, const char *name, size_t from);
/* Whether a written rule names the syscall. */
bool equiv_named(const struct expander *x, const char *name);
/* Whether an implied rule for name with tmpl's conditions is there already (another
 * one could never match). */
bool equiv_pushed(const struct expander *x, const char *name, const struct sg_rule *tmpl);
/* Append tmpl (its action and conditions) as an implied rule for name, from written
 * rule src, because why; nothing when no policy arch has the call. */
int equiv_push(struct expander *x, const struct sg_rule *tmpl, const char *name, size_t src,
	       const char *why);

/* policy_equiv_family.c */

/* The rules the families imply, for every call of a family that no rule names. */
int equiv_expand_families(struct expander *x);
