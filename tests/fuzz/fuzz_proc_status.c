/* SPDX-License-Identifier: MIT */
/* Fuzzes the daemon's reader of /proc/PID/status (proc_status_parse), whose Name: line the
 * supervised task writes itself. */
#include <string.h>

#include "fuzz.h"
#include "proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_status st;

	memset(&st, 0, sizeof(st));
	proc_status_parse((const char *)data, size, &st);
	FUZZ_CHECK(st.n_nspid <= SG_NSPID_MAX, "%u pids", st.n_nspid);
	FUZZ_CHECK(!(st.have & ~(unsigned)(PROC_HAVE_TGID | PROC_HAVE_PPID | PROC_HAVE_UID |
					     PROC_HAVE_GID | PROC_HAVE_NSPID)),
		   "have %#x", st.have);
	return 0;
}
