/* SPDX-License-Identifier: MIT */
/* One intercepted call, who made it (proc.c) and what is done with it (verdict.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon.h"
#include "session.h"

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

/* Decide c under s's policy (starting: session_state() says STARTING, see the
 * STARTING rule); fills v, reads who made the call when it will be recorded or killed. */
void verdict_decide(struct session *s, const struct sg_call *c, bool starting, struct verdict *v);
/* A kill could not be carried out: fail closed, the call is denied EPERM. */
void verdict_kill_failed(struct verdict *v);
/* The call was answered as v says: count it and write its record. */
void verdict_done(struct session *s, const struct sg_call *c, const struct verdict *v);
