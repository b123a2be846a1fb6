/* SPDX-License-Identifier: MIT */
/*
 * abi_entry32 DIR: an i386 program (built with -m32 -static: its libc enters the
 * kernel through the vDSO, sysenter or syscall, not only int 0x80) making a FIFO
 * in DIR with mknod (DIR/i386-libc-mknod) and mknodat (DIR/i386-libc-mknodat).
 * Prints "NAME=ok" or "NAME=-1 errno=E" for each; exits 0 when it ran to the end.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "attack.h"

int main(int argc, char **argv)
{
	char path[4096];
	long r;

	if (argc != 2) {
		fprintf(stderr, "usage: abi_entry32 DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/i386-libc-mknod", argv[1]);
	r = syscall(SYS_mknod, path, S_IFIFO | 0600, 0);
	attack_report("i386-libc-mknod", r, errno);
	snprintf(path, sizeof(path), "%s/i386-libc-mknodat", argv[1]);
	r = syscall(SYS_mknodat, AT_FDCWD, path, S_IFIFO | 0600, 0);
	attack_report("i386-libc-mknodat", r, errno);
	return 0;
}
