/* SPDX-License-Identifier: MIT */
/*
 * The sysgate wire protocol: the packets' layout is packet.h's; here the decoded message,
 * the encoders and decoder (msg_encode.c, msg_decode.c, msg.c) and the socket I/O (io.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "packet.h"

/* A decoded message.  Strings point into the packet buffer given to proto_decode
 * and are NUL-terminated with no interior NUL. fds are owned by the caller. */
struct sg_msg {
	uint16_t type;
	union {
		struct sg_msg_hello hello;
		struct sg_msg_ack ack;
		struct sg_msg_error error;
		struct sg_msg_register reg;
		struct sg_msg_status status;
		struct sg_msg_session_req session_req;
		struct sg_msg_session_mode session_mode;
		struct sg_msg_policy_load policy_load;
		struct sg_msg_learn_row learn_row;
		struct sg_msg_session session;
		struct sg_msg_stats_req stats_req;
		struct sg_msg_stat stat;
		struct sg_msg_subscribe subscribe;
		struct sg_msg_record record;
		struct sg_msg_trap_call trap_call;
		struct sg_msg_trap_verdict trap_verdict;
	} u;
	const char *str;  /* reason, policy name, version, record text */
	size_t str_len;   /* without the NUL */
	const char *str2; /* REGISTER, POLICY_LOAD: policy text */
	size_t str2_len;
	int fds[SG_MSG_FDS_MAX];
	unsigned n_fds;
};

/* msg_encode.c */

/* Encoders write one whole packet into buf and return its length, or -EMSGSIZE
 * when it does not fit (or a string exceeds SG_STR_MAX), -EINVAL on a bad argument. */
ssize_t proto_encode_hello(void *buf, size_t size, enum sg_role role);
/* Encode HELLO with flags (a set of SG_HELLO_*). */
ssize_t proto_encode_hello_flags(void *buf, size_t size, enum sg_role role, uint32_t flags);
ssize_t proto_encode_ack(void *buf, size_t size, uint64_t value);
ssize_t proto_encode_error(void *buf, size_t size, int error, const char *reason);
ssize_t proto_encode_register(void *buf, size_t size, pid_t target, enum sg_mechanism mech,
			      const char *policy_name, const char *policy_text, size_t text_len);
/* Encode REGISTER with flags (a set of SG_REG_*). */
ssize_t proto_encode_register_flags(void *buf, size_t size, pid_t target, enum sg_mechanism mech,
				    uint32_t flags, const char *policy_name, const char *policy_text,
				    size_t text_len);
ssize_t proto_encode_status(void *buf, size_t size, const struct sg_msg_status *st,
			    const char *version);
ssize_t proto_encode_empty(void *buf, size_t size, enum sg_msg_type type); /* STATUS_REQ, SESSIONS_REQ, END */
ssize_t proto_encode_session_req(void *buf, size_t size, uint64_t id);
/* Encode SESSION_MODE: switch session id to audit (1) or enforce (0). */
ssize_t proto_encode_session_mode(void *buf, size_t size, uint64_t id, uint32_t audit);
/* Encode POLICY_LOAD: text has text_len bytes, no NUL among them. */
ssize_t proto_encode_policy_load(void *buf, size_t size, uint64_t id, const char *name,
				 const char *text, size_t text_len);
/* Encode LEARN_REQ (a SESSION_REQ body) and LEARN_ROW. */
ssize_t proto_encode_learn_req(void *buf, size_t size, uint64_t id);
/* Encode KILLED (a SESSION_REQ body: the session whose policy kills the shim's child). */
ssize_t proto_encode_killed(void *buf, size_t size, uint64_t id);
ssize_t proto_encode_learn_row(void *buf, size_t size, const struct sg_msg_learn_row *row);
ssize_t proto_encode_session(void *buf, size_t size, const struct sg_msg_session *s,
			     const char *policy_name);
ssize_t proto_encode_stats_req(void *buf, size_t size, uint64_t session_id);
ssize_t proto_encode_stat(void *buf, size_t size, const struct sg_msg_stat *st);
ssize_t proto_encode_subscribe(void *buf, size_t size, uint64_t session_id, uint32_t flags);
ssize_t proto_encode_record(void *buf, size_t size, uint64_t session_id, const char *json,
			    size_t json_len);
/* TRAP_CALL and TRAP_VERDICT; async-signal-safe (no allocation, no locks). */
ssize_t proto_encode_trap_call(void *buf, size_t size, const struct sg_msg_trap_call *call);
ssize_t proto_encode_trap_verdict(void *buf, size_t size, enum sg_trap_action action,
				  int64_t value);

/* msg_decode.c */

/* Validate and decode one packet with the fds that came with it.  Checks magic,
 * version, type, exact lengths, enum ranges, reserved fields, string termination
 * and the fd count the type allows.  On failure returns -EBADMSG (or -EPROTO for
 * a version mismatch) and sets *ret_reason to a static string; fds are not closed. */
int proto_decode(const void *buf, size_t len, const int *fds, size_t n_fds, struct sg_msg *ret,
		 const char **ret_reason);

/* msg.c */

/* Name of a message type, for diagnostics ("register"); "unknown" when out of range. */
const char *proto_type_name(uint16_t type);
const char *proto_mechanism_name(uint32_t mech); /* "notify", "trace", "trap" or NULL */
int proto_mechanism_from_name(const char *name);   /* enum value or -EINVAL */

/* io.c */

/* Send one packet with optional fds (SCM_RIGHTS). MSG_NOSIGNAL; returns 0 or -errno
 * (-EAGAIN on a non-blocking socket that is full). */
int proto_send(int sock, const void *pkt, size_t len, const int *fds, size_t n_fds);
/* Receive one packet into buf (size >= SG_MSG_MAX) with up to SG_MSG_FDS_MAX fds
 * (MSG_CMSG_CLOEXEC). Returns the length, 0 on EOF, or -errno. A truncated packet or
 * control message gives -EMSGSIZE with every received fd closed. */
ssize_t proto_recv(int sock, void *buf, size_t size, int fds[SG_MSG_FDS_MAX], size_t *ret_n_fds);
/* Close the fds of a decoded or received message. */
void proto_close_fds(int *fds, size_t n_fds);
/* Connect a SOCK_SEQPACKET|SOCK_CLOEXEC socket to a path; returns the fd or -errno. */
int proto_connect(const char *path);
/* Bind and listen on a path (unlinking a stale socket first); returns the fd or -errno. */
int proto_listen(const char *path, mode_t mode);
/* Send a request and receive exactly one reply packet into buf, decoded into ret.
 * Returns 0, -errno from I/O, or the negative error an SG_MSG_ERROR reply carried
 * (ret then holds the ERROR message with its reason). */
int proto_call(int sock, const void *pkt, size_t len, const int *fds, size_t n_fds, void *buf,
	       size_t size, struct sg_msg *ret, const char **ret_reason);
