/* SPDX-License-Identifier: MIT */
/* sysgate-bench: the kernel's limits (raw.c) and sysgate's paths (sysgate.c), one run. */
#pragma once

#include <stdbool.h>

/* raw.c */

/* Mean ns per call of syscall nr over n calls, in this process. */
double time_calls(long nr, long n);
/* getpid under a filter with only a default ALLOW; 0 or negative errno. */
int raw_allow(long n, double *ret_ns);
/* getppid routed by USER_NOTIF, answered by a dedicated process; *ret_sync says
 * whether SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP was accepted. */
int raw_notify(long n, double *ret_ns, bool *ret_sync);

/* sysgate.c */

struct sg_bench {
	const char *build;  /* the meson build directory */
	char dir[64];       /* private temporary directory */
	int daemon;         /* sysgated's pid, 0 when not running */
};

/* Start sysgated on a socket in a new temporary directory; 0 or negative errno. */
int sg_bench_start(struct sg_bench *b);
/* Stop the daemon, remove the directory. */
void sg_bench_stop(struct sg_bench *b);
/* Run bench-target CALL n under sysgate-run with the policy text; 0 and *ret_ns. */
int sg_bench_run(struct sg_bench *b, const char *policy, const char *call, long n,
		 double *ret_ns);
