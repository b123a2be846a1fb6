/* SPDX-License-Identifier: MIT */
/* lib/policy_eval.c: verdict tables (arch, syscall, args -> action, rule line). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <linux/audit.h>

#include "policy.h"

#define X32(n) (0x40000000 | (n))
#define DEF 0 /* "rule line" of the default action */

static const char policy_text[] =
	"version 1\n"						 /* 1 */
	"default deny EPERM\n"					 /* 2 */
	"read allow\n"						 /* 3 */
	"write deny EIO if arg0 == 1\n"				 /* 4 */
	"write fake 42 if arg0 == 2 and arg2 > 10\n"		 /* 5 */
	"write allow\n"						 /* 6 */
	"write kill\n"						 /* 7: never reached */
	"ioctl deny ENOTTY if arg1 & 0xff00 == 0x5400\n"	 /* 8 */
	"mknod fake if arg1 & 0170000 == 0020000\n"		 /* 9 */
	"mknod emulate mknod\n"					 /* 10 */
	"socket allow if arg0 == 1\n"				 /* 11 */
	"socket deny EAFNOSUPPORT\n"				 /* 12 */
	"accept kill\n"						 /* 13 */
	"close allow if arg0 != 5 and arg0 < 0x100000001\n"	 /* 14 */
	"dup allow if arg0 <= 2\n"				 /* 15 */
	"dup fake 7 if arg0 >= 0xfffffffffffffff0\n"		 /* 16 */
	"shmget deny EACCES audit\n";				 /* 17 */

struct verdict_case {
	uint32_t arch;
	int nr;
	uint64_t args[SG_MAX_ARGS];
	enum sg_action_kind kind;
	int err;
	int64_t value;
	unsigned line;
};

