/* SPDX-License-Identifier: MIT */
/*
 * What the daemon and a session's emulation helper say to each other over
 * their SOCK_SEQPACKET socketpair: one fixed struct per packet, a header with
 * the type and the exact length, fds by SCM_RIGHTS.  wire.c encodes and
 * decodes; it moves bytes only.  Built into both the daemon and the helper
 * program (sysgate-helper).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HELPER_PATH_MAX 4096 /* PATH_MAX: a path field, NUL included */

/*
 * How the daemon starts the helper program: execveat of sysgate-helper with
 * argv { "sysgate-helper", JOIN } (JOIN: HELPER_JOIN_* as a decimal number), an
 * empty environment, /dev/null on 0-2, and these fds, opened by the daemon as
 * root; no other fd stays open.  The helper joins what JOIN names, takes the
 * caller's root and credentials, closes all but the socket, says READY.
 */
enum {
	HELPER_FD_SOCK = 3, /* its end of the socketpair */
	HELPER_FD_PROC = 4, /* /proc/TID of the caller (O_PATH): its status */
	HELPER_FD_ROOT = 5, /* /proc/TID/root (O_PATH) */
	HELPER_FD_MNT = 6,  /* /proc/TID/ns/mnt, with HELPER_JOIN_MNT */
	HELPER_FD_USER = 7, /* /proc/TID/ns/user, with HELPER_JOIN_USER */
	HELPER_FD_END = 8,
};
enum {
	HELPER_JOIN_MNT = 1 << 0,  /* the caller's mount namespace is not the daemon's */
	HELPER_JOIN_USER = 1 << 1, /* nor its user namespace */
	HELPER_JOIN_ALL = HELPER_JOIN_MNT | HELPER_JOIN_USER,
};

enum helper_msg_type {
	HELPER_MSG_NONE = 0,
	HELPER_MSG_READY,    /* helper -> daemon, once: set up (err 0) or why not */
	HELPER_MSG_OPEN,     /* daemon -> helper: openat(dirfd or cwd, path, flags, mode) */
	HELPER_MSG_TRUNCATE, /* daemon -> helper: ftruncate(fd, 0) of a checked fd */
	HELPER_MSG_REOPEN,   /* daemon -> helper: a readable fd of a checked O_PATH fd */
	HELPER_MSG_MKNOD,    /* daemon -> helper: mknodat(dirfd or cwd, path, mode, 0) */
	HELPER_MSG_REPLY,    /* helper -> daemon: err, and an fd when the request makes one */
	HELPER_MSG_TYPE_MAX
};

/* helper_msg_req.opts */
enum {
	HELPER_AT_FD = 1 << 0,       /* an fd comes with the request: the directory to start from
				      * (OPEN, MKNOD) or the fd to act on (TRUNCATE, REOPEN) */
	HELPER_NO_CREATE_LINK = 1 << 1, /* OPEN with O_CREAT: never create through a final symlink
					 * (a symlink there opens its existing target only) */
	HELPER_OPTS_ALL = HELPER_AT_FD | HELPER_NO_CREATE_LINK,
};

struct helper_hdr {
	uint32_t type; /* enum helper_msg_type */
	uint32_t len;  /* of the whole packet: exactly the type's struct */
	uint64_t seq;  /* a reply repeats its request's */
};

/* READY: the step of becoming the caller that failed, for the daemon's log. */
enum helper_step {
	HELPER_STEP_NONE = 0,
	HELPER_STEP_MNT,      /* setns to the caller's mount namespace */
	HELPER_STEP_STATUS,   /* reading the caller's /proc/TID/status */
	HELPER_STEP_GROUPS,   /* setgroups */
	HELPER_STEP_USER,     /* setns to the caller's user namespace */
	HELPER_STEP_ROOT,     /* chroot to the caller's root */
	HELPER_STEP_CAPS,     /* inheritable and bounding sets, keepcaps */
	HELPER_STEP_IDS,      /* setresgid, setresuid, fsuid, fsgid */
	HELPER_STEP_CAPSET,   /* effective, permitted, ambient, no_new_privs */
	HELPER_STEP_SEAL,     /* not dumpable, parent-death signal */
	HELPER_STEP_MAX
};

/* Most fds a reply carries: the opened file and its directory. */
#define HELPER_REPLY_FDS_MAX 2

/* READY and REPLY. */
struct helper_msg_reply {
	struct helper_hdr hdr;
	int32_t err;    /* 0 or a positive errno */
	uint32_t n_fds; /* REPLY: fds that come with it (only with err 0) */
	uint32_t step;  /* READY with err: enum helper_step */
	uint32_t pad;
};

/* OPEN, TRUNCATE, REOPEN, MKNOD. */
struct helper_msg_req {
	struct helper_hdr hdr;
	uint32_t flags;    /* open flags (OPEN, REOPEN) */
	uint32_t mode;     /* file mode (OPEN with O_CREAT/O_TMPFILE, MKNOD) */
	uint32_t umask;    /* the caller's, applied around the call */
	uint32_t opts;     /* HELPER_AT_FD, HELPER_NO_CREATE_LINK */
	uint32_t path_len; /* strlen(path); OPEN and MKNOD need a path, the others none */
	uint32_t pad;
	char path[HELPER_PATH_MAX];
};

_Static_assert(sizeof(struct helper_hdr) == 16, "helper_hdr is 16 bytes");
_Static_assert(sizeof(struct helper_msg_reply) == 32, "helper_msg_reply is 32 bytes");
_Static_assert(sizeof(struct helper_msg_req) == 40 + HELPER_PATH_MAX, "helper_msg_req size");

/* The largest packet: a receive buffer one byte larger tells an oversized one. */
#define HELPER_MSG_MAX sizeof(struct helper_msg_req)

/* One decoded packet. */
struct helper_msg {
	uint32_t type;
	uint64_t seq;
	union {
		struct helper_msg_reply reply;
		struct helper_msg_req req;
	} u;
};

/* wire.c */

/* Fill a request of type (OPEN, TRUNCATE, REOPEN, MKNOD); path may be NULL.  0, or
 * -EINVAL for a bad type or options, -ENAMETOOLONG for a path too long. */
int helper_encode_req(struct helper_msg_req *m, uint32_t type, uint64_t seq, const char *path,
		      uint32_t flags, uint32_t mode, uint32_t umask, uint32_t opts);
/* Fill a READY (step: where it failed) or a REPLY (n_fds fds, none unless err is 0). */
void helper_encode_reply(struct helper_msg_reply *m, uint32_t type, uint64_t seq, int err,
			 uint32_t n_fds, uint32_t step);
/* Decode one packet of len bytes that came with n_fds fds: exact length for its type,
 * a NUL-terminated path of path_len bytes, known options, as many fds as it says.
 * 0, or -EBADMSG. */
int helper_decode(const void *buf, size_t len, size_t n_fds, struct helper_msg *ret);
/* How many fds a decoded packet carries. */
size_t helper_msg_fds(const struct helper_msg *m);
/* "open", "reply", ... for diagnostics; "unknown" out of range. */
const char *helper_type_name(uint32_t type);
/* "setns to the caller's user namespace", ... for the log; "?" out of range. */
const char *helper_step_name(uint32_t step);
