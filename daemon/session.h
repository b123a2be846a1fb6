/* SPDX-License-Identifier: MIT */
/*
 * Sessions (session.c): one supervised process tree each, with its counts
 * (stats.c), what it learns (learn.c) and its live policy swaps (swap.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "daemon.h"

struct conn;
struct sg_msg;

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
	struct helper *helper;  /* helper/: the emulation helper and its jobs; NULL before one */
};

/* session.c */

/* Whether the administrator's bounds (--config) apply to what is done for owner: a root
 * daemon's emulators, for a session of another user than root. */
bool session_bounded_owner(uid_t owner);
/* session_bounded_owner() of s's owner. */
bool session_bounded(const struct session *s);
/* The one door for policies, REGISTER's and policy load's: parse text under name (empty:
 * none) and check what a session of mechanism mech registered with reg_flags may run: the
 * name shorter than SG_POLICY_NAME_MAX, the text within the parser's limits, every action
 * one this build carries out, emulate only under notify, emulators within bounds (NULL:
 * unbounded), a learning session's policy allows every call.  0 with *ret, or a negative errno and the reason for the ERROR reply. */
int session_policy_admit(enum sg_mechanism mech, uint32_t reg_flags,
			 const struct emu_bounds *bounds, const char *name,
			 size_t name_len, const char *text, size_t text_len,
			 struct sg_policy **ret, char *reason, size_t size);
/* REGISTER: validate everything, start the session, fill ret_id; on failure a
 * negative errno and the reason for the ERROR reply. Takes ownership of fd. */
int session_register(struct sysgated *d, const struct conn *c, const struct sg_msg *m, int fd,
		     char *reason, size_t reason_size, uint64_t *ret_id);
/* Create a session of mechanism mech (notify: fd is its listener; otherwise -EBADF);
 * takes ownership of fd, pidfd and policy.  It is announced (logged, session-start
 * record) by session_announce() once its set-up is complete: free it before that, and
 * there is no record. */
int session_new(struct sysgated *d, enum sg_mechanism mech, int fd, int pidfd,
		struct sg_policy *policy, pid_t target, pid_t peer, uid_t uid, gid_t gid,
		struct session **ret);
/* Create and announce a notify session on a validated listener; takes ownership of fd, pidfd
 * and policy. */
int session_create(struct sysgated *d, int fd, int pidfd, struct sg_policy *policy, pid_t target,
		   pid_t peer, uid_t uid, gid_t gid, struct session **ret);
/* The session is set up: log it and write its session-start record. */
void session_announce(struct session *s);
/* The session is over: record session-end, free it, maybe leave the loop. */
void session_end(struct session *s, const char *why);
/* Free without a record; accepts NULL, returns NULL. */
struct session *session_free(struct session *s);
/* Session by id, or NULL. */
struct session *session_find(struct sysgated *d, uint64_t id);
/* The session's state now: STARTING until its target has exec'd the command.  The first
 * routed call ends it (the exec itself when the filter routes it); an exec the kernel
 * allows reaches no one, so /proc tells whether the forked target has exec'd. */
enum sg_session_state session_state(const struct session *s);
/* Count one decided call. */
void session_count(struct session *s, uint32_t arch, int nr, enum sg_count what);
/* Whether fd is a seccomp user-notification listener. */
bool fd_is_seccomp_listener(int fd);

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
