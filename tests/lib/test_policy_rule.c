/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_rule.c: the lexer and the pieces of a rule (action, conditions, modifiers),
 * called directly on one line as policy_parse.c calls them.  The lines, the file and
 * the caret around an error are policy_parse.c's (tests/lib/test_policy_parse.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy-parser.h"

struct line {
	struct parser ps;
	struct sg_policy_error e;
};

/* A parser on one line (line 3 of t.policy), positioned at its start. */
static void line_init(struct line *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	l->ps = (struct parser){ .file = "t.policy", .err = &l->e, .line = text,
				 .line_len = strlen(text), .lineno = 3 };
}

/* Parse "NAME ACTION [TAIL]" as a rule (or, with is_default, as the default's action
 * and tail); 0 or the error, with *ret_rule filled. */
static int parse_rule_line(struct line *l, const char *text, bool is_default,
			   struct sg_rule *ret_rule)
{
	struct token name;
	int r;

	line_init(l, text);
	memset(ret_rule, 0, sizeof(*ret_rule));
	name = pp_lex(&l->ps);
	r = pp_parse_action(&l->ps, &name, &ret_rule->action);
	if (r < 0)
		return r;
	return pp_parse_tail(&l->ps, &ret_rule->action, is_default ? NULL : ret_rule);
}

static const struct {
	const char *line;
	const char *tokens; /* kind letter, column and text of each token, then "E" and END's column */
} lex_cases[] = {
	{ "", "E1" },
	{ "open, close allow", "W1open C5, W7close W13allow E18" },
	{ "arg0==1", "W1arg0 O5== W71 E8" },
	{ "arg1&0x3==1", "W1arg1 O5& W60x3 O9== W111 E12" },
	{ "a # comment", "W1a E3" },
	{ "a#b", "W1a E2" },
	{ "\ta\r", "W2a E4" },
	{ "x=<!y", "W1x O2=<! W5y E6" },
	{ "a&&b,,c", "W1a O2&& W4b C5, C6, W7c E8" },
	{ "  -1 0x10", "W3-1 W60x10 E10" },
};

Test(policy_rule, lexer_splits_words_operators_and_commas)
{
	static const char kinds[] = { [TOK_END] = 'E', [TOK_WORD] = 'W', [TOK_OP] = 'O',
				      [TOK_COMMA] = 'C' };

	for (size_t i = 0; i < sizeof(lex_cases) / sizeof(lex_cases[0]); i++) {
		struct line l;
		char got[256] = "";
		size_t n = 0;
		struct token t;

		line_init(&l, lex_cases[i].line);
		do {
			t = pp_lex(&l.ps);
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%c%u%.*s", n ? " " : "",
					      kinds[t.kind], t.col,
					      t.kind == TOK_END ? 0 : (int)t.len, t.s);
		} while (t.kind != TOK_END && n < sizeof(got));
		cr_expect_str_eq(got, lex_cases[i].tokens, "line '%s'", lex_cases[i].line);
		/* END stays END: the position does not move past the line */
		cr_expect_eq(pp_lex(&l.ps).kind, TOK_END);
		cr_expect_eq(l.ps.pos, l.ps.line_len);
	}
}

Test(policy_rule, peek_does_not_consume_and_words_match_exactly)
{
	struct line l;
	struct token t, p;

	line_init(&l, "deny EPERM");
	p = pp_peek(&l.ps);
	t = pp_lex(&l.ps);
	cr_expect_eq(p.col, t.col);
	cr_expect_eq(p.len, t.len);
	cr_expect(pp_tok_is(&t, "deny"));
	cr_expect(!pp_tok_is(&t, "den"));
	cr_expect(!pp_tok_is(&t, "denyx"));
	cr_expect_eq(pp_col_after(&t), 5);
	t = pp_lex(&l.ps);
	t = pp_lex(&l.ps);
	cr_expect_eq(t.kind, TOK_END);
	cr_expect(!pp_tok_is(&t, ""), "END is no word, not even the empty one");
}

