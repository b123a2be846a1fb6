/* SPDX-License-Identifier: MIT */
/*
 * Emulation of routed calls (policy action `emulate NAME`): reading the
 * caller's memory (tmem.c), resolving paths as the caller sees them
 * (tpath.c), user namespaces' id maps (idmap.c), the dispatch (dispatch.c)
 * and the emulators (mknod.c, chown.c, open.c).  Emulators that touch files
 * do it in the session's helper (helper/), as jobs answered when it replies;
 * the daemon checks what comes back (prefix.c) and keeps only the privileged
 * step of making an allowlisted device node (priv.c).
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "daemon.h"
#include "helper/helper.h"
#include "verdict.h"

/* What an emulator did, carried out by the mechanism like any verdict. */
struct emu_ctx {
	struct session *s;
	const struct sg_call *c;
	const struct sg_action *action;
	struct verdict *v;    /* the call's verdict (a job copies it) */
	json_object *decoded; /* arguments as read, for the record */
	bool record;          /* the call is recorded: decode what only the record needs */
	const char *outcome;  /* "created", "placeholder", "faked", "continued", "denied", ... */
	enum sg_action_kind kind; /* ALLOW (= CONTINUE, from registers only), FAKE or DENY */
	int err;
	int64_t value;
	bool answered; /* the emulator answered the kernel itself (ADDFD with SEND) */
};

/* An emulator's return: the call went to the session's helper as a job, answered later. */
#define EMU_QUEUED 2

#define PREFIX_DIRS_MAX 64 /* directories one open rule denies (256 bytes of options) */

/* A file as the kernel identifies it: device, inode, mount. */
struct file_id {
	uint64_t dev, ino, mnt;
	bool dir;
};

/* An emulated call carried out by the session's helper and answered when it is done.
 * It holds its own copies of what the answer and the record need: the session's
 * policy may be replaced meanwhile. */
struct emu_job {
	struct helper_job hj; /* first: what client.c sees */
	struct sg_call c;
	struct sg_action action;
	char *policy_file;
	struct emu_ctx ctx;   /* .c, .action and .v point into the job */
	struct verdict v;     /* .call.sc, .call.meta, .call.policy_file and .action too */
	/* the emulator's own state */
	int stage;
	uint32_t flags;
	mode_t mode;
	dev_t dev;
	char path[PATH_MAX];   /* what the helper resolves first */
	char last[NAME_MAX + 1]; /* the final component, after the parent is checked */
	int start_fd;          /* O_PATH: where a relative path starts, or -EBADF */
	int fd;                /* what the helper returned and the daemon checked, or -EBADF */
	struct file_id denied[PREFIX_DIRS_MAX]; /* open: what the rule's prefixes name */
	size_t n_denied;
	uint64_t warmed;       /* open: prefixes the helper looked up to fill the dentry cache */
};

/* tmem.c */

/* Read size bytes at addr in task tid: 0, -EFAULT on a bad pointer, -ESRCH gone. */
int tmem_read(pid_t tid, uint64_t addr, void *buf, size_t size);
/* Read a NUL-terminated string of at most size - 1 bytes; -ENAMETOOLONG when
 * longer, -EFAULT on a bad pointer.  The length on success. */
ssize_t tmem_read_string(pid_t tid, uint64_t addr, char *buf, size_t size);

/* prefix.c */

/* Copy word i (from 0) of space-separated prefixes into buf; -ENOENT past the last. */
int prefix_word(const char *prefixes, unsigned i, char *buf, size_t size);
/* What the prefixes name now in task tid's root, from the dentry cache only: 0 with
 * *ret_n entries in set (a prefix that names nothing denies nothing); -EAGAIN with
 * *ret_missing the word not in the cache; other -errno. */
int prefix_resolve(pid_t tid, const char *prefixes, struct file_id *set, size_t *ret_n,
		   unsigned *ret_missing);
/* 1 when fd (opened for task tid) or a directory above it is in set, 0 when not; dirfd
 * is the directory the helper says fd sits in (checked here) or -EBADF; where gets fd's
 * path inside tid's root (for the record).  -EAGAIN: not decidable from the dentry
 * cache; -EXDEV: a file that cannot be placed in the caller's root; other -errno. */
int prefix_denied(pid_t tid, int fd, int dirfd, const struct file_id *set, size_t n,
		  char *where, size_t size);

/* tpath.c */

/* Where a relative path of task tid starts (its cwd, or what its fd dirfd refers
 * to), as an O_PATH fd opened through /proc (-EBADF: no such fd). */
int tpath_start_fd(pid_t tid, int dirfd);
/* Turn buf, a path in the daemon's view, into one inside task tid's root
 * (-ENOENT when it lies outside). */
