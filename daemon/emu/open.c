/* SPDX-License-Identifier: MIT */
/*
 * emulate open PREFIX... (open, openat): the session's helper opens the file
 * as the caller (its credentials, namespaces, root, and its cwd or dirfd,
 * which the daemon passes as an O_PATH fd), asynchronously; the daemon
 * refuses it EACCES when what was opened lies under a denied prefix
 * (prefix.c: device and inode of the directories above it, not the string)
 * and otherwise injects that very file with SECCOMP_IOCTL_NOTIF_ADDFD |
 * SECCOMP_ADDFD_FLAG_SEND.  Steps, one helper round trip each:
 *   O_CREAT, O_TMPFILE: the parent directory first, checked before anything
 *     is made; then the file in it (never created through a final symlink);
 *   the file, checked;
 *   O_TRUNC of a regular file opened for writing: after the check (a device,
 *     `> /dev/null`, is not truncated, as the kernel does not);
 *   O_PATH: ADDFD cannot pass O_PATH files, so a checked O_PATH regular file or
 *     directory is reopened read-only by the helper (the caller's own right to
 *     read it); other O_PATH opens fail EOPNOTSUPP.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"
#include "log.h"

enum { OPEN_WARM = 1, OPEN_PARENT, OPEN_FILE, OPEN_TRUNCATE, OPEN_REOPEN };

#define O_PATH_REOPEN (O_RDONLY | O_NONBLOCK | O_NOCTTY)

static bool is_tmpfile(uint32_t flags)
{
	return (flags & O_TMPFILE) == O_TMPFILE;
}

/* Type and identity from what the kernel has: no file system call (a FUSE mount). */
static int stat_cached(int fd, struct stat *st)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) < 0)
		return negative_errno();
	st->st_mode = stx.stx_mode;
	st->st_ino = stx.stx_ino;
	st->st_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	return 0;
}

static int inject(struct emu_job *j, int fd)
{
	struct seccomp_notif_addfd addfd = {
		.id = j->hj.id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)fd,
		.newfd_flags = j->flags & O_CLOEXEC,
	};
	int r;

	do
		r = ioctl(j->hj.s->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == ENOENT) { /* the caller left: nothing to answer */
		emu_job_fail(&j->hj, ESRCH, NULL);
		return 1;
	}
	if (r < 0)
		return negative_errno();
	j->ctx.answered = true;
	emu_result(&j->ctx, "opened", 0, r);
	emu_job_done(j);
	return 1;
}

/* Refuse the call EACCES (the job is over): 1. */
static int refuse(struct emu_job *j)
{
	emu_result(&j->ctx, "denied", EACCES, 0);
	emu_job_done(j);
	return 1;
}

/* Whether fd (dirfd: its directory, says the helper) lies under a denied prefix: 1
 * (answered EACCES), 0 no, -errno. */
static int check(struct emu_job *j, int fd, int dirfd, bool record)
{
	char where[PATH_MAX];
	int r = prefix_denied(j->hj.tid, fd, dirfd, j->denied, j->n_denied, where, sizeof(where));

	if (record && (r == 0 || r == 1)) /* what the helper opened, refused or not */
		json_object_object_add(j->ctx.decoded, "opened", json_object_new_string(where));
	if (r == -EAGAIN || r == -EXDEV) {
		log_debug("session %" PRIu64 ": pid %d: cannot tell where '%s' lies (%s), refusing",
			  j->hj.s->id, (int)j->hj.tid, j->path, strerror(-r));
		r = 1;
	}
	if (r < 0)
		return r;
	return r > 0 ? refuse(j) : r;
}

static int parent_done(struct emu_job *j, int fd)
{
	_cleanup_close_ int dir = fd;
	int r = check(j, dir, -EBADF, false);

	if (r != 0)
		return r;
	j->stage = OPEN_FILE;
	return helper_send(&j->hj, HELPER_MSG_OPEN, is_tmpfile(j->flags) ? "." : j->last,
			   j->flags & ~(uint32_t)O_TRUNC, j->mode, HELPER_NO_CREATE_LINK, dir);
}

/* The helper's fd must be open as asked: the access mode, O_PATH, O_APPEND. */
static int opened_as_asked(struct emu_job *j, int fd)
{
	const int keep = O_ACCMODE | O_PATH | O_APPEND;
	int want = (j->flags & O_PATH) ? O_PATH : (int)j->flags & keep, fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return negative_errno();
	if ((fl & keep) != want)
		return log_warn(-EIO, "session %" PRIu64 ": helper opened '%s' with flags 0%o, not "
				"0%o, refusing", j->hj.s->id, j->path, fl & keep, want);
	return 0;
}

static int file_done(struct emu_job *j, int fd, int dirfd)
{
	_cleanup_close_ int dir = dirfd;
	struct stat st;
	int r;

	j->fd = fd;
	r = opened_as_asked(j, fd);
	if (r < 0)
		return r;
	if (!is_tmpfile(j->flags)) { /* an O_TMPFILE has no name; its directory was checked */
		r = check(j, fd, dir, true);
		if (r != 0)
			return r;
	}
	r = stat_cached(fd, &st);
	if (r < 0)
		return r;
	if ((j->flags & O_TRUNC) && (j->flags & O_ACCMODE) != O_RDONLY && S_ISREG(st.st_mode)) {
		j->stage = OPEN_TRUNCATE;
		return helper_send(&j->hj, HELPER_MSG_TRUNCATE, NULL, 0, 0, 0, fd);
	}
	if (j->flags & O_PATH) {
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			emu_result(&j->ctx, "unsupported", EOPNOTSUPP, 0);
			emu_job_done(j);
			return 1;
		}
		j->stage = OPEN_REOPEN;
		return helper_send(&j->hj, HELPER_MSG_REOPEN, NULL, O_PATH_REOPEN, 0, 0, fd);
	}
	return inject(j, fd);
}

