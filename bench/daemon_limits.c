/* SPDX-License-Identifier: MIT */
/*
 * How many sessions the daemon under test lets one user hold at once: read from
 * proto/sysgate.h at compile time, so the bench follows the daemon's limits.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"
#include "sysgate.h"

/* The largest number of concurrent sessions of this uid, at most want; why in why. */
int bench_max_sessions(int want, char *why, size_t size)
{
	int sessions = getuid() == 0 ? SG_SESSIONS_MAX : SG_SESSIONS_PER_UID;
	int conns = getuid() == 0 ? SG_CONNS_MAX : SG_CONNS_PER_UID;
	struct rlimit rl = { 0 };
	long fds;
	int n = want;

	/* each sysgate-run keeps its control connection for the session's lifetime */
	snprintf(why, size, "%s: %d sessions and %d connections (proto/sysgate.h)",
		 getuid() == 0 ? "as root the global limits apply" : "a non-root uid's limits apply",
		 sessions, conns);
	if (n > sessions)
		n = sessions;
	if (n > conns)
		n = conns;
	/* the daemon keeps 4 fds per session (listener, target pidfd, connection and its
	 * pidfd), this program 2 (the target's pipes); both have this RLIMIT_NOFILE */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		fds = ((long)rl.rlim_cur - 64) / 4;
		if (fds < n) {
			n = fds < 0 ? 0 : (int)fds;
			snprintf(why, size, "RLIMIT_NOFILE %ld allows %d", (long)rl.rlim_cur, n);
		}
	}
	return n;
}
