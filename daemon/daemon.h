/* SPDX-License-Identifier: MIT */
/*
 * sysgated internals: the daemon's whole state (struct sysgated), sessions,
 * control connections, and the prototypes of every daemon file under its
 * name.  One job per file: daemon.c runs the loop, control.c serves the
 * socket, session.c registers and ends sessions, notify.c answers the
 * kernel, audit.c writes records, stats.c counts, proc.c reads /proc.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "macro.h"
#include "policy.h"
#include "proto.h"
#include "seccomp_compat.h"
#include "sysgated.h"

#define SG_CONNS_MAX 1024         /* control connections at once */
#define SG_CONNS_PER_UID 64       /* ... of one non-root uid */
#define SG_SESSIONS_MAX 1024      /* sessions at once */
#define SG_SESSIONS_PER_UID 256   /* ... of one non-root uid */
#define SG_CONN_QUEUE_MAX 4096    /* packets queued for a subscriber before it is dropped */
#define SG_AUDIT_RING 1024        /* records kept in memory for SG_SUB_BACKLOG */
#define SG_IDLE_TIMEOUT_SEC 30    /* exit_when_idle: no session registered this long */
#define SG_NOTIFY_BATCH 16        /* notifications handled per wake-up of one session */
#define SG_REASON_MAX 1024        /* an ERROR reply's reason */
#define SG_NSPID_MAX 33           /* pid namespace levels: MAX_PID_NS_LEVEL + 1 */
#define SG_COMM_MAX 64            /* TASK_COMM_LEN is 16; room for later kernels */

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* 6.5 */
#endif

static inline void json_object_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Per (arch, nr) verdict counts of one session: open addressing, linear probing. */
struct stat_row {
	uint32_t arch;
	int32_t nr;
	bool used;
	uint64_t counts[SG_NCOUNTS];
	uint64_t first_usec, last_usec; /* CLOCK_REALTIME of the first and last call */
	struct learn_values *values;     /* learn.c: distinct values of one argument, or NULL */
};

struct stats_table {
	struct stat_row *rows; /* NULL until the first count */
	size_t cap;            /* 0 or a power of two */
	size_t n;              /* rows used */
};

/* One supervised process tree: a listener, a policy, an owner. */
struct session {
	TAILQ_ENTRY(session) entry;
	struct sysgated *d;
	uint64_t id;
	enum sg_mechanism mech;
	enum sg_session_state state;
	int fd;         /* the seccomp listener (notify); -EBADF otherwise */
	struct event *ev;
	int pidfd;      /* the registered target */
	pid_t target_pid; /* as the daemon sees it */
	pid_t peer_pid;   /* the registering shim, as the daemon sees it */
	uid_t uid;        /* owner: the shim's SO_PEERCRED */
	gid_t gid;
	struct sg_policy *policy;
	/* swap.c: the policy the kernel filter was compiled from, once another one was loaded
	 * (NULL: still policy), and how it was compiled (SG_COMPILE_*, from REGISTER). */
	struct sg_policy *filter_policy;
	unsigned compile_flags;
	uint32_t reg_flags; /* SG_REG_* */
	struct conn *reg_conn; /* the shim's connection while open (learn.c keeps the rows there) */
	uint64_t started_usec; /* CLOCK_REALTIME */
	uint64_t notifications;
	uint64_t tick_notifications; /* at the last wake-up tick (wakeup.c) */
	bool sync_wake;              /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP set on fd */
	uint64_t counts[SG_NCOUNTS];
	struct stats_table stats;
	bool stats_warned;
	size_t n_tracees; /* trace: tasks attached and not yet gone */
	/* RECV/SEND buffers sized by SECCOMP_GET_NOTIF_SIZES, allocated once. */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	struct conn *trap_conn; /* trap: the connection its calls arrive on */
};

/* A packet waiting for a peer's socket to drain. */
struct pkt {
	STAILQ_ENTRY(pkt) entry;
	size_t len;
	uint8_t data[];
};

