/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_format.c: rules and actions printed back in the policy language (and
 * parsed back to the same rule), comparing rules and actions, and the rules that can
 * decide one syscall.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "policy_tools.h"

static struct sg_policy *parse(const char *text)
{
	struct sg_policy_error e = { 0 };
	struct sg_policy *p = NULL;

	cr_assert_eq(policy_parse(text, strlen(text), "f", &p, &e), 0, "%s:%u:%u: %s\n%s", e.file,
		     e.line, e.col, e.msg, text);
	return p;
}

/* The policy of one rule line under "default allow". */
static struct sg_policy *parse_rule(const char *rule)
{
	char text[1024];

	snprintf(text, sizeof(text), "version 1\ndefault allow\n%s\n", rule);
	return parse(text);
}

static const struct {
	struct sg_action a;
	const char *text;
} action_cases[] = {
	{ { .kind = SG_ACT_ALLOW }, "allow" },
	{ { .kind = SG_ACT_ALLOW, .flags = SG_FLAG_LOG }, "allow log" },
	{ { .kind = SG_ACT_DENY, .err = EACCES }, "deny EACCES" },
	{ { .kind = SG_ACT_DENY, .err = 4000, .flags = SG_FLAG_AUDIT }, "deny 4000 audit" },
	{ { .kind = SG_ACT_FAKE, .value = 0 }, "fake 0" },
	{ { .kind = SG_ACT_FAKE, .value = INT64_MAX, .flags = SG_FLAG_QUIET },
	  "fake 9223372036854775807 quiet" },
	{ { .kind = SG_ACT_KILL, .flags = SG_FLAG_LOG | SG_FLAG_AUDIT }, "kill log audit" },
	{ { .kind = SG_ACT_EMULATE, .emulator = "chown" }, "emulate chown" },
	{ { .kind = SG_ACT_EMULATE, .emulator = "mknod", .emu_opts = "1:3 10:200" },
	  "emulate mknod 1:3 10:200" },
	{ { .kind = SG_ACT_EMULATE, .emulator = "open", .emu_opts = "/etc/secret", .flags = SG_FLAG_LOG },
	  "emulate open /etc/secret log" },
	{ { .kind = SG_ACT_MAX }, "?" },
};

Test(policy_format, actions_table)
{
	char buf[128];

	for (size_t i = 0; i < sizeof(action_cases) / sizeof(action_cases[0]); i++)
		cr_expect_str_eq(policy_action_format(&action_cases[i].a, buf, sizeof(buf)),
				 action_cases[i].text, "case %zu", i);
}

Test(policy_format, conditions_in_hex_joined_by_and)
{
	struct sg_policy *p = parse_rule("ioctl deny if arg2 & 3 == 1 and arg0 != 5 and arg1 < 10 "
					 "and arg3 <= 0 and arg4 > 0xff and arg5 >= 18446744073709551615");
	struct sg_rule odd = { .name = "x", .n_conds = 1,
			       .conds = { { .arg = 1, .op = SG_CMP_MAX, .value = 2 } } };
	char buf[512];

	cr_expect_str_eq(policy_conds_format(&p->rules[0], buf, sizeof(buf)),
			 "arg2 & 0x3 == 0x1 and arg0 != 0x5 and arg1 < 0xa and arg3 <= 0x0 and "
			 "arg4 > 0xff and arg5 >= 0xffffffffffffffff");
	cr_expect_str_eq(policy_conds_format(&odd, buf, sizeof(buf)), "arg1 ? 0x2",
			 "an unknown operator is not printed as a valid one");
	odd.n_conds = 0;
	cr_expect_str_eq(policy_conds_format(&odd, buf, sizeof(buf)), "");
	policy_free(p);
}

Test(policy_format, rules_print_back_in_the_language)
{
	struct sg_policy *p = parse("version 1\ndefault deny EACCES log\n"
				    "openat deny EACCES if arg2 & 3 == 1 and arg0 != 5 audit\n"
				    "mknod fake 7 quiet\n");
	char buf[256];

	cr_expect_str_eq(policy_rule_format(&p->rules[0], buf, sizeof(buf)),
			 "openat deny EACCES audit if arg2 & 0x3 == 0x1 and arg0 != 0x5");
	cr_expect_str_eq(policy_rule_format(&p->rules[1], buf, sizeof(buf)), "mknod fake 7 quiet");
	cr_expect_str_eq(policy_action_format(&p->def, buf, sizeof(buf)), "deny EACCES log");
	policy_free(p);
}

