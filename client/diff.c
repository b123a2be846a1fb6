/* SPDX-License-Identifier: MIT */
/*
 * sysgatectl policy diff OLD NEW: what the two policies decide differently, per
 * syscall and arch (lib/policy_diff.c computes it), as a table or --json.  Where
 * the conditions differ, both sides' rules are printed with FILE:LINE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_tools.h"
#include "sysgatectl.h"

#define DIFF_SHOW_MAX 64 /* rules printed per side for a conditions change */

static const char *const headers[] = { "ARCH", "SYSCALL", "OLD", "NEW", "CHANGE" };

struct side {
	const struct sg_policy *p;
	bool covered, is_default;
	const struct sg_action *a;
	unsigned line;
};

/* Load a policy (and its text), printing a parse error as FILE:LINE:COL with the caret. */
int ctl_load_policy(const char *file, struct sg_policy **ret, char **ret_text)
{
	struct sg_policy_error e = { 0 };
	char buf[1024];
	int r;

	r = policy_load_file(file, ret, ret_text, &e);
	if (r >= 0)
		return 0;
	if (e.msg[0] == '\0')
		return ctl_err(r, "%s", file);
	policy_error_format(&e, buf, sizeof(buf));
	fprintf(stderr, "%s%s", buf, buf[0] && buf[strlen(buf) - 1] != '\n' ? "\n" : "");
	return r;
}

/* "deny EPERM (a.policy:2, default)" */
static char *verdict_text(const struct side *s, enum sg_diff_change change)
{
	char act[128], *out = NULL;
	int r;

	if (!s->covered)
		return strdup("arch not covered: kill");
	if (change == SG_DIFF_ARCH)
		return strdup("arch covered");
	if (change == SG_DIFF_CONDITIONS)
		return strdup("(rules below)");
	policy_action_format(s->a, act, sizeof(act));
	r = asprintf(&out, "%s (%s:%u%s)", act, s->p->file, s->line,
		     s->is_default ? ", default" : "");
	return r < 0 ? NULL : out;
}

static void sides(const struct sg_diff_entry *e, const struct sg_policy *old,
		  const struct sg_policy *new, struct side *o, struct side *n)
{
	*o = (struct side){ old, e->old_covered, e->old_default, &e->old_action, e->old_line };
	*n = (struct side){ new, e->new_covered, e->new_default, &e->new_action, e->new_line };
}

static const char *arch_name(uint32_t arch)
{
	const char *a = arch_to_name(arch);

	return a ? a : "?";
}

static int add_row(struct table *t, const struct sg_diff_entry *e, const struct sg_policy *old,
		   const struct sg_policy *new)
{
	_cleanup_free_ char *ov = NULL, *nv = NULL;
	struct side o, n;

	sides(e, old, new, &o, &n);
	ov = verdict_text(&o, e->change);
	nv = verdict_text(&n, e->change);
	if (!ov || !nv)
		return -ENOMEM;
	if (table_add(t, "%s", e->arch ? arch_name(e->arch) : "*") < 0 ||
	    (e->multiplexed ? table_add(t, "%s (socketcall/ipc)", e->name)
			    : table_add(t, "%s", e->nr >= 0 ? e->name : e->arch ? "*" : "(default)")) < 0 ||
	    table_add(t, "%s", ov) < 0 || table_add(t, "%s", nv) < 0 ||
	    table_add(t, "%s", policy_diff_change_to_string(e->change)) < 0)
		return -ENOMEM;
	return 0;
}

typedef int (*rule_fn)(const struct sg_policy *p, const struct sg_rule *r, size_t more, void *u);

/* Call fn for each rule of p that can decide (arch, nr), then for the default (r NULL)
 * if it follows; past DIFF_SHOW_MAX rules, once with r NULL and the number left out. */
static int each_rule(const struct sg_policy *p, uint32_t arch, int nr, rule_fn fn, void *u)
{
	const struct sg_rule *rules[DIFF_SHOW_MAX];
	int a = policy_arch_index(p, arch), ret;
	bool def;
	size_t n;

	if (a < 0)
		return 0;
	n = policy_effective_rules(p, (unsigned)a, nr, rules, DIFF_SHOW_MAX, &def);
	for (size_t i = 0; i < n && i < DIFF_SHOW_MAX; i++)
		if ((ret = fn(p, rules[i], 0, u)) < 0)
			return ret;
	if (n > DIFF_SHOW_MAX)
		return fn(p, NULL, n - DIFF_SHOW_MAX, u);
	return def ? fn(p, NULL, 0, u) : 0;
}

static int print_rule(const struct sg_policy *p, const struct sg_rule *r, size_t more,
		      _unused_ void *u)
{
	char buf[512];

	if (more)
		printf("  %s: %zu more rules\n", p->file, more);
	else if (r)
		printf("  %s:%u: %s\n", p->file, r->line, policy_rule_format(r, buf, sizeof(buf)));
	else
		printf("  %s:%u: default %s\n", p->file, p->def_line,
		       policy_action_format(&p->def, buf, sizeof(buf)));
	return 0;
}

