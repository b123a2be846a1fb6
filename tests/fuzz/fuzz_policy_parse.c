/* SPDX-License-Identifier: MIT */
/* Fuzzes the policy language (policy_parse, with its equivalent-call step), then what reads a
 * parsed policy: rules printed back must parse to the same policy, diff of a policy with itself
 * is empty, merge of one policy parses, lint, implied-rule notes, decisions. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "policy.h"
#include "policy_tools.h"

/* Print p back in the policy language (directives, default, written rules with their
 * emulator options); malloc'd. */
static char *print_policy(const struct sg_policy *p, size_t *ret_len)
{
	char *text = NULL, buf[1024];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	fputs("version 1\narch", f);
	for (unsigned a = 0; a < p->n_arches; a++)
		fprintf(f, " %s", arch_to_name(p->arches[a]));
	fputc('\n', f);
	if (p->audit_mode)
		fputs("mode audit\n", f);
	if (p->unreachable_errno)
		fprintf(f, "unreachable %d\n", p->unreachable_errno);
	fprintf(f, "default %s\n", policy_action_format(&p->def, buf, sizeof(buf)));
	for (size_t i = 0; i < p->n_written; i++) {
		const struct sg_rule *r = &p->rules[i];
		char conds[512];

		/* policy_rule_format() leaves an emulator's options out: put them back here,
		 * between the name and the modifiers (an allow's modifiers are the same words) */
		if (r->action.kind == SG_ACT_EMULATE && r->action.emu_opts[0]) {
			struct sg_action bare = r->action;

			bare.kind = SG_ACT_ALLOW;
			policy_action_format(&bare, buf, sizeof(buf));
			fprintf(f, "%s emulate %s %s%s", r->name, r->action.emulator,
				r->action.emu_opts, buf + strlen("allow"));
		} else {
			fprintf(f, "%s %s", r->name, policy_action_format(&r->action, buf, sizeof(buf)));
		}
		if (r->n_conds)
			fprintf(f, " if %s", policy_conds_format(r, conds, sizeof(conds)));
		fputc('\n', f);
		/* and the one-line format agrees with what was printed, options aside */
		policy_rule_format(r, buf, sizeof(buf));
		FUZZ_CHECK(strncmp(buf, r->name, strlen(r->name)) == 0, "'%s' for '%s'", buf,
			   r->name);
	}
	if (fclose(f) != 0)
		abort();
	*ret_len = len;
	return text;
}

/* The policy printed back parses to the same directives and rules. */
static void check_round_trip(const struct sg_policy *p)
{
	struct sg_policy *q = NULL;
	struct sg_policy_error e;
	size_t len;
	char *text = print_policy(p, &len);
	int r = policy_parse(text, len, "printed", &q, &e);

	FUZZ_CHECK(r == 0, "printed policy does not parse: %s at %u:%u\n%s", e.msg, e.line, e.col,
		   text);
	FUZZ_CHECK(q->n_arches == p->n_arches &&
			   memcmp(q->arches, p->arches, p->n_arches * sizeof(p->arches[0])) == 0,
		   "arches differ\n%s", text);
	FUZZ_CHECK(q->audit_mode == p->audit_mode && q->unreachable_errno == p->unreachable_errno,
		   "mode or unreachable differ\n%s", text);
	FUZZ_CHECK(policy_action_equal(&q->def, &p->def), "default differs\n%s", text);
	FUZZ_CHECK(q->n_written == p->n_written && q->n_rules == p->n_rules,
		   "%zu/%zu rules, was %zu/%zu\n%s", q->n_written, q->n_rules, p->n_written,
		   p->n_rules, text);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sg_rule *a = &p->rules[i], *b = &q->rules[i];

		FUZZ_CHECK(strcmp(a->name, b->name) == 0 && policy_action_equal(&a->action, &b->action) &&
				   strcmp(a->action.emu_opts, b->action.emu_opts) == 0 &&
				   policy_conds_equal(a, b) && a->implied_by == b->implied_by &&
				   memcmp(a->nr, b->nr, sizeof(a->nr)) == 0,
			   "rule %zu (%s) differs\n%s", i, a->name, text);
	}
	policy_free(q);
	free(text);
}

/* What sysgatectl's policy commands and the daemon do with a parsed policy. */
static void use_policy(const struct sg_policy *p)
{
	struct sg_diff_entry *d = NULL;
	struct sg_lint *l = NULL;
	struct sg_policy_error e;
	char buf[2048], *merged = NULL;
	size_t n = 0;

	FUZZ_CHECK(policy_diff(p, p, &d, &n) == 0 && n == 0, "%zu differences with itself", n);
	free(d);
	FUZZ_CHECK(policy_lint(p, &l, &n) == 0, "lint failed");
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(l[i].msg[0] && strlen(l[i].msg) < sizeof(l[i].msg), "empty lint");
	free(l);
	if (policy_merge(&p, 1, &merged, &e) == 0) {
		struct sg_policy *q = NULL;
		int r = policy_parse(merged, strlen(merged), "merged", &q, &e);

		FUZZ_CHECK(r == 0, "merged policy does not parse: %s at %u:%u\n%s", e.msg, e.line,
			   e.col, merged);
		policy_free(q);
		free(merged);
	} else {
		FUZZ_CHECK(e.msg[0], "merge failed without a reason");
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sg_rule *r = &p->rules[i], *by = NULL, *eff[8];
		uint64_t args[SG_MAX_ARGS] = { 0 };
		bool def;

		if (r->implied_by)
			policy_implied_format(p, r, buf, sizeof(buf));
		for (unsigned c = 0; c < r->n_conds; c++)
			args[r->conds[c].arg] = r->conds[c].value;
		for (unsigned a = 0; a < p->n_arches; a++) {
			if (r->nr[a] < 0)
				continue;
			policy_decide(p, p->arches[a], r->nr[a], args, &by);
			policy_effective_rules(p, a, r->nr[a], eff, 8, &def);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char buf[1024];
	int r = policy_parse((const char *)data, size, "fuzz.policy", &p, &e);

	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -EFBIG || r == -E2BIG, "policy_parse: %d", r);
		FUZZ_CHECK(e.msg[0], "error %d without a message", r);
		FUZZ_CHECK(p == NULL, "*ret set on failure");
		policy_error_format(&e, buf, sizeof(buf));
		FUZZ_CHECK(strlen(buf) < sizeof(buf), "unterminated error");
		return 0;
	}
	check_round_trip(p);
	use_policy(p);
	policy_free(p);
	return 0;
}
