/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the daemon's unit tests: an in-process daemon whose audit log is
 * a memfd, policies from text, and targets: forked children under a seccomp
 * filter that routes chosen syscalls to a listener handed to the test over a
 * socketpair.  Every child started is killed and reaped by th_cleanup().
 */
#pragma once

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>
#include <syslog.h>

#include "audit/audit.h"
#include "conn.h"
#include "daemon.h"
#include "emu/emu.h"
#include "mech/mech.h"
#include "proc.h"
#include "session.h"
#include "verdict.h"

#define TH_TIMEOUT_MS 5000

/* A target: pid, the test's end of its socketpair, and its listener (owned by the test). */
struct th_target {
	pid_t pid;
	int sock;
	int listener;
};

/* Body of a target, run under the filter; its results go to sock (write is never routed). */
typedef void (*th_body)(int sock);

/* A daemon with the audit log in a memfd and no socket; freed by th_cleanup(). */
struct sysgated *th_daemon(void);
/* A parsed policy (file name "test.policy"); fails the test on a parse error. */
struct sg_policy *th_policy(const char *text);
/* The audit log so far as text (harness-owned until the next call). */
const char *th_audit_text(struct sysgated *d);
/* The audit log as an array of objects; fails on a line that is not a JSON object. */
json_object *th_audit_records(struct sysgated *d);
/* Empty the audit log (written records and buffered ones). */
void th_audit_reset(struct sysgated *d);
/* Number of records whose key has the string value (NULL value: key present). */
size_t th_count(json_object *recs, const char *key, const char *value);
/* First record with key == value (string compare), or NULL. */
json_object *th_find(json_object *recs, const char *key, const char *value);

/* Fork a target routing the syscalls nrs[] (native arch) to a listener, running body. */
void th_target_start(struct th_target *t, const int *nrs, size_t n, th_body body);
/* Read exactly len bytes of the target's results (bounded by TH_TIMEOUT_MS). */
void th_target_read(struct th_target *t, void *buf, size_t len);
/* Wait for the target's next change of state (bounded); returns its wait status. */
int th_target_wait(struct th_target *t);
/* Fork a tracee of the test process (PTRACE_SEIZE, PTRACE_O_TRACESECCOMP) routing nrs[]
 * (native arch) to it with SECCOMP_RET_TRACE, running body; t->listener is -EBADF. */
void th_tracee_start(struct th_target *t, const int *nrs, size_t n, th_body body);
/* Wait (bounded) for the tracee's next stop or end; its wait status. */
int th_tracee_stop(struct th_target *t);
/* A session around the target's listener (the test process is the peer). */
struct session *th_session(struct sysgated *d, struct th_target *t, const char *policy);
/* A session of mechanism mech for target (the test process is the peer): notify on the
 * listener fd (owned by the session from now on), trace and trap without one (-EBADF). */
struct session *th_session_mech(struct sysgated *d, enum sg_mechanism mech, int fd,
				pid_t target, const char *policy);

/* A target body that calls getppid and writes what it returned (struct th_call). */
void th_body_getppid(int sock);
/* A target body that execs sh -c 'exit 7' (exit status 98 when the exec fails). */
void th_body_exec(int sock);
/* A target body that waits until the test writes a byte, closes its socket or kills it. */
void th_body_wait(int sock);
/* The test process as a registering peer, as SO_PEERCRED would describe it. */
struct conn th_peer(struct sysgated *d);

/* th_peer() as a connection of d on one end of a SOCK_SEQPACKET pair (the daemon closes
 * and frees it); the test's end in *ret_fd, closed by th_cleanup() (shutdown() it to
 * hang up earlier). */
struct conn *th_peer_conn(struct sysgated *d, int *ret_fd);
/* Receive and decode one packet on fd (bounded by TH_TIMEOUT_MS) into m, its strings
 * pointing into buf (SG_MSG_MAX bytes); 0 on EOF, 1 otherwise. */
int th_recv(int fd, uint8_t *buf, struct sg_msg *m);

/* The integer or string value of key in o; fails the test when absent or of another type. */
int64_t th_jint(json_object *o, const char *key);
const char *th_jstr(json_object *o, const char *key);
/* Whether o has key (with any value, null included). */
bool th_jhas(json_object *o, const char *key);

/* The syscall records so far: none when verdict is NULL, else one with that verdict (what
 * names the case); then the audit log is emptied for the next case. */
void th_expect_syscall_record(struct sysgated *d, const char *verdict, const char *what);

/* The target was killed by s's kill verdict: SIGKILL, counted, recorded with verdict kill,
 * its mechanism and the target's pid; the record (the caller puts it). */
json_object *th_expect_killed(struct sysgated *d, struct th_target *t, const struct session *s);

/* A directory of this test (mode 0755), removed with what it holds by th_cleanup(). */
const char *th_tmpdir(void);

/* Kill and reap every child, free the daemon, remove th_tmpdir(). Use as .fini. */
void th_cleanup(void);
/* Remember a child to kill and reap at cleanup. */
void th_track_child(pid_t pid);

/* A send/receive result over a target's socket: what a syscall returned. */
struct th_call {
	long ret;
	int err;
};