static const struct {
	const char *word;
	int r;
	uint64_t value;
	const char *msg;
} number_cases[] = {
	{ "0", 0, 0, NULL },
	{ "42", 0, 42, NULL },
	{ "0x10", 0, 16, NULL },
	{ "0X1f", 0, 31, NULL },
	{ "010", 0, 8, NULL },
	{ "18446744073709551615", 0, UINT64_MAX, NULL },
	{ "0xffffffffffffffff", 0, UINT64_MAX, NULL },
	{ "18446744073709551616", -EINVAL, 0, "number '18446744073709551616' does not fit in 64 bits" },
	{ "0x10000000000000000", -EINVAL, 0, "number '0x10000000000000000' does not fit in 64 bits" },
	{ "08", -EINVAL, 0, "invalid number '08'" },
	{ "0x", -EINVAL, 0, "invalid number '0x'" },
	{ "0x1g", -EINVAL, 0, "invalid number '0x1g'" },
	{ "-1", -EINVAL, 0, "invalid number '-1'" },
	{ "one", -EINVAL, 0, "invalid number 'one'" },
	{ "==", -EINVAL, 0, "invalid number '=='" },
};

Test(policy_rule, numbers_table)
{
	for (size_t i = 0; i < sizeof(number_cases) / sizeof(number_cases[0]); i++) {
		struct line l;
		struct token t;
		uint64_t v = 12345;
		int r;

		line_init(&l, number_cases[i].word);
		t = pp_lex(&l.ps);
		r = pp_parse_number(&l.ps, &t, &v);
		cr_expect_eq(r, number_cases[i].r, "'%s': %d", number_cases[i].word, r);
		if (r == 0)
			cr_expect_eq(v, number_cases[i].value, "'%s'", number_cases[i].word);
		else
			cr_expect_str_eq(l.e.msg, number_cases[i].msg);
	}
}

static const struct {
	const char *word;
	int err; /* negative: the parse fails */
	const char *msg;
} errno_cases[] = {
	{ "EPERM", EPERM, NULL },
	{ "EACCES", EACCES, NULL },
	{ "13", 13, NULL },
	{ "0x0d", 13, NULL },
	{ "4095", 4095, NULL },
	{ "0", -1, "errno '0' out of range (1..4095)" },
	{ "4096", -1, "errno '4096' out of range (1..4095)" },
	{ "1x", -1, "invalid number '1x'" },
	{ "eperm", -1, "unknown errno 'eperm'" },
	{ "EFOO", -1, "unknown errno 'EFOO'" },
	{ "EPERMEPERMEPERMEPERMEPERMEPERMEPERM", -1,
	  "unknown errno 'EPERMEPERMEPERMEPERMEPERMEPERMEPERM'" },
	{ "&", -1, "unknown errno '&'" },
};

Test(policy_rule, errnos_table)
{
	for (size_t i = 0; i < sizeof(errno_cases) / sizeof(errno_cases[0]); i++) {
		struct line l;
		struct token t;
		int e = -7, r;

		line_init(&l, errno_cases[i].word);
		t = pp_lex(&l.ps);
		r = pp_parse_errno(&l.ps, &t, &e);
		if (errno_cases[i].err > 0) {
			cr_expect_eq(r, 0, "'%s': %s", errno_cases[i].word, l.e.msg);
			cr_expect_eq(e, errno_cases[i].err, "'%s'", errno_cases[i].word);
		} else {
			cr_expect_eq(r, -EINVAL, "'%s'", errno_cases[i].word);
			cr_expect_str_eq(l.e.msg, errno_cases[i].msg);
			cr_expect_eq(l.e.col, 1);
		}
	}
}