int tpath_strip_root(pid_t tid, char *buf);
/* Split path in place into its directory ("." for a bare name) and its final
 * component, copied to last: -EISDIR when that names a directory ("dir/", ".",
 * ".."), -ENAMETOOLONG. */
int tpath_split(char *path, char *last, size_t size);
/* The file system type of mount mnt (statx's mount id) in task tid's mount namespace,
 * from its mountinfo; -ENOENT when there is no such mount. */
int tpath_mount_type(pid_t tid, uint64_t mnt, char *buf, size_t size);

/* priv.c */

/* Whether a character device is on the allowlist: the rule's own MAJOR:MINOR words
 * (opts) when it has some, else the administrator's list b (sysgated --config); when
 * bounded (a session of another user than root), always within b too. */
bool priv_dev_allowed(const struct emu_bounds *b, bool bounded, const char *opts, mode_t mode,
		      dev_t dev);
/* Make the allowlisted character device name in dirfd (from the helper: checked to be
 * a directory on a local file system of tid's namespace) as the caller cr would, with
 * the daemon's CAP_MKNOD only.  0, or -errno: -EPERM when this daemon may not make
 * it here (unprivileged, not local, not allowlisted), -EINVAL for a name that is not
 * one plain component. */
int priv_mknod(pid_t tid, const struct helper_creds *cr, int dirfd, const char *name,
	       mode_t mode, dev_t dev, const char *allowlist, const struct emu_bounds *b,
	       bool bounded);

/* idmap.c */

/* Close the user namespaces d's id-map cache holds and free it (at shutdown). */
void idmap_free(struct sysgated *d);

/* 1 when uid is inside the task's uid_map and gid inside its gid_map (-1, "unchanged",
 * is inside both), 0 when not, -errno when unreadable (-ESRCH: the task is gone).  The
 * maps of a few namespaces are cached in d, each namespace held open (d NULL: no cache). */
int tid_mapped(struct sysgated *d, pid_t tid, uint32_t uid, uint32_t gid);

/* dispatch.c, job.c */

/* Carry out an emulate verdict for a notification: v becomes what to answer
 * (v->call keeps verdict "emulate" and gains v->call.emu).  0: answer as v
 * says; 1: already answered (count and record only); EMU_QUEUED: the session's
 * helper carries it out and its job answers, counts and records it later;
 * -ENOENT when the task left (drop the notification; nothing was done). */
int emulate_notify(struct session *s, const struct sg_call *c, struct verdict *v);
/* Turn ctx's outcome (EPERM "denied" when none) into v's answer and v->call.emu. */
void emu_finish(struct emu_ctx *ctx, struct verdict *v);
/* Answer ctx with the outcome: DENY err when err > 0, else FAKE value. */
void emu_result(struct emu_ctx *ctx, const char *outcome, int err, int64_t value);
/* Read the string at addr into buf and put it in the decoded args as key. */
int emu_read_path(struct emu_ctx *ctx, const char *key, uint64_t addr, char *buf, size_t size);
/* SECCOMP_IOCTL_NOTIF_ID_VALID: 0, -ESRCH when the task left (emulators return
 * -ESRCH for "the caller is gone"; every other -errno is the call's failure). */
int emu_still_valid(const struct emu_ctx *ctx);
/* A job of ctx's call for the session's helper, with a snapshot of the caller (the
 * decoded arguments move into it).  -ESRCH when the caller left. */
int emu_job_new(struct emu_ctx *ctx, const struct helper_job_ops *ops, struct emu_job **ret);
/* Free a job that was never submitted; its decoded arguments go back to ctx. */
void emu_job_abort(struct emu_ctx *ctx, struct emu_job *j);
/* Hand j to the session's helper: EMU_QUEUED, or 0 with ctx answered (the session's queue
 * is full: EAGAIN, recorded), or -errno; j is the helper's or freed either way. */
int emu_job_submit(struct emu_ctx *ctx, struct emu_job *j);
/* The job is over as its ctx says: answer the call (unless ADDFD answered it), count it,
 * record it, free the job. */
void emu_job_done(struct emu_job *j);
/* helper_job_ops.fail of every emulator: the call fails err (ESRCH: dropped). */
void emu_job_fail(struct helper_job *hj, int err, const char *outcome);
/* Free a job without answering (accepts NULL). */
void emu_job_free(struct emu_job *j);

/* mknod.c, chown.c, open.c */

int emu_mknod(struct emu_ctx *ctx, bool strict);
int emu_chown(struct emu_ctx *ctx);
int emu_xattr(struct emu_ctx *ctx);
int emu_sched(struct emu_ctx *ctx);
int emu_open(struct emu_ctx *ctx);
