/* SPDX-License-Identifier: MIT */
/* lib/policy_diff.c: differences between two rule tables. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "policy_tools.h"

static struct sg_policy *parse(const char *name, const char *text)
{
	struct sg_policy_error e = { 0 };
	struct sg_policy *p = NULL;
	int r = policy_parse(text, strlen(text), name, &p, &e);

	cr_assert_eq(r, 0, "%s: %s:%u:%u: %s", name, e.file, e.line, e.col, e.msg);
	return p;
}

/* Diff two texts; entries are freed by the caller. */
static size_t diff(const char *old_text, const char *new_text, struct sg_diff_entry **ret)
{
	struct sg_policy *o = parse("old", old_text), *n = parse("new", new_text);
	size_t count = 99;

	cr_assert_eq(policy_diff(o, n, ret, &count), 0);
	policy_free(o);
	policy_free(n);
	return count;
}

static const struct sg_diff_entry *find(const struct sg_diff_entry *e, size_t n, uint32_t arch,
					const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].arch == arch && strcmp(e[i].name, name) == 0)
			return &e[i];
	return NULL;
}

Test(policy_diff, identical_policies_have_no_difference)
{
	const char *t = "version 1\ndefault deny EPERM\nread, write allow\n"
			"openat deny EACCES if arg2 & 3 == 1\nopenat allow\n";
	struct sg_diff_entry *e = NULL;

	cr_assert_eq(diff(t, t, &e), 0);
	free(e);
}

Test(policy_diff, rule_order_and_shadowed_rules_do_not_matter)
{
	struct sg_diff_entry *e = NULL;

	cr_assert_eq(diff("version 1\ndefault deny\nread allow\nwrite allow\n",
			  "version 1\ndefault deny\nwrite allow\nwrite kill\nread allow\n", &e), 0);
	free(e);
}

Test(policy_diff, verdict_changes_are_classified)
{
	const char *o = "version 1\narch x86_64\ndefault deny EPERM\n"
			"read allow\nwrite deny EIO\nmknod fake 1\nptrace deny\nclose deny\n"
			"dup allow\n";
	const char *n = "version 1\narch x86_64\ndefault deny EPERM\n"
			"read deny\nwrite deny EACCES\nmknod fake 2\nptrace kill\nclose allow\n"
			"dup allow log\n";
	static const struct {
		const char *name;
		enum sg_diff_change c;
	} want[] = {
		{ "close", SG_DIFF_LOOSER },	    { "dup", SG_DIFF_MODIFIERS },
		{ "mknod", SG_DIFF_FAKE_VALUE },   { "mknodat", SG_DIFF_FAKE_VALUE }, /* implied */
		{ "ptrace", SG_DIFF_KILL },	    { "read", SG_DIFF_TIGHTER },
		{ "write", SG_DIFF_ERRNO },
	};
	struct sg_diff_entry *e = NULL;
	size_t count = diff(o, n, &e);

	cr_assert_eq(count, 7);
	for (size_t i = 0; i < 7; i++) { /* sorted by name */
		cr_expect_str_eq(e[i].name, want[i].name);
		cr_expect_eq(e[i].change, want[i].c, "%s: %s", e[i].name,
			     policy_diff_change_to_string(e[i].change));
		cr_expect_eq(e[i].arch, SCMP_ARCH_X86_64);
	}
	cr_expect_eq(e[3].old_line, 6); /* mknodat: the line of the mknod rule it comes from */
	cr_expect_eq(e[5].old_line, 4);
	cr_expect_eq(e[5].new_line, 4);
	cr_expect_eq(e[5].old_action.kind, SG_ACT_ALLOW);
	cr_expect_eq(e[5].new_action.kind, SG_ACT_DENY);
	free(e);
}

