/* SPDX-License-Identifier: MIT */
/*
 * What the daemon and its clients agree on outside the wire format: where the
 * daemon listens by default, the group that may connect, and the limits a peer
 * can run into (sysgate-run and the benchmarks size themselves by these).
 */
#pragma once

#define SG_DEFAULT_SOCKET "/run/sysgate/sysgate.sock"
#define SG_DEFAULT_AUDIT_LOG "/var/log/sysgate/audit.log"
#define SG_SOCKET_GROUP "sysgate"

#define SG_CONNS_MAX 1024         /* control connections at once */
#define SG_CONNS_PER_UID 64       /* ... of one non-root uid */
#define SG_SESSIONS_MAX 1024      /* sessions at once */
#define SG_SESSIONS_PER_UID 256   /* ... of one non-root uid */
#define SG_REASON_MAX 1024        /* an ERROR reply's reason */
#define SG_POLICY_NAME_MAX 4096   /* a policy's name (REGISTER, policy load), NUL included */