static int print_table(const struct sg_diff_entry *e, size_t n, const struct sg_policy *old,
		       const struct sg_policy *new)
{
	struct table *t;
	int r;

	if (n == 0) {
		puts("no differences");
		return output_checked(stdout);
	}
	t = table_new(ARRAY_SIZE(headers), headers, "lllll");
	r = t ? 0 : -ENOMEM;
	for (size_t i = 0; i < n && r >= 0; i++)
		r = add_row(t, &e[i], old, new);
	if (r >= 0)
		r = table_print(t, stdout);
	table_free(t);
	if (r < 0)
		return ctl_err(r, "policy diff");
	for (size_t i = 0; i < n; i++) {
		if (e[i].change != SG_DIFF_CONDITIONS)
			continue;
		printf("\n%s %s: the conditions differ\n", arch_name(e[i].arch), e[i].name);
		each_rule(old, e[i].arch, e[i].nr, print_rule, NULL);
		each_rule(new, e[i].arch, e[i].nr, print_rule, NULL);
	}
	printf("\n%zu difference%s\n", n, n == 1 ? "" : "s");
	return output_checked(stdout);
}

static int json_rule(const struct sg_policy *p, const struct sg_rule *r, size_t more, void *u)
{
	struct json_object *o = json_object_new_object();
	char buf[512], where[300];

	if (!o)
		return -ENOMEM;
	if (more) {
		json_object_object_add(o, "more_rules", json_object_new_uint64(more));
	} else {
		snprintf(where, sizeof(where), "%s:%u", p->file, r ? r->line : p->def_line);
		json_object_object_add(o, "rule", json_object_new_string(where));
		if (r)
			policy_rule_format(r, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "default %s",
				 policy_action_format(&p->def, where, sizeof(where)));
		json_object_object_add(o, "text", json_object_new_string(buf));
	}
	return json_object_array_add(u, o) < 0 ? -ENOMEM : 0;
}

/* {"covered":true,"verdict":"deny EPERM","rule":"a.policy:2","default":true}, or with
 * "rules":[...] for a conditions change. */
static struct json_object *side_json(const struct side *s, const struct sg_diff_entry *e)
{
	struct json_object *o = json_object_new_object(), *rules;
	char buf[300];

	json_object_object_add(o, "covered", json_object_new_boolean(s->covered));
	if (!s->covered || e->change == SG_DIFF_ARCH)
		return o;
	if (e->change == SG_DIFF_CONDITIONS) {
		rules = json_object_new_array();
		json_object_object_add(o, "rules", rules);
		each_rule(s->p, e->arch, e->nr, json_rule, rules);
		return o;
	}
	json_object_object_add(o, "verdict",
			       json_object_new_string(action_kind_to_string(s->a->kind)));
	if (s->a->kind == SG_ACT_DENY) {
		json_object_object_add(o, "errno", json_object_new_int(s->a->err));
		if (errno_to_name(s->a->err))
			json_object_object_add(o, "errno_name",
					       json_object_new_string(errno_to_name(s->a->err)));
	}
	if (s->a->kind == SG_ACT_FAKE)
		json_object_object_add(o, "value", json_object_new_int64(s->a->value));
	json_object_object_add(o, "text",
			       json_object_new_string(policy_action_format(s->a, buf, sizeof(buf))));
	snprintf(buf, sizeof(buf), "%s:%u", s->p->file, s->line);
	json_object_object_add(o, "rule", json_object_new_string(buf));
	json_object_object_add(o, "default", json_object_new_boolean(s->is_default));
	return o;
}

static int print_json(const struct sg_diff_entry *e, size_t n, const struct sg_policy *old,
		      const struct sg_policy *new)
{
	struct json_object *doc = json_object_new_object(), *arr = json_object_new_array();
	int r;

	json_object_object_add(doc, "old", json_object_new_string(old->file));
	json_object_object_add(doc, "new", json_object_new_string(new->file));
	json_object_object_add(doc, "differences", json_object_new_uint64(n));
	json_object_object_add(doc, "changes", arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		struct side so, sn;

		sides(&e[i], old, new, &so, &sn);
		json_object_object_add(o, "arch", e[i].arch ? json_object_new_string(
								      arch_name(e[i].arch)) : NULL);
		json_object_object_add(o, "syscall", e[i].nr >= 0 || e[i].multiplexed
							     ? json_object_new_string(e[i].name) : NULL);
		if (e[i].multiplexed)
			json_object_object_add(o, "multiplexed", json_object_new_boolean(1));
		if (e[i].nr >= 0)
			json_object_object_add(o, "nr", json_object_new_int(e[i].nr));
		json_object_object_add(o, "default", json_object_new_boolean(!e[i].arch));
		json_object_object_add(o, "change", json_object_new_string(
							    policy_diff_change_to_string(e[i].change)));
		json_object_object_add(o, "old", side_json(&so, &e[i]));
		json_object_object_add(o, "new", side_json(&sn, &e[i]));
		json_object_array_add(arr, o);
	}
	r = json_print(doc);
	json_object_put(doc);
	return r;
}

/* sysgatectl policy diff OLD NEW: 0 no difference, 1 differences, negative errno on errors. */
int ctl_policy_diff(const struct ctl_config *cfg)
{
	_cleanup_(policy_freep) struct sg_policy *old = NULL, *new = NULL;
	_cleanup_free_ struct sg_diff_entry *e = NULL;
	size_t n = 0;
	int r;

	r = ctl_load_policy(cfg->file, &old, NULL);
	if (r < 0)
		return r;
	r = ctl_load_policy(cfg->file2, &new, NULL);
	if (r < 0)
		return r;
	r = policy_diff(old, new, &e, &n);
	if (r < 0)
		return ctl_err(r, "policy diff");
	r = cfg->json ? print_json(e, n, old, new) : print_table(e, n, old, new);
	if (r < 0)
		return r;
	return n > 0 ? 1 : 0;
}
