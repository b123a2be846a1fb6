/* SPDX-License-Identifier: MIT */
/*
 * stepper: makes one raw system call per line read from standard input, so a
 * test can change a session between two calls.  Lines: "getppid", "getpid",
 * "getuid", "getgid", "umask"; each prints "NAME = VALUE" or "NAME = -1
 * errno=NAME" and is flushed.  Exits 0 at end of input, 2 on an unknown line.
 */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "target.h"

int main(void)
{
	static const struct {
		const char *name;
		long nr;
	} calls[] = {
		{ "getppid", SYS_getppid }, { "getpid", SYS_getpid }, { "getuid", SYS_getuid },
		{ "getgid", SYS_getgid },   { "umask", SYS_umask },
	};
	char line[64];

	while (fgets(line, sizeof(line), stdin)) {
		size_t i;
		char buf[16];
		long v;

		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			if (strcmp(line, calls[i].name) == 0)
				break;
		if (i == sizeof(calls) / sizeof(calls[0])) {
			fprintf(stderr, "stepper: unknown call '%s'\n", line);
			return 2;
		}
		errno = 0;
		v = syscall(calls[i].nr, calls[i].nr == SYS_umask ? 022 : 0);
		if (v == -1 && errno)
			printf("%s = -1 errno=%s\n", line, target_errno_name(errno, buf, sizeof(buf)));
		else
			printf("%s = %ld\n", line, v);
		fflush(stdout);
	}
	return 0;
}
