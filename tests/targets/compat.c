/* SPDX-License-Identifier: MIT */
/*
 * compat VALUE: call getppid through the i386 entry (int 0x80, nr 64) of a
 * 64-bit process and print the raw result ("int80 getppid=N", -errno on
 * failure); exits 0 only when it equals VALUE.  x86_64 only.
 */
#include "target.h"

#define I386_NR_getppid 64

int main(int argc, char **argv)
{
	long expect, r;

	if (argc != 2) {
		fprintf(stderr, "usage: compat VALUE\n");
		return 2;
	}
	expect = target_parse_long("compat", "VALUE", argv[1]);
	__asm__ volatile("int $0x80" : "=a"(r) : "a"((long)I386_NR_getppid) : "memory");
	printf("int80 getppid=%ld\n", r);
	fflush(stdout);
	return r == expect ? 0 : 1;
}