Test(policy_diff, default_change_reaches_unnamed_and_conditional_syscalls)
{
	const char *o = "version 1\narch x86_64\ndefault allow\ngetpid allow\nioctl deny if arg1 == 5\n";
	const char *n = "version 1\narch x86_64\ndefault deny EPERM\ngetpid allow\n"
			"ioctl deny if arg1 == 5\nsync deny EPERM\n";
	struct sg_diff_entry *e = NULL;
	size_t count = diff(o, n, &e);

	/* the default, ioctl (its fallback is the default) and sync; getpid is unchanged */
	cr_assert_eq(count, 3);
	cr_expect_eq(e[0].nr, -1);
	cr_expect_str_eq(e[0].name, "");
	cr_expect_eq(e[0].change, SG_DIFF_TIGHTER);
	cr_expect_eq(e[0].old_line, 3);
	cr_expect_str_eq(e[1].name, "ioctl");
	cr_expect_eq(e[1].change, SG_DIFF_CONDITIONS);
	cr_expect_str_eq(e[2].name, "sync");
	cr_expect_eq(e[2].change, SG_DIFF_TIGHTER);
	cr_expect(e[2].old_default);
	cr_expect(!e[2].new_default);
	cr_expect_eq(e[2].new_line, 6);
	free(e);
}

/* Implied rules decide calls like written ones: io_uring refused while a rule decides a
 * call it can perform (here read), on one side only. */
Test(policy_diff, implied_rules_are_compared)
{
	const char *o = "version 1\narch x86_64\ndefault allow\nread allow log\n";
	const char *n = "version 1\narch x86_64\ndefault allow\nread allow log\n"
			"io_uring_setup allow\n";
	struct sg_diff_entry *e = NULL;
	size_t count = diff(o, n, &e);
	const struct sg_diff_entry *x = find(e, count, SCMP_ARCH_X86_64, "io_uring_setup");

	cr_assert_not_null(x);
	cr_expect_eq(x->change, SG_DIFF_LOOSER);
	cr_expect_eq(x->old_line, 4);
	cr_expect_eq(x->new_line, 5);
	/* naming io_uring_setup opts the three out */
	x = find(e, count, SCMP_ARCH_X86_64, "io_uring_enter");
	cr_assert_not_null(x);
	cr_expect_eq(x->change, SG_DIFF_LOOSER);
	cr_expect(x->new_default);
	free(e);
}

Test(policy_diff, added_condition_is_a_conditions_change)
{
	struct sg_diff_entry *e = NULL;
	size_t count = diff("version 1\ndefault allow\nsocket allow\n",
			    "version 1\ndefault allow\nsocket allow if arg0 == 1\nsocket deny\n", &e);
	const struct sg_diff_entry *x = find(e, count, SCMP_ARCH_X86_64, "socket");

	cr_assert_not_null(x);
	cr_expect_eq(x->change, SG_DIFF_CONDITIONS);
	cr_expect_eq(x->new_line, 3);
	/* every arch of the policies: x86_64, x86, x32 */
	cr_expect_not_null(find(e, count, SCMP_ARCH_X86, "socket"));
	cr_expect_not_null(find(e, count, SCMP_ARCH_X32, "socket"));
	free(e);
}

Test(policy_diff, arch_covered_by_one_side)
{
	struct sg_diff_entry *e = NULL;
	size_t count = diff("version 1\narch x86_64 x86\ndefault allow\n",
			    "version 1\narch x86_64\ndefault allow\n", &e);

	cr_assert_eq(count, 1);
	cr_expect_eq(e[0].change, SG_DIFF_ARCH);
	cr_expect_eq(e[0].arch, SCMP_ARCH_X86);
	cr_expect(e[0].old_covered);
	cr_expect(!e[0].new_covered);
	free(e);
}

/* Argument vectors that hit both sides of the conditions used below. */
static const uint64_t probe_args[][SG_MAX_ARGS] = {
	{ 0, 0, 0, 0, 0, 0 }, { 1, 5, 1, 0, 0, 0 }, { 2, 6, 2, 0, 0, 0 },
	{ 3, 0x5401, 3, 0, 0, 0 }, { 1, 1, 0x41, 0, 0, 0 }, { UINT64_MAX, 7, 0x42, 0, 0, 0 },
};

static bool names(const struct sg_policy *p, uint32_t arch, int nr)
{
	int a = policy_arch_index(p, arch);

	for (size_t i = 0; a >= 0 && i < p->n_rules; i++)
		if (p->rules[i].nr[a] == nr)
			return true;
	return false;
}

/* A row for (arch, nr); the default row only counts for a syscall neither policy names. */
static bool entry_for(const struct sg_diff_entry *e, size_t n, uint32_t arch, int nr, bool named)
{
	for (size_t i = 0; i < n; i++)
		if ((e[i].arch == arch && e[i].nr == nr) || (!named && e[i].arch == 0 && e[i].nr < 0))
			return true;
	return false;
}

