/* SPDX-License-Identifier: MIT */
/* lib/names.c: errno, arch, syscall and action names. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <linux/audit.h>

#include "policy.h"

Test(names, errno_by_name_and_number)
{
	cr_assert_eq(errno_from_string("EPERM"), EPERM);
	cr_assert_eq(errno_from_string("EACCES"), EACCES);
	cr_assert_eq(errno_from_string("EHWPOISON"), EHWPOISON);
	cr_assert_eq(errno_from_string("EWOULDBLOCK"), EAGAIN);
	cr_assert_eq(errno_from_string("ENOTSUP"), EOPNOTSUPP);
	cr_assert_eq(errno_from_string("EDEADLOCK"), EDEADLK);
	cr_assert_eq(errno_from_string("13"), 13);
	cr_assert_eq(errno_from_string("0x0d"), 13);
	cr_assert_eq(errno_from_string("015"), 13);
	cr_assert_eq(errno_from_string("4095"), 4095);
	cr_assert_eq(errno_from_string("4096"), -EINVAL);
	cr_assert_eq(errno_from_string("0"), -EINVAL);
	cr_assert_eq(errno_from_string("-1"), -EINVAL);
	cr_assert_eq(errno_from_string("1x"), -EINVAL);
	cr_assert_eq(errno_from_string("EFOO"), -EINVAL);
	cr_assert_eq(errno_from_string("eperm"), -EINVAL);
	cr_assert_eq(errno_from_string(""), -EINVAL);
	cr_assert_eq(errno_from_string(NULL), -EINVAL);
}

Test(names, every_errno_round_trips)
{
	/* 1..133 are all defined on Linux except 41 and 58 (never used). */
	for (int e = 1; e <= EHWPOISON; e++) {
		const char *name = errno_to_name(e);

		if (e == 41 || e == 58) {
			cr_assert_null(name, "errno %d has name %s", e, name);
			continue;
		}
		cr_assert_not_null(name, "errno %d has no name", e);
		cr_assert_eq(errno_from_string(name), e, "%s", name);
	}
	cr_assert_str_eq(errno_to_name(EAGAIN), "EAGAIN");
	cr_assert_str_eq(errno_to_name(EOPNOTSUPP), "EOPNOTSUPP");
	cr_assert_null(errno_to_name(0));
	cr_assert_null(errno_to_name(4095));
}

Test(names, arches)
{
	uint32_t a[SG_MAX_ARCHES];

	cr_assert_eq(arch_from_name("x86_64"), SCMP_ARCH_X86_64);
	cr_assert_eq(arch_from_name("x86"), SCMP_ARCH_X86);
	cr_assert_eq(arch_from_name("i386"), SCMP_ARCH_X86);
	cr_assert_eq(arch_from_name("x32"), SCMP_ARCH_X32);
	cr_assert_eq(arch_from_name("amd64"), 0);
	cr_assert_eq(arch_from_name(NULL), 0);
	cr_assert_str_eq(arch_to_name(AUDIT_ARCH_X86_64), "x86_64");
	cr_assert_str_eq(arch_to_name(AUDIT_ARCH_I386), "x86");
	cr_assert_str_eq(arch_to_name(SCMP_ARCH_X32), "x32");
	cr_assert_null(arch_to_name(AUDIT_ARCH_AARCH64));
	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		cr_skip_test("arch defaults are only specified on x86_64");
	cr_assert_eq(arch_defaults(a), 3);
	cr_assert_eq(a[0], SCMP_ARCH_X86_64);
	cr_assert_eq(a[1], SCMP_ARCH_X86);
	cr_assert_eq(a[2], SCMP_ARCH_X32);
}

Test(names, syscall_names)
{
	char buf[64];

	cr_assert_str_eq(syscall_name(AUDIT_ARCH_X86_64, 0, buf, sizeof(buf)), "read");
	cr_assert_str_eq(syscall_name(AUDIT_ARCH_X86_64, 257, buf, sizeof(buf)), "openat");
	cr_assert_str_eq(syscall_name(AUDIT_ARCH_I386, 3, buf, sizeof(buf)), "read");
	cr_assert_str_eq(syscall_name(AUDIT_ARCH_I386, 359, buf, sizeof(buf)), "socket");
	/* x32 as the kernel reports it: the x86_64 arch with the x32 bit. */
	cr_assert_str_eq(syscall_name(AUDIT_ARCH_X86_64, 0x40000000 | 514, buf, sizeof(buf)), "ioctl");
	cr_assert_str_eq(syscall_name(SCMP_ARCH_X32, 0x40000000 | 1, buf, sizeof(buf)), "write");
	cr_assert_str_eq(syscall_name(AUDIT_ARCH_X86_64, 9999, buf, sizeof(buf)), "nr_9999");
	cr_assert_str_eq(syscall_name(0, 1, buf, sizeof(buf)), "nr_1");
	cr_assert_str_eq(syscall_name(AUDIT_ARCH_X86_64, 257, buf, 4), "ope");
}

Test(names, action_kinds)
{
	cr_assert_str_eq(action_kind_to_string(SG_ACT_ALLOW), "allow");
	cr_assert_str_eq(action_kind_to_string(SG_ACT_DENY), "deny");
	cr_assert_str_eq(action_kind_to_string(SG_ACT_FAKE), "fake");
	cr_assert_str_eq(action_kind_to_string(SG_ACT_KILL), "kill");
	cr_assert_str_eq(action_kind_to_string(SG_ACT_EMULATE), "emulate");
	cr_assert_null(action_kind_to_string(SG_ACT_MAX));
}
