/* SPDX-License-Identifier: MIT */
/*
 * The policy language, v1: a line-based lexer and a recursive-descent parser that
 * builds struct sg_policy.  Every error names file:line:col and quotes the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy-internal.h"

#define QUOTE_MAX 64 /* longest piece of input quoted in a message */
#define TOK(t) (int)((t)->len < QUOTE_MAX ? (t)->len : QUOTE_MAX), (t)->s

enum tok_kind { TOK_END, TOK_WORD, TOK_OP, TOK_COMMA };

struct token {
	enum tok_kind kind;
	const char *s;
	size_t len;
	unsigned col; /* 1-based; for TOK_END the column after the last character */
};

struct parser {
	const char *file;
	struct sg_policy_error *err;
	struct sg_policy *p;
	size_t rules_cap;
	const char *line; /* current line, without its '\n' */
	size_t line_len, pos;
	unsigned lineno;
	unsigned version_line, default_line, arch_line, first_rule_line;
};

static void policy_freep(struct sg_policy **p)
{
	*p = policy_free(*p);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_op_char(char c)
{
	return c == '=' || c == '!' || c == '<' || c == '>' || c == '&';
}

/* Next token of the current line: a word, a run of operator characters, or ','. */
static struct token lex(struct parser *ps)
{
	struct token t = { TOK_END, NULL, 0, 0 };
	size_t i = ps->pos;

	while (i < ps->line_len && is_space(ps->line[i]))
		i++;
	t.s = ps->line + i;
	t.col = (unsigned)i + 1;
	if (i >= ps->line_len || ps->line[i] == '#') {
		ps->pos = ps->line_len;
		return t;
	}
	if (ps->line[i] == ',') {
		t.kind = TOK_COMMA;
		i++;
	} else if (is_op_char(ps->line[i])) {
		t.kind = TOK_OP;
		while (i < ps->line_len && is_op_char(ps->line[i]))
			i++;
	} else {
		t.kind = TOK_WORD;
		while (i < ps->line_len && !is_space(ps->line[i]) && ps->line[i] != ',' &&
		       ps->line[i] != '#' && !is_op_char(ps->line[i]))
			i++;
	}
	t.len = (size_t)(ps->line + i - t.s);
	ps->pos = i;
	return t;
}

static struct token peek(struct parser *ps)
{
	size_t saved = ps->pos;
	struct token t = lex(ps);

	ps->pos = saved;
	return t;
}

static bool tok_is(const struct token *t, const char *word)
{
	return t->kind != TOK_END && t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

/* Words that end an action's optional argument: the condition and modifier keywords. */
static bool is_clause_word(const struct token *t)
{
	return tok_is(t, "if") || tok_is(t, "log") || tok_is(t, "audit") || tok_is(t, "quiet");
}

/* Column just after a token, where a missing piece would go. */
static unsigned col_after(const struct token *t)
{
	return t->col + (unsigned)t->len;
}

_printf_(3, 4) static int fail(struct parser *ps, unsigned col, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(ps->err->msg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	policy_error_set(ps->err, ps->file, ps->lineno, col, ps->line, ps->line_len, "%s", msg);
	return -EINVAL;
}

static int parse_number(struct parser *ps, const struct token *t, uint64_t *ret)
{
	int r = t->kind == TOK_WORD ? parse_uint64(t->s, t->len, ret) : -EINVAL;

	if (r == -ERANGE)
		return fail(ps, t->col, "number '%.*s' does not fit in 64 bits", TOK(t));
	if (r < 0)
		return fail(ps, t->col, "invalid number '%.*s'", TOK(t));
	return 0;
}

static int parse_errno(struct parser *ps, const struct token *t, int *ret)
{
	char name[32];
	uint64_t v;
	int r;

	if (t->kind == TOK_WORD && t->s[0] >= '0' && t->s[0] <= '9') {
		r = parse_number(ps, t, &v);
		if (r < 0)
			return r;
		if (v < 1 || v > 4095)
			return fail(ps, t->col, "errno '%.*s' out of range (1..4095)", TOK(t));
		*ret = (int)v;
		return 0;
	}
	r = -EINVAL;
	if (t->kind == TOK_WORD && t->len < sizeof(name)) {
		memcpy(name, t->s, t->len);
		name[t->len] = '\0';
		r = errno_from_string(name);
	}
	if (r < 0)
		return fail(ps, t->col, "unknown errno '%.*s'", TOK(t));
	*ret = r;
	return 0;
}

static int parse_emulator(struct parser *ps, const struct token *t, struct sg_action *a)
{
	bool ok = t->len < sizeof(a->emulator);

	for (size_t i = 0; ok && i < t->len; i++) {
		char c = t->s[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '_' || c == '-' || c == '.';
	}
	if (!ok)
		return fail(ps, t->col, "invalid emulator name '%.*s'", TOK(t));
	memcpy(a->emulator, t->s, t->len);
	a->emulator[t->len] = '\0';
	return 0;
}

/* action := allow | deny [ERRNO] | errno ERRNO | fake [VALUE] | kill | emulate NAME */
static int parse_action(struct parser *ps, const struct token *after, struct sg_action *a)
{
	struct token t = lex(ps), n;
	uint64_t v;
	int r;

	memset(a, 0, sizeof(*a));
	if (t.kind == TOK_END)
		return fail(ps, col_after(after), "missing action after '%.*s'", TOK(after));
	if (tok_is(&t, "allow")) {
		a->kind = SG_ACT_ALLOW;
	} else if (tok_is(&t, "deny")) {
		a->kind = SG_ACT_DENY;
		a->err = EPERM;
		n = peek(ps);
		if (n.kind == TOK_WORD && !is_clause_word(&n)) {
			lex(ps);
			return parse_errno(ps, &n, &a->err);
		}
	} else if (tok_is(&t, "errno")) {
		a->kind = SG_ACT_DENY;
		n = lex(ps);
		if (n.kind == TOK_END)
			return fail(ps, col_after(&t), "missing errno after 'errno'");
		return parse_errno(ps, &n, &a->err);
	} else if (tok_is(&t, "fake")) {
		a->kind = SG_ACT_FAKE;
		n = peek(ps);
		if (n.kind == TOK_WORD && !is_clause_word(&n)) {
			lex(ps);
			r = parse_number(ps, &n, &v);
			if (r < 0)
				return r;
			if (v > INT64_MAX)
				return fail(ps, n.col, "fake value '%.*s' out of range (0..%lld)", TOK(&n),
					    (long long)INT64_MAX);
			a->value = (int64_t)v;
		}
	} else if (tok_is(&t, "kill")) {
		a->kind = SG_ACT_KILL;
	} else if (tok_is(&t, "emulate")) {
		a->kind = SG_ACT_EMULATE;
		n = lex(ps);
		if (n.kind != TOK_WORD)
			return fail(ps, n.kind == TOK_END ? col_after(&t) : n.col,
				    "missing emulator name after 'emulate'");
		return parse_emulator(ps, &n, a);
	} else {
		return fail(ps, t.col, "unknown action '%.*s'", TOK(&t));
	}
	return 0;
}

static const struct {
	const char *op;
	enum sg_cmp cmp;
} cmp_ops[] = {
	{ "==", SG_CMP_EQ }, { "!=", SG_CMP_NE }, { "<", SG_CMP_LT },
	{ "<=", SG_CMP_LE }, { ">", SG_CMP_GT },  { ">=", SG_CMP_GE },
};

/* cond := argN OP NUMBER | argN & MASK == NUMBER */
static int parse_cond(struct parser *ps, const struct token *after, struct sg_cond *c)
{
	struct token t = lex(ps), op, n;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	if (t.kind == TOK_END)
		return fail(ps, col_after(after), "missing condition after '%.*s'", TOK(after));
	if (t.kind != TOK_WORD || t.len < 3 || memcmp(t.s, "arg", 3) != 0)
		return fail(ps, t.col, "expected 'argN', got '%.*s'", TOK(&t));
	if (t.len != 4 || t.s[3] < '0' || t.s[3] > '5')
		return fail(ps, t.col, "invalid argument index '%.*s' (arg0..arg5)", TOK(&t));
	c->arg = (unsigned)(t.s[3] - '0');

	op = lex(ps);
	if (op.kind == TOK_END)
		return fail(ps, col_after(&t), "missing operator after '%.*s'", TOK(&t));
	if (op.kind == TOK_OP && tok_is(&op, "&")) {
		c->op = SG_CMP_MASKED_EQ;
		n = lex(ps);
		if (n.kind == TOK_END)
			return fail(ps, col_after(&op), "missing mask after '&'");
		r = parse_number(ps, &n, &c->mask);
		if (r < 0)
			return r;
		op = lex(ps);
		if (op.kind == TOK_END)
			return fail(ps, col_after(&n), "missing '==' after mask '%.*s'", TOK(&n));
		if (!tok_is(&op, "=="))
			return fail(ps, op.col, "expected '==' after mask, got '%.*s'", TOK(&op));
	} else {
		for (i = 0; i < ARRAY_SIZE(cmp_ops) && !tok_is(&op, cmp_ops[i].op); i++)
			;
		if (op.kind != TOK_OP || i == ARRAY_SIZE(cmp_ops))
			return fail(ps, op.col, "invalid operator '%.*s'", TOK(&op));
		c->op = cmp_ops[i].cmp;
	}

	n = lex(ps);
	if (n.kind == TOK_END)
		return fail(ps, col_after(&op), "missing number after '%.*s'", TOK(&op));
	return parse_number(ps, &n, &c->value);
}

static const struct {
	const char *word;
	unsigned flag;
} modifiers[] = {
	{ "log", SG_FLAG_LOG },
	{ "audit", SG_FLAG_AUDIT },
	{ "quiet", SG_FLAG_QUIET },
};

/* cols[i] is where modifiers[i] appeared, 0 if absent. */
static int check_modifiers(struct parser *ps, const struct sg_action *a, const unsigned cols[3])
{
	if (cols[2] && (cols[0] || cols[1])) {
		unsigned other = cols[0] ? 0 : 1;
		bool quiet_last = cols[2] > cols[other];

		return fail(ps, quiet_last ? cols[2] : cols[other], "'%s' contradicts '%s'",
			    quiet_last ? "quiet" : modifiers[other].word,
			    quiet_last ? modifiers[other].word : "quiet");
	}
	if (cols[1] && (a->kind == SG_ACT_ALLOW || a->kind == SG_ACT_EMULATE))
		return fail(ps, cols[1], "'audit' cannot be used with '%s'",
			    action_kind_to_string(a->kind));
	return 0;
}

/* conds := cond [and cond]...; *t is the 'if' on entry, the token after on return. */
static int parse_conds(struct parser *ps, struct token *t, struct sg_rule *r)
{
	struct token next;
	int ret;

	do {
		next = peek(ps);
		if (r->n_conds == SG_MAX_CONDS)
			return fail(ps, next.kind == TOK_END ? col_after(t) : next.col,
				    "too many conditions (max %d)", SG_MAX_CONDS);
		ret = parse_cond(ps, t, &r->conds[r->n_conds++]);
		if (ret < 0)
			return ret;
		*t = lex(ps);
	} while (tok_is(t, "and"));
	return 0;
}

/* tail := [if conds] [log] [audit] [quiet]; modifiers in any order, also before 'if'
 * (both read naturally); conditions only on rules (r set). */
static int parse_tail(struct parser *ps, struct sg_action *a, struct sg_rule *r)
{
	unsigned cols[ARRAY_SIZE(modifiers)] = { 0 };
	bool have_conds = false;
	struct token t = lex(ps);
	size_t i;
	int ret;

	while (t.kind != TOK_END) {
		if (tok_is(&t, "if")) {
			if (!r)
				return fail(ps, t.col, "conditions are not allowed on 'default'");
			if (have_conds)
				return fail(ps, t.col, "unexpected 'if': join conditions with 'and'");
			have_conds = true;
			ret = parse_conds(ps, &t, r);
			if (ret < 0)
				return ret;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(modifiers) && !tok_is(&t, modifiers[i].word); i++)
			;
		if (i == ARRAY_SIZE(modifiers))
			return fail(ps, t.col, "unexpected '%.*s'", TOK(&t));
		if (cols[i])
			return fail(ps, t.col, "duplicate modifier '%s'", modifiers[i].word);
		cols[i] = t.col;
		a->flags |= modifiers[i].flag;
		t = lex(ps);
	}
	return check_modifiers(ps, a, cols);
}

static int expect_end(struct parser *ps)
{
	struct token t = lex(ps);

	if (t.kind != TOK_END)
		return fail(ps, t.col, "unexpected '%.*s'", TOK(&t));
	return 0;
}

/* version := 'version' 1 */
static int parse_version(struct parser *ps, const struct token *kw)
{
	struct token n;
	uint64_t v;
	int r;

	if (ps->version_line)
		return fail(ps, kw->col, "duplicate 'version' header (first on line %u)",
			    ps->version_line);
	n = lex(ps);
	if (n.kind == TOK_END)
		return fail(ps, col_after(kw), "missing version number after 'version'");
	r = parse_number(ps, &n, &v);
	if (r < 0)
		return r;
	if (v != SG_POLICY_VERSION)
		return fail(ps, n.col, "unsupported version '%.*s' (supported: %d)", TOK(&n),
			    SG_POLICY_VERSION);
	ps->version_line = ps->lineno;
	ps->p->version = (unsigned)v;
	return expect_end(ps);
}

/* default := 'default' action [log] [audit] [quiet] */
static int parse_default(struct parser *ps, const struct token *kw)
{
	int r;

	if (ps->default_line)
		return fail(ps, kw->col, "duplicate 'default' directive (first on line %u)",
			    ps->default_line);
	r = parse_action(ps, kw, &ps->p->def);
	if (r < 0)
		return r;
	r = parse_tail(ps, &ps->p->def, NULL);
	if (r < 0)
		return r;
	ps->default_line = ps->p->def_line = ps->lineno;
	return 0;
}

/* arch := 'arch' NAME... ; before the first rule, since rules resolve per arch. */
static int parse_arch(struct parser *ps, const struct token *kw)
{
	uint32_t arches[SG_MAX_ARCHES];
	unsigned n = 0;
	char name[16];

	if (ps->arch_line)
		return fail(ps, kw->col, "duplicate 'arch' directive (first on line %u)",
			    ps->arch_line);
	if (ps->first_rule_line)
		return fail(ps, kw->col, "'arch' must come before the first rule (line %u)",
			    ps->first_rule_line);
	for (struct token t = lex(ps); t.kind != TOK_END; t = lex(ps)) {
		uint32_t a = 0;

		if (t.kind != TOK_WORD)
			return fail(ps, t.col, "unexpected '%.*s'", TOK(&t));
		if (t.len < sizeof(name)) {
			memcpy(name, t.s, t.len);
			name[t.len] = '\0';
			a = arch_from_name(name);
		}
		if (a == 0)
			return fail(ps, t.col, "unknown arch '%.*s'", TOK(&t));
		for (unsigned i = 0; i < n; i++)
			if (arches[i] == a)
				return fail(ps, t.col, "duplicate arch '%.*s'", TOK(&t));
		if (n == SG_MAX_ARCHES)
			return fail(ps, t.col, "too many arches (max %d)", SG_MAX_ARCHES);
		arches[n++] = a;
	}
	if (n == 0)
		return fail(ps, col_after(kw), "missing arch name after 'arch'");
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
		return fail(ps, t->col, "unknown syscall '%.*s'", TOK(t));
	return 0;
}

static int append_rule(struct parser *ps, const struct sg_rule *tmpl, const struct token *t)
{
	struct sg_policy *p = ps->p;
	struct sg_rule *r;
	int ret;

	if (p->n_rules >= SG_POLICY_RULES_MAX)
		return fail(ps, t->col, "too many rules (max %d)", SG_POLICY_RULES_MAX);
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
		if (peek(ps).kind != TOK_COMMA)
			break;
		comma = lex(ps);
		t = lex(ps);
		if (t.kind != TOK_WORD)
			return fail(ps, t.kind == TOK_END ? col_after(&comma) : t.col,
				    "missing syscall name after ','");
	}
	r = parse_action(ps, &last, &tmpl.action);
	if (r < 0)
		return r;
	r = parse_tail(ps, &tmpl.action, &tmpl);
	if (r < 0)
		return r;
	if (!ps->first_rule_line)
		ps->first_rule_line = ps->lineno;

	/* Second pass over the names: one rule each, at the name's own column. */
	end = ps->pos;
	ps->pos = start;
	for (unsigned i = 0; i < count; i++) {
		t = lex(ps);
		if (t.kind == TOK_COMMA)
			t = lex(ps);
		r = append_rule(ps, &tmpl, &t);
		if (r < 0)
			return r;
	}
	ps->pos = end;
	return 0;
}

static int parse_line(struct parser *ps)
{
	struct token t = lex(ps);

	if (t.kind == TOK_END)
		return 0;
	if (!ps->version_line && !tok_is(&t, "version"))
		return fail(ps, t.col, "expected 'version' header before '%.*s'", TOK(&t));
	if (tok_is(&t, "version"))
		return parse_version(ps, &t);
	if (tok_is(&t, "default"))
		return parse_default(ps, &t);
	if (tok_is(&t, "arch"))
		return parse_arch(ps, &t);
	if (t.kind != TOK_WORD)
		return fail(ps, t.col, "unexpected '%.*s'", TOK(&t));
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
			return fail(ps, (unsigned)(nul - ps->line) + 1, "NUL byte in policy text");
		r = parse_line(ps);
		if (r < 0)
			return r;
		off += ps->line_len + 1;
	}
	ps->line = NULL;
	ps->line_len = 0;
	ps->lineno = 0;
	if (!ps->version_line)
		return fail(ps, 0, "missing 'version' header");
	if (!ps->default_line)
		return fail(ps, 0, "missing 'default' directive");
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
	r = policy_build_index(p);
	if (r < 0)
		return r;
	p->hash = fnv1a64(text, len);
	*ret = TAKE_PTR(p);
	return 0;
}

/* Read a policy file (at most SG_POLICY_TEXT_MAX bytes) and parse it. */
int policy_load_file(const char *path, struct sg_policy **ret, char **ret_text,
		     struct sg_policy_error *reterr)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;
	ssize_t k;
	int r;

	if (reterr)
		memset(reterr, 0, sizeof(*reterr));
	if (!path || !ret)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = negative_errno();
		policy_error_set(reterr, path, 0, 0, NULL, 0, "cannot open policy: %s",
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
			policy_error_set(reterr, path, 0, 0, NULL, 0, "cannot read policy: %s",
					 strerrordesc_np(-r));
			return r;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > SG_POLICY_TEXT_MAX) {
		policy_error_set(reterr, path, 0, 0, NULL, 0,
				 "policy text too large (more than %d bytes)", SG_POLICY_TEXT_MAX);
		return -EFBIG;
	}
	buf[n] = '\0';
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
