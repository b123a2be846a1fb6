/* SPDX-License-Identifier: MIT */
/*
 * do_exec [--at] EXPECT PATH [ARG...]: execv PATH (--at: through execveat).  When
 * the exec fails it prints "exec=-1 errno=NAME" and exits 0 only if EXPECT is that
 * errno (name or number); with EXPECT "ok" a successful exec makes PATH's status the
 * result.
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "target.h"

extern char **environ;

int main(int argc, char **argv)
{
	int at = argc > 1 && strcmp(argv[1], "--at") == 0;
	char buf[16];
	int expect, err;

	argc -= at;
	argv += at;
	if (argc < 3) {
		fprintf(stderr, "usage: do_exec [--at] ok|ERRNO PATH [ARG...]\n");
		return 2;
	}
	expect = target_parse_expect("do_exec", argv[1]);
	if (at)
		syscall(SYS_execveat, AT_FDCWD, argv[2], argv + 2, environ, 0);
	else
		execv(argv[2], argv + 2);
	err = errno;
	printf("exec=-1 errno=%s\n", target_errno_name(err, buf, sizeof(buf)));
	fflush(stdout);
	return err == expect ? 0 : 1;
}
