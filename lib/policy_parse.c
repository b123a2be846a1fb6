/* SPDX-License-Identifier: MIT */
/*
 * The policy language, v1: the directives, rules and lines of a policy file,
 * parsed into struct sg_policy; the lexer and the pieces of a rule are in
 * policy_rule.c.  Every error names file:line:col and quotes the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy-parser.h"

/* version := 'version' 1 */
static int parse_version(struct parser *ps, const struct token *kw)
{
	struct token n;
	uint64_t v;
	int r;

	if (ps->version_line)
		return pp_fail(ps, kw->col, "duplicate 'version' header (first on line %u)",
			    ps->version_line);
	n = pp_lex(ps);
	if (n.kind == TOK_END)
		return pp_fail(ps, pp_col_after(kw), "missing version number after 'version'");
	r = pp_parse_number(ps, &n, &v);
	if (r < 0)
		return r;
	if (v != SG_POLICY_VERSION)
		return pp_fail(ps, n.col, "unsupported version '%.*s' (supported: %d)", TOK(&n),
			    SG_POLICY_VERSION);
	ps->version_line = ps->lineno;
	ps->p->version = (unsigned)v;
	return pp_expect_end(ps);
}

/* default := 'default' action [log] [audit] [quiet] */
static int parse_default(struct parser *ps, const struct token *kw)
{
	int r;

	if (ps->default_line)
		return pp_fail(ps, kw->col, "duplicate 'default' directive (first on line %u)",
			    ps->default_line);
	r = pp_parse_action(ps, kw, &ps->p->def);
	if (r < 0)
		return r;
	r = pp_parse_tail(ps, &ps->p->def, NULL);
	if (r < 0)
		return r;
	ps->default_line = ps->p->def_line = ps->lineno;
	return 0;
}

/* A directive allowed once and before the first rule: 0, or the error. */
static int directive_once(struct parser *ps, const struct token *kw, unsigned seen_line,
			  const char *name)
{
	if (seen_line)
		return pp_fail(ps, kw->col, "duplicate '%s' directive (first on line %u)", name,
			       seen_line);
	if (ps->first_rule_line)
		return pp_fail(ps, kw->col, "'%s' must come before the first rule (line %u)", name,
			       ps->first_rule_line);
	return 0;
}

/* mode := 'mode' ('audit' | 'enforce') ; once, before the first rule. */
static int parse_mode(struct parser *ps, const struct token *kw)
{
	struct token m;
	int r = directive_once(ps, kw, ps->mode_line, "mode");

	if (r < 0)
		return r;
	m = pp_lex(ps);
	if (m.kind == TOK_END)
		return pp_fail(ps, pp_col_after(kw), "missing mode after 'mode' (audit or enforce)");
	if (pp_tok_is(&m, "audit"))
		ps->p->audit_mode = true;
	else if (!pp_tok_is(&m, "enforce"))
		return pp_fail(ps, m.col, "unknown mode '%.*s' (expected audit or enforce)", TOK(&m));
	ps->mode_line = ps->lineno;
	return pp_expect_end(ps);
}

/* unreachable := 'unreachable' ERRNO ; once, before the first rule. */
static int parse_unreachable(struct parser *ps, const struct token *kw)
{
	struct token e;
	int r = directive_once(ps, kw, ps->unreachable_line, "unreachable");

	if (r < 0)
		return r;
	e = pp_lex(ps);
	if (e.kind == TOK_END)
		return pp_fail(ps, pp_col_after(kw), "missing errno after 'unreachable' (e.g. EPERM)");
	r = pp_parse_errno(ps, &e, &ps->p->unreachable_errno);
	if (r < 0)
		return r;
	ps->unreachable_line = ps->lineno;
	return pp_expect_end(ps);
}

/* arch := 'arch' NAME... ; before the first rule, since rules resolve per arch. */
static int parse_arch(struct parser *ps, const struct token *kw)
{
	uint32_t arches[SG_MAX_ARCHES];
	unsigned n = 0;
	char name[16];
	int r = directive_once(ps, kw, ps->arch_line, "arch");

	if (r < 0)
		return r;
	for (struct token t = pp_lex(ps); t.kind != TOK_END; t = pp_lex(ps)) {
		uint32_t a = 0;

		if (t.kind != TOK_WORD)
			return pp_fail(ps, t.col, "unexpected '%.*s'", TOK(&t));
		if (t.len < sizeof(name)) {
			memcpy(name, t.s, t.len);
			name[t.len] = '\0';
			a = arch_from_name(name);
		}
		if (a == 0)
			return pp_fail(ps, t.col, "unknown arch '%.*s'", TOK(&t));
		for (unsigned i = 0; i < n; i++)
			if (arches[i] == a)
				return pp_fail(ps, t.col, "duplicate arch '%.*s'", TOK(&t));
		if (n == SG_MAX_ARCHES)
			return pp_fail(ps, t.col, "too many arches (max %d)", SG_MAX_ARCHES);
		arches[n++] = a;
	}
	if (n == 0)
		return pp_fail(ps, pp_col_after(kw), "missing arch name after 'arch'");
	memcpy(ps->p->arches, arches, sizeof(arches[0]) * n);
	ps->p->n_arches = n;
	ps->arch_line = ps->lineno;
	return 0;
}

