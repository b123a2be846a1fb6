/* SPDX-License-Identifier: MIT */
/*
 * shim/preload/trampoline.c: the x86_64 and int 0x80 syscall trampolines (raw results,
 * six arguments in the right registers), their copy at the fixed address, and, under a
 * real filter, that a call is exempt exactly when made from the copy's instruction.
 * Each test runs in its own process; the live ones in a forked child.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "preload.h"

#define I386_GETPID 20
#define I386_GETPPID 64
#define I386_MMAP2 192

/* Whether this kernel runs int 0x80 from a 64-bit process (IA32 emulation). */
static bool has_int80(void)
{
	pid_t pid = fork();
	int st;

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(sg_sys32(I386_GETPID, 0, 0, 0, 0, 0, 0) == (long)getpid() ? 0 : 1);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

Test(preload_trampoline, calls_return_the_raw_result_and_keep_errno)
{
	errno = 1234;
	cr_expect_eq(sg_sys64(__NR_getpid, 0, 0, 0, 0, 0, 0), getpid());
	cr_expect_eq(sg_sys64(__NR_close, -1, 0, 0, 0, 0, 0), -EBADF);
	cr_expect_eq(sg_sys64(9999, 0, 0, 0, 0, 0, 0), -ENOSYS);
	cr_expect_eq(errno, 1234);
	if (!has_int80())
		cr_skip_test("no IA32 emulation: int 0x80 does not run here");
	cr_expect_eq(sg_sys32(I386_GETPID, 0, 0, 0, 0, 0, 0), getpid());
	cr_expect_eq(sg_sys32(6 /* close */, -1, 0, 0, 0, 0, 0), -EBADF);
	cr_expect_eq(errno, 1234);
}

/* mmap of a memfd's second page (fd and offset are the fifth and sixth arguments):
 * every argument must land in its register. */
static void expect_six_arguments(bool i386)
{
	int fd = memfd_create("six", MFD_CLOEXEC);
	char page[4096];
	long addr;

	cr_assert_geq(fd, 0);
	memset(page, 'a', sizeof(page));
	cr_assert_eq(pwrite(fd, page, sizeof(page), 0), (ssize_t)sizeof(page));
	memset(page, 'b', sizeof(page));
	cr_assert_eq(pwrite(fd, page, sizeof(page), 4096), (ssize_t)sizeof(page));
	if (i386) { /* mmap2's offset is in pages; the address is eax, sign-extended */
		addr = sg_sys32(I386_MMAP2, 0, 4096, PROT_READ, MAP_SHARED, fd, 1);
		if (addr < -4095 || addr >= 0)
			addr = (long)(uint32_t)addr;
	} else
		addr = sg_sys64(__NR_mmap, 0, 4096, PROT_READ, MAP_SHARED, fd, 4096);
	cr_assert(addr > 0 || addr < -4095, "mmap: %ld", addr);
	cr_expect_eq(*(const char *)addr, 'b', "the offset went in");
	cr_expect_eq(((const char *)addr)[4095], 'b');
	munmap((void *)addr, 4096);
	close(fd);
}

Test(preload_trampoline, six_arguments_in_their_registers)
{
	expect_six_arguments(false);
	if (!has_int80())
		cr_skip_test("no IA32 emulation: int 0x80 does not run here");
	expect_six_arguments(true);
}

Test(preload_trampoline, the_copy_sits_at_the_fixed_address)
{
	const unsigned char *ret64, *ret32;
	void *again;

	cr_assert_eq(trap_tramp_map(), 0);
	ret64 = (const unsigned char *)(uintptr_t)sg_sys64_ret;
	ret32 = (const unsigned char *)(uintptr_t)sg_sys32_ret;
	cr_expect(sg_sys64_ret > SG_TRAMP_ADDR && sg_sys64_ret < SG_TRAMP_ADDR + SG_TRAMP_SIZE);
	cr_expect(sg_sys32_ret > SG_TRAMP_ADDR && sg_sys32_ret < SG_TRAMP_ADDR + SG_TRAMP_SIZE);
	/* the exempt pointers are just past the syscall instructions */
	cr_expect(ret64[-2] == 0x0f && ret64[-1] == 0x05, "not after 'syscall'");
	cr_expect(ret32[-2] == 0xcd && ret32[-1] == 0x80, "not after 'int $0x80'");
	cr_expect_eq(sg_sys64(__NR_getpid, 0, 0, 0, 0, 0, 0), getpid(), "the copy runs");
	cr_expect_eq(sg_sys64(__NR_close, -1, 0, 0, 0, 0, 0), -EBADF);
	expect_six_arguments(false);
	/* read and execute only */
	{
		FILE *f = fopen("/proc/self/maps", "r");
		char line[512], want[32];
		bool found = false;

		cr_assert_not_null(f);
		snprintf(want, sizeof(want), "%lx-", SG_TRAMP_ADDR);
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, want, strlen(want)) == 0) {
				found = true;
				cr_expect(strstr(line, " r-xp "), "%s", line);
			}
		fclose(f);
		cr_expect(found, "no mapping at the fixed address");
	}
	/* the address is taken now: a second copy is refused */
	cr_expect_eq(trap_tramp_map(), -EEXIST);
	again = mmap((void *)SG_TRAMP_ADDR, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		     MAP_FIXED_NOREPLACE, -1, 0);
	cr_expect_eq(again, MAP_FAILED);
}

