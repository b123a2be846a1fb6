/*
 * SPDX-License-Identifier: MIT
 *
 * The other ABIs of an x86_64 process (issue 13, invariant 3): a native
 * `mknod, mknodat deny` rule, and a target making its FIFO through the i386 entry
 * (int 0x80 from a 64-bit program; a real -m32 program through its libc) and the
 * x32 entry (nr | 0x40000000).  This kernel has no x32 ABI (an x32 number fails
 * ENOSYS without sysgate), but the entry still reaches seccomp, with the x86_64
 * arch and the x32 bit in the number.  The policy covers all three ABIs: the i386
 * and x32 calls get its deny and are recorded with their arch; a policy limited
 * to `arch x86_64` kills them.  Nothing is ever made.  Run per mechanism.
 */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

TestSuite(abi_entry, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 90);

static const char *nomknod(const char *arch)
{
	return sg_policy("nomknod", sg_strf("version 1\n%sdefault allow\n"
					    "mknod, mknodat deny EACCES\n", arch));
}

/* A directory for the FIFOs the attack tries to make. */
static const char *fifo_dir(void)
{
	const char *dir = sg_strf("%s/fifos", sg_dir());

	cr_assert_eq(mkdir(dir, 0755), 0);
	return dir;
}

/* Fail listing what the attack made in dir, if anything. */
static void expect_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	cr_assert_not_null(d);
	while ((de = readdir(d)))
		cr_expect(strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0,
			  "the attack made %s/%s", dir, de->d_name);
	closedir(d);
}

/* A deny record of SYSCALL made through ARCH's entry. */
static void expect_record(const char *arch, const char *syscall)
{
	cr_expect_not_null(sg_audit_wait("event", "syscall", "arch", arch, "syscall", syscall,
					 "verdict", "deny", "errno_name", "EACCES", NULL),
			   "no deny record of %s %s:\n%s", arch, syscall, sg_jtext(sg_audit()));
}

/* abi_entry under nomknod(arch) prints want and makes nothing. */
static void doors(const char *arch, const char *want)
{
	const char *dir = fifo_dir();
	struct sg_result *r = sg_shim(nomknod(arch), sg_bin("tests/attack/abi_entry"), dir, "20",
				      NULL);

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, want, "%s\ngot:\n%s\nstderr:\n%s", r->cmd, r->out, r->err);
	expect_empty(dir);
}

Test(abi_entry, i386_and_x32_doors_of_a_64_bit_program_get_the_native_deny)
{
	/* the x32-only number is no rule's: the kernel's own ENOSYS; i386 133 is fchdir */
	doors("", "i386-mknod=-1 errno=EACCES\n"
		  "i386-mknodat=-1 errno=EACCES\n"
		  "x32-mknod=-1 errno=EACCES\n"
		  "x32-mknodat=-1 errno=EACCES\n"
		  "x32-ni=-1 errno=ENOSYS\n"
		  "native-as-i386=-1 errno=EBADF\n");
	expect_record("x86", "mknod");
	expect_record("x86", "mknodat");
	expect_record("x32", "mknod");
	expect_record("x32", "mknodat");
}

Test(abi_entry, a_policy_of_x86_64_only_kills_the_other_doors)
{
	doors("arch x86_64\n", "i386-mknod=killed SYS\n"
				"i386-mknodat=killed SYS\n"
				"x32-mknod=killed SYS\n"
				"x32-mknodat=killed SYS\n"
				"x32-ni=killed SYS\n"
				"native-as-i386=killed SYS\n");
}

Test(abi_entry, a_real_i386_program_is_denied_through_its_libc)
{
	const char *prog = sg_strf("%s/tests/attack/abi_entry32", getenv("SG_BUILD_ROOT"));
	const char *dir;
	struct sg_result *r;

	sg_skip_mechanism("trap", "LD_PRELOAD cannot reach an i386 program (sysgate-run "
			  "refuses it under trap)");
	if (access(prog, X_OK) != 0)
		sg_skip("no abi_entry32: the compiler cannot build static -m32 programs "
			"(gcc-multilib)");
	dir = fifo_dir();
	r = sg_shim(nomknod(""), prog, dir, NULL);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "i386-libc-mknod=-1 errno=EACCES\n"
				 "i386-libc-mknodat=-1 errno=EACCES\n",
			 "%s\ngot:\n%s\nstderr:\n%s", r->cmd, r->out, r->err);
	expect_empty(dir);
	expect_record("x86", "mknod");
	expect_record("x86", "mknodat");
}