/* One control connection (shim or client). */
struct conn {
	TAILQ_ENTRY(conn) entry;
	struct sysgated *d;
	int fd;
	int pidfd; /* SO_PEERPIDFD, or -EBADF on older kernels */
	pid_t pid; /* SO_PEERCRED, as the daemon sees them */
	uid_t uid;
	gid_t gid;
	enum sg_role role; /* SG_ROLE_NONE until HELLO */
	bool tell_killed;  /* a shim's HELLO asked for KILLED (SG_HELLO_TELL_KILLED) */
	bool dead;         /* closed, waiting to be freed by the reaper */
	bool follow;       /* streams new records */
	bool close_when_flushed; /* an ERROR is queued: close once it is sent */
	uint64_t sub_session; /* 0: every visible session */
	struct event *ev_read, *ev_write;
	STAILQ_HEAD(, pkt) queue;
	size_t n_queued;
	struct session *trap_session; /* trap: the session this peer registered for itself */
	/* learn.c: the rows of a learning session it registered that has ended, kept
	 * until it asks (LEARN_REQ) or closes; 0 when none. */
	uint64_t learnt_session;
	struct stats_table learnt;
	bool learnt_held; /* counted in n_learnt: an embedded daemon waits for this peer to go */
};

/* A record kept in memory for SG_SUB_BACKLOG. */
struct audit_entry {
	char *text;      /* JSON, then '\n', then NUL */
	size_t len;      /* JSON only */
	uint64_t session; /* 0: not a session's (refused) */
	uid_t owner;
};

struct audit {
	int fd;
	bool own_fd;      /* opened from path: reopened on SIGHUP, closed at exit */
	const char *path; /* NULL: cfg->audit_fd or standard output */
	struct audit_entry ring[SG_AUDIT_RING];
	size_t ring_next; /* where the next record goes */
	size_t ring_n;
	uint64_t records;        /* written to the log */
	uint64_t records_failed; /* could not be written */
	char *out;               /* records waiting to be written (audit_out.c) */
	size_t out_len;
	uint64_t out_records;
	struct event *ev_flush;  /* writes them soon */
	double refused_tokens;   /* rate limit of `refused` records */
	uint64_t refused_last_usec;
	uint64_t refused_suppressed;
};

/* The daemon: all of its state. */
struct sysgated {
	struct event_base *base;
	struct sg_config cfg;
	int listen_fd;
	struct event *ev_listen;
	char *socket_created;  /* unlinked at exit; NULL when not ours */
	dev_t socket_dev;      /* what socket_created was when we bound it */
	ino_t socket_ino;
	char *pidfile_created; /* removed at exit */
	struct event *ev_sigterm, *ev_sigint, *ev_sighup, *ev_idle, *ev_reap;
	TAILQ_HEAD(, conn) conns;
	TAILQ_HEAD(, conn) dead_conns;
	size_t n_conns;
	TAILQ_HEAD(, session) sessions;
	size_t n_sessions;
	uint64_t next_session_id;
	bool had_session;
	struct audit audit;
	struct seccomp_notif_sizes sizes;
	uint8_t *buf;  /* SG_MSG_MAX bytes: the packet being received (decoded strings point here) */
	uint8_t *obuf; /* SG_MSG_MAX bytes: the reply being encoded */
	uint32_t native_arch; /* AUDIT_ARCH_* of the daemon's own ABI */
	struct event *ev_accept_pause; /* re-arms accepting after EMFILE */
	uint64_t start_mono_usec;
	uint64_t notifications;
	struct event *ev_wakeup;      /* wakeup.c's timer */
	unsigned ncpu;                /* online CPUs */
	bool sync_wake;               /* the wake-up mode of notify listeners */
	bool sync_wake_unsupported;   /* the kernel refused the flag */
	struct trace_map *trace; /* trace.c: the tracees; NULL before the first trace session */
	struct idmap_cache *idmap; /* idmap.c: user namespaces' id maps; NULL before the first */
	size_t n_learnt; /* connections holding an ended learning session's rows */
};

/* What /proc/PID/status says about a task. */
struct proc_status {
	pid_t tgid, ppid;
	uid_t ruid;
	gid_t rgid;
	pid_t nspid[SG_NSPID_MAX]; /* from the procfs' namespace down to the task's own */
	unsigned n_nspid;
	unsigned have; /* PROC_HAVE_* */
};

enum {
	PROC_HAVE_TGID = 1 << 0,
	PROC_HAVE_PPID = 1 << 1,
	PROC_HAVE_UID = 1 << 2,
	PROC_HAVE_GID = 1 << 3,
	PROC_HAVE_NSPID = 1 << 4,
};