Test(policy_format, output_is_truncated_never_overrun)
{
	struct sg_policy *p = parse_rule("openat deny EACCES if arg2 & 3 == 1");
	char buf[12], full[256];

	policy_rule_format(&p->rules[0], full, sizeof(full));
	memset(buf, 'x', sizeof(buf));
	policy_rule_format(&p->rules[0], buf, 8);
	cr_expect_eq(strlen(buf), 7);
	cr_expect_eq(strncmp(buf, full, 7), 0);
	cr_expect_eq(buf[8], 'x', "wrote past the size");
	memset(buf, 'x', sizeof(buf));
	cr_expect_eq(policy_rule_format(&p->rules[0], buf, 0), buf);
	cr_expect_eq(policy_action_format(&p->rules[0].action, buf, 0), buf);
	cr_expect_eq(policy_conds_format(&p->rules[0], buf, 0), buf);
	cr_expect_eq(buf[0], 'x', "size 0 writes nothing");
	policy_action_format(&p->rules[0].action, buf, 5);
	cr_expect_str_eq(buf, "deny");
	policy_free(p);
}

/* Rules whose printed form parses back to the same rule (and prints the same again). */
static const char *const round_trip[] = {
	"read allow",
	"read allow log",
	"openat deny",
	"openat deny 4000",
	"openat errno EACCES quiet",
	"mknod fake",
	"mknod fake 0x7fffffffffffffff",
	"ptrace kill audit",
	"kill kill log audit",
	"fchownat emulate chown log",
	"mknodat emulate mknod 10:200 1:3 if arg2 & 0170000 == 0020000",
	"openat emulate open /etc/secret /root quiet",
	"dup2 allow if arg0 == 1 and arg1 == 2",
	"openat deny EACCES if arg2 & 0170000 == 0020000 and arg0 >= 0xffffffffffffffff audit",
	"ioctl fake 0 quiet if arg1 != 0x5401 and arg0 < 3 and arg2 > 1 and arg3 <= 4",
};

Test(policy_format, parse_format_parse_gives_the_same_rule)
{
	for (size_t i = 0; i < sizeof(round_trip) / sizeof(round_trip[0]); i++) {
		struct sg_policy *p = parse_rule(round_trip[i]), *q;
		char once[512], twice[512];
		const struct sg_rule *a = &p->rules[0], *b;

		policy_rule_format(a, once, sizeof(once));
		q = parse_rule(once);
		b = &q->rules[0];
		cr_expect_str_eq(b->name, a->name, "'%s'", round_trip[i]);
		cr_expect(policy_action_equal(&a->action, &b->action), "'%s' -> '%s': other action",
			  round_trip[i], once);
		cr_expect(policy_conds_equal(a, b), "'%s' -> '%s': other conditions", round_trip[i],
			  once);
		cr_expect_eq(memcmp(a->nr, b->nr, sizeof(a->nr)), 0);
		cr_expect_str_eq(policy_rule_format(b, twice, sizeof(twice)), once);
		policy_free(q);
		policy_free(p);
	}
}

Test(policy_format, default_action_round_trip)
{
	static const char *const defs[] = { "allow", "deny EACCES log", "kill quiet", "fake 3 audit",
					    "errno 4095" };

	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		char text[256], act[128];
		struct sg_policy *p, *q;

		snprintf(text, sizeof(text), "version 1\ndefault %s\n", defs[i]);
		p = parse(text);
		snprintf(text, sizeof(text), "version 1\ndefault %s\n",
			 policy_action_format(&p->def, act, sizeof(act)));
		q = parse(text);
		cr_expect(policy_action_equal(&p->def, &q->def), "'%s' -> '%s'", defs[i], act);
		policy_free(q);
		policy_free(p);
	}
}

static const struct {
	struct sg_action a, b;
	bool equal;
} equal_cases[] = {
	{ { .kind = SG_ACT_ALLOW }, { .kind = SG_ACT_ALLOW }, true },
	{ { .kind = SG_ACT_ALLOW }, { .kind = SG_ACT_ALLOW, .flags = SG_FLAG_LOG }, false },
	{ { .kind = SG_ACT_ALLOW, .err = 1 }, { .kind = SG_ACT_ALLOW, .err = 2 }, true },
	{ { .kind = SG_ACT_DENY, .err = 1 }, { .kind = SG_ACT_DENY, .err = 1 }, true },
	{ { .kind = SG_ACT_DENY, .err = 1 }, { .kind = SG_ACT_DENY, .err = 13 }, false },
	{ { .kind = SG_ACT_DENY, .err = 1 }, { .kind = SG_ACT_KILL }, false },
	{ { .kind = SG_ACT_FAKE, .value = 1, .err = 3 }, { .kind = SG_ACT_FAKE, .value = 1 }, true },
	{ { .kind = SG_ACT_FAKE, .value = 1 }, { .kind = SG_ACT_FAKE, .value = 2 }, false },
	{ { .kind = SG_ACT_KILL, .value = 1 }, { .kind = SG_ACT_KILL, .value = 2 }, true },
	{ { .kind = SG_ACT_EMULATE, .emulator = "chown" }, { .kind = SG_ACT_EMULATE, .emulator = "chown" }, true },
	{ { .kind = SG_ACT_EMULATE, .emulator = "chown" }, { .kind = SG_ACT_EMULATE, .emulator = "sched" }, false },
	{ { .kind = SG_ACT_EMULATE, .emulator = "mknod", .emu_opts = "10:200" },
	  { .kind = SG_ACT_EMULATE, .emulator = "mknod", .emu_opts = "1:3" }, false },
	{ { .kind = SG_ACT_EMULATE, .emulator = "mknod", .emu_opts = "1:3" },
	  { .kind = SG_ACT_EMULATE, .emulator = "mknod" }, false },
};

