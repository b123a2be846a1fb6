/* SPDX-License-Identifier: MIT */
/* sysgatectl policy check|show: lint a policy file and print its filter, no daemon needed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "policy_tools.h"
#include "sysgatectl.h"

/* Print a policy error: the formatted message to stderr and, with --json, a document. */
static int report(const struct ctl_config *cfg, int r, const struct sg_policy_error *e)
{
	char buf[1024];

	if (e->msg[0] == '\0') {
		/* The library had nothing to add (e.g. the file cannot be opened). */
		ctl_err(r, "%s", cfg->file);
		/* The document's message: the errno's text, as printed. */
		snprintf(buf, sizeof(buf), "%s", strerror(-r));
	} else {
		policy_error_format(e, buf, sizeof(buf));
		fputs(buf, stderr);
		if (buf[0] && buf[strlen(buf) - 1] != '\n')
			fputc('\n', stderr);
		snprintf(buf, sizeof(buf), "%s", e->msg);
	}
	if (cfg->json) {
		struct json_object *o = json_object_new_object(), *err = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(cfg->file));
		json_object_object_add(o, "ok", json_object_new_boolean(0));
		json_object_object_add(err, "line", json_object_new_int64(e->line));
		json_object_object_add(err, "col", json_object_new_int64(e->col));
		json_object_object_add(err, "message", json_object_new_string(buf));
		json_object_object_add(o, "error", err);
		json_print(o);
		json_object_put(o);
	}
	return r;
}

/* Load, check and compile FILE as sysgate-run would (without exec routing). */
static int load_and_compile(const struct ctl_config *cfg, unsigned flags,
			    struct sg_policy **ret_policy, scmp_filter_ctx *ret_ctx)
{
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	struct sg_policy_error e = { 0 };
	int r;

	r = policy_load_file(cfg->file, &p, NULL, &e);
	if (r < 0)
		return report(cfg, r, &e);
	r = policy_check_loadable(p, &e);
	if (r < 0)
		return report(cfg, r, &e);
	r = policy_compile(p, flags, ret_ctx, &e);
	if (r < 0)
		return report(cfg, r, &e);
	*ret_policy = TAKE_PTR(p);
	return 0;
}

/* Print the lint warnings to stderr as FILE:LINE:COL: warning: MSG; a JSON array of them. */
static struct json_object *warnings(const struct ctl_config *cfg, const struct sg_lint *w,
				    size_t n)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		fprintf(stderr, "%s:%u:%u: warning: %s\n", cfg->file, w[i].line, w[i].col, w[i].msg);
		json_object_object_add(o, "line", json_object_new_int64(w[i].line));
		json_object_object_add(o, "col", json_object_new_int64(w[i].col));
		json_object_object_add(o, "message", json_object_new_string(w[i].msg));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* The implied rules (lib/policy_equiv.c) as FILE:LINE:COL: note: ... on stderr, at the
 * rule each comes from; a JSON array of them. */
static struct json_object *implied_notes(const struct ctl_config *cfg, const struct sg_policy *p)
{
	struct json_object *arr = json_object_new_array();
	char msg[1536], rule[512];

	for (size_t i = p->n_written; i < p->n_rules; i++) {
		const struct sg_rule *r = &p->rules[i];
		struct json_object *o = json_object_new_object();

		policy_implied_format(p, r, msg, sizeof(msg));
		fprintf(stderr, "%s:%u:%u: note: %s\n", cfg->file, r->line, r->col, msg);
		json_object_object_add(o, "line", json_object_new_int64(r->line));
		json_object_object_add(o, "col", json_object_new_int64(r->col));
		json_object_object_add(o, "syscall", json_object_new_string(r->name));
		json_object_object_add(o, "rule", json_object_new_string(
			policy_rule_format(r, rule, sizeof(rule))));
		json_object_object_add(o, "message", json_object_new_string(msg));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* "FILE: ok (N rules[, M implied]; arches ...; K routed[; W warnings])" */
static void print_summary(const struct ctl_config *cfg, const struct sg_policy *p, size_t routed,
			  size_t n_lint)
{
	printf("%s: ok (%zu rules", cfg->file, p->n_written);
	if (p->n_rules > p->n_written)
		printf(", %zu implied", p->n_rules - p->n_written);
	printf("; arches");
	for (unsigned i = 0; i < p->n_arches; i++) {
		const char *a = arch_to_name(p->arches[i]);

		printf(" %s", a ? a : "unknown");
	}
	printf("; %zu routed", routed);
	if (n_lint > 0)
		printf("; %zu warning%s", n_lint, n_lint == 1 ? "" : "s");
	printf(")\n");
}

/* sysgatectl policy check [--strict] FILE: warnings fail only with --strict. */
int ctl_policy_check(const struct ctl_config *cfg)
{
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_free_ struct sg_lint *lint = NULL;
	struct json_object *warn_json, *implied_json;
	size_t routed = 0, n_lint = 0;
	int r;

	r = load_and_compile(cfg, 0, &p, &ctx);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_rules; i++)
		if (policy_action_routed(&p->rules[i].action))
			routed++;
	r = policy_lint(p, &lint, &n_lint);
	if (r < 0)
		return ctl_err(r, "%s", cfg->file);
	warn_json = warnings(cfg, lint, n_lint);
	implied_json = implied_notes(cfg, p);
	if (n_lint > 0 && cfg->strict)
		r = ctl_errx(-EINVAL, "%s: %zu warning%s (--strict)", cfg->file, n_lint,
			     n_lint == 1 ? "" : "s");

	if (cfg->json) {
		struct json_object *o = json_object_new_object(), *arches = json_object_new_array();

		json_object_object_add(o, "file", json_object_new_string(cfg->file));
		json_object_object_add(o, "ok", json_object_new_boolean(r >= 0));
		json_object_object_add(o, "rules", json_object_new_uint64(p->n_written));
		for (unsigned i = 0; i < p->n_arches; i++) {
			const char *a = arch_to_name(p->arches[i]);

			json_object_array_add(arches, json_object_new_string(a ? a : "unknown"));
		}
		json_object_object_add(o, "arches", arches);
		json_object_object_add(o, "routed", json_object_new_uint64(routed));
		json_object_object_add(o, "warnings", warn_json);
		json_object_object_add(o, "implied", implied_json);
		if (json_print(o) < 0)
			r = -EIO;
		json_object_put(o);
		return r;
	}
	json_object_put(warn_json);
	json_object_put(implied_json);
	if (r < 0)
		return r;
	print_summary(cfg, p, routed, n_lint);
	return ferror(stdout) ? -EIO : 0;
}

/* sysgatectl policy show FILE */
int ctl_policy_show(const struct ctl_config *cfg)
{
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	r = load_and_compile(cfg, 0, &p, &ctx);
	if (r < 0)
		return r;
	fflush(stdout);
	r = policy_export_pfc(ctx, stdout);
	if (r < 0)
		return ctl_err(r, "%s: cannot export the filter", cfg->file);
	return 0;
}