/* Who made a call, for its record; fields are unknown unless have_* says so. */
struct task_meta {
	bool have_status, have_comm, have_exe;
	pid_t tgid;
	uid_t uid;
	gid_t gid;
	char comm[SG_COMM_MAX];
	char exe[4096];
};

/* One intercepted call, whichever mechanism brought it (notify, trace, trap). */
struct sg_call {
	uint32_t arch;              /* AUDIT_ARCH_* */
	int32_t nr;                 /* as the arch numbers it (x32: with __X32_SYSCALL_BIT) */
	uint64_t args[SG_MAX_ARGS];
	uint64_t ip;                /* instruction pointer */
	pid_t tid;                  /* the calling thread as the daemon sees it; 0 unknown */
};

/* One decided call, as audit.c records it. */
struct audit_call {
	uint64_t session;
	enum sg_mechanism mech;
	const char *policy_file;
	const struct sg_call *sc;
	const struct task_meta *meta;
	enum sg_action_kind verdict; /* what the policy said (the would-be verdict when audit) */
	int err;                     /* SG_ACT_DENY */
	int64_t value;               /* SG_ACT_FAKE */
	unsigned line;               /* of the rule, or of `default` */
	bool is_default;
	bool audit;                  /* a would-be verdict: the call was allowed */
	json_object *emu;            /* emulate: "emulator", "decoded", "result" (borrowed) */
};

/* daemon.c */

/* Set up the loop, the audit log and the notify sizes; no socket yet. */
int daemon_new(const struct sg_config *cfg, struct sysgated **ret);
/* End every session, close every connection and file; accepts NULL, returns NULL. */
struct sysgated *daemon_free(struct sysgated *d);
/* The whole daemon: sysgated_run() with a readiness pipe (daemonized: a byte once it
 * accepts, and diagnostics move to syslog). */
int daemon_run(const struct sg_config *cfg, int ready_fd);
/* exit_when_idle: leave the loop when the last session has gone. */
void daemon_check_idle(struct sysgated *d);
/* mkdir the parent directory of path (mode), and its own parents (0755), when missing. */
int mkdir_parent(const char *path, mode_t mode);
/* CLOCK_REALTIME / CLOCK_MONOTONIC in microseconds. */
uint64_t now_usec(void);
uint64_t mono_usec(void);

/* control.c */

/* Start accepting on d->listen_fd. */
int control_start(struct sysgated *d);
/* Close every connection and stop accepting. */
void control_stop(struct sysgated *d);
/* Send one packet, queueing it when the peer's socket is full; 0 or -errno
 * (the connection is then closed). record: a streamed record, bounded per peer. */
int conn_send(struct conn *c, const void *pkt, size_t len, bool record);
/* Close a connection now; freed later by the reaper, so callers may still look at c->dead. */
void conn_close(struct conn *c);
/* Whether the peer may see what uid owns: root sees all, others their own. */
bool conn_may_see(const struct conn *c, uid_t owner);
/* The policy of s kills process pid next: send KILLED to the shim whose child it is, if
 * that shim asked, first, so that the news is there when the shim sees the death. */
void conn_tell_killed(const struct session *s, pid_t pid);

/* session.c */

/* REGISTER: validate everything, start the session, fill ret_id; on failure a
 * negative errno and the reason for the ERROR reply. Takes ownership of fd. */
int session_register(struct sysgated *d, const struct conn *c, const struct sg_msg *m, int fd,
		     char *reason, size_t reason_size, uint64_t *ret_id);
/* Start a session of mechanism mech (notify: fd is its listener; otherwise -EBADF);
 * takes ownership of fd, pidfd and policy. */
int session_new(struct sysgated *d, enum sg_mechanism mech, int fd, int pidfd,
		struct sg_policy *policy, pid_t target, pid_t peer, uid_t uid, gid_t gid,
		struct session **ret);
/* Start a notify session on a validated listener; takes ownership of fd, pidfd and policy. */
int session_create(struct sysgated *d, int fd, int pidfd, struct sg_policy *policy, pid_t target,
		   pid_t peer, uid_t uid, gid_t gid, struct session **ret);
