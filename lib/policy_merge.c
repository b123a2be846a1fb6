/* SPDX-License-Identifier: MIT */
/*
 * policy merge: one policy that allows what any of several allows, written in the
 * policy language (e.g. several learnt runs of one program).  Deterministic: the
 * output depends only on the inputs and their order.  What cannot be merged
 * honestly is refused with the input's file and line, never guessed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"
#include "policy_tools.h"

#define MERGE_INPUTS_MAX 64

struct merge {
	const struct sg_policy *const *in;
	size_t n;
	FILE *out;
	struct sg_policy_error *err;
	const struct sg_rule **lists[MERGE_INPUTS_MAX]; /* each input's rules for a name */
	size_t n_list[MERGE_INPUTS_MAX];
	const struct sg_rule **emitted; /* rules written for the current name */
	size_t n_emitted;
};

/* Strictness of a default: allow < audit-marked < fake < emulate < deny < kill. */
static int strictness(const struct sg_action *a)
{
	if (a->kind == SG_ACT_ALLOW)
		return 0;
	if (a->flags & SG_FLAG_AUDIT)
		return 1;
	switch (a->kind) {
	case SG_ACT_FAKE:
		return 2;
	case SG_ACT_EMULATE:
		return 3;
	case SG_ACT_DENY:
		return 4;
	default:
		return 5;
	}
}

static int fail(struct merge *m, const struct sg_policy *p, unsigned line, const char *fmt, ...)
	_printf_(4, 5);

