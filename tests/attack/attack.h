/* SPDX-License-Identifier: MIT */
/* Helpers shared by the attack programs: raw results printed as the tests expect them. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Print "WHAT=ok" for r >= 0, else "WHAT=-1 errno=NAME" (err: the errno); then flush,
 * so that a later fork or exec does not print it twice or lose it. */
static inline void attack_report(const char *what, long r, int err)
{
	const char *n = strerrorname_np(err);

	if (r >= 0)
		printf("%s=ok\n", what);
	else if (n)
		printf("%s=-1 errno=%s\n", what, n);
	else
		printf("%s=-1 errno=%d\n", what, err);
	fflush(stdout);
}

/* Read exactly size bytes (a pipe message); -1 on EOF or error. */
static inline int attack_read(int fd, void *buf, size_t size)
{
	size_t n = 0;

	while (n < size) {
		ssize_t k = read(fd, (char *)buf + n, size - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		n += (size_t)k;
	}
	return 0;
}