Test(policy_format, actions_equal_table)
{
	for (size_t i = 0; i < sizeof(equal_cases) / sizeof(equal_cases[0]); i++) {
		cr_expect_eq(policy_action_equal(&equal_cases[i].a, &equal_cases[i].b),
			     equal_cases[i].equal, "case %zu", i);
		cr_expect_eq(policy_action_equal(&equal_cases[i].b, &equal_cases[i].a),
			     equal_cases[i].equal, "case %zu, swapped", i);
	}
}

Test(policy_format, conditions_equal_in_order_only)
{
	struct sg_policy *p = parse("version 1\ndefault allow\n"
				    "read allow if arg0 == 1 and arg1 == 2\n"  /* 0 */
				    "read allow if arg0 == 1 and arg1 == 2\n"  /* 1: same */
				    "read allow if arg1 == 2 and arg0 == 1\n"  /* 2: other order */
				    "read allow if arg0 == 1\n"                /* 3: fewer */
				    "read allow if arg0 != 1 and arg1 == 2\n"  /* 4: other op */
				    "read allow if arg0 & 1 == 1 and arg1 == 2\n"  /* 5: masked */
				    "read allow if arg0 & 3 == 1 and arg1 == 2\n"  /* 6: other mask */
				    "read allow\n");
	struct sg_rule *r = p->rules;

	cr_expect(policy_conds_equal(&r[0], &r[1]));
	cr_expect(!policy_conds_equal(&r[0], &r[2]));
	cr_expect(!policy_conds_equal(&r[0], &r[3]));
	cr_expect(!policy_conds_equal(&r[0], &r[4]));
	cr_expect(!policy_conds_equal(&r[0], &r[5]));
	cr_expect(!policy_conds_equal(&r[5], &r[6]));
	cr_expect(policy_conds_equal(&r[7], &r[7]));
	/* a mask left over in a plain comparison is not compared */
	r[1].conds[0].mask = 99;
	cr_expect(policy_conds_equal(&r[0], &r[1]));
	policy_free(p);
}

Test(policy_format, what_blocks_a_call)
{
	static const struct {
		struct sg_action a;
		bool blocks;
	} cases[] = {
		{ { .kind = SG_ACT_ALLOW }, false },
		{ { .kind = SG_ACT_ALLOW, .flags = SG_FLAG_LOG }, false },
		{ { .kind = SG_ACT_DENY, .err = 1 }, true },
		{ { .kind = SG_ACT_DENY, .err = 1, .flags = SG_FLAG_AUDIT }, false },
		{ { .kind = SG_ACT_FAKE }, true },
		{ { .kind = SG_ACT_KILL }, true },
		{ { .kind = SG_ACT_KILL, .flags = SG_FLAG_AUDIT | SG_FLAG_LOG }, false },
		{ { .kind = SG_ACT_EMULATE, .emulator = "chown" }, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(policy_action_blocks(&cases[i].a), cases[i].blocks, "case %zu", i);
}

Test(policy_format, effective_rules_stop_at_the_first_unconditional_one)
{
	struct sg_policy *p = parse("version 1\narch x86_64\ndefault deny\n"
				    "read allow if arg0 == 1\n"   /* 0 */
				    "write allow\n"               /* 1 */
				    "read deny EIO if arg0 == 2\n" /* 2 */
				    "read kill\n"                 /* 3 */
				    "read allow\n"                /* 4: never reached */
				    "close allow if arg0 == 3\n"); /* 5 */
	const struct sg_rule *out[8] = { 0 };
	bool def = false;

	cr_assert_eq(policy_effective_rules(p, 0, 0 /* read */, out, 8, &def), 3);
	cr_expect(!def);
	cr_expect_eq(out[0], &p->rules[0]);
	cr_expect_eq(out[1], &p->rules[2]);
	cr_expect_eq(out[2], &p->rules[3]);
	cr_expect_null(out[3]);
	/* the count goes on past max; only max are stored */
	memset(out, 0, sizeof(out));
	cr_expect_eq(policy_effective_rules(p, 0, 0, out, 1, &def), 3);
	cr_expect_eq(out[0], &p->rules[0]);
	cr_expect_null(out[1]);
	/* conditional rules only: the default follows */
	cr_expect_eq(policy_effective_rules(p, 0, 3 /* close */, out, 8, &def), 1);
	cr_expect(def);
	def = false;
	cr_expect_eq(policy_effective_rules(p, 0, 2 /* open */, out, 8, &def), 0);
	cr_expect(def);
	def = false;
	cr_expect_eq(policy_effective_rules(p, 1, 0, out, 8, &def), 0, "arch index out of range");
	cr_expect(def);
	cr_expect_eq(policy_effective_rules(p, 0, 0, out, 8, NULL), 3);
	policy_free(p);
}
