/* SPDX-License-Identifier: MIT */
/*
 * policy diff: what two policies decide differently, computed from their rule
 * tables.  For every arch both cover and every syscall either names there, the
 * rules that can decide a call (up to the first unconditional one, then the
 * default) are compared; one action on each side gives a verdict change, anything
 * else is a change of conditions.  The default and the covered arches are compared
 * on their own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"
#include "policy_tools.h"

#define DIFF_RULES_MAX 256 /* rules per syscall compared one by one; more: "conditions" */

static const char *const change_names[SG_DIFF_MAX] = {
	[SG_DIFF_TIGHTER] = "tighter",	   [SG_DIFF_LOOSER] = "looser",
	[SG_DIFF_ERRNO] = "errno",	   [SG_DIFF_FAKE_VALUE] = "fake-value",
	[SG_DIFF_KILL] = "kill",	   [SG_DIFF_ACTION] = "action",
	[SG_DIFF_MODIFIERS] = "modifiers", [SG_DIFF_CONDITIONS] = "conditions",
	[SG_DIFF_ARCH] = "arch",
};

struct diff {
	struct sg_diff_entry *e;
	size_t n, cap;
};

/* "tighter", "looser", ...; NULL for an invalid value. */
const char *policy_diff_change_to_string(enum sg_diff_change c)
{
	return (unsigned)c < SG_DIFF_MAX ? change_names[c] : NULL;
}

static enum sg_diff_change classify(const struct sg_action *o, const struct sg_action *n)
{
	bool ob = policy_action_blocks(o), nb = policy_action_blocks(n);

	if (ob != nb)
		return nb ? SG_DIFF_TIGHTER : SG_DIFF_LOOSER;
	if (o->kind != n->kind)
		return nb && n->kind == SG_ACT_KILL ? SG_DIFF_KILL : SG_DIFF_ACTION;
	if (o->kind == SG_ACT_DENY && o->err != n->err)
		return SG_DIFF_ERRNO;
	if (o->kind == SG_ACT_FAKE && o->value != n->value)
		return SG_DIFF_FAKE_VALUE;
	if (o->kind == SG_ACT_EMULATE && (strcmp(o->emulator, n->emulator) != 0 ||
					  strcmp(o->emu_opts, n->emu_opts) != 0))
		return SG_DIFF_ACTION;
	return SG_DIFF_MODIFIERS;
}

static struct sg_diff_entry *diff_add(struct diff *d)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct sg_diff_entry *e = reallocarray(d->e, cap, sizeof(*e));

		if (!e)
			return NULL;
		d->e = e;
		d->cap = cap;
	}
	memset(&d->e[d->n], 0, sizeof(d->e[d->n]));
	d->e[d->n].nr = -1;
	return &d->e[d->n++];
}

/* The deciding rules of one side for (arch, nr). */
struct side {
	const struct sg_rule *rules[DIFF_RULES_MAX];
	size_t n;
	bool def; /* the default follows the rules */
};

static bool sides_equal(const struct sg_policy *old, const struct side *o,
			const struct sg_policy *new, const struct side *n)
{
	if (o->n != n->n || o->def != n->def || o->n > DIFF_RULES_MAX)
		return false;
	for (size_t i = 0; i < o->n; i++)
		if (!policy_conds_equal(o->rules[i], n->rules[i]) ||
		    !policy_action_equal(&o->rules[i]->action, &n->rules[i]->action))
			return false;
	return !o->def || policy_action_equal(&old->def, &new->def);
}

/* One action decides every call: no rule (the default) or one unconditional rule. */
static bool side_single(const struct side *s)
{
	return s->n == 0 || (s->n == 1 && !s->def);
}

static void side_action(const struct sg_policy *p, const struct side *s,
			struct sg_action *ret, unsigned *ret_line, bool *ret_default)
{
	*ret_default = s->n == 0;
	*ret = s->n ? s->rules[0]->action : p->def;
	*ret_line = s->n ? s->rules[0]->line : p->def_line;
}

static int diff_syscall(struct diff *d, uint32_t arch, const struct sg_policy *old, unsigned ao,
			const struct sg_policy *new, unsigned an, int nr)
{
	struct side o, n; /* 2 x 2 KiB */
	struct sg_diff_entry *e;

	o.n = policy_effective_rules(old, ao, nr, o.rules, DIFF_RULES_MAX, &o.def);
	n.n = policy_effective_rules(new, an, nr, n.rules, DIFF_RULES_MAX, &n.def);
	if (sides_equal(old, &o, new, &n))
		return 0;
	e = diff_add(d);
	if (!e)
		return -ENOMEM;
	e->arch = arch;
	e->nr = nr;
	snprintf(e->name, sizeof(e->name), "%s", (o.n ? o.rules[0] : n.rules[0])->name);
	side_action(old, &o, &e->old_action, &e->old_line, &e->old_default);
	side_action(new, &n, &e->new_action, &e->new_line, &e->new_default);
	e->old_covered = e->new_covered = true;
	if (side_single(&o) && side_single(&n))
		e->change = classify(&e->old_action, &e->new_action);
	else
		e->change = SG_DIFF_CONDITIONS;
	return 0;
}

/* How x86 decides a multiplexed call of name: its first rule without conditions
 * (see match_multiplexed() in policy_eval.c), or the default (NULL). */
static const struct sg_rule *multiplexed_rule(const struct sg_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].n_conds == 0 && strcmp(p->rules[i].name, name) == 0)
			return &p->rules[i];
	return NULL;
}