Test(preload_trampoline, a_taken_fixed_address_is_refused)
{
	void *p = mmap((void *)SG_TRAMP_ADDR, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);

	cr_assert_eq(p, (void *)SG_TRAMP_ADDR);
	cr_expect_eq(trap_tramp_map(), -EEXIST);
	cr_expect_eq(sg_sys64_ret, 0, "the exempt pointers stay unset");
	munmap(p, 4096);
}

/* The same code at the library's own address (hidden, but in this program). */
long sg_tramp64(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long sg_tramp32(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* In a child: getppid fails with errno 77 under a filter, unless made from the exempt
 * instruction of the copy; 0 when so, else the number of the check that failed. */
static int child_under_filter(bool i386)
{
	struct sock_filter deny[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)), /* 0 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 2),            /* 1 */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),   /* 2 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 4, 3),                 /* 3 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 2),              /* 4 */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),   /* 5 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_GETPPID, 1, 0),                 /* 6 */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),                            /* 7 */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 77),                       /* 8 */
	};
	struct sock_filter *joined;
	struct sock_fprog fp;
	size_t n;
	long ppid = getppid();

	if (trap_tramp_map() < 0 ||
	    trap_filter_join(deny, sizeof(deny) / sizeof(deny[0]), sg_sys64_ret, sg_sys32_ret,
			     &joined, &n) < 0)
		return 1;
	fp = (struct sock_fprog){ .len = (unsigned short)n, .filter = joined };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
		return 2;
	if (syscall(__NR_getppid) != -1 || errno != 77)
		return 3; /* the filter works */
	if (sg_sys64(__NR_getppid, 0, 0, 0, 0, 0, 0) != ppid)
		return 4; /* the copy is exempt */
	if (sg_tramp64(__NR_getppid, 0, 0, 0, 0, 0, 0) != -77)
		return 5; /* the same instruction elsewhere is not */
	if (i386 && sg_sys32(I386_GETPPID, 0, 0, 0, 0, 0, 0) != ppid)
		return 6;
	if (i386 && sg_tramp32(I386_GETPPID, 0, 0, 0, 0, 0, 0) != -77)
		return 7;
	return 0;
}

Test(preload_trampoline, only_the_copy_s_instructions_are_exempt)
{
	bool i386 = has_int80();
	pid_t pid = fork();
	int st;

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(child_under_filter(i386));
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check %d failed (status 0x%x)",
		  WIFEXITED(st) ? WEXITSTATUS(st) : -1, (unsigned)st);
}
