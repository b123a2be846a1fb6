/* SPDX-License-Identifier: MIT */
/*
 * i386_getppid VALUE: built with -m32 -static, a real i386 program (every call
 * of it is on the i386 ABI, its registers the 32-bit layout): calls getppid
 * (raw) and prints "i386 getppid=N" (-errno on failure); exits 0 only when N
 * equals VALUE.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "target.h"

int main(int argc, char **argv)
{
	long expect, r;

	if (argc != 2) {
		fprintf(stderr, "usage: i386_getppid VALUE\n");
		return 2;
	}
	expect = target_parse_long("i386_getppid", "VALUE", argv[1]);
	r = syscall(SYS_getppid, 0);
	if (r == -1)
		r = -errno;
	printf("i386 getppid=%ld\n", r);
	fflush(stdout);
	return r == expect ? 0 : 1;
}