/* The syscall's number on each policy arch; an error when no policy arch knows it. */
static int resolve_name(struct parser *ps, const struct token *t, int nr[SG_MAX_ARCHES])
{
	const struct sg_policy *p = ps->p;
	char name[SG_SYSCALL_NAME_MAX];
	bool known = false;

	if (t->len < sizeof(name)) {
		memcpy(name, t->s, t->len);
		name[t->len] = '\0';
		for (unsigned a = 0; a < SG_MAX_ARCHES; a++) {
			bool k = false;

			nr[a] = __NR_SCMP_ERROR;
			if (a < p->n_arches)
				nr[a] = syscall_resolve_arch(p->arches[a], name, &k);
			known |= k;
		}
	}
	if (!known)
		return pp_fail(ps, t->col, "unknown syscall '%.*s'", TOK(t));
	return 0;
}

static int append_rule(struct parser *ps, const struct sg_rule *tmpl, const struct token *t)
{
	struct sg_policy *p = ps->p;
	struct sg_rule *r;
	int ret;

	if (p->n_rules >= SG_POLICY_RULES_MAX)
		return pp_fail(ps, t->col, "too many rules (max %d)", SG_POLICY_RULES_MAX);
	if (p->n_rules == ps->rules_cap) {
		size_t cap = ps->rules_cap ? ps->rules_cap * 2 : 16;

		r = reallocarray(p->rules, cap, sizeof(*r));
		if (!r)
			return -ENOMEM;
		p->rules = r;
		ps->rules_cap = cap;
	}
	r = &p->rules[p->n_rules];
	*r = *tmpl;
	ret = resolve_name(ps, t, r->nr);
	if (ret < 0)
		return ret;
	memcpy(r->name, t->s, t->len);
	r->name[t->len] = '\0';
	r->line = ps->lineno;
	r->col = t->col;
	p->n_rules++;
	return 0;
}

/* rule := NAME [, NAME]... action tail; one sg_rule per name. */
static int parse_rule(struct parser *ps, struct token t)
{
	struct sg_rule tmpl;
	struct token last, comma;
	size_t start = t.col - 1, end;
	unsigned count = 0;
	int r;

	memset(&tmpl, 0, sizeof(tmpl));
	for (;;) {
		r = resolve_name(ps, &t, tmpl.nr);
		if (r < 0)
			return r;
		count++;
		last = t;
		if (pp_peek(ps).kind != TOK_COMMA)
			break;
		comma = pp_lex(ps);
		t = pp_lex(ps);
		if (t.kind != TOK_WORD)
			return pp_fail(ps, t.kind == TOK_END ? pp_col_after(&comma) : t.col,
				    "missing syscall name after ','");
	}
	r = pp_parse_action(ps, &last, &tmpl.action);
	if (r < 0)
		return r;
	r = pp_parse_tail(ps, &tmpl.action, &tmpl);
	if (r < 0)
		return r;
	if (!ps->first_rule_line)
		ps->first_rule_line = ps->lineno;

	/* Second pass over the names: one rule each, at the name's own column. */
	end = ps->pos;
	ps->pos = start;
	for (unsigned i = 0; i < count; i++) {
		t = pp_lex(ps);
		if (t.kind == TOK_COMMA)
			t = pp_lex(ps);
		r = append_rule(ps, &tmpl, &t);
		if (r < 0)
			return r;
	}
	ps->pos = end;
	return 0;
}

static int parse_line(struct parser *ps)
{
	struct token t = pp_lex(ps);

	if (t.kind == TOK_END)
		return 0;
	if (!ps->version_line && !pp_tok_is(&t, "version"))
		return pp_fail(ps, t.col, "expected 'version' header before '%.*s'", TOK(&t));
	if (pp_tok_is(&t, "version"))
		return parse_version(ps, &t);
	if (pp_tok_is(&t, "default"))
		return parse_default(ps, &t);
	if (pp_tok_is(&t, "arch"))
		return parse_arch(ps, &t);
	if (pp_tok_is(&t, "mode"))
		return parse_mode(ps, &t);
	if (pp_tok_is(&t, "unreachable"))
		return parse_unreachable(ps, &t);
	if (t.kind != TOK_WORD)
		return pp_fail(ps, t.col, "unexpected '%.*s'", TOK(&t));
	return parse_rule(ps, t);
}