/* Whether one of the first end rules of p is for name. */
static bool name_seen(const struct sg_policy *p, size_t end, const char *name)
{
	for (size_t i = 0; i < end; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return true;
	return false;
}

static int diff_multiplexed_name(struct diff *d, const struct sg_policy *old,
				 const struct sg_policy *new, const char *name)
{
	const struct sg_rule *o = multiplexed_rule(old, name), *n = multiplexed_rule(new, name);
	const struct sg_action *oa = o ? &o->action : &old->def, *na = n ? &n->action : &new->def;
	struct sg_diff_entry *e;

	if (policy_action_equal(oa, na))
		return 0;
	e = diff_add(d);
	if (!e)
		return -ENOMEM;
	e->arch = SCMP_ARCH_X86;
	e->multiplexed = true;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->old_action = *oa;
	e->new_action = *na;
	e->old_line = o ? o->line : old->def_line;
	e->new_line = n ? n->line : new->def_line;
	e->old_default = !o;
	e->new_default = !n;
	e->old_covered = e->new_covered = true;
	e->change = classify(oa, na);
	return 0;
}

/* x86 sub-calls of socketcall(2)/ipc(2) without a number of their own, named by a rule
 * of either policy (index ao/an: x86 in each), each once. */
static int diff_multiplexed(struct diff *d, const struct sg_policy *old, unsigned ao,
			    const struct sg_policy *new, unsigned an)
{
	for (int side = 0; side < 2; side++) {
		const struct sg_policy *p = side ? new : old;
		unsigned a = side ? an : ao;

		for (size_t i = 0; i < p->n_rules; i++) {
			const char *name = p->rules[i].name;
			bool known = false;
			int r;

			if (p->rules[i].nr[a] >= 0 || name_seen(p, i, name) ||
			    (side && name_seen(old, old->n_rules, name)))
				continue;
			(void)syscall_resolve_arch(SCMP_ARCH_X86, name, &known);
			if (!known)
				continue;
			r = diff_multiplexed_name(d, old, new, name);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Every nr either side names on this arch, in ascending order, each once. */
static int diff_arch(struct diff *d, uint32_t arch, const struct sg_policy *old, unsigned ao,
		     const struct sg_policy *new, unsigned an)
{
	const struct sg_rule_ref *x = old->index[ao], *y = new->index[an];
	size_t i = 0, j = 0, nx = old->n_index[ao], ny = new->n_index[an];
	int r;

	while (i < nx || j < ny) {
		int nr;

		if (j >= ny || (i < nx && x[i].nr <= y[j].nr))
			nr = x[i].nr;
		else
			nr = y[j].nr;
		r = diff_syscall(d, arch, old, ao, new, an, nr);
		if (r < 0)
			return r;
		while (i < nx && x[i].nr == nr)
			i++;
		while (j < ny && y[j].nr == nr)
			j++;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct sg_diff_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->nr > y->nr) - (x->nr < y->nr);
}

static int add_arch_only(struct diff *d, uint32_t arch, bool in_old)
{
	struct sg_diff_entry *e = diff_add(d);

	if (!e)
		return -ENOMEM;
	e->arch = arch;
	e->change = SG_DIFF_ARCH;
	e->old_covered = in_old;
	e->new_covered = !in_old;
	return 0;
}

static int diff_all(struct diff *d, const struct sg_policy *old, const struct sg_policy *new)
{
	struct sg_diff_entry *e;
	int r;

	if (!policy_action_equal(&old->def, &new->def)) {
		e = diff_add(d);
		if (!e)
			return -ENOMEM;
		e->old_action = old->def;
		e->new_action = new->def;
		e->old_line = old->def_line;
		e->new_line = new->def_line;
		e->old_default = e->new_default = e->old_covered = e->new_covered = true;
		e->change = classify(&old->def, &new->def);
	}
	for (unsigned a = 0; a < old->n_arches; a++) {
		if (policy_arch_index(new, old->arches[a]) >= 0)
			continue;
		r = add_arch_only(d, old->arches[a], true);
		if (r < 0)
			return r;
	}
	for (unsigned a = 0; a < new->n_arches; a++) {
		if (policy_arch_index(old, new->arches[a]) >= 0)
			continue;
		r = add_arch_only(d, new->arches[a], false);
		if (r < 0)
			return r;
	}
	for (unsigned a = 0; a < old->n_arches; a++) {
		int an = policy_arch_index(new, old->arches[a]);
		size_t start = d->n;

		if (an < 0)
			continue;
		r = diff_arch(d, old->arches[a], old, a, new, (unsigned)an);
		if (r >= 0 && old->arches[a] == SCMP_ARCH_X86)
			r = diff_multiplexed(d, old, a, new, (unsigned)an);
		if (r < 0)
			return r;
		if (d->n > start) /* d->e is still NULL when nothing differed yet */
			qsort(d->e + start, d->n - start, sizeof(*d->e), by_name);
	}
	return 0;
}

/* Compare two policies (see policy.h); *ret is malloc'd, NULL when they decide alike. */
int policy_diff(const struct sg_policy *old, const struct sg_policy *new,
		struct sg_diff_entry **ret, size_t *ret_n)
{
	struct diff d = { 0 };
	int r;

	if (!old || !new || !ret || !ret_n)
		return -EINVAL;
	r = diff_all(&d, old, new);
	if (r < 0) {
		free(d.e);
		return r;
	}
	*ret = d.e;
	*ret_n = d.n;
	return 0;
}
