/* SPDX-License-Identifier: MIT */
/*
 * socketcall32 FAMILY: an i386 program (built with -m32) making socket(FAMILY,
 * SOCK_DGRAM, 0) twice: through socketcall(2), whose arguments are in memory, then
 * through the direct socket syscall.  Prints "socketcall=..." and "socket=...";
 * exits 0 when it ran to the end.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "attack.h"

#define SOCKETCALL_SOCKET 1 /* SYS_SOCKET of <linux/net.h> */

int main(int argc, char **argv)
{
	unsigned long args[3] = { 0, SOCK_DGRAM | SOCK_CLOEXEC, 0 };
	long r;

	if (argc != 2) {
		fprintf(stderr, "usage: socketcall32 FAMILY\n");
		return 2;
	}
	args[0] = strtoul(argv[1], NULL, 0);
	r = syscall(SYS_socketcall, SOCKETCALL_SOCKET, args);
	attack_report("socketcall", r, errno);
	r = syscall(SYS_socket, (int)args[0], SOCK_DGRAM | SOCK_CLOEXEC, 0);
	attack_report("socket", r, errno);
	return 0;
}
