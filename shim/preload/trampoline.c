/* SPDX-License-Identifier: MIT */
/*
 * The preload library's own syscall instructions: the only places from which a
 * trapped syscall may run without trapping again.  The filter's prefix allows a
 * call whose seccomp_data.instruction_pointer (the address after the syscall
 * instruction) is the x86_64/x32 one or the int 0x80 (i386) one.  The code is
 * copied to a page at a fixed address, SG_TRAMP_ADDR, so that an exec'd program
 * under the same inherited filter finds its trampoline at the same address again
 * (the library itself moves with ASLR).  Every syscall the SIGSYS handler makes
 * goes through there.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "preload.h"

__asm__(".text\n"
	".globl sg_tramp_start\n"
	".hidden sg_tramp_start\n"
	"sg_tramp_start:\n"
	".globl sg_tramp64\n"
	".hidden sg_tramp64\n"
	".type sg_tramp64,@function\n"
	"sg_tramp64:\n"
	"\tmov %rdi, %rax\n"
	"\tmov %rsi, %rdi\n"
	"\tmov %rdx, %rsi\n"
	"\tmov %rcx, %rdx\n"
	"\tmov %r8, %r10\n"
	"\tmov %r9, %r8\n"
	"\tmov 8(%rsp), %r9\n"
	"\tsyscall\n"
	".globl sg_tramp64_ret\n"
	".hidden sg_tramp64_ret\n"
	"sg_tramp64_ret:\n"
	"\tret\n"
	".size sg_tramp64, .-sg_tramp64\n"
	".globl sg_tramp32\n"
	".hidden sg_tramp32\n"
	".type sg_tramp32,@function\n"
	"sg_tramp32:\n"
	"\tpush %rbx\n"
	"\tpush %rbp\n"
	"\tmov 24(%rsp), %rbp\n"
	"\tmov %rdi, %rax\n"
	"\tmov %rsi, %rbx\n"
	"\tmov %rcx, %r11\n"
	"\tmov %rdx, %rcx\n"
	"\tmov %r11, %rdx\n"
	"\tmov %r8, %rsi\n"
	"\tmov %r9, %rdi\n"
	"\tint $0x80\n"
	".globl sg_tramp32_ret\n"
	".hidden sg_tramp32_ret\n"
	"sg_tramp32_ret:\n"
	"\tcltq\n"
	"\tpop %rbp\n"
	"\tpop %rbx\n"
	"\tret\n"
	".size sg_tramp32, .-sg_tramp32\n"
	".globl sg_tramp_end\n"
	".hidden sg_tramp_end\n"
	"sg_tramp_end:\n");

extern const char sg_tramp_start[], sg_tramp_end[];
long sg_tramp64(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long sg_tramp32(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern const char sg_tramp64_ret[], sg_tramp32_ret[];
extern const char sg_tramp64_code[] __asm__("sg_tramp64"); /* the same code, as bytes */
extern const char sg_tramp32_code[] __asm__("sg_tramp32");

static void set_fn(sg_sys_fn *fn, const char *code)
{
	uintptr_t addr = (uintptr_t)code;

	_Static_assert(sizeof(*fn) == sizeof(addr), "function pointers are addresses");
	memcpy(fn, &addr, sizeof(addr));
}

/* Until trap_tramp_map(): the library's own copy (used before the filter exists). */
sg_sys_fn sg_sys64 = sg_tramp64;
sg_sys_fn sg_sys32 = sg_tramp32;
uint64_t sg_sys64_ret, sg_sys32_ret;

/* Copy the trampolines to SG_TRAMP_ADDR; see preload.h. */
int trap_tramp_map(void)
{
	size_t len = (size_t)(sg_tramp_end - sg_tramp_start);
	char *page = mmap((void *)SG_TRAMP_ADDR, SG_TRAMP_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (page == MAP_FAILED)
		return -errno;
	if (page != (char *)SG_TRAMP_ADDR || len > SG_TRAMP_SIZE) {
		munmap(page, SG_TRAMP_SIZE);
		return -EADDRINUSE;
	}
	memcpy(page, sg_tramp_start, len);
	if (mprotect(page, SG_TRAMP_SIZE, PROT_READ | PROT_EXEC) < 0)
		return -errno;
	/* The copied code is called through function pointers: set them by value
	 * (ISO C has no conversion from an object pointer; POSIX guarantees the layout). */
	set_fn(&sg_sys64, page + (sg_tramp64_code - sg_tramp_start));
	set_fn(&sg_sys32, page + (sg_tramp32_code - sg_tramp_start));
	sg_sys64_ret = (uint64_t)(uintptr_t)(page + (sg_tramp64_ret - sg_tramp_start));
	sg_sys32_ret = (uint64_t)(uintptr_t)(page + (sg_tramp32_ret - sg_tramp_start));
	return 0;
}
