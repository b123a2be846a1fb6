/* SPDX-License-Identifier: MIT */
/*
 * do_exec EXPECT PATH [ARG...]: execv PATH.  When the exec fails it prints
 * "exec=-1 errno=NAME" and exits 0 only if EXPECT is that errno (name or
 * number); with EXPECT "ok" a successful exec makes PATH's status the result.
 */
#include <unistd.h>

#include "target.h"

int main(int argc, char **argv)
{
	char buf[16];
	int expect, err;

	if (argc < 3) {
		fprintf(stderr, "usage: do_exec ok|ERRNO PATH [ARG...]\n");
		return 2;
	}
	expect = target_parse_expect("do_exec", argv[1]);
	execv(argv[2], argv + 2);
	err = errno;
	printf("exec=-1 errno=%s\n", target_errno_name(err, buf, sizeof(buf)));
	fflush(stdout);
	return err == expect ? 0 : 1;
}
