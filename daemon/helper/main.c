/* SPDX-License-Identifier: MIT */
/* sysgate-helper: become the caller the daemon names, say READY, serve its requests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helper/prog.h"
#include "helper/wire.h"
#include "proto.h"

/* Under AddressSanitizer: no leak check at exit, which would ptrace this process after it
 * made itself not dumpable. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

int main(int argc, char **argv)
{
	struct helper_msg_reply ready;
	uint32_t step = HELPER_STEP_NONE;
	unsigned long join;
	char *end;
	int r;

	if (argc != 2)
		return EXIT_FAILURE;
	errno = 0;
	join = strtoul(argv[1], &end, 10);
	if (errno || *end || join & ~(unsigned long)HELPER_JOIN_ALL)
		return EXIT_FAILURE;
	r = helper_become((unsigned)join, &step);
	helper_encode_reply(&ready, HELPER_MSG_READY, 0, r < 0 ? -r : 0, 0, step);
	if (proto_send(HELPER_FD_SOCK, &ready, sizeof(ready), NULL, 0) < 0 || r < 0)
		return EXIT_FAILURE;
	return helper_serve(HELPER_FD_SOCK) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
