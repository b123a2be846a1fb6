/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_emulate.c: the emulators a policy may name, the syscalls each carries out,
 * their options (mknod's MAJOR:MINOR allowlist, open's denied prefixes), and the
 * load-time refusals with the rule's position.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

#define H "version 1\ndefault allow\n"

static struct sg_policy *parse(const char *text)
{
	struct sg_policy_error e = { 0 };
	struct sg_policy *p = NULL;

	cr_assert_eq(policy_parse(text, strlen(text), "t.policy", &p, &e), 0, "%u:%u: %s\n%s",
		     e.line, e.col, e.msg, text);
	return p;
}

Test(policy_emulate, emulator_names_table)
{
	static const struct {
		const char *name;
		int index;
	} cases[] = {
		{ "mknod", 0 }, { "mknod-strict", 1 }, { "chown", 2 }, { "xattr", 3 },
		{ "sched", 4 }, { "open", 5 }, { "", -ENOENT }, { "MKNOD", -ENOENT },
		{ "mknod ", -ENOENT }, { "mkno", -ENOENT }, { "openat", -ENOENT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(policy_emulator_index(cases[i].name), cases[i].index, "'%s'",
			     cases[i].name);
}

Test(policy_emulate, device_numbers_table)
{
	static const struct {
		const char *w;
		size_t len; /* 0: strlen */
		int r;
		unsigned major, minor;
	} cases[] = {
		{ "1:3", 0, 0, 1, 3 },
		{ "0:0", 0, 0, 0, 0 },
		{ "010:020", 0, 0, 10, 20 },
		{ "4095:1048575", 0, 0, 4095, 1048575 },
		{ "1:3 10:200", 3, 0, 1, 3 }, /* one word of a list */
		{ "1:3", 2, -EINVAL, 0, 0 },  /* "1:" */
		{ "", 0, -EINVAL, 0, 0 },
		{ "1", 0, -EINVAL, 0, 0 },
		{ "1:", 0, -EINVAL, 0, 0 },
		{ ":3", 0, -EINVAL, 0, 0 },
		{ "1:3x", 0, -EINVAL, 0, 0 },
		{ "1:3:4", 0, -EINVAL, 0, 0 },
		{ "c1:3", 0, -EINVAL, 0, 0 },
		{ "1 :3", 0, -EINVAL, 0, 0 },
		{ "-1:3", 0, -EINVAL, 0, 0 },
		{ "4096:0", 0, -EINVAL, 0, 0 },
		{ "1:1048576", 0, -EINVAL, 0, 0 },
		{ "99999999999999999999:1", 0, -EINVAL, 0, 0 },
		{ "1:99999999999999999999", 0, -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned maj = 77, min = 77;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].w);
		int r = policy_emu_parse_dev(cases[i].w, len, &maj, &min);

		cr_expect_eq(r, cases[i].r, "'%.*s': %d", (int)len, cases[i].w, r);
		if (cases[i].r == 0) {
			cr_expect_eq(maj, cases[i].major, "'%s'", cases[i].w);
			cr_expect_eq(min, cases[i].minor, "'%s'", cases[i].w);
		} else {
			cr_expect(maj == 77 && min == 77, "'%s': outputs set on failure", cases[i].w);
		}
	}
}

/* Rules (after the two header lines, so on line 3) and what the load-time check says. */
static const struct {
	const char *rules;
	unsigned line, col; /* of the refused rule */
	const char *msg;    /* NULL: accepted */
} load_cases[] = {
	{ "mknod, mknodat emulate mknod", 0, 0, NULL },
	{ "mknodat emulate mknod 1:3 10:200 136:0", 0, 0, NULL },
	{ "mknodat emulate mknod-strict 1:5 if arg1 & 0170000 == 0020000", 0, 0, NULL },
	{ "chown, fchown, lchown, fchownat emulate chown", 0, 0, NULL },
	{ "setxattr, lsetxattr, fsetxattr emulate xattr", 0, 0, NULL },
	{ "sched_setscheduler, sched_setparam, setpriority emulate sched", 0, 0, NULL },
	{ "open, openat emulate open /etc/secret /root", 0, 0, NULL },
	{ "read allow\nwrite deny\nclose fake", 0, 0, NULL },
	{ "read emulate nothing", 3, 1,
	  "unknown emulator 'nothing' (known: mknod, mknod-strict, chown, xattr, sched, open)" },
	{ "read allow\n  mknod emulate mknodx", 4, 3,
	  "unknown emulator 'mknodx' (known: mknod, mknod-strict, chown, xattr, sched, open)" },
	{ "read emulate mknod", 3, 1, "emulator 'mknod' cannot carry out 'read'" },
	{ "mknod, openat emulate mknod", 3, 8, "emulator 'mknod' cannot carry out 'openat'" },
	{ "openat emulate chown", 3, 1, "emulator 'chown' cannot carry out 'openat'" },
	{ "setpriority emulate xattr", 3, 1, "emulator 'xattr' cannot carry out 'setpriority'" },
	{ "fchownat emulate chown x", 3, 1, "emulator 'chown' takes no options, got 'x'" },
	{ "setxattr emulate xattr a b", 3, 1, "emulator 'xattr' takes no options, got 'a b'" },
	{ "setpriority emulate sched 1:3", 3, 1, "emulator 'sched' takes no options, got '1:3'" },
	{ "openat emulate open", 3, 1,
	  "emulator 'open' needs the path prefixes it denies, e.g. 'emulate open /etc/secret'" },
	{ "openat emulate open /etc etc", 3, 1, "emulator 'open': 'etc' is not an absolute path" },
	{ "mknod emulate mknod-strict 1:5 x", 3, 1,
	  "emulator 'mknod-strict': 'x' is not a character device MAJOR:MINOR (major < 4096, "
	  "minor < 1048576)" },
	{ "mknod emulate mknod 4096:1", 3, 1,
	  "emulator 'mknod': '4096:1' is not a character device MAJOR:MINOR (major < 4096, "
	  "minor < 1048576)" },
	/* the options are checked before the syscall: the first problem of the rule is said */
	{ "read emulate chown x", 3, 1, "emulator 'chown' takes no options, got 'x'" },
};

Test(policy_emulate, load_check_table)
{
	for (size_t i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		char text[512];
		struct sg_policy_error e;
		struct sg_policy *p;
		int r;

		snprintf(text, sizeof(text), H "%s\n", load_cases[i].rules);
		p = parse(text);
		memset(&e, 0xff, sizeof(e));
		r = policy_check_loadable(p, &e);
		if (!load_cases[i].msg) {
			cr_expect_eq(r, 0, "'%s': %s", load_cases[i].rules, e.msg);
			cr_expect_eq(e.msg[0], '\0', "the error is cleared");
		} else {
			cr_expect_eq(r, -EINVAL, "'%s' accepted", load_cases[i].rules);
			cr_expect_str_eq(e.msg, load_cases[i].msg);
			cr_expect_eq(e.line, load_cases[i].line, "'%s'", load_cases[i].rules);
			cr_expect_eq(e.col, load_cases[i].col, "'%s'", load_cases[i].rules);
			cr_expect_str_eq(e.file, "t.policy");
		}
		policy_free(p);
	}
}

Test(policy_emulate, emulate_is_never_the_default)
{
	struct sg_policy *p = parse("version 1\n\ndefault emulate mknod\n");
	struct sg_policy_error e;
	char buf[512];

	cr_assert_eq(policy_check_loadable(p, &e), -EINVAL);
	policy_error_format(&e, buf, sizeof(buf));
	cr_expect_str_eq(buf, "t.policy:3:1: error: emulate 'mknod' cannot be the default action: "
			      "name the syscalls\n");
	policy_free(p);
}

Test(policy_emulate, no_policy_or_no_error_struct)
{
	struct sg_policy *p = parse(H "read emulate nothing\n");
	struct sg_policy_error e;

	memset(&e, 'x', sizeof(e));
	cr_expect_eq(policy_check_loadable(NULL, &e), -EINVAL);
	cr_expect_eq(e.msg[0], '\0');
	cr_expect_eq(policy_check_no_emulate(NULL, "trace", &e), -EINVAL);
	cr_expect_eq(policy_check_loadable(p, NULL), -EINVAL);
	cr_expect_eq(policy_check_no_emulate(p, "trap", NULL), -EOPNOTSUPP);
	policy_free(p);
}

Test(policy_emulate, other_mechanisms_refuse_the_first_emulate_rule)
{
	struct sg_policy *p = parse(H "read allow\nwrite deny\n  mknod fake\n"
				    "chown emulate chown\nmknod emulate mknod\n");
	struct sg_policy *q = parse(H "read allow\nmknod fake 0 quiet\n");
	struct sg_policy_error e;

	cr_assert_eq(policy_check_no_emulate(p, "trace", &e), -EOPNOTSUPP);
	cr_expect_eq(e.line, 6);
	cr_expect_eq(e.col, 1);
	cr_expect_str_eq(e.msg, "emulate needs --mechanism notify, not trace (the emulators work "
				"through the notify listener)");
	cr_assert_eq(policy_check_no_emulate(p, "trap", &e), -EOPNOTSUPP);
	cr_expect(strstr(e.msg, "not trap ("), "%s", e.msg);
	memset(&e, 'x', sizeof(e));
	cr_expect_eq(policy_check_no_emulate(q, "trace", &e), 0);
	cr_expect_eq(e.msg[0], '\0');
	policy_free(q);
	policy_free(p);
}
