/* SPDX-License-Identifier: MIT */
/*
 * What the tools do with parsed policies: print them back (policy_format.c), compare two
 * (policy_diff.c), warn about one (policy_lint.c), merge several (policy_merge.c).
 */
#pragma once

#include "policy.h"

/* policy_format.c */

/* The action in the policy language ("deny EACCES audit", "fake 42", "allow log"). */
const char *policy_action_format(const struct sg_action *a, char *buf, size_t size);
/* A rule's conditions ("arg2 & 0x3 == 0x1 and arg0 == 0x5"); "" when it has none. */
const char *policy_conds_format(const struct sg_rule *r, char *buf, size_t size);
/* A whole rule, one line, parseable ("openat deny EACCES if arg2 & 0x3 == 0x1"). */
const char *policy_rule_format(const struct sg_rule *r, char *buf, size_t size);
/* Whether two rules have the same conditions in the same order. */
bool policy_conds_equal(const struct sg_rule *a, const struct sg_rule *b);
/* Whether two actions are identical (kind, errno, value, emulator, modifiers). */
bool policy_action_equal(const struct sg_action *a, const struct sg_action *b);
/* Whether the action stops the call (deny, fake, kill, emulate, not marked audit). */
bool policy_action_blocks(const struct sg_action *a);
/* The rules for (arch index, nr) that can decide a call, in file order, up to and
 * including the first unconditional one; returns how many there are (only the first
 * max are stored) and sets *ret_default when no unconditional rule ends the list. */
size_t policy_effective_rules(const struct sg_policy *p, unsigned arch_index, int nr,
			      const struct sg_rule **out, size_t max, bool *ret_default);

/* policy_diff.c */

enum sg_diff_change {
	SG_DIFF_TIGHTER,    /* allowed before, stopped now (allow -> deny/fake/kill) */
	SG_DIFF_LOOSER,     /* stopped before, allowed now */
	SG_DIFF_ERRNO,      /* deny -> deny with another errno */
	SG_DIFF_FAKE_VALUE, /* fake -> fake with another value */
	SG_DIFF_KILL,       /* deny/fake/emulate -> kill */
	SG_DIFF_ACTION,     /* another change of what stops the call (kill -> deny, ...) */
	SG_DIFF_MODIFIERS,  /* same verdict, other modifiers (log, audit, quiet) */
	SG_DIFF_CONDITIONS, /* the conditions differ: see both sides' rules */
	SG_DIFF_ARCH,       /* the arch is covered by one policy only (the other kills) */
	SG_DIFF_MAX
};

/* One difference: the default (nr < 0, name ""), a syscall on one arch, or an arch. */
struct sg_diff_entry {
	uint32_t arch;                  /* 0 for the default */
	int nr;                         /* -1 for the default and for an arch */
	char name[SG_SYSCALL_NAME_MAX]; /* syscall name as written in a rule */
	enum sg_diff_change change;
	/* The verdict on each side when one action decides every call (not CONDITIONS):
	 * the rule's or the default's; line is the rule's or the default's line. */
	struct sg_action old_action, new_action;
	unsigned old_line, new_line;
	bool old_default, new_default; /* the default decides on that side */
	bool old_covered, new_covered; /* SG_DIFF_ARCH: which side covers the arch */
	/* x86 only: a call without a number of its own there, reached through socketcall(2)
	 * or ipc(2), where only rules without conditions apply (nr is -1) */
	bool multiplexed;
};

/* Compare two policies: the default, each arch of either policy, and on arches both
 * cover every syscall either names (on x86 also the socketcall/ipc sub-calls without
 * a number of their own).  *ret (malloc'd) is sorted: default, arches,
 * then by arch (old's order, then new's) and syscall name. 0 or -ENOMEM. */
int policy_diff(const struct sg_policy *old, const struct sg_policy *new,
		struct sg_diff_entry **ret, size_t *ret_n);
/* "tighter", "looser", "errno", "fake-value", "kill", "action", "modifiers",
 * "conditions", "arch". */
const char *policy_diff_change_to_string(enum sg_diff_change c);

/* policy_lint.c */

/* A warning about a policy that parses: where and what. */
struct sg_lint {
	unsigned line, col;
	char msg[320];
};

/* Warn about rules that can never match (an earlier rule for the same syscall is
 * unconditional or has the same conditions), syscalls that do not exist on one of
 * the policy's arches, execve not allowed on the native arch, and a deny/kill default
 * with exit_group not allowed.  *ret (malloc'd, NULL when none) is in line order. */
int policy_lint(const struct sg_policy *p, struct sg_lint **ret, size_t *ret_n);

/* policy_merge.c */

/* Merge policies (1..64, all with the same arches) into one policy text (malloc'd) that
 * allows every call an input allows with a rule: the strictest default; per syscall,
 * sorted by name, the rules of every input that let calls run, then their other rules;
 * see README "Merging policies".  "# note: ..." lines say what is not carried over.
 * -EINVAL with reterr (the input's file and line) for what cannot be merged honestly. */
int policy_merge(const struct sg_policy *const *in, size_t n, char **ret_text,
		 struct sg_policy_error *reterr);