static const struct {
	const char *line;
	enum sg_action_kind kind;
	int err;
	int64_t value;
	const char *emulator, *opts;
	unsigned flags, n_conds;
} ok_cases[] = {
	{ "open allow", SG_ACT_ALLOW, 0, 0, "", "", 0, 0 },
	{ "open deny", SG_ACT_DENY, EPERM, 0, "", "", 0, 0 },
	{ "open deny log", SG_ACT_DENY, EPERM, 0, "", "", SG_FLAG_LOG, 0 },
	{ "open deny if arg0 == 1", SG_ACT_DENY, EPERM, 0, "", "", 0, 1 },
	{ "open deny EACCES audit", SG_ACT_DENY, EACCES, 0, "", "", SG_FLAG_AUDIT, 0 },
	{ "open errno 5 quiet", SG_ACT_DENY, 5, 0, "", "", SG_FLAG_QUIET, 0 },
	{ "open fake", SG_ACT_FAKE, 0, 0, "", "", 0, 0 },
	{ "open fake quiet", SG_ACT_FAKE, 0, 0, "", "", SG_FLAG_QUIET, 0 },
	{ "open fake 0777", SG_ACT_FAKE, 0, 0777, "", "", 0, 0 },
	{ "open fake 9223372036854775807", SG_ACT_FAKE, 0, INT64_MAX, "", "", 0, 0 },
	{ "open kill audit log", SG_ACT_KILL, 0, 0, "", "", SG_FLAG_AUDIT | SG_FLAG_LOG, 0 },
	{ "open emulate x", SG_ACT_EMULATE, 0, 0, "x", "", 0, 0 },
	{ "mknod emulate mknod  1:3\t10:200 log", SG_ACT_EMULATE, 0, 0, "mknod", "1:3 10:200",
	  SG_FLAG_LOG, 0 },
	{ "open emulate open /etc/a if arg1 == 2 quiet", SG_ACT_EMULATE, 0, 0, "open", "/etc/a",
	  SG_FLAG_QUIET, 1 },
	{ "open emulate A-z_0.9", SG_ACT_EMULATE, 0, 0, "A-z_0.9", "", 0, 0 },
	{ "open emulate abcdefghijklmnopqrstuvwxyz01234", SG_ACT_EMULATE, 0, 0,
	  "abcdefghijklmnopqrstuvwxyz01234", "", 0, 0 },
	{ "open allow log if arg0 == 1 and arg1 != 2", SG_ACT_ALLOW, 0, 0, "", "", SG_FLAG_LOG, 2 },
	{ "open deny if arg0==1 and arg1&3==1 log", SG_ACT_DENY, EPERM, 0, "", "", SG_FLAG_LOG, 2 },
	{ "open allow # if arg0 == 1", SG_ACT_ALLOW, 0, 0, "", "", 0, 0 },
	{ "kill allow", SG_ACT_ALLOW, 0, 0, "", "", 0, 0 }, /* a syscall named like an action */
};

Test(policy_rule, actions_and_tails_table)
{
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		struct line l;
		struct sg_rule r;
		int ret = parse_rule_line(&l, ok_cases[i].line, false, &r);

		cr_assert_eq(ret, 0, "'%s': %s (col %u)", ok_cases[i].line, l.e.msg, l.e.col);
		cr_expect_eq(r.action.kind, ok_cases[i].kind, "'%s'", ok_cases[i].line);
		cr_expect_eq(r.action.err, ok_cases[i].err, "'%s'", ok_cases[i].line);
		cr_expect_eq(r.action.value, ok_cases[i].value, "'%s'", ok_cases[i].line);
		cr_expect_str_eq(r.action.emulator, ok_cases[i].emulator, "'%s'", ok_cases[i].line);
		cr_expect_str_eq(r.action.emu_opts, ok_cases[i].opts, "'%s'", ok_cases[i].line);
		cr_expect_eq(r.action.flags, ok_cases[i].flags, "'%s'", ok_cases[i].line);
		cr_expect_eq(r.n_conds, ok_cases[i].n_conds, "'%s'", ok_cases[i].line);
	}
}