/* The helper's read-only fd must be the very file checked, and read-only. */
static int reopen_done(struct emu_job *j, int fd)
{
	_cleanup_close_ int again = fd;
	struct stat a, b;
	int fl = fcntl(again, F_GETFL), r;

	r = fl < 0 ? negative_errno() : stat_cached(j->fd, &a);
	if (r >= 0)
		r = stat_cached(again, &b);
	if (r < 0)
		return r;
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino || (fl & O_ACCMODE) != O_RDONLY ||
	    (fl & O_PATH))
		return log_warn(-EIO, "session %" PRIu64 ": helper reopened another file, "
				"refusing", j->hj.s->id);
	return inject(j, again);
}

/* What the rule's prefixes name now; one that is not in the dentry cache is looked up by
 * the helper first (as the caller: the daemon's own lookup could wait on a file system
 * the caller serves), then resolved again.  Then the open's first request. */
static int begin(struct emu_job *j)
{
	unsigned missing = 0;
	char word[PATH_MAX];
	int r = prefix_resolve(j->hj.tid, j->action.emu_opts, j->denied, &j->n_denied, &missing);

	if (r == -EAGAIN && missing < 64 && !(j->warmed & (1ull << missing)) &&
	    prefix_word(j->action.emu_opts, missing, word, sizeof(word)) == 0) {
		j->warmed |= 1ull << missing;
		j->stage = OPEN_WARM;
		return helper_send(&j->hj, HELPER_MSG_OPEN, word, O_PATH, 0, 0, -EBADF);
	}
	if (r == -EAGAIN) {
		log_debug("session %" PRIu64 ": prefix %u of '%s' is not in the dentry cache, "
			  "refusing the open", j->hj.s->id, missing, j->action.emu_opts);
		return refuse(j);
	}
	if (r < 0)
		return r;
	if (j->flags & O_CREAT || is_tmpfile(j->flags)) {
		j->stage = OPEN_PARENT;
		return helper_send(&j->hj, HELPER_MSG_OPEN, j->path, O_PATH | O_DIRECTORY, 0, 0,
				   j->start_fd);
	}
	j->stage = OPEN_FILE;
	return helper_send(&j->hj, HELPER_MSG_OPEN, j->path, j->flags & ~(uint32_t)O_TRUNC,
			   j->mode, 0, j->start_fd);
}

static int open_reply(struct helper_job *hj, int err, int *fds, size_t n)
{
	struct emu_job *j = (struct emu_job *)hj;
	int fd = n > 0 ? fds[0] : -EBADF;

	if (j->stage != OPEN_FILE && n > 1)
		safe_close(fds[1]); /* a directory comes only with an opened file */
	if (j->stage == OPEN_WARM) { /* only the dentry cache mattered */
		safe_close(fd);
		return begin(j);
	}
	if (err || (n == 0 && j->stage != OPEN_TRUNCATE)) {
		safe_close(fd);
		return err ? -err : -EIO;
	}
	switch (j->stage) {
	case OPEN_PARENT: return parent_done(j, fd);
	case OPEN_FILE: return file_done(j, fd, n > 1 ? fds[1] : -EBADF);
	case OPEN_TRUNCATE: return inject(j, j->fd);
	case OPEN_REOPEN: return reopen_done(j, fd);
	default: safe_close(fd); return -EIO;
	}
}

static int open_start(struct helper_job *hj)
{
	return begin((struct emu_job *)hj);
}

static const struct helper_job_ops open_ops = {
	.start = open_start,
	.reply = open_reply,
	.fail = emu_job_fail,
};

/* emulate open; see emu.h. */
int emu_open(struct emu_ctx *ctx)
{
	const struct sg_call *c = ctx->c;
	bool at = c->nr == __NR_openat;
	struct emu_job *j = NULL;
	char buf[32];
	int r;

	snprintf(buf, sizeof(buf), "0%llo", (unsigned long long)(uint32_t)c->args[at ? 2 : 1]);
	json_object_object_add(ctx->decoded, "flags", json_object_new_string(buf));
	r = emu_job_new(ctx, &open_ops, &j);
	if (r < 0)
		return r;
	j->flags = (uint32_t)c->args[at ? 2 : 1];
	j->mode = (mode_t)(c->args[at ? 3 : 2] & 07777);
	r = emu_read_path(&j->ctx, "path", c->args[at ? 1 : 0], j->path, sizeof(j->path));
	if (r >= 0 && j->path[0] == '\0')
		r = -ENOENT;
	if (r >= 0 && j->path[0] != '/') {
		j->start_fd = tpath_start_fd(c->tid, at ? (int)c->args[0] : AT_FDCWD);
		r = j->start_fd < 0 ? j->start_fd : emu_still_valid(ctx);
	}
	if (r >= 0 && (j->flags & O_CREAT))
		r = tpath_split(j->path, j->last, sizeof(j->last));
	if (r < 0) {
		emu_job_abort(ctx, j);
		return r;
	}
	return emu_job_submit(ctx, j);
}
