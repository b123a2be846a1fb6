/* SPDX-License-Identifier: MIT */
/*
 * Emulation of routed calls (policy action `emulate NAME`): reading the
 * caller's memory (tmem.c), resolving paths as the caller sees them
 * (tpath.c), user namespaces' id maps (idmap.c), the dispatch (dispatch.c)
 * and the emulators (mknod.c, chown.c, open.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "daemon.h"
#include "verdict.h"

/* What an emulator did, carried out by the mechanism like any verdict. */
struct emu_ctx {
	struct session *s;
	const struct sg_call *c;
	const struct sg_action *action;
	json_object *decoded; /* arguments as read, for the record */
	bool record;          /* the call is recorded: decode what only the record needs */
	const char *outcome;  /* "created", "placeholder", "faked", "continued", "denied", ... */
	enum sg_action_kind kind; /* ALLOW (= CONTINUE, from registers only), FAKE or DENY */
	int err;
	int64_t value;
	bool answered; /* the emulator answered the kernel itself (ADDFD with SEND) */
};

/* The credentials and umask of a task, as the daemon sees them. */
struct tcred {
	uid_t fsuid;
	gid_t fsgid;
	mode_t umask;
};

/* tmem.c */

/* Read size bytes at addr in task tid: 0, -EFAULT on a bad pointer, -ESRCH gone. */
int tmem_read(pid_t tid, uint64_t addr, void *buf, size_t size);
/* Read a NUL-terminated string of at most size - 1 bytes; -ENAMETOOLONG when
 * longer, -EFAULT on a bad pointer.  The length on success. */
ssize_t tmem_read_string(pid_t tid, uint64_t addr, char *buf, size_t size);

/* tpath.c */

/* Open, as an O_PATH directory, the parent of path as task tid sees it (its root,
 * and for a relative path its cwd or the directory dirfd refers to), resolved
 * with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS; the final component goes to
 * ret_last.  The fd, or -errno as the call itself would fail. */
int tpath_open_parent(pid_t tid, int dirfd, const char *path, char *ret_last, size_t size);
/* Where a relative path of task tid starts (its cwd, or the directory dirfd
 * refers to) as a path inside its root, into buf. */
int tpath_start_inside_root(pid_t tid, int dirfd, char *buf, size_t size);
/* Turn buf, a path in the daemon's view, into one inside task tid's root
 * (-ENOENT when it lies outside). */
int tpath_strip_root(pid_t tid, char *buf);
/* fsuid, fsgid and umask from /proc/TID/status. */
int tcred_read(pid_t tid, struct tcred *ret);
#define SG_GROUPS_MAX 256

/* What tcred_become() changed, for tcred_restore(). */
struct tcred_saved {
	bool switched;
	uid_t old_fsuid;
	gid_t old_fsgid;
	gid_t old_groups[SG_GROUPS_MAX];
	int n_old_groups;
	mode_t old_umask;
};

/* Take the task's fsuid, fsgid, groups and umask for file access (a root daemon
 * and a non-root task only; the umask always): the fs capabilities drop. */
int tcred_become(pid_t tid, const struct tcred *cred, struct tcred_saved *st);
/* Undo tcred_become(). */
void tcred_restore(struct tcred_saved *st);

/* idmap.c */

/* Close the user namespaces d's id-map cache holds and free it (at shutdown). */
void idmap_free(struct sysgated *d);

/* 1 when uid is inside the task's uid_map and gid inside its gid_map (-1, "unchanged",
 * is inside both), 0 when not, -errno when unreadable (-ESRCH: the task is gone).  The
 * maps of a few namespaces are cached in d, each namespace held open (d NULL: no cache). */
int tid_mapped(struct sysgated *d, pid_t tid, uint32_t uid, uint32_t gid);

/* dispatch.c */

/* Carry out an emulate verdict for a notification: v becomes what to answer
 * (v->call keeps verdict "emulate" and gains v->call.emu).  0: answer as v
 * says; 1: already answered (count and record only); -ENOENT when the task
 * left (drop the notification; nothing was done on its behalf). */
int emulate_notify(struct session *s, const struct sg_call *c, struct verdict *v);
/* Answer ctx with the outcome: DENY err when err > 0, else FAKE value. */
void emu_result(struct emu_ctx *ctx, const char *outcome, int err, int64_t value);
/* Read the string at addr into buf and put it in the decoded args as key. */
int emu_read_path(struct emu_ctx *ctx, const char *key, uint64_t addr, char *buf, size_t size);
/* SECCOMP_IOCTL_NOTIF_ID_VALID: 0, -ESRCH when the task left (emulators return
 * -ESRCH for "the caller is gone"; every other -errno is the call's failure). */
int emu_still_valid(const struct emu_ctx *ctx);

/* mknod.c, chown.c, open.c */

int emu_mknod(struct emu_ctx *ctx, bool strict);
int emu_chown(struct emu_ctx *ctx);
int emu_xattr(struct emu_ctx *ctx);
int emu_sched(struct emu_ctx *ctx);
int emu_open(struct emu_ctx *ctx);
