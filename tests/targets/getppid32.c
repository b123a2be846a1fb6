/* SPDX-License-Identifier: MIT */
/*
 * A real i386 program (gcc -m32): prints what getppid() returned, exits 0 when
 * that is argv[1] (the policy's fake value).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long p = (long)getppid();

	printf("getppid=%ld\n", p);
	return argc == 2 && p == strtol(argv[1], NULL, 10) ? 0 : 1;
}