static const struct verdict_case cases[] = {
	/* plain allow, on every arch */
	{ AUDIT_ARCH_X86_64, 0, { 0 }, SG_ACT_ALLOW, 0, 0, 3 },
	{ AUDIT_ARCH_I386, 3, { 0 }, SG_ACT_ALLOW, 0, 0, 3 },
	{ AUDIT_ARCH_X86_64, X32(0), { 0 }, SG_ACT_ALLOW, 0, 0, 3 },
	/* first match wins, in file order */
	{ AUDIT_ARCH_X86_64, 1, { 1 }, SG_ACT_DENY, EIO, 0, 4 },
	{ AUDIT_ARCH_X86_64, 1, { 2, 0, 11 }, SG_ACT_FAKE, 0, 42, 5 },
	{ AUDIT_ARCH_X86_64, 1, { 2, 0, 10 }, SG_ACT_ALLOW, 0, 0, 6 },
	{ AUDIT_ARCH_X86_64, 1, { 3 }, SG_ACT_ALLOW, 0, 0, 6 },
	{ AUDIT_ARCH_I386, 4, { 1 }, SG_ACT_DENY, EIO, 0, 4 },
	{ AUDIT_ARCH_X86_64, X32(1), { 2, 0, 99 }, SG_ACT_FAKE, 0, 42, 5 },
	/* masked equality */
	{ AUDIT_ARCH_X86_64, 16, { 0, 0x5401 }, SG_ACT_DENY, ENOTTY, 0, 8 },
	{ AUDIT_ARCH_X86_64, 16, { 0, 0x125401 }, SG_ACT_DENY, ENOTTY, 0, 8 },
	{ AUDIT_ARCH_X86_64, 16, { 0, 0x5501 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_I386, 54, { 0, 0x54ff }, SG_ACT_DENY, ENOTTY, 0, 8 },
	{ AUDIT_ARCH_X86_64, X32(514), { 0, 0x5400 }, SG_ACT_DENY, ENOTTY, 0, 8 },
	{ AUDIT_ARCH_X86_64, 133, { 0, 0020644 }, SG_ACT_FAKE, 0, 0, 9 },
	{ AUDIT_ARCH_X86_64, 133, { 0, 0060644 }, SG_ACT_EMULATE, 0, 0, 10 },
	{ AUDIT_ARCH_I386, 14, { 0, 0020000 }, SG_ACT_FAKE, 0, 0, 9 },
	/* socket: x86 direct syscall 359, x32 41 */
	{ AUDIT_ARCH_X86_64, 41, { 1 }, SG_ACT_ALLOW, 0, 0, 11 },
	{ AUDIT_ARCH_X86_64, 41, { 2 }, SG_ACT_DENY, EAFNOSUPPORT, 0, 12 },
	{ AUDIT_ARCH_I386, 359, { 1 }, SG_ACT_ALLOW, 0, 0, 11 },
	{ AUDIT_ARCH_I386, 359, { 10 }, SG_ACT_DENY, EAFNOSUPPORT, 0, 12 },
	{ AUDIT_ARCH_X86_64, X32(41), { 2 }, SG_ACT_DENY, EAFNOSUPPORT, 0, 12 },
	/* x86 socketcall(call, argp): the sub-call's first unconditional rule, as in
	 * the kernel filter libseccomp builds; refused ENOSYS (implied by the rule on
	 * line 11) when its rules have conditions, which socketcall keeps in memory */
	{ AUDIT_ARCH_I386, 102, { 1, 0xbfff0000 }, SG_ACT_DENY, ENOSYS, 0, 11 },
	{ AUDIT_ARCH_I386, 102, { 5, 0xbfff0000 }, SG_ACT_KILL, 0, 0, 13 },
	{ AUDIT_ARCH_I386, 102, { 3, 0xbfff0000 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_I386, 102, { 99 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_I386, 117, { 23 }, SG_ACT_DENY, EACCES, 0, 17 },
	{ AUDIT_ARCH_I386, 395, { 0 }, SG_ACT_DENY, EACCES, 0, 17 },
	{ AUDIT_ARCH_X86_64, 43, { 0 }, SG_ACT_KILL, 0, 0, 13 },
	/* unsigned 64-bit comparisons; x86 and x32 compare the low 32 bits, like the
	 * kernel filter libseccomp generates for 32-bit ABIs */
	{ AUDIT_ARCH_X86_64, 3, { 4 }, SG_ACT_ALLOW, 0, 0, 14 },
	{ AUDIT_ARCH_X86_64, 3, { 5 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_X86_64, 3, { 0x100000001 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_X86_64, 3, { UINT64_MAX }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_I386, 6, { 0x100000004 }, SG_ACT_DENY, EPERM, 0, DEF }, /* low 32: 4 < 1 false */
	{ AUDIT_ARCH_I386, 6, { 0 }, SG_ACT_ALLOW, 0, 0, 14 },	/* low 32: 0 < 1 */
	{ AUDIT_ARCH_X86_64, 32, { 2 }, SG_ACT_ALLOW, 0, 0, 15 },
	{ AUDIT_ARCH_X86_64, 32, { 3 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_X86_64, 32, { (uint64_t)-1 }, SG_ACT_FAKE, 0, 7, 16 },
	{ AUDIT_ARCH_X86_64, 32, { (uint64_t)-17 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_I386, 41, { 0xfffffff0 }, SG_ACT_FAKE, 0, 7, 16 },
	/* audit keeps the deny action; the flag tells the daemon not to enforce it */
	{ AUDIT_ARCH_X86_64, 29, { 0 }, SG_ACT_DENY, EACCES, 0, 17 },
	/* no rule: the default */
	{ AUDIT_ARCH_X86_64, 2, { 0 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_X86_64, 9999, { 0 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ AUDIT_ARCH_X86_64, -1, { 0 }, SG_ACT_DENY, EPERM, 0, DEF },
	/* an arch the policy does not cover: the default */
	{ AUDIT_ARCH_AARCH64, 63, { 0 }, SG_ACT_DENY, EPERM, 0, DEF },
	{ 0, 0, { 0 }, SG_ACT_DENY, EPERM, 0, DEF },
};

static struct sg_policy *parse(const char *text)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char buf[1024];
	int r = policy_parse(text, strlen(text), "eval.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "%s", buf);
	return p;
}

Test(policy_eval, verdict_table)
{
	struct sg_policy *p = parse(policy_text);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct verdict_case *c = &cases[i];
		const struct sg_rule *rule = (const struct sg_rule *)1;
		const struct sg_action *a = policy_decide(p, c->arch, c->nr, c->args, &rule);

		cr_assert_eq(a->kind, c->kind, "case %zu (arch %#x nr %d): kind %d, want %d", i,
			     c->arch, c->nr, a->kind, c->kind);
		cr_assert_eq(rule ? rule->line : DEF, c->line, "case %zu: rule line %u, want %u", i,
			     rule ? rule->line : DEF, c->line);
		cr_assert_eq(rule ? &rule->action : &p->def, a, "case %zu", i);
		cr_assert_eq(policy_match(p, c->arch, c->nr, c->args), rule, "case %zu", i);
		if (c->kind == SG_ACT_DENY)
			cr_assert_eq(a->err, c->err, "case %zu: errno %d, want %d", i, a->err, c->err);
		if (c->kind == SG_ACT_FAKE)
			cr_assert_eq(a->value, c->value, "case %zu: value %lld, want %lld", i,
				     (long long)a->value, (long long)c->value);
	}
	policy_free(p);
}

Test(policy_eval, arch_directive_limits_the_policy)
{
	struct sg_policy *p = parse("version 1\narch x86_64\ndefault allow\nread kill\n");
	static const uint64_t args[SG_MAX_ARGS];

	cr_assert_not_null(policy_match(p, AUDIT_ARCH_X86_64, 0, args));
	cr_assert_null(policy_match(p, AUDIT_ARCH_I386, 3, args));
	cr_assert_null(policy_match(p, AUDIT_ARCH_X86_64, X32(0), args));
	cr_assert_eq(policy_arch_index(p, AUDIT_ARCH_X86_64), 0);
	cr_assert_eq(policy_arch_index(p, AUDIT_ARCH_I386), -ENOENT);
	policy_free(p);

	p = parse("version 1\narch x32 x86\ndefault allow\nread kill\n");
	cr_assert_null(policy_match(p, AUDIT_ARCH_X86_64, 0, args));
	cr_assert_not_null(policy_match(p, AUDIT_ARCH_X86_64, X32(0), args));
	cr_assert_not_null(policy_match(p, AUDIT_ARCH_I386, 3, args));
	cr_assert_eq(policy_arch_index(p, SCMP_ARCH_X32), 0);
	cr_assert_eq(policy_arch_index(p, AUDIT_ARCH_I386), 1);
	policy_free(p);
}

Test(policy_eval, index_is_sorted_and_in_file_order)
{
	struct sg_policy *p = parse(policy_text);

	for (unsigned a = 0; a < p->n_arches; a++) {
		cr_assert_gt(p->n_index[a], 0);
		for (size_t i = 1; i < p->n_index[a]; i++) {
			const struct sg_rule_ref *x = &p->index[a][i - 1], *y = &p->index[a][i];

			cr_assert(x->nr < y->nr || (x->nr == y->nr && x->rule < y->rule));
		}
		for (size_t i = 0; i < p->n_index[a]; i++)
			cr_assert_eq(p->rules[p->index[a][i].rule].nr[a], p->index[a][i].nr);
	}
	policy_free(p);
}

Test(policy_eval, null_args_are_zero)
{
	struct sg_policy *p = parse("version 1\ndefault allow\nread deny if arg0 == 0\n");

	cr_assert_not_null(policy_match(p, AUDIT_ARCH_X86_64, 0, NULL));
	cr_assert_eq(policy_decide(p, AUDIT_ARCH_X86_64, 0, NULL, NULL)->kind, SG_ACT_DENY);
	policy_free(p);
}

struct routed_case {
	const char *action;
	bool routed;
};

Test(policy_eval, routed_actions)
{
	static const struct routed_case rc[] = {
		{ "allow", false },	      { "allow quiet", false },	   { "allow log", true },
		{ "deny", true },	      { "deny EIO quiet", false }, { "deny 4094 quiet", false },
		{ "deny 4095 quiet", true },  { "deny audit", true },	   { "deny log", true },
		{ "errno 1 quiet", false },   { "kill", true },		   { "kill quiet", false },
		{ "kill audit", true },	      { "fake", true },		   { "fake quiet", false },
		{ "fake 0 quiet", false },    { "fake 1 quiet", true },	   { "fake 0 log", true },
		{ "emulate x", true },	      { "emulate x quiet", true },
	};
	char text[256];

	for (size_t i = 0; i < sizeof(rc) / sizeof(rc[0]); i++) {
		struct sg_policy *p;

		snprintf(text, sizeof(text), "version 1\ndefault %s\nread %s\n", rc[i].action,
			 rc[i].action);
		p = parse(text);
		cr_assert_eq(policy_action_routed(&p->def), rc[i].routed, "default %s", rc[i].action);
		cr_assert_eq(policy_action_routed(&p->rules[0].action), rc[i].routed, "%s",
			     rc[i].action);
		policy_free(p);
	}
}
