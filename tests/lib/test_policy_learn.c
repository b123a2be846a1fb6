/* SPDX-License-Identifier: MIT */
/* lib/policy_learn.c: the learnt policy's text, and that it decides as learnt. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "policy_learn.h"

static struct sg_policy *parse(const char *text)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;

	cr_assert_eq(policy_parse(text, strlen(text), "t", &p, &e), 0, "%s", e.msg);
	return p;
}

static const struct sg_action *decide(const struct sg_policy *p, uint32_t arch, int nr,
				      uint64_t a0, uint64_t a1)
{
	uint64_t args[SG_MAX_ARGS] = { a0, a1 };

	return policy_decide(p, arch, nr, args, NULL);
}

Test(policy_learn, writes_sorted_allow_rules_with_counts_and_value_conditions)
{
	struct sg_learn_row rows[] = {
		{ .arch = SCMP_ARCH_X86_64, .nr = __NR_write, .count = 7 },
		{ .arch = SCMP_ARCH_X86_64, .nr = __NR_socket, .count = 3, .arg = 0, .n_values = 2,
		  .values = { 10, 1 } },
		{ .arch = SCMP_ARCH_X86_64, .nr = __NR_close, .count = 1 },
	};
	struct sg_learn_opts o = { .command = "tar\n-cf x", .session = 42, .now_usec = 1000000 };
	struct sg_policy_error e;
	char *text = NULL;
	struct sg_policy *p;

	cr_assert_eq(policy_learn_write(rows, 3, &o, &text, &e), 0, "%s", e.msg);
	cr_expect(strstr(text, "# Learnt by sysgate from session 42 on 1970-01-01T00:00:01Z.\n"
			       "# command: tar?-cf x\n") == text, "%s", text);
	cr_expect(strstr(text, "version 1\narch x86_64\ndefault deny EPERM\n"), "%s", text);
	cr_expect(strstr(text, "\n# 1 call\nclose allow\n\n# 3 calls\nsocket allow if arg0 == 0x1\n"
			       "socket allow if arg0 == 0xa\n\n# 7 calls\nwrite allow\n"), "%s", text);
	p = parse(text);
	cr_expect_eq(decide(p, SCMP_ARCH_X86_64, __NR_write, 0, 0)->kind, SG_ACT_ALLOW);
	cr_expect_eq(decide(p, SCMP_ARCH_X86_64, __NR_socket, 1, 0)->kind, SG_ACT_ALLOW);
	cr_expect_eq(decide(p, SCMP_ARCH_X86_64, __NR_socket, 10, 0)->kind, SG_ACT_ALLOW);
	cr_expect_eq(decide(p, SCMP_ARCH_X86_64, __NR_socket, 2, 0)->kind, SG_ACT_DENY);
	cr_expect_eq(decide(p, SCMP_ARCH_X86_64, __NR_openat, 0, 0)->kind, SG_ACT_DENY);
	cr_expect_eq(decide(p, SCMP_ARCH_X86_64, __NR_openat, 0, 0)->err, EPERM);
	policy_free(p);
	free(text);
}

Test(policy_learn, too_many_values_or_overflow_gives_an_unconditional_rule)
{
	struct sg_learn_row rows[2] = {
		{ .arch = SCMP_ARCH_X86_64, .nr = __NR_ioctl, .count = 40, .arg = 1,
		  .n_values = SG_LEARN_KEEP_MAX, .overflow = true },
		{ .arch = SCMP_ARCH_X86_64, .nr = __NR_prctl, .count = 2, .arg = 0, .n_values = 1,
		  .values = { 15 } },
	};
	struct sg_policy_error e;
	char *text = NULL;

	for (unsigned i = 0; i < SG_LEARN_KEEP_MAX; i++)
		rows[0].values[i] = i;
	cr_assert_eq(policy_learn_write(rows, 2, NULL, &text, &e), 0, "%s", e.msg);
	cr_expect(strstr(text, "\nioctl allow\n"), "%s", text);
	cr_expect(strstr(text, "more than 16 distinct arg1 values"), "%s", text);
	cr_expect(strstr(text, "\nprctl allow if arg0 == 0xf\n"), "%s", text);
	free(text);
}

Test(policy_learn, merges_arches_and_takes_the_default_given)
{
	struct sg_learn_row rows[] = {
		{ .arch = SCMP_ARCH_X86_64, .nr = __NR_getppid, .count = 2 },
		{ .arch = SCMP_ARCH_X86, .nr = 64 /* getppid on i386 */, .count = 3 },
		{ .arch = SCMP_ARCH_X86_64, .nr = 100000, .count = 1 }, /* no name */
		/* libseccomp names its pseudo number -10036 'oldolduname': no rule (fuzzing) */
		{ .arch = SCMP_ARCH_X86_64, .nr = -10036, .count = 1 },
	};
	struct sg_learn_opts o = { .def = "kill" };
	struct sg_policy_error e;
	char *text = NULL;
	struct sg_policy *p;

	cr_assert_eq(policy_learn_write(rows, 4, &o, &text, &e), 0, "%s", e.msg);
	cr_expect(strstr(text, "arch x86_64 x86\ndefault kill\n"), "%s", text);
	cr_expect(strstr(text, "\n# 5 calls\ngetppid allow\n"), "%s", text);
	cr_expect(strstr(text, "# 2 syscall numbers without a name stay denied.\n"), "%s", text);
	p = parse(text);
	cr_expect_eq(decide(p, SCMP_ARCH_X86, 64, 0, 0)->kind, SG_ACT_ALLOW);
	cr_expect_eq(decide(p, SCMP_ARCH_X86_64, __NR_getpid, 0, 0)->kind, SG_ACT_KILL);
	policy_free(p);
	free(text);
}

Test(policy_learn, refuses_a_bad_default_and_nothing_learnt)
{
	struct sg_learn_row row = { .arch = SCMP_ARCH_X86_64, .nr = __NR_write, .count = 1 };
	struct sg_learn_opts o = { .def = "deny EWHAT" };
	struct sg_policy_error e;
	char *text = NULL;

	cr_expect_eq(policy_learn_write(&row, 1, &o, &text, &e), -EINVAL);
	cr_expect(strstr(e.msg, "EWHAT"), "%s", e.msg);
	cr_expect_eq(policy_learn_check_default("allow\ndefault kill", &e), -EINVAL);
	cr_expect_eq(policy_learn_check_default("deny EACCES", &e), 0);
	cr_expect_eq(policy_learn_write(&row, 0, NULL, &text, &e), -ENOENT);
	cr_expect_null(text);
}