/* The session is over: record session-end, free it, maybe leave the loop. */
void session_end(struct session *s, const char *why);
/* Free without a record; accepts NULL, returns NULL. */
struct session *session_free(struct session *s);
/* Session by id, or NULL. */
struct session *session_find(struct sysgated *d, uint64_t id);
/* Count one decided call. */
void session_count(struct session *s, uint32_t arch, int nr, enum sg_count what);
/* Whether fd is a seccomp user-notification listener. */
bool fd_is_seccomp_listener(int fd);

/* What a session's policy says about one call: what to carry out, how to count
 * it, whether to record it (verdict.c). */
struct verdict {
	enum sg_action_kind kind; /* carried out: ALLOW = let the call run */
	int err;                  /* DENY */
	int64_t value;            /* FAKE */
	enum sg_count count;
	bool record;
	const struct sg_action *action; /* EMULATE: the rule's action */
	struct audit_call call;   /* when record */
	struct task_meta meta;    /* read when record or kill; last: not cleared per call */
};

/* verdict.c */

/* Decide c under s's policy (starting: the session's first routed call, see the
 * STARTING rule); fills v, reads who made the call when it will be recorded or killed. */
void verdict_decide(struct session *s, const struct sg_call *c, bool starting, struct verdict *v);
/* A kill could not be carried out: fail closed, the call is denied EPERM. */
void verdict_kill_failed(struct verdict *v);
/* The call was answered as v says: count it and write its record. */
void verdict_done(struct session *s, const struct sg_call *c, const struct verdict *v);

/* notify.c */

/* libevent callback of a session's listener. */
void notify_cb(evutil_socket_t fd, short what, void *arg);
/* Handle at most one pending notification: 1 one was answered (or had left),
 * 0 none pending within timeout_ms (0: do not wait), -EPIPE when no task uses
 * the filter any more, other -errno on a broken listener. */
int notify_handle(struct session *s, int timeout_ms);

/* wakeup.c */

/* Count busy sessions periodically; synchronous wake-up on while they fit the CPUs. */
int wakeup_start(struct sysgated *d);
void wakeup_stop(struct sysgated *d);
/* One tick: count the sessions busy since the last tick, switch the mode (exposed for tests). */
void wakeup_tick(struct sysgated *d);
/* Apply the current wake-up mode to a new notify session's listener. */
void wakeup_session_start(struct session *s);
/* trace.c */

/* PTRACE_SEIZE pid (the shim's child, not yet filtered) with the trace options; on
 * failure a negative errno and the reason for the ERROR reply. */
int trace_attach(struct sysgated *d, pid_t pid, char *reason, size_t reason_size);
/* pid, attached by trace_attach(), belongs to s from now on. */
int trace_track(struct session *s, pid_t pid);
/* s is being freed: kill its remaining tracees (fail closed) and forget them. */
void trace_session_gone(struct session *s);
/* Free the tracee map and its SIGCHLD event (after every session). */
void trace_done(struct sysgated *d);

/* idmap.c */

/* Close the user namespaces d's id-map cache holds and free it (at shutdown). */
void idmap_free(struct sysgated *d);

/* trap.c */

/* REGISTER of a trap session: the target must be the peer itself, in the daemon's pid namespace. */
int trap_check_peer(const struct conn *c, uint32_t target, char *reason, size_t size);
/* Tie a new trap session to the connection that registered it. */
void trap_link(struct session *s, struct conn *c);
/* Undo trap_link (the session or the connection goes away); no-op for other sessions. */
void trap_unlink(struct session *s);
/* TRAP_CALL on a connection: decide, carry out a kill, reply TRAP_VERDICT. */
void trap_handle_call(struct conn *c, const struct sg_msg_trap_call *call);

/* audit.c */

/* Open the audit destination from the config. */
int audit_open(struct sysgated *d);
/* SIGHUP: reopen the log file (keeps the old fd when that fails). */
int audit_reopen(struct sysgated *d);
/* Close the log and free the ring. */
void audit_close(struct sysgated *d);
/* The records of decided calls are written in batches: write them now. */
int audit_flush(struct sysgated *d);
/* Queue one record's text (newline included) for the log (audit_out.c). */
int audit_out_append(struct sysgated *d, const char *text, size_t len);
/* Flush and close the destination. */
void audit_out_close(struct sysgated *d);
/* The record of one decided call (a new json object, or NULL when out of memory). */
json_object *audit_syscall_json(const struct audit_call *call);
/* Timestamp, write, keep in the ring and stream one record; takes the object.
 * session 0: root only. Returns 0 or -errno (counted in records_failed). */
