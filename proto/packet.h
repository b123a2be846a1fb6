/* SPDX-License-Identifier: MIT */
/*
 * The sysgate wire protocol's bytes (proto.h has the decoded message and the functions):
 * AF_UNIX SOCK_SEQPACKET, one message per packet.
 * Every packet is a fixed header, a fixed struct per type, then the type's
 * variable parts (NUL-terminated strings whose lengths, NUL included, are in the
 * fixed struct).  File descriptors travel with SCM_RIGHTS.  Fixed-width fields
 * only; host byte order (both ends are on one machine).  proto/ moves bytes: no
 * policy, no I/O loop, no logging.  Decoders never trust a length.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SG_PROTO_MAGIC 0x53475431u /* "SGT1" */
#define SG_PROTO_VERSION 1
#define SG_MSG_MAX (128 * 1024)  /* largest packet, header included */
#define SG_MSG_FDS_MAX 4         /* most fds accepted with one packet */
#define SG_STR_MAX (100 * 1024)  /* longest string field, NUL included */
#define SG_NCOUNTS 6             /* verdict counters per row, indexed by enum sg_count */

enum sg_msg_type {
	SG_MSG_NONE = 0,
	SG_MSG_HELLO,        /* peer -> daemon: role; reply ACK or ERROR */
	SG_MSG_ACK,          /* daemon -> peer: success, with a value (e.g. session id) */
	SG_MSG_ERROR,        /* daemon -> peer: negative errno and a reason */
	SG_MSG_REGISTER,     /* shim -> daemon: a session; 1 fd (the listener); reply ACK(id) */
	SG_MSG_STATUS_REQ,   /* client -> daemon: reply STATUS */
	SG_MSG_STATUS,       /* daemon -> client */
	SG_MSG_SESSIONS_REQ, /* client -> daemon: reply SESSION* then END */
	SG_MSG_SESSION_REQ,  /* client -> daemon: one session; reply SESSION or ERROR */
	SG_MSG_SESSION,      /* daemon -> client: one session */
	SG_MSG_STATS_REQ,    /* client -> daemon: per-syscall counts; reply STAT* then END */
	SG_MSG_STAT,         /* daemon -> client: one (session, arch, syscall) row */
	SG_MSG_END,          /* daemon -> client: end of a list reply */
	SG_MSG_SUBSCRIBE,    /* client -> daemon: stream records; reply ACK then RECORD* */
	SG_MSG_RECORD,       /* daemon -> client: one audit record, a JSON object */
	SG_MSG_TRAP_CALL,    /* trap shim -> daemon: one trapped call; reply TRAP_VERDICT */
	SG_MSG_TRAP_VERDICT, /* daemon -> trap shim: what to do with it */
	SG_MSG_SESSION_MODE, /* client -> daemon: switch a session audit/enforce; reply ACK or ERROR */
	SG_MSG_POLICY_LOAD,  /* client -> daemon: replace a session's policy; reply ACK or ERROR */
	SG_MSG_LEARN_REQ,    /* shim/client -> daemon: what a session did; reply LEARN_ROW* END or ERROR */
	SG_MSG_LEARN_ROW,    /* daemon -> peer: one (arch, nr) a session called */
	SG_MSG_KILLED,       /* daemon -> shim: the policy kills the shim's child now (sent first) */
	SG_MSG_TYPE_MAX
};

enum sg_role {
	SG_ROLE_NONE = 0,
	SG_ROLE_SHIM,   /* registers sessions */
	SG_ROLE_CLIENT, /* queries and steers */
	SG_ROLE_MAX
};

enum sg_mechanism {
	SG_MECH_NOTIFY = 0, /* SECCOMP_RET_USER_NOTIF */
	SG_MECH_TRACE,      /* SECCOMP_RET_TRACE, daemon as ptracer */
	SG_MECH_TRAP,       /* SECCOMP_RET_TRAP, in-process SIGSYS shim */
	SG_MECH_MAX
};

/* Indices of the counters in sg_msg_session.counts and sg_msg_stat.counts. */
enum sg_count {
	SG_COUNT_ALLOW = 0,
	SG_COUNT_DENY,
	SG_COUNT_FAKE,
	SG_COUNT_KILL,
	SG_COUNT_EMULATE,
	SG_COUNT_AUDIT, /* would-deny, allowed in audit mode */
};

enum sg_session_state {
	SG_SESSION_STARTING = 0, /* registered, the command not yet exec'd */
	SG_SESSION_RUNNING,
	SG_SESSION_STATE_MAX
};

/* sg_msg_session.flags: how the session is supervised now. */
enum sg_session_flags {
	SG_SESSION_AUDIT = 1 << 0,      /* audit mode: would-be denials allowed and recorded */
	SG_SESSION_ROUTES_ALL = 1 << 1, /* its filter routes every call (swappable, learnable) */
	SG_SESSION_LEARNING = 1 << 2,   /* sysgate-run --learn */
	SG_SESSION_KNOWN = SG_SESSION_AUDIT | SG_SESSION_ROUTES_ALL | SG_SESSION_LEARNING,
};

struct sg_hdr {
	uint32_t magic;   /* SG_PROTO_MAGIC */
	uint16_t version; /* SG_PROTO_VERSION */
	uint16_t type;    /* enum sg_msg_type */
	uint32_t len;     /* whole packet, header included */
	uint32_t flags;   /* 0 */
};

/* HELLO flags. */
enum {
	SG_HELLO_TELL_KILLED = 1 << 0, /* shim: send KILLED before the policy kills a child of ours */
	SG_HELLO_KNOWN = SG_HELLO_TELL_KILLED,
};

