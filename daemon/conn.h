/* SPDX-License-Identifier: MIT */
/* Control connections (control.c, request.c): who the peer is, what waits to be sent to it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "daemon.h"
#include "session.h"

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

/* request.c */

/* One decoded message; owns m->fds. */
void request_dispatch(struct conn *c, struct sg_msg *m);
/* A malformed message or a protocol violation: ERROR, `refused`, close. */
void request_refuse(struct conn *c, int error, const char *request, const char *reason);