static int fail(struct merge *m, const struct sg_policy *p, unsigned line, const char *fmt, ...)
{
	char msg[sizeof(m->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	policy_error_set(m->err, p->file, line, 0, NULL, 0, "%s", msg);
	return -EINVAL;
}

/* The default: the strictest; among equally strict ones, the first input's. */
static int merge_default(struct merge *m, const struct sg_action **ret)
{
	const struct sg_action *best = &m->in[0]->def;
	char buf[128];

	for (size_t i = 1; i < m->n; i++)
		if (strictness(&m->in[i]->def) > strictness(best))
			best = &m->in[i]->def;
	for (size_t i = 0; i < m->n; i++) {
		const struct sg_action *d = &m->in[i]->def;

		if (policy_action_equal(d, best))
			continue;
		if (d->kind == SG_ACT_EMULATE || best->kind == SG_ACT_EMULATE)
			return fail(m, m->in[i], m->in[i]->def_line, "cannot merge the defaults: "
				    "'default %s' and an emulated default decide differently",
				    policy_action_format(d, buf, sizeof(buf)));
		fprintf(m->out, "# note: %s:%u: 'default %s' is not carried over: calls it "
			"decides are decided by the merged default\n", m->in[i]->file,
			m->in[i]->def_line, policy_action_format(d, buf, sizeof(buf)));
	}
	*ret = best;
	return 0;
}

static bool covers(const struct sg_policy *p, const struct sg_policy *q)
{
	for (unsigned a = 0; a < q->n_arches; a++)
		if (policy_arch_index(p, q->arches[a]) < 0)
			return false;
	return true;
}

static void arch_list(const struct sg_policy *p, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned a = 0; a < p->n_arches && n < size; a++) {
		const char *name = arch_to_name(p->arches[a]);
		int k = snprintf(buf + n, size - n, "%s%s", a ? " " : "", name ? name : "?");

		if (k > 0)
			n += (size_t)k;
	}
}

/* A rule cannot be limited to some arches: every input must cover the same ones, or a
 * rule of one input would decide calls of an arch that input kills. */
static int check_arches(struct merge *m)
{
	char a[64], b[64];

	for (size_t i = 1; i < m->n; i++) {
		if (covers(m->in[0], m->in[i]) && covers(m->in[i], m->in[0]))
			continue;
		arch_list(m->in[i], a, sizeof(a));
		arch_list(m->in[0], b, sizeof(b));
		return fail(m, m->in[i], 0, "cannot merge: it covers the arches '%s', %s covers "
			    "'%s'; a rule cannot be limited to some arches, so the inputs must have "
			    "the same arches (the 'arch' line)", a, m->in[0]->file, b);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every syscall name of every input, sorted, each once. */
static int collect_names(struct merge *m, const char ***ret, size_t *ret_n)
{
	size_t total = 0, n = 0;
	const char **names;

	for (size_t i = 0; i < m->n; i++)
		total += m->in[i]->n_written;
	names = calloc(total ? total : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		for (size_t j = 0; j < m->in[i]->n_written; j++)
			names[n++] = m->in[i]->rules[j].name;
	qsort(names, n, sizeof(*names), by_name);
	total = 0;
	for (size_t i = 0; i < n; i++)
		if (total == 0 || strcmp(names[total - 1], names[i]) != 0)
			names[total++] = names[i];
	*ret = names;
	*ret_n = total;
	return 0;
}

/* One input's rules for name, file order, up to the first unconditional one. */
static size_t rules_of(const struct sg_policy *p, const char *name, const struct sg_rule **out)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_written; i++) { /* implied rules follow from these */
		if (strcmp(p->rules[i].name, name) != 0)
			continue;
		out[n++] = &p->rules[i];
		if (p->rules[i].n_conds == 0)
			break;
	}
	return n;
}

static bool lists_equal(const struct sg_rule *const *a, size_t na, const struct sg_rule *const *b,
			size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!policy_conds_equal(a[i], b[i]) || !policy_action_equal(&a[i]->action, &b[i]->action))
			return false;
	return true;
}

enum shape {
	SHAPE_NONE,    /* the input has no rule for the name */
	SHAPE_ALLOW,   /* its first rule allows every call */
	SHAPE_SPECIAL, /* a fake or emulate rule */
	SHAPE_ORDERED, /* rules that let calls run (allow, audit), then the others */
	SHAPE_GUARDED, /* a refusal before a rule that lets calls run: not a plain union */
};

static enum shape shape_of(const struct sg_rule *const *l, size_t n)
{
	bool seen_other = false, guarded = false;

	if (n == 0)
		return SHAPE_NONE;
	for (size_t i = 0; i < n; i++) {
		enum sg_action_kind k = l[i]->action.kind;

		if ((k == SG_ACT_FAKE || k == SG_ACT_EMULATE) && !(l[i]->action.flags & SG_FLAG_AUDIT))
			return SHAPE_SPECIAL;
		if (policy_action_blocks(&l[i]->action))
			seen_other = true;
		else if (seen_other)
			guarded = true;
	}
	if (l[0]->action.kind == SG_ACT_ALLOW && l[0]->n_conds == 0)
		return SHAPE_ALLOW;
	return guarded ? SHAPE_GUARDED : SHAPE_ORDERED;
}

/* Write input i's rule unless a rule written for this name already takes its calls
 * (no conditions, or the same ones): it would never match. */
static void emit(struct merge *m, size_t i, const struct sg_rule *r)
{
	char buf[512];

	for (size_t k = 0; k < m->n_emitted; k++)
		if (m->emitted[k]->n_conds == 0 || policy_conds_equal(m->emitted[k], r))
			return;
	m->emitted[m->n_emitted++] = r;
	policy_rule_format(r, buf, sizeof(buf));
	fprintf(m->out, "%-48s # %s:%u\n", buf, m->in[i]->file, r->line);
}

/* The first input with a fake/emulate rule for the name decides, if every input that
 * names it has the same rules; otherwise there is no honest merge. */
static int merge_special(struct merge *m, const char *name, size_t first)
{
	char a[512], b[512];

	for (size_t i = 0; i < m->n; i++) {
		const struct sg_rule *const *x = m->lists[first], *const *y = m->lists[i];
		size_t k = 0;

		if (m->n_list[i] == 0 || lists_equal(x, m->n_list[first], y, m->n_list[i]))
			continue;
		while (k < m->n_list[first] && k < m->n_list[i] && policy_conds_equal(x[k], y[k]) &&
		       policy_action_equal(&x[k]->action, &y[k]->action))
			k++;
		snprintf(a, sizeof(a), "'%s' (%s:%u)",
			 policy_rule_format(x[k < m->n_list[first] ? k : 0], b, sizeof(b)),
			 m->in[first]->file, x[k < m->n_list[first] ? k : 0]->line);
		return fail(m, m->in[i], y[k < m->n_list[i] ? k : 0]->line,
			    "cannot merge '%s': '%s' (this line) and %s decide it differently; "
			    "fake and emulate rules must be the same in every input that names "
			    "the syscall", name,
			    policy_rule_format(y[k < m->n_list[i] ? k : 0], b, sizeof(b)), a);
	}
	for (size_t k = 0; k < m->n_list[first]; k++)
		emit(m, first, m->lists[first][k]);
	return 0;
}

static int merge_name(struct merge *m, const char *name)
{
	enum shape shapes[MERGE_INPUTS_MAX];
	size_t guarded = SIZE_MAX, i;

	m->n_emitted = 0;
	for (i = 0; i < m->n; i++) {
		m->n_list[i] = rules_of(m->in[i], name, m->lists[i]);
		shapes[i] = shape_of(m->lists[i], m->n_list[i]);
	}
	for (i = 0; i < m->n; i++)
		if (shapes[i] == SHAPE_SPECIAL)
			return merge_special(m, name, i);
	for (i = 0; i < m->n; i++)
		if (shapes[i] == SHAPE_ALLOW) {
			emit(m, i, m->lists[i][0]);
			return 0;
		}
	for (i = 0; i < m->n && guarded == SIZE_MAX; i++)
		if (shapes[i] == SHAPE_GUARDED)
			guarded = i;
	if (guarded != SIZE_MAX) {
		for (i = 0; i < m->n; i++)
			if (m->n_list[i] && !lists_equal(m->lists[guarded], m->n_list[guarded],
							 m->lists[i], m->n_list[i]))
				return fail(m, m->in[guarded], m->lists[guarded][0]->line,
					    "cannot merge '%s': this input refuses some calls before "
					    "allowing others, and %s decides it otherwise; the union "
					    "cannot be written as first-match rules", name, m->in[i]->file);
		return merge_special(m, name, guarded);
	}
	/* Every rule that lets calls run (allow, or marked audit) of every input first,
	 * then the other rules, input by input. */
	for (i = 0; i < m->n; i++)
		for (size_t k = 0; k < m->n_list[i]; k++)
			if (!policy_action_blocks(&m->lists[i][k]->action))
				emit(m, i, m->lists[i][k]);
	for (i = 0; i < m->n; i++)
		for (size_t k = 0; k < m->n_list[i]; k++)
			if (policy_action_blocks(&m->lists[i][k]->action))
				emit(m, i, m->lists[i][k]);
	return 0;
}

static void write_header(struct merge *m, const struct sg_action *def)
{
	char buf[128];

	fputs("# merged from:", m->out);
	for (size_t i = 0; i < m->n; i++)
		fprintf(m->out, " %s", m->in[i]->file);
	arch_list(m->in[0], buf, sizeof(buf));
	fprintf(m->out, "\nversion 1\narch %s", buf);
	fprintf(m->out, "\ndefault %s\n", policy_action_format(def, buf, sizeof(buf)));
}

static int merge_all(struct merge *m)
{
	_cleanup_free_ const char **names = NULL;
	const struct sg_action *def;
	size_t n_names = 0;
	int r;

	r = check_arches(m);
	if (r < 0)
		return r;
	r = collect_names(m, &names, &n_names);
	if (r < 0)
		return r;
	/* The header comes first, but the default's notes follow it: build it first. */
	def = &m->in[0]->def;
	for (size_t i = 1; i < m->n; i++)
		if (strictness(&m->in[i]->def) > strictness(def))
			def = &m->in[i]->def;
	write_header(m, def);
	r = merge_default(m, &def);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_names; i++) {
		r = merge_name(m, names[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Merge n parsed policies into one policy text (see policy.h). */
int policy_merge(const struct sg_policy *const *in, size_t n, char **ret_text,
		 struct sg_policy_error *reterr)
{
	struct merge m = { .in = in, .n = n, .err = reterr };
	_cleanup_free_ char *text = NULL;
	size_t size = 0, max_rules = 0, total = 0;
	int r = 0;

	if (!in || n == 0 || n > MERGE_INPUTS_MAX || !ret_text)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!in[i])
			return -EINVAL;
		total += in[i]->n_written;
		if (in[i]->n_written > max_rules)
			max_rules = in[i]->n_written;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		if (!(m.lists[i] = calloc(max_rules ? max_rules : 1, sizeof(*m.lists[i]))))
			r = -ENOMEM;
	m.emitted = calloc(total ? total : 1, sizeof(*m.emitted));
	m.out = r == 0 && m.emitted ? open_memstream(&text, &size) : NULL;
	if (m.out) {
		r = merge_all(&m);
		if (fclose(m.out) != 0 && r == 0)
			r = -ENOMEM;
	} else if (r == 0) {
		r = -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		free(m.lists[i]);
	free(m.emitted);
	if (r < 0)
		return r;
	*ret_text = TAKE_PTR(text);
	return 0;
}
