/* SPDX-License-Identifier: MIT */
/*
 * policy check's warnings: things a policy that parses and compiles still gets
 * wrong.  Rules that can never match, syscalls missing on an arch, a program that
 * cannot exec or exit.  Library code: the caller prints them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"
#include "policy_tools.h"

#define LINT_RULES_MAX 64 /* effective rules looked at for execve/exit_group */

struct lint {
	struct sg_lint *w;
	size_t n, cap;
};

static int warn(struct lint *l, unsigned line, unsigned col, const char *fmt, ...) _printf_(4, 5);

static int warn(struct lint *l, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct sg_lint *w = reallocarray(l->w, cap, sizeof(*w));

		if (!w)
			return -ENOMEM;
		l->w = w;
		l->cap = cap;
	}
	l->w[l->n].line = line;
	l->w[l->n].col = col;
	va_start(ap, fmt);
	vsnprintf(l->w[l->n].msg, sizeof(l->w[l->n].msg), fmt, ap);
	va_end(ap);
	l->n++;
	return 0;
}

/* Whether rule j, earlier, takes every call rule i could match, on every arch i exists. */
static bool shadows(const struct sg_policy *p, const struct sg_rule *j, const struct sg_rule *i)
{
	bool any = false;

	for (unsigned a = 0; a < p->n_arches; a++) {
		if (i->nr[a] < 0)
			continue;
		if (j->nr[a] != i->nr[a])
			return false;
		any = true;
	}
	return any && (j->n_conds == 0 || policy_conds_equal(j, i));
}

static int lint_shadowed(const struct sg_policy *p, struct lint *l)
{
	for (size_t i = 1; i < p->n_written; i++) { /* implied rules never shadow */
		const struct sg_rule *r = &p->rules[i];

		for (size_t j = 0; j < i; j++) {
			const struct sg_rule *s = &p->rules[j];
			int ret;

			if (!shadows(p, s, r))
				continue;
			if (s->n_conds == 0)
				ret = warn(l, r->line, r->col, "rule for '%s' can never match: the "
					   "rule on line %u decides every '%s' call before it",
					   r->name, s->line, s->name);
			else
				ret = warn(l, r->line, r->col, "rule for '%s' can never match: the "
					   "rule on line %u has the same conditions and comes first",
					   r->name, s->line);
			if (ret < 0)
				return ret;
			break;
		}
	}
	return 0;
}

static bool seen_before(const struct sg_policy *p, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(p->rules[j].name, p->rules[i].name) == 0)
			return true;
	return false;
}

/* Once per syscall name, at its first rule: the arches where it has no number. */
static int lint_arches(const struct sg_policy *p, struct lint *l)
{
	for (size_t i = 0; i < p->n_written; i++) {
		const struct sg_rule *r = &p->rules[i];

		if (seen_before(p, i))
			continue;
		for (unsigned a = 0; a < p->n_arches; a++) {
			const char *arch = arch_to_name(p->arches[a]);
			bool known = false, conditional = false;
			int ret;

			if (r->nr[a] >= 0)
				continue;
			(void)syscall_resolve_arch(p->arches[a], r->name, &known);
			for (size_t j = i; j < p->n_written; j++)
				if (strcmp(p->rules[j].name, r->name) == 0 && p->rules[j].n_conds)
					conditional = true;
			if (known && !conditional)
				continue; /* decided through socketcall(2)/ipc(2): works */
			if (known)
				ret = warn(l, r->line, r->col, "'%s' exists on %s only through "
					   "socketcall(2)/ipc(2), whose arguments the filter cannot "
					   "see: its rules with conditions cannot apply there, and "
					   "that form of the call is refused ENOSYS unless the policy "
					   "names socketcall or ipc",
					   r->name, arch ? arch : "?");
			else
				ret = warn(l, r->line, r->col, "syscall '%s' does not exist on %s: "
					   "its rules have no effect there", r->name,
					   arch ? arch : "?");
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

/* How a syscall of the native arch fares: allowed under some condition, or not at all
 * and then by which rule (NULL: the default). -ENOENT when the policy lacks the arch. */
static int native_fate(const struct sg_policy *p, const char *name, bool *ret_allowed,
		       const struct sg_rule **ret_by)
{
	const struct sg_rule *rules[LINT_RULES_MAX];
	uint32_t native = seccomp_arch_native();
	int a = policy_arch_index(p, native), nr;
	bool known, def;
	size_t n;

	if (a < 0)
		return -ENOENT;
	nr = syscall_resolve_arch(native, name, &known);
	if (nr < 0)
		return -ENOENT;
	n = policy_effective_rules(p, (unsigned)a, nr, rules, LINT_RULES_MAX, &def);
	*ret_allowed = def && !policy_action_blocks(&p->def);
	*ret_by = def || n == 0 ? NULL : rules[n - 1 < LINT_RULES_MAX ? n - 1 : 0];
	for (size_t i = 0; i < n && i < LINT_RULES_MAX; i++)
		if (!policy_action_blocks(&rules[i]->action))
			*ret_allowed = true;
	if (n > LINT_RULES_MAX)
		*ret_allowed = true; /* not looked at: say nothing */
	return 0;
}

static int lint_exec_exit(const struct sg_policy *p, struct lint *l)
{
	const struct sg_rule *by;
	char act[96];
	bool allowed;
	int r;

	if (native_fate(p, "execve", &allowed, &by) == 0 && !allowed) {
		policy_action_format(by ? &by->action : &p->def, act, sizeof(act));
		r = warn(l, by ? by->line : p->def_line, by ? by->col : 1,
			 "execve is not allowed (%s%s): the daemon lets sysgate-run's own exec of "
			 "the command through, but any later exec is refused (a shell running "
			 "a command, a program restarting itself)", by ? "" : "default ", act);
		if (r < 0)
			return r;
	}
	if ((p->def.kind == SG_ACT_DENY || p->def.kind == SG_ACT_KILL) &&
	    policy_action_blocks(&p->def) && native_fate(p, "exit_group", &allowed, &by) == 0 &&
	    !allowed) {
		policy_action_format(&p->def, act, sizeof(act));
		r = warn(l, p->def_line, 1, "default %s without 'exit_group' allowed: %s", act,
			 p->def.kind == SG_ACT_KILL && !by ? "the program is killed when it exits"
							   : "the program cannot exit normally");
		if (r < 0)
			return r;
	}
	return 0;
}

static int by_position(const void *a, const void *b)
{
	const struct sg_lint *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->col > y->col) - (x->col < y->col);
}

/* Warnings about a parsed policy (see policy.h); *ret malloc'd. */
int policy_lint(const struct sg_policy *p, struct sg_lint **ret, size_t *ret_n)
{
	struct lint l = { 0 };
	int r;

	if (!p || !ret || !ret_n)
		return -EINVAL;
	r = lint_shadowed(p, &l);
	if (r >= 0)
		r = lint_arches(p, &l);
	if (r >= 0)
		r = lint_exec_exit(p, &l);
	if (r < 0) {
		free(l.w);
		return r;
	}
	if (l.n > 1)
		qsort(l.w, l.n, sizeof(*l.w), by_position);
	*ret = l.w;
	*ret_n = l.n;
	return 0;
}