Test(policy_rule, conditions_keep_argument_operator_mask_and_value)
{
	static const struct {
		unsigned arg;
		enum sg_cmp op;
		uint64_t mask, value;
	} want[] = {
		{ 2, SG_CMP_MASKED_EQ, 0170000, 0020000 }, { 3, SG_CMP_LE, 0, UINT64_MAX },
		{ 1, SG_CMP_NE, 0, 0x5401 },               { 0, SG_CMP_LT, 0, 3 },
		{ 5, SG_CMP_GT, 0, 10 },                   { 4, SG_CMP_GE, 0, 8 },
	};
	struct line l;
	struct sg_rule r;

	cr_assert_eq(parse_rule_line(&l, "ioctl deny if arg2 & 0170000 == 0020000 and "
				     "arg3 <= 0xffffffffffffffff and arg1 != 0x5401 and arg0 < 3 "
				     "and arg5>10 and arg4 >= 010", false, &r), 0, "%s", l.e.msg);
	cr_assert_eq(r.n_conds, 6);
	for (size_t i = 0; i < 6; i++) {
		cr_expect_eq(r.conds[i].arg, want[i].arg, "cond %zu", i);
		cr_expect_eq(r.conds[i].op, want[i].op, "cond %zu", i);
		cr_expect_eq(r.conds[i].mask, want[i].mask, "cond %zu", i);
		cr_expect_eq(r.conds[i].value, want[i].value, "cond %zu", i);
	}
}

static const struct {
	const char *line;
	bool is_default;
	unsigned col;
	const char *msg;
} error_cases[] = {
	/* actions */
	{ "open", false, 5, "missing action after 'open'" },
	{ "open permit", false, 6, "unknown action 'permit'" },
	{ "open ==", false, 6, "unknown action '=='" },
	{ "open errno", false, 11, "missing errno after 'errno'" },
	{ "open errno log", false, 12, "unknown errno 'log'" },
	{ "open deny EFOO", false, 11, "unknown errno 'EFOO'" },
	{ "open deny 0", false, 11, "errno '0' out of range (1..4095)" },
	{ "open fake -1", false, 11, "invalid number '-1'" },
	{ "open fake 9223372036854775808", false, 11,
	  "fake value '9223372036854775808' out of range (0..9223372036854775807)" },
	{ "open emulate", false, 13, "missing emulator name after 'emulate'" },
	{ "open emulate ==", false, 14, "missing emulator name after 'emulate'" },
	{ "open emulate a/b", false, 14, "invalid emulator name 'a/b'" },
	{ "open emulate abcdefghijklmnopqrstuvwxyz012345", false, 14,
	  "invalid emulator name 'abcdefghijklmnopqrstuvwxyz012345'" },
	/* the quote stops at 64 characters */
	{ "open xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", false, 6,
	  "unknown action 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'" },
	/* conditions */
	{ "open allow if", false, 14, "missing condition after 'if'" },
	{ "open allow if arg0 == 1 and", false, 28, "missing condition after 'and'" },
	{ "open allow if flags == 1", false, 15, "expected 'argN', got 'flags'" },
	{ "open allow if == 1", false, 15, "expected 'argN', got '=='" },
	{ "open allow if arg6 == 1", false, 15, "invalid argument index 'arg6' (arg0..arg5)" },
	{ "open allow if arg01 == 1", false, 15, "invalid argument index 'arg01' (arg0..arg5)" },
	{ "open allow if arg0", false, 19, "missing operator after 'arg0'" },
	{ "open allow if arg0 =< 1", false, 20, "invalid operator '=<'" },
	{ "open allow if arg0 = 1", false, 20, "invalid operator '='" },
	{ "open allow if arg0 eq 1", false, 20, "invalid operator 'eq'" },
	{ "open allow if arg0 ==", false, 22, "missing number after '=='" },
	{ "open allow if arg0 == x", false, 23, "invalid number 'x'" },
	{ "open allow if arg1 &", false, 21, "missing mask after '&'" },
	{ "open allow if arg1 & x == 1", false, 22, "invalid number 'x'" },
	{ "open allow if arg1 & 3", false, 23, "missing '==' after mask '3'" },
	{ "open allow if arg1 & 3 != 1", false, 24, "expected '==' after mask, got '!='" },
	{ "open allow if arg0 == 0 and arg1 == 1 and arg2 == 2 and arg3 == 3 and arg4 == 4 and "
	  "arg5 == 5 and arg0 != 9", false, 99, "too many conditions (max 6)" },
	{ "open allow if arg0 == 1 if arg1 == 2", false, 25,
	  "unexpected 'if': join conditions with 'and'" },
	{ "open allow if arg0 == 1 log and arg1 == 2", false, 29, "unexpected 'and'" },
	{ "open allow log if arg0 == 1 quiet if arg1 == 2", false, 35,
	  "unexpected 'if': join conditions with 'and'" },
	{ "open deny EPERM if arg0 == 1 foo", false, 30, "unexpected 'foo'" },
	{ "open allow if arg0 == 1, arg1", false, 24, "unexpected ','" },
	{ "default allow if arg0 == 1", true, 15, "conditions are not allowed on 'default'" },
	/* modifiers */
	{ "open allow please", false, 12, "unexpected 'please'" },
	{ "open deny log log", false, 15, "duplicate modifier 'log'" },
	{ "open deny quiet log", false, 17, "'log' contradicts 'quiet'" },
	{ "open deny log quiet", false, 15, "'quiet' contradicts 'log'" },
	{ "open kill audit quiet", false, 17, "'quiet' contradicts 'audit'" },
	{ "open kill quiet audit", false, 17, "'audit' contradicts 'quiet'" },
	{ "open allow audit", false, 12, "'audit' cannot be used with 'allow'" },
	{ "open emulate x audit", false, 16, "'audit' cannot be used with 'emulate'" },
	{ "default allow audit", true, 15, "'audit' cannot be used with 'allow'" },
};