/* Every call the two policies decide differently is reported (for its syscall, or by
 * the default row), checked by deciding calls of every nr with both policies. */
Test(policy_diff, every_call_decided_differently_is_reported)
{
	static const char *const texts[] = {
		"version 1\ndefault deny EPERM\nread, write allow\nioctl deny ENOTTY if arg1 == 0x5401\n"
		"ioctl allow\nopenat allow if arg2 & 3 == 1\nmknod fake 1\n",
		"version 1\ndefault deny EPERM\nread allow\nwrite allow if arg0 == 1\nioctl allow\n"
		"openat allow if arg2 & 3 == 1\nopenat deny EACCES\nmknod fake 2\nptrace kill\n",
		"version 1\ndefault kill\nread, write allow\nioctl deny ENOTTY if arg1 == 0x5401\n"
		"ioctl allow\nopenat allow if arg2 & 3 == 1\nmknod fake 1\n",
	};
	unsigned checked = 0;

	for (size_t a = 0; a < 3; a++)
		for (size_t b = 0; b < 3; b++) {
			struct sg_policy *o = parse("o", texts[a]), *n = parse("n", texts[b]);
			struct sg_diff_entry *e = NULL;
			size_t count = 0;

			cr_assert_eq(policy_diff(o, n, &e, &count), 0);
			cr_expect_eq(count == 0, a == b, "%zu vs %zu: %zu differences", a, b, count);
			for (unsigned ai = 0; ai < o->n_arches; ai++) {
				uint32_t arch = o->arches[ai];
				int base = arch == SCMP_ARCH_X32 ? 0x40000000 : 0;

				for (int nr = base; nr < base + 460; nr++) {
					if (arch == SCMP_ARCH_X86 && (nr == 102 || nr == 117))
						continue; /* socketcall, ipc: decided by name */
					for (size_t k = 0; k < sizeof(probe_args) / sizeof(probe_args[0]); k++) {
						const struct sg_action *x = policy_decide(o, arch, nr, probe_args[k], NULL);
						const struct sg_action *y = policy_decide(n, arch, nr, probe_args[k], NULL);

						checked++;
						if (policy_action_equal(x, y))
							continue;
						cr_expect(entry_for(e, count, arch, nr,
								    names(o, arch, nr) || names(n, arch, nr)),
							  "%zu vs %zu: arch %#x nr %d decided differently, not reported",
							  a, b, arch, nr);
					}
				}
			}
			free(e);
			policy_free(o);
			policy_free(n);
		}
	cr_expect_gt(checked, 10000);
}

Test(policy_diff, x86_multiplexed_calls_are_compared_by_name)
{
	const char *o = "version 1\narch x86\ndefault deny EPERM\naccept allow\nrecv allow if arg0 == 1\n";
	const char *n = "version 1\narch x86\ndefault deny EPERM\naccept kill\nrecv allow if arg0 == 2\n";
	const uint64_t accept_call[SG_MAX_ARGS] = { 5, 0, 0, 0, 0, 0 }; /* SYS_ACCEPT */
	struct sg_policy *po = parse("o", o), *pn = parse("n", n);
	struct sg_diff_entry *e = NULL;
	size_t count = 0;

	/* what the filter does: socketcall(SYS_ACCEPT) follows the unconditional accept rule */
	cr_assert_eq(policy_decide(po, SCMP_ARCH_X86, 102, accept_call, NULL)->kind, SG_ACT_ALLOW);
	cr_assert_eq(policy_decide(pn, SCMP_ARCH_X86, 102, accept_call, NULL)->kind, SG_ACT_KILL);
	cr_assert_eq(policy_diff(po, pn, &e, &count), 0);
	/* accept differs; recv's conditional rules never apply through socketcall */
	cr_assert_eq(count, 1);
	cr_expect_str_eq(e[0].name, "accept");
	cr_expect(e[0].multiplexed);
	cr_expect_eq(e[0].nr, -1);
	cr_expect_eq(e[0].arch, SCMP_ARCH_X86);
	cr_expect_eq(e[0].change, SG_DIFF_TIGHTER);
	cr_expect_eq(e[0].old_line, 4);
	free(e);
	policy_free(po);
	policy_free(pn);
}
