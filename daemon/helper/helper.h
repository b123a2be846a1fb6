/* SPDX-License-Identifier: MIT */
/*
 * The border of the daemon's privilege (STYLE.md 13).  Work an emulator does
 * for a target runs in a per-session helper process (the program built from
 * main.c, become.c, serve.c) that holds exactly the caller's credentials and
 * lives in its namespaces and root.  The daemon's side: a snapshot of what a
 * task is (snap.c), starting the helper and checking it became that (spawn.c),
 * and a bounded queue of jobs per session, answered asynchronously so a
 * helper that blocks stalls only its own session (client.c).  Every fd the
 * helper returns is checked by the emulator before it reaches a target.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <event2/event.h>

#include "helper/creds.h"
#include "helper/wire.h"

#define SG_HELPER_QUEUE_MAX 64        /* jobs of one session waiting or in flight */
#define SG_HELPER_VALID_MS 100        /* how often an in-flight job's caller is checked */

struct session;
struct sysgated;

/* What a task is, as the daemon sees it: its credentials (ids in the daemon's user
 * namespace), its namespaces and its root. */
struct tsnap {
	struct helper_creds cr;
	uint64_t ns_user, ns_mnt, ns_pid; /* nsfs inodes */
	uint64_t root_dev, root_ino, root_mnt;
};

struct helper_job;

/* What client.c asks of a job's emulator. */
struct helper_job_ops {
	/* Send the first request (helper_send): 0; 1: the job finished without one and was
	 * freed; -errno. */
	int (*start)(struct helper_job *j);
	/* The reply to the request in flight: err 0 or a positive errno, and the n fds that
	 * came with it (taken by the callee; helper_msg_fds() of the reply says how many).
	 * 0: another request was sent; 1: the job finished and was freed; -errno: the
	 * job failed (client.c then calls fail). */
	int (*reply)(struct helper_job *j, int err, int *fds, size_t n);
	/* The job cannot go on: answer the call failing with err and free the job;
	 * err ESRCH: the caller left, drop it without an answer. */
	void (*fail)(struct helper_job *j, int err, const char *outcome);
};

/* One emulated call waiting for, or in, a session's helper. */
struct helper_job {
	TAILQ_ENTRY(helper_job) entry;
	struct session *s;
	const struct helper_job_ops *ops;
	uint64_t id;       /* the seccomp notification it answers */
	pid_t tid;         /* the caller */
	struct tsnap snap; /* what the caller was when it called, as far as the daemon can
			    * grant it (tsnap_grantable): the helper must be that */
	uint64_t seq;      /* of the request in flight */
};

/* A helper process. */
struct helper_proc {
	pid_t pid;  /* in the daemon's pid namespace; its child */
	int pidfd;
	int sock;   /* the daemon's end, non-blocking */
};

/* A session's helper: the process (if any), its checked identity, the jobs. */
struct helper {
	struct session *s;
	struct helper_proc proc;      /* pid 0: none running */
	struct event *ev;             /* proc.sock readable */
	struct event *ev_valid;       /* timer: is the in-flight job's caller still waiting? */
	bool ready;                   /* READY came and the process is what it should be */
	struct tsnap want;            /* what it was started to be */
	uint64_t next_seq;
	struct helper_job *inflight;
	TAILQ_HEAD(, helper_job) queue;
	size_t n_jobs;                /* queued and in flight */
};

/* A helper process killed and not yet reaped. */
struct helper_grave {
	LIST_ENTRY(helper_grave) entry;
	struct sysgated *d;
	int pidfd;
	struct event *ev;
};

/* snap.c */

/* What task pid is: /proc/PID/status, ns/{user,mnt,pid}, root.  -ESRCH when gone. */
int tsnap_read(pid_t pid, struct tsnap *ret);
/* Whether a helper that is b may act for a caller that is a. */
bool tsnap_same(const struct tsnap *a, const struct tsnap *b);
/* Turn a caller's snapshot into what a helper of this daemon can be for it: a caller in
 * the daemon's user namespace gets its five capability sets intersected with the
 * daemon's bounding set (a sandboxed daemon dropped the rest: no child of it can hold
 * them; a helper that joins another user namespace gets a full set there, so its
 * callers keep theirs), and no_new_privs when the daemon has it (every child inherits
 * it).  0, or -errno. */
int tsnap_grantable(struct tsnap *t);

/* spawn.c */

/* Start a helper for task tid (the caller of a pending notification, so tid is not
 * reused meanwhile): its namespaces, root and credentials.  The helper says READY on
 * ret->sock once it is set up; the caller then checks it with tsnap_read(). */
int helper_spawn(pid_t tid, struct helper_proc *ret);
/* Kill a helper process and reap it (now, or when it has died); closes its socket. */
void helper_proc_kill(struct sysgated *d, struct helper_proc *p);
/* Close what helper_proc_kill() still waits for (daemon shutdown). */
void helper_graves_free(struct sysgated *d);

/* client.c */

/* Queue j for s's helper (started or replaced as j's caller needs).  0, or -EAGAIN when
 * the session has SG_HELPER_QUEUE_MAX jobs already (j is not taken), -ENOMEM. */
int helper_submit(struct session *s, struct helper_job *j);
/* Send the next request of the in-flight job j; fd (-EBADF: none) is sent, not taken. */
int helper_send(struct helper_job *j, uint32_t type, const char *path, uint32_t flags,
		uint32_t mode, uint32_t opts, int fd);
/* The session ends: kill its helper, drop its jobs without answers, free it. */
void helper_session_gone(struct session *s);