Test(policy_rule, errors_table_names_the_column)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		struct line l;
		struct sg_rule r;
		int ret = parse_rule_line(&l, error_cases[i].line, error_cases[i].is_default, &r);

		cr_expect_eq(ret, -EINVAL, "'%s' parsed", error_cases[i].line);
		cr_expect_str_eq(l.e.msg, error_cases[i].msg, "'%s'", error_cases[i].line);
		cr_expect_eq(l.e.col, error_cases[i].col, "'%s': col %u", error_cases[i].line, l.e.col);
		cr_expect_eq(l.e.line, 3);
		cr_expect_str_eq(l.e.file, "t.policy");
		cr_expect_str_eq(l.e.text, error_cases[i].line, "the line travels for the caret");
	}
}

Test(policy_rule, emulator_options_are_bounded)
{
	char line[SG_EMULATOR_OPTS_MAX + 64], want[128];
	struct line l;
	struct sg_rule r;
	size_t n;

	/* 255 bytes of options fit; one more word does not, and the error points at it. */
	n = (size_t)snprintf(line, sizeof(line), "open emulate open /");
	memset(line + n, 'a', SG_EMULATOR_OPTS_MAX - 2);
	line[n + SG_EMULATOR_OPTS_MAX - 2] = '\0';
	cr_assert_eq(parse_rule_line(&l, line, false, &r), 0, "%s", l.e.msg);
	cr_expect_eq(strlen(r.action.emu_opts), SG_EMULATOR_OPTS_MAX - 1);
	strcat(line, " /b");
	cr_assert_eq(parse_rule_line(&l, line, false, &r), -EINVAL);
	snprintf(want, sizeof(want), "emulator options too long (at most %d bytes)",
		 SG_EMULATOR_OPTS_MAX - 1);
	cr_expect_str_eq(l.e.msg, want);
	cr_expect_eq(l.e.col, strlen(line) - 1);
}

Test(policy_rule, nothing_but_a_comment_may_end_a_line)
{
	struct line l;

	line_init(&l, "1 # comment");
	pp_lex(&l.ps);
	cr_expect_eq(pp_expect_end(&l.ps), 0);
	line_init(&l, "1 x");
	pp_lex(&l.ps);
	cr_expect_eq(pp_expect_end(&l.ps), -EINVAL);
	cr_expect_str_eq(l.e.msg, "unexpected 'x'");
	cr_expect_eq(l.e.col, 3);
}
