/* SPDX-License-Identifier: MIT */
/*
 * Seed target for "default kill" with "dup2 allow if arg0 == 1 and arg1 == 2":
 * dup2(1, 2) must succeed, dup2(2, 42) must get the process killed.
 * Freestanding, so its only calls are dup2, write and exit.
 */
#include "freestanding.h"

void seed_dup2_main(void) __attribute__((noreturn, used));

FS_ENTRY(seed_dup2_main);

void seed_dup2_main(void)
{
	long r = fs_syscall2(FS_NR_dup2, 1, 2);

	if (r != 2) {
		fs_put_long("dup2(1, 2)=", r);
		fs_exit(1);
	}
	fs_puts("dup2 ok\n");
	r = fs_syscall2(FS_NR_dup2, 2, 42);
	fs_put_long("survived: dup2(2, 42)=", r);
	fs_exit(3);
}
