/* SPDX-License-Identifier: MIT */
/* The policy parser's private state, shared by policy_parse.c (directives, lines, files)
 * and policy_rule.c (the lexer, actions, conditions and modifiers). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	unsigned version_line, default_line, arch_line, first_rule_line, mode_line;
	unsigned unreachable_line;
};

/* policy_rule.c */

/* Next token of the current line: a word, a run of operator characters, or ','. */
struct token pp_lex(struct parser *ps);
/* The next token, not consumed. */
struct token pp_peek(struct parser *ps);
/* Whether the token is exactly this word. */
bool pp_tok_is(const struct token *t, const char *word);
/* Column just after a token, where a missing piece would go. */
unsigned pp_col_after(const struct token *t);
/* Record an error at (current line, col) and return -EINVAL. */
int pp_fail(struct parser *ps, unsigned col, const char *fmt, ...) _printf_(3, 4);
/* A number token; -EINVAL with an error when it is not one. */
int pp_parse_number(struct parser *ps, const struct token *t, uint64_t *ret);
/* An errno, by name (EPERM) or number (1..4095). */
int pp_parse_errno(struct parser *ps, const struct token *t, int *ret);
/* action := allow | deny [ERRNO] | errno ERRNO | fake [VALUE] | kill | emulate NAME */
int pp_parse_action(struct parser *ps, const struct token *after, struct sg_action *a);
/* tail := [if conds] [log] [audit] [quiet], modifiers in any order; r NULL for `default`. */
int pp_parse_tail(struct parser *ps, struct sg_action *a, struct sg_rule *r);
/* Nothing but a comment may follow. */
int pp_expect_end(struct parser *ps);
