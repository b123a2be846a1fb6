/* SPDX-License-Identifier: MIT */
/* bench-target CALL N: make N raw calls of getppid or getpid, print the mean ns per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	long nr, n;
	char *end;

	if (argc != 3 || (strcmp(argv[1], "getppid") != 0 && strcmp(argv[1], "getpid") != 0)) {
		fprintf(stderr, "usage: bench-target getppid|getpid N\n");
		return 2;
	}
	n = strtol(argv[2], &end, 10);
	if (*end || n <= 0) {
		fprintf(stderr, "bench-target: bad count '%s'\n", argv[2]);
		return 2;
	}
	nr = strcmp(argv[1], "getppid") == 0 ? SYS_getppid : SYS_getpid;
	syscall(nr); /* warm up */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(nr);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n);
	return 0;
}