int audit_emit(struct sysgated *d, json_object *rec, uint64_t session, uid_t owner);
/* The records of one call, a session's start and end, a refused peer. */
int audit_syscall(struct sysgated *d, const struct audit_call *call, uid_t owner);
int audit_session_start(struct sysgated *d, const struct session *s);
int audit_session_end(struct sysgated *d, const struct session *s);
int audit_refused(struct sysgated *d, const struct conn *c, const char *request,
		  const char *reason); /* -EAGAIN: over the rate limit, not written */
/* Send the kept records the peer may see (of one session unless 0); 0 or -errno. */
int audit_backlog(struct sysgated *d, struct conn *c, uint64_t session);
/* "2026-11-23T03:10:00.123456Z" */
const char *audit_format_time(uint64_t usec, char *buf, size_t size);
/* Copy s replacing each byte that is not valid UTF-8 with "\xNN"; malloc'd. */
char *utf8_sanitize(const char *s, size_t len);

/* swap.c */

/* How sysgate-run compiled the filter of a session registered with reg_flags (SG_COMPILE_*). */
unsigned swap_compile_flags(const struct sg_policy *p, enum sg_mechanism mech, uint32_t reg_flags);
/* sysgatectl session ID audit|enforce and policy load: 0, or a negative errno and the
 * reason for the ERROR reply; nothing changes on failure. */
int swap_session_mode(struct sysgated *d, const struct conn *c, uint64_t id, bool audit,
		      char *reason, size_t reason_size);
int swap_policy_load(struct sysgated *d, const struct conn *c, const struct sg_msg *m,
		     char *reason, size_t reason_size);

/* learn.c */

/* Whether every call of s reaches the daemon (learning sees all it does). */
bool learn_sees_all(const struct session *s);
/* Note one call in its stats row: first and last time, argument values (after session_count). */
void learn_note(struct session *s, const struct sg_call *c);
/* LEARN_REQ: send the session's rows then END; 0, or a negative errno and the reason. */
int learn_send(struct sysgated *d, struct conn *c, uint64_t id, char *reason, size_t reason_size);
/* Free a row's values. */
void learn_values_free(struct learn_values *v);
/* A learning session ends: keep its rows on the registering shim's connection. */
void learn_keep(struct session *s);
/* A connection closes: forget what it registered and the rows it held. */
void learn_conn_gone(struct conn *c);

/* stats.c */

/* Count one call of (arch, nr) under verdict what; -ENOMEM when the table cannot grow. */
int stats_add(struct stats_table *t, uint32_t arch, int nr, enum sg_count what);
/* The row of (arch, nr), or NULL (writable: learn.c fills times and values). */
struct stat_row *stats_row(struct stats_table *t, uint32_t arch, int nr);
/* The row of (arch, nr), or NULL. */
const struct stat_row *stats_get(const struct stats_table *t, uint32_t arch, int nr);
/* Free the rows. */
void stats_done(struct stats_table *t);

/* proc.c */

/* Who made a call, from /proc; fields stay unknown (have_* false) when unreadable. */
void task_meta_read(pid_t tid, struct task_meta *m);

/* Parse the text of /proc/PID/status (whole or in complete lines) into ret. */
void proc_status_parse(const char *text, size_t len, struct proc_status *ret);
/* Read /proc/PID/status (any length, bounded memory). */
int proc_status_read(pid_t pid, struct proc_status *ret);
/* /proc/PID/comm without the newline. */
int proc_comm(pid_t pid, char *buf, size_t size);
/* readlink /proc/PID/exe. */
int proc_exe(pid_t pid, char *buf, size_t size);
/* The children of every thread of pid, up to max; the number found in *ret_n. */
int proc_children(pid_t pid, pid_t *ret_pids, size_t max, size_t *ret_n);
/* readlink /proc/self/fd/FD. */
int proc_fd_link(int fd, char *buf, size_t size);
/* Read a small /proc file into buf (NUL-terminated, truncated to size - 1); length or -errno. */
ssize_t proc_read(const char *path, char *buf, size_t size);
