/* SPDX-License-Identifier: MIT */
/*
 * What every part of sysgated shares: the daemon's whole state (struct
 * sysgated), its limits, and the loop's own functions (daemon.c).  Each role
 * has its header beside its files: conn.h (control socket), session.h
 * (sessions, counts, learning, live swaps), verdict.h (a call and what is done
 * with it), proc.h, audit/audit.h, mech/mech.h, emu/emu.h.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "audit/audit.h"
#include "emu_bounds.h"
#include "macro.h"
#include "policy.h"
#include "proto.h"
#include "seccomp_compat.h"
#include "sysgated.h"

#define SG_CONN_QUEUE_MAX 4096    /* packets queued for a subscriber before it is dropped */
#define SG_IDLE_TIMEOUT_SEC 30    /* exit_when_idle: no session registered this long */
#define SG_NOTIFY_BATCH 16        /* notifications handled per wake-up of one session */
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

struct conn;
struct helper_grave;
struct session;

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
	struct emu_bounds bounds; /* what the emulators may do for non-root owners (--config) */
	LIST_HEAD(, helper_grave) helper_graves; /* helper/spawn.c: killed, not yet reaped */
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
/* Make sure path's directory exists: created (mode) only when it is owned's (the
 * daemon's runtime directory), refused otherwise; logs why not. */
int parent_dir_prepare(const char *path, const char *owned, mode_t mode);
/* CLOCK_REALTIME / CLOCK_MONOTONIC in microseconds. */
uint64_t now_usec(void);
uint64_t mono_usec(void);
