/* SPDX-License-Identifier: MIT */
/* Fuzzes sysgate-run's ELF header check of a trap command (trap_check_exec): the input is the
 * file it reads; anything but 0 or -ENOEXEC is a bug. */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "shim.h"

/* trap_env.c's messages: the harness keeps quiet (log.c prints them). */
int shim_err(int r, const char *fmt, ...)
{
	(void)fmt;
	return r;
}

void shim_info(const char *fmt, ...)
{
	(void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-exec", MFD_CLOEXEC), r;
	char path[64];

	FUZZ_CHECK(fd >= 0, "memfd_create");
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "write");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = trap_check_exec(path);
	FUZZ_CHECK(r == 0 || r == -ENOEXEC, "%d", r);
	close(fd);
	return 0;
}
