/* SPDX-License-Identifier: MIT */
/*
 * sysgate-run's launch state, shared by run.c (the launch sequence, described
 * there) and run_daemon.c (talking to the daemon, or starting an embedded one).
 */
#pragma once

#include <linux/filter.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "shim.h"

/* Shared between P and C (MAP_SHARED); C's execve unmaps it from the command. */
struct launch_page {
	atomic_int state;       /* enum child_state; written by C with release */
	atomic_int listener_fd; /* valid once LOADED */
	atomic_int go;          /* P: 1 = exec now; < 0 = never (P kills C) */
	atomic_int err;         /* errno of the failed step */
	atomic_int step;        /* enum child_step of CHILD_FAILED */
};

struct launch {
	const struct run_opts *opts;
	char *policy_path;
	char *policy_text;
	struct sg_policy *policy;
	struct sock_fprog prog;
	char *exec_path;
	char **sh_argv; /* /bin/sh exec_path ARGS...: execvp's way with a script lacking '#!' */
	struct run_signals sig;
	struct embedded emb;
	const char *daemon_path; /* the socket we tried first */
	int sock;
	void *buf; /* SG_MSG_MAX bytes, for packets both ways */
	struct launch_page *page;
	pid_t parent; /* P */
	pid_t child;  /* C; 0 when none or reaped */
	int listener; /* P's name for C's listener fd (same table) */
	bool started; /* go was set: C is (about to be) the command */
	uint64_t session; /* the daemon's id of ours */
	bool learnt;      /* --learn: learn_fetch() ran (learn_r its result) */
	int learn_r;
	int abort_sig; /* a forwarded signal that ended the start-up */
};

/* run_daemon.c */

/* During start-up: 0 if the pending signals allow going on, -EINTR (abort_sig set) if one
 * of the forwarded ones arrived; the command does not run yet, so it ends the start. */
int launch_startup_signals(struct launch *l);
/* Connect to the daemon (--socket, $SYSGATE_SOCKET, the default), or start an embedded one. */
int launch_daemon_open(struct launch *l);
/* The REGISTER flags of the session the options ask for (SG_REG_*). */
uint32_t launch_reg_flags(const struct run_opts *o);
/* Say HELLO as a shim. */
int launch_daemon_hello(struct launch *l);
/* Hand the listener (notify) and the policy to the daemon; the session starts. */
int launch_daemon_register(struct launch *l);
/* Once the command died of SIGKILL: whether the daemon said a policy killed it (KILLED). */
bool launch_daemon_killed(struct launch *l);