struct sg_msg_hello {
	uint32_t role;  /* enum sg_role */
	uint32_t flags; /* SG_HELLO_* */
};

struct sg_msg_ack {
	uint64_t value;
};

struct sg_msg_error {
	int32_t error;       /* negative errno */
	uint32_t reason_len; /* NUL included; then the reason */
};

/* REGISTER flags. */
enum {
	SG_REG_AUDIT = 1 << 0,     /* audit mode: deny and kill allowed, recorded audit:true */
	SG_REG_SWAPPABLE = 1 << 1, /* the filter routes every call: any policy can be loaded */
	SG_REG_LEARN = 1 << 2,     /* learning: routes and allows every call, counts them */
	SG_REG_KNOWN = SG_REG_AUDIT | SG_REG_SWAPPABLE | SG_REG_LEARN,
};

struct sg_msg_register {
	uint32_t target_pid; /* the process whose filter the fd listens to (trap: the peer) */
	uint32_t mechanism;  /* enum sg_mechanism */
	uint32_t flags;      /* SG_REG_* */
	uint32_t name_len;   /* policy display name, NUL included */
	uint32_t text_len;   /* policy text, NUL included */
	uint32_t reserved;   /* 0 */
}; /* then name, then text; SCM_RIGHTS: the listener fd (notify only) */

struct sg_msg_status {
	uint32_t pid;         /* the daemon's */
	uint32_t n_sessions;  /* visible to the asking peer */
	uint64_t uptime_usec;
	uint64_t notifications; /* root: decided since start (all sessions); others: decided in
				 * their own live sessions */
	uint64_t records;       /* audit records written since start (root only, else 0) */
	uint64_t records_failed; /* records that could not be written to the log file (root only) */
	uint32_t version_len;    /* NUL included; then the version string */
	uint32_t reserved;
};

struct sg_msg_session_mode {
	uint64_t id;
	uint32_t audit;    /* 1: audit mode, 0: enforce */
	uint32_t reserved; /* 0 */
};

struct sg_msg_session_req {
	uint64_t id;
};

struct sg_msg_policy_load {
	uint64_t id;       /* the session */
	uint32_t name_len; /* policy display name, NUL included */
	uint32_t text_len; /* policy text, NUL included */
}; /* then name, then text */

#define SG_LEARN_VALUES_MAX 16 /* distinct argument values kept per syscall */

struct sg_msg_learn_row {
	uint64_t count;
	uint64_t first_usec, last_usec; /* CLOCK_REALTIME */
	uint32_t arch;                  /* AUDIT_ARCH_* */
	int32_t nr;
	uint32_t arg;      /* the argument whose values are kept (0..5); 0 when n_values == 0 */
	uint32_t n_values; /* 0..SG_LEARN_VALUES_MAX */
	uint32_t overflow; /* 1: more distinct values than kept */
	uint32_t reserved; /* 0 */
	uint64_t values[SG_LEARN_VALUES_MAX]; /* the first n_values are used, the rest 0 */
};

struct sg_msg_session {
	uint64_t id;
	uint64_t started_usec; /* CLOCK_REALTIME */
	uint64_t counts[SG_NCOUNTS];
	uint32_t target_pid;
	uint32_t uid, gid; /* owner, from SO_PEERCRED of the registering shim */
	uint32_t mechanism;
	uint32_t state; /* enum sg_session_state */
	uint32_t flags; /* SG_SESSION_* */
	uint32_t policy_len; /* policy display name, NUL included; then the name */
	uint32_t reserved; /* 0 */
};

struct sg_msg_stats_req {
	uint64_t session_id; /* 0: every session visible to the peer */
};

struct sg_msg_stat {
	uint64_t session_id;
	uint64_t counts[SG_NCOUNTS];
	uint32_t arch; /* AUDIT_ARCH_* */
	int32_t nr;
};

enum {
	SG_SUB_BACKLOG = 1 << 0, /* first send the records the daemon still holds in memory */
	SG_SUB_FOLLOW = 1 << 1,  /* then keep streaming new ones; without it: END after the backlog */
};

struct sg_msg_subscribe {
	uint64_t session_id; /* 0: every session visible to the peer */
	uint32_t flags;      /* SG_SUB_*, at least one */
	uint32_t reserved;
};

struct sg_msg_record {
	uint64_t session_id;
	uint32_t len; /* JSON text, NUL included; then the text */
	uint32_t reserved;
};

/* TRAP: the call a SIGSYS handler caught, as its own process sees it. */
struct sg_msg_trap_call {
	uint32_t arch;  /* AUDIT_ARCH_* (siginfo si_arch) */
	int32_t nr;     /* si_syscall */
	uint64_t args[6];
	uint64_t ip;    /* si_call_addr */
	uint32_t tid;   /* gettid() of the caller, in the caller's pid namespace */
	uint32_t reserved; /* 0 */
};

enum sg_trap_action {
	SG_TRAP_ALLOW = 0, /* re-issue the call from the trampoline */
	SG_TRAP_RETURN,    /* do not run it: the return register gets value (-errno for a deny) */
	SG_TRAP_KILL,      /* the daemon kills the process; the shim kills itself if still alive */
	SG_TRAP_ACTION_MAX
};

struct sg_msg_trap_verdict {
	uint32_t action;   /* enum sg_trap_action */
	uint32_t reserved; /* 0 */
	int64_t value;     /* SG_TRAP_RETURN */
};
