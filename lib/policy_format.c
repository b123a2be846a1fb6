/* SPDX-License-Identifier: MIT */
/*
 * Printing rules back in the policy language and comparing them: what policy diff,
 * lint and merge need to say exactly which rule decides what.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy-internal.h"
#include "policy_tools.h"

static const char *const cmp_ops[SG_CMP_MAX] = {
	[SG_CMP_EQ] = "==", [SG_CMP_NE] = "!=", [SG_CMP_LT] = "<",
	[SG_CMP_LE] = "<=", [SG_CMP_GT] = ">",  [SG_CMP_GE] = ">=",
};

/* snprintf at buf+*pos, keeping *pos within size (the output is truncated, never overrun). */
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...) _printf_(4, 5);
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, size - *pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*pos = (size_t)n >= size - *pos ? size - 1 : *pos + (size_t)n;
}

/* The action in the policy language ("deny EACCES audit", "fake 42", "allow log"). */
const char *policy_action_format(const struct sg_action *a, char *buf, size_t size)
{
	const char *kind = action_kind_to_string(a->kind);
	size_t pos = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	append(buf, size, &pos, "%s", kind ? kind : "?");
	if (a->kind == SG_ACT_DENY) {
		const char *e = errno_to_name(a->err);

		if (e)
			append(buf, size, &pos, " %s", e);
		else
			append(buf, size, &pos, " %d", a->err);
	} else if (a->kind == SG_ACT_FAKE) {
		append(buf, size, &pos, " %" PRId64, a->value);
	} else if (a->kind == SG_ACT_EMULATE) {
		append(buf, size, &pos, " %s", a->emulator);
		if (a->emu_opts[0]) /* its device list or prefixes: part of what the rule does */
			append(buf, size, &pos, " %s", a->emu_opts);
	}
	if (a->flags & SG_FLAG_LOG)
		append(buf, size, &pos, " log");
	if (a->flags & SG_FLAG_AUDIT)
		append(buf, size, &pos, " audit");
	if (a->flags & SG_FLAG_QUIET)
		append(buf, size, &pos, " quiet");
	return buf;
}

/* A rule's conditions ("arg2 & 0x3 == 0x1 and arg0 == 0x5"); "" when it has none. */
const char *policy_conds_format(const struct sg_rule *r, char *buf, size_t size)
{
	size_t pos = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (unsigned i = 0; i < r->n_conds; i++) {
		const struct sg_cond *c = &r->conds[i];

		append(buf, size, &pos, "%sarg%u ", i ? " and " : "", c->arg);
		if (c->op == SG_CMP_MASKED_EQ)
			append(buf, size, &pos, "& 0x%" PRIx64 " == 0x%" PRIx64, c->mask, c->value);
		else
			append(buf, size, &pos, "%s 0x%" PRIx64,
			       (unsigned)c->op < SG_CMP_MAX && cmp_ops[c->op] ? cmp_ops[c->op] : "?",
			       c->value);
	}
	return buf;
}

/* A whole rule, one line, parseable ("openat deny EACCES if arg2 & 0x3 == 0x1"). */
const char *policy_rule_format(const struct sg_rule *r, char *buf, size_t size)
{
	char action[SG_EMULATOR_NAME_MAX + 64], conds[SG_MAX_CONDS * 64];
	size_t pos = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	append(buf, size, &pos, "%s %s", r->name,
	       policy_action_format(&r->action, action, sizeof(action)));
	if (r->n_conds > 0)
		append(buf, size, &pos, " if %s", policy_conds_format(r, conds, sizeof(conds)));
	return buf;
}

/* Whether two rules have the same conditions in the same order. */
bool policy_conds_equal(const struct sg_rule *a, const struct sg_rule *b)
{
	if (a->n_conds != b->n_conds)
		return false;
	for (unsigned i = 0; i < a->n_conds; i++) {
		const struct sg_cond *x = &a->conds[i], *y = &b->conds[i];

		if (x->arg != y->arg || x->op != y->op || x->value != y->value ||
		    (x->op == SG_CMP_MASKED_EQ && x->mask != y->mask))
			return false;
	}
	return true;
}

/* Whether two actions are identical (kind, errno, value, emulator and its options,
 * modifiers). */
bool policy_action_equal(const struct sg_action *a, const struct sg_action *b)
{
	if (a->kind != b->kind || a->flags != b->flags)
		return false;
	switch (a->kind) {
	case SG_ACT_DENY:
		return a->err == b->err;
	case SG_ACT_FAKE:
		return a->value == b->value;
	case SG_ACT_EMULATE:
		return strcmp(a->emulator, b->emulator) == 0 && strcmp(a->emu_opts, b->emu_opts) == 0;
	default:
		return true;
	}
}

/* Whether the action stops the call (deny, fake, kill, emulate, not marked audit). */
bool policy_action_blocks(const struct sg_action *a)
{
	return a->kind != SG_ACT_ALLOW && !(a->flags & SG_FLAG_AUDIT);
}

/* The rules for (arch index, nr) that can decide a call, in file order, up to and
 * including the first unconditional one; returns how many there are (only the first
 * max are stored) and sets *ret_default when no unconditional rule ends the list. */
size_t policy_effective_rules(const struct sg_policy *p, unsigned arch_index, int nr,
			      const struct sg_rule **out, size_t max, bool *ret_default)
{
	size_t n = 0;
	bool def = true;

	if (arch_index < p->n_arches) {
		const struct sg_rule_ref *refs = p->index[arch_index];

		for (size_t i = 0; i < p->n_index[arch_index]; i++) {
			const struct sg_rule *r;

			if (refs[i].nr != nr)
				continue;
			r = &p->rules[refs[i].rule];
			if (n < max)
				out[n] = r;
			n++;
			if (r->n_conds == 0) {
				def = false;
				break;
			}
		}
	}
	if (ret_default)
		*ret_default = def;
	return n;
}