static uint64_t fnv1a64(const char *s, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static int parse_lines(struct parser *ps, const char *text, size_t len)
{
	size_t off = 0;
	const char *nul;
	int r;

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);

		ps->line = text + off;
		ps->line_len = nl ? (size_t)(nl - ps->line) : len - off;
		ps->pos = 0;
		ps->lineno++;
		nul = memchr(ps->line, '\0', ps->line_len);
		if (nul)
			return pp_fail(ps, (unsigned)(nul - ps->line) + 1, "NUL byte in policy text");
		r = parse_line(ps);
		if (r < 0)
			return r;
		off += ps->line_len + 1;
	}
	ps->line = NULL;
	ps->line_len = 0;
	ps->lineno = 0;
	if (!ps->version_line)
		return pp_fail(ps, 0, "missing 'version' header");
	if (!ps->default_line)
		return pp_fail(ps, 0, "missing 'default' directive");
	return 0;
}

/* Parse policy text; -EINVAL with file:line:col in *reterr, -EFBIG, -ENOMEM. */
int policy_parse(const char *text, size_t len, const char *file, struct sg_policy **ret,
		 struct sg_policy_error *reterr)
{
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	struct parser ps;
	int r;

	if (reterr)
		memset(reterr, 0, sizeof(*reterr));
	if (!ret || (!text && len > 0))
		return -EINVAL;
	if (!file)
		file = "<input>";
	/* A C string's terminator (as sent over the wire) is not part of the text. */
	if (len > 0 && text[len - 1] == '\0')
		len--;
	if (len > SG_POLICY_TEXT_MAX) {
		policy_error_set(reterr, file, 0, 0, NULL, 0,
				 "policy text too large (%zu bytes, max %d)", len, SG_POLICY_TEXT_MAX);
		return -EFBIG;
	}

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->file = strdup(file);
	if (!p->file)
		return -ENOMEM;
	p->n_arches = arch_defaults(p->arches);

	memset(&ps, 0, sizeof(ps));
	ps.file = file;
	ps.err = reterr;
	ps.p = p;
	r = parse_lines(&ps, text, len);
	if (r < 0)
		return r;
	r = policy_equiv_expand(p, reterr);
	if (r < 0)
		return r;
	if (p->n_rules > 0 && p->n_rules < ps.rules_cap) {
		/* the daemon keeps one policy per session: no spare room */
		struct sg_rule *fit = reallocarray(p->rules, p->n_rules, sizeof(*fit));

		if (fit)
			p->rules = fit;
	}
	r = policy_build_index(p);
	if (r < 0)
		return r;
	p->hash = fnv1a64(text, len);
	*ret = TAKE_PTR(p);
	return 0;
}

/* Read a text file of at most SG_POLICY_TEXT_MAX bytes; see policy.h. */
int policy_read_text(const char *path, const char *what, char **ret_text, size_t *ret_len,
		     struct sg_policy_error *reterr)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;
	ssize_t k;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = negative_errno();
		policy_error_set(reterr, path, 0, 0, NULL, 0, "cannot open %s: %s", what,
				 strerrordesc_np(-r));
		return r;
	}
	buf = malloc(SG_POLICY_TEXT_MAX + 2);
	if (!buf)
		return -ENOMEM;
	/* Read one byte more than allowed to tell "exactly the limit" from "too large". */
	while (n <= SG_POLICY_TEXT_MAX) {
		k = read(fd, buf + n, SG_POLICY_TEXT_MAX + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = negative_errno();
			policy_error_set(reterr, path, 0, 0, NULL, 0, "cannot read %s: %s", what,
					 strerrordesc_np(-r));
			return r;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > SG_POLICY_TEXT_MAX) {
		policy_error_set(reterr, path, 0, 0, NULL, 0, "%s text too large (more than %d bytes)",
				 what, SG_POLICY_TEXT_MAX);
		return -EFBIG;
	}
	buf[n] = '\0';
	*ret_text = TAKE_PTR(buf);
	*ret_len = n;
	return 0;
}

/* Read a policy file (at most SG_POLICY_TEXT_MAX bytes) and parse it. */
int policy_load_file(const char *path, struct sg_policy **ret, char **ret_text,
		     struct sg_policy_error *reterr)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;
	int r;

	if (reterr)
		memset(reterr, 0, sizeof(*reterr));
	if (!path || !ret)
		return -EINVAL;
	r = policy_read_text(path, "policy", &buf, &n, reterr);
	if (r < 0)
		return r;
	r = policy_parse(buf, n, path, ret, reterr);
	if (r < 0)
		return r;
	if (ret_text)
		*ret_text = TAKE_PTR(buf);
	return 0;
}

/* Free a policy; accepts NULL, returns NULL. */
struct sg_policy *policy_free(struct sg_policy *p)
{
	if (!p)
		return NULL;
	free(p->file);
	free(p->rules);
	for (unsigned a = 0; a < SG_MAX_ARCHES; a++)
		free(p->index[a]);
	free(p);
	return NULL;
}
