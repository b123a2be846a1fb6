/* SPDX-License-Identifier: MIT */
/*
 * The policy language's lexer and the pieces of a rule: actions, conditions and
 * modifiers.  Every error names file:line:col and quotes the input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy-parser.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_op_char(char c)
{
	return c == '=' || c == '!' || c == '<' || c == '>' || c == '&';
}

/* Next token of the current line: a word, a run of operator characters, or ','. */
struct token pp_lex(struct parser *ps)
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

struct token pp_peek(struct parser *ps)
{
	size_t saved = ps->pos;
	struct token t = pp_lex(ps);

	ps->pos = saved;
	return t;
}

bool pp_tok_is(const struct token *t, const char *word)
{
	return t->kind != TOK_END && t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

/* Words that end an action's optional argument: the condition and modifier keywords. */
static bool is_clause_word(const struct token *t)
{
	return pp_tok_is(t, "if") || pp_tok_is(t, "log") || pp_tok_is(t, "audit") || pp_tok_is(t, "quiet");
}

/* Column just after a token, where a missing piece would go. */
unsigned pp_col_after(const struct token *t)
{
	return t->col + (unsigned)t->len;
}

int pp_fail(struct parser *ps, unsigned col, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(ps->err->msg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	policy_error_set(ps->err, ps->file, ps->lineno, col, ps->line, ps->line_len, "%s", msg);
	return -EINVAL;
}

int pp_parse_number(struct parser *ps, const struct token *t, uint64_t *ret)
{
	int r = t->kind == TOK_WORD ? parse_uint64(t->s, t->len, ret) : -EINVAL;

	if (r == -ERANGE)
		return pp_fail(ps, t->col, "number '%.*s' does not fit in 64 bits", TOK(t));
	if (r < 0)
		return pp_fail(ps, t->col, "invalid number '%.*s'", TOK(t));
	return 0;
}

int pp_parse_errno(struct parser *ps, const struct token *t, int *ret)
{
	char name[32];
	uint64_t v;
	int r;

	if (t->kind == TOK_WORD && t->s[0] >= '0' && t->s[0] <= '9') {
		r = pp_parse_number(ps, t, &v);
		if (r < 0)
			return r;
		if (v < 1 || v > 4095)
			return pp_fail(ps, t->col, "errno '%.*s' out of range (1..4095)", TOK(t));
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
		return pp_fail(ps, t->col, "unknown errno '%.*s'", TOK(t));
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
		return pp_fail(ps, t->col, "invalid emulator name '%.*s'", TOK(t));
	memcpy(a->emulator, t->s, t->len);
	a->emulator[t->len] = '\0';
	return 0;
}

/* The words after an emulator's name, up to a clause word, joined by spaces. */
static int parse_emulator_opts(struct parser *ps, struct sg_action *a)
{
	size_t n = 0;

	for (;;) {
		struct token w = pp_peek(ps);

		if (w.kind != TOK_WORD || is_clause_word(&w))
			return 0;
		pp_lex(ps);
		if (n + (n > 0) + w.len >= sizeof(a->emu_opts))
			return pp_fail(ps, w.col, "emulator options too long (at most %zu bytes)",
				       sizeof(a->emu_opts) - 1);
		if (n > 0)
			a->emu_opts[n++] = ' ';
		memcpy(a->emu_opts + n, w.s, w.len);
		n += w.len;
		a->emu_opts[n] = '\0';
	}
}

/* action := allow | deny [ERRNO] | errno ERRNO | fake [VALUE] | kill | emulate NAME [OPT...] */
int pp_parse_action(struct parser *ps, const struct token *after, struct sg_action *a)
{
	struct token t = pp_lex(ps), n;
	uint64_t v;
	int r;

	memset(a, 0, sizeof(*a));
	if (t.kind == TOK_END)
		return pp_fail(ps, pp_col_after(after), "missing action after '%.*s'", TOK(after));
	if (pp_tok_is(&t, "allow")) {
		a->kind = SG_ACT_ALLOW;
	} else if (pp_tok_is(&t, "deny")) {
		a->kind = SG_ACT_DENY;
		a->err = EPERM;
		n = pp_peek(ps);
		if (n.kind == TOK_WORD && !is_clause_word(&n)) {
			pp_lex(ps);
			return pp_parse_errno(ps, &n, &a->err);
		}
	} else if (pp_tok_is(&t, "errno")) {
		a->kind = SG_ACT_DENY;
		n = pp_lex(ps);
		if (n.kind == TOK_END)
			return pp_fail(ps, pp_col_after(&t), "missing errno after 'errno'");
		return pp_parse_errno(ps, &n, &a->err);
	} else if (pp_tok_is(&t, "fake")) {
		a->kind = SG_ACT_FAKE;
		n = pp_peek(ps);
		if (n.kind == TOK_WORD && !is_clause_word(&n)) {
			pp_lex(ps);
			r = pp_parse_number(ps, &n, &v);
			if (r < 0)
				return r;
			if (v > INT64_MAX)
				return pp_fail(ps, n.col, "fake value '%.*s' out of range (0..%lld)", TOK(&n),
					    (long long)INT64_MAX);
			a->value = (int64_t)v;
		}
	} else if (pp_tok_is(&t, "kill")) {
		a->kind = SG_ACT_KILL;
	} else if (pp_tok_is(&t, "emulate")) {
		a->kind = SG_ACT_EMULATE;
		n = pp_lex(ps);
		if (n.kind != TOK_WORD)
			return pp_fail(ps, n.kind == TOK_END ? pp_col_after(&t) : n.col,
				    "missing emulator name after 'emulate'");
		r = parse_emulator(ps, &n, a);
		return r < 0 ? r : parse_emulator_opts(ps, a);
	} else {
		return pp_fail(ps, t.col, "unknown action '%.*s'", TOK(&t));
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
	struct token t = pp_lex(ps), op, n;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	if (t.kind == TOK_END)
		return pp_fail(ps, pp_col_after(after), "missing condition after '%.*s'", TOK(after));
	if (t.kind != TOK_WORD || t.len < 3 || memcmp(t.s, "arg", 3) != 0)
		return pp_fail(ps, t.col, "expected 'argN', got '%.*s'", TOK(&t));
	if (t.len != 4 || t.s[3] < '0' || t.s[3] > '5')
		return pp_fail(ps, t.col, "invalid argument index '%.*s' (arg0..arg5)", TOK(&t));
	c->arg = (unsigned)(t.s[3] - '0');

	op = pp_lex(ps);
	if (op.kind == TOK_END)
		return pp_fail(ps, pp_col_after(&t), "missing operator after '%.*s'", TOK(&t));
	if (op.kind == TOK_OP && pp_tok_is(&op, "&")) {
		c->op = SG_CMP_MASKED_EQ;
		n = pp_lex(ps);
		if (n.kind == TOK_END)
			return pp_fail(ps, pp_col_after(&op), "missing mask after '&'");
		r = pp_parse_number(ps, &n, &c->mask);
		if (r < 0)
			return r;
		op = pp_lex(ps);
		if (op.kind == TOK_END)
			return pp_fail(ps, pp_col_after(&n), "missing '==' after mask '%.*s'", TOK(&n));
		if (!pp_tok_is(&op, "=="))
			return pp_fail(ps, op.col, "expected '==' after mask, got '%.*s'", TOK(&op));
	} else {
		for (i = 0; i < ARRAY_SIZE(cmp_ops) && !pp_tok_is(&op, cmp_ops[i].op); i++)
			;
		if (op.kind != TOK_OP || i == ARRAY_SIZE(cmp_ops))
			return pp_fail(ps, op.col, "invalid operator '%.*s'", TOK(&op));
		c->op = cmp_ops[i].cmp;
	}

	n = pp_lex(ps);
	if (n.kind == TOK_END)
		return pp_fail(ps, pp_col_after(&op), "missing number after '%.*s'", TOK(&op));
	return pp_parse_number(ps, &n, &c->value);
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

		return pp_fail(ps, quiet_last ? cols[2] : cols[other], "'%s' contradicts '%s'",
			    quiet_last ? "quiet" : modifiers[other].word,
			    quiet_last ? modifiers[other].word : "quiet");
	}
	if (cols[1] && (a->kind == SG_ACT_ALLOW || a->kind == SG_ACT_EMULATE))
		return pp_fail(ps, cols[1], "'audit' cannot be used with '%s'",
			    action_kind_to_string(a->kind));
	return 0;
}

/* conds := cond [and cond]...; *t is the 'if' on entry, the token after on return. */
static int parse_conds(struct parser *ps, struct token *t, struct sg_rule *r)
{
	struct token next;
	int ret;

	do {
		next = pp_peek(ps);
		if (r->n_conds == SG_MAX_CONDS)
			return pp_fail(ps, next.kind == TOK_END ? pp_col_after(t) : next.col,
				    "too many conditions (max %d)", SG_MAX_CONDS);
		ret = parse_cond(ps, t, &r->conds[r->n_conds++]);
		if (ret < 0)
			return ret;
		*t = pp_lex(ps);
	} while (pp_tok_is(t, "and"));
	return 0;
}

/* tail := [if conds] [log] [audit] [quiet]; modifiers in any order, also before 'if'
 * (both read naturally); conditions only on rules (r set). */
int pp_parse_tail(struct parser *ps, struct sg_action *a, struct sg_rule *r)
{
	unsigned cols[ARRAY_SIZE(modifiers)] = { 0 };
	bool have_conds = false;
	struct token t = pp_lex(ps);
	size_t i;
	int ret;

	while (t.kind != TOK_END) {
		if (pp_tok_is(&t, "if")) {
			if (!r)
				return pp_fail(ps, t.col, "conditions are not allowed on 'default'");
			if (have_conds)
				return pp_fail(ps, t.col, "unexpected 'if': join conditions with 'and'");
			have_conds = true;
			ret = parse_conds(ps, &t, r);
			if (ret < 0)
				return ret;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(modifiers) && !pp_tok_is(&t, modifiers[i].word); i++)
			;
		if (i == ARRAY_SIZE(modifiers))
			return pp_fail(ps, t.col, "unexpected '%.*s'", TOK(&t));
		if (cols[i])
			return pp_fail(ps, t.col, "duplicate modifier '%s'", modifiers[i].word);
		cols[i] = t.col;
		a->flags |= modifiers[i].flag;
		t = pp_lex(ps);
	}
	return check_modifiers(ps, a, cols);
}

int pp_expect_end(struct parser *ps)
{
	struct token t = pp_lex(ps);

	if (t.kind != TOK_END)
		return pp_fail(ps, t.col, "unexpected '%.*s'", TOK(&t));
	return 0;
}
