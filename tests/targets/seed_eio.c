/* SPDX-License-Identifier: MIT */
/*
 * Seed target for "default errno 5": open("/etc/hostname") must fail with EIO.
 * Freestanding, so its only calls are open, write and exit.
 */
#include "freestanding.h"

void seed_eio_main(void) __attribute__((noreturn, used));

FS_ENTRY(seed_eio_main);

void seed_eio_main(void)
{
	long r = fs_syscall2(FS_NR_open, (long)"/etc/hostname", FS_O_RDONLY);

	fs_put_long("open=", r);
	fs_exit(r == -5 ? 0 : 1);
}
