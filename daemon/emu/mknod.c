/* SPDX-License-Identifier: MIT */
/*
 * emulate mknod / mknod-strict (mknod, mknodat), carried out for the caller
 * by its session's helper, asynchronously:
 *   an allowlisted character device: the helper opens the parent directory as
 *     the caller; the daemon's one privileged step (priv.c) checks it and makes
 *     the node with the caller's fs credentials and CAP_MKNOD; where the daemon
 *     may not (unprivileged, a file system that may wait on user space), the
 *     helper makes a placeholder file there instead;
 *   another device: a placeholder (an empty regular file, as fakeroot does)
 *     made by the helper, or EPERM (mknod-strict);
 *   a regular file, FIFO or socket: made by the helper, as the kernel would.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"

enum { MK_PARENT = 1, MK_PLACEHOLDER, MK_NODE };

#define PLACEHOLDER_FLAGS (O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW)

static int finish(struct emu_job *j, const char *outcome)
{
	emu_result(&j->ctx, outcome, 0, 0);
	emu_job_done(j);
	return 1;
}

/* The parent directory, opened by the helper as the caller: make the device there. */
static int parent_done(struct emu_job *j, int dirfd)
{
	_cleanup_close_ int dir = dirfd;
	int r = priv_mknod(j->hj.tid, &j->hj.snap.cr, dir, j->last, j->mode, j->dev,
			   j->action.emu_opts, &j->hj.s->d->bounds, session_bounded(j->hj.s));

	if (r != -EPERM)
		return r < 0 ? r : finish(j, "created");
	/* Not here, not by this daemon: a placeholder, made by the helper as the caller. */
	j->stage = MK_PLACEHOLDER;
	return helper_send(&j->hj, HELPER_MSG_OPEN, j->last, PLACEHOLDER_FLAGS, j->mode & 07777,
			   0, dir);
}

static int mknod_reply(struct helper_job *hj, int err, int *fds, size_t n)
{
	struct emu_job *j = (struct emu_job *)hj;
	int fd = n > 0 ? fds[0] : -EBADF;

	for (size_t i = 1; i < n; i++)
		safe_close(fds[i]);
	if (err)
		return -err;
	switch (j->stage) {
	case MK_PARENT:
		return fd < 0 ? -EIO : parent_done(j, fd);
	case MK_PLACEHOLDER:
		safe_close(fd);
		return finish(j, (j->mode & S_IFMT) == S_IFREG ? "created" : "placeholder");
	case MK_NODE:
		safe_close(fd);
		return finish(j, "created");
	default:
		safe_close(fd);
		return -EIO;
	}
}

static int mknod_start(struct helper_job *hj)
{
	struct emu_job *j = (struct emu_job *)hj;
	mode_t type = j->mode & S_IFMT;

	if (j->stage == MK_PARENT)
		return helper_send(hj, HELPER_MSG_OPEN, j->path, O_PATH | O_DIRECTORY, 0, 0,
				   j->start_fd);
	if (j->stage == MK_PLACEHOLDER || type == S_IFREG)
		return helper_send(hj, HELPER_MSG_OPEN, j->path, PLACEHOLDER_FLAGS,
				   j->mode & 07777, 0, j->start_fd);
	return helper_send(hj, HELPER_MSG_MKNOD, j->path, 0, j->mode, 0, j->start_fd);
}

static const struct helper_job_ops mknod_ops = {
	.start = mknod_start,
	.reply = mknod_reply,
	.fail = emu_job_fail,
};

static void decode(struct emu_ctx *ctx, mode_t mode, dev_t dev)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0%o", (unsigned)mode);
	json_object_object_add(ctx->decoded, "mode", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "%u:%u", major(dev), minor(dev));
	json_object_object_add(ctx->decoded, "dev", json_object_new_string(buf));
}

/* What the job does first; 0, or -errno. */
static int plan(struct emu_job *j, bool strict)
{
	mode_t type = j->mode & S_IFMT;
	bool device = type == S_IFCHR || type == S_IFBLK;
	int r;

	if (type == 0)
		j->mode |= type = S_IFREG;
	if (type != S_IFREG && !device && type != S_IFIFO && type != S_IFSOCK)
		return -EINVAL;
	if (device && !priv_dev_allowed(&j->ctx.s->d->bounds, session_bounded(j->ctx.s),
					j->action.emu_opts, j->mode, j->dev)) { /* hj.s: once submitted */
		if (strict)
			return -EPERM;
		j->stage = MK_PLACEHOLDER;
		return 0;
	}
	j->stage = device ? MK_PARENT : MK_NODE;
	if (!device)
		return 0;
	r = tpath_split(j->path, j->last, sizeof(j->last));
	return r == -EISDIR ? -EEXIST : r;
}

/* emulate mknod / mknod-strict; see emu.h. */
int emu_mknod(struct emu_ctx *ctx, bool strict)
{
	const struct sg_call *c = ctx->c;
	bool at = c->nr == __NR_mknodat;
	struct emu_job *j = NULL;
	int r;

	decode(ctx, (mode_t)c->args[at ? 2 : 1], (dev_t)c->args[at ? 3 : 2]);
	r = emu_job_new(ctx, &mknod_ops, &j);
	if (r < 0)
		return r;
	j->mode = (mode_t)c->args[at ? 2 : 1];
	j->dev = (dev_t)c->args[at ? 3 : 2];
	r = emu_read_path(&j->ctx, "path", c->args[at ? 1 : 0], j->path, sizeof(j->path));
	if (r >= 0 && j->path[0] == '\0')
		r = -ENOENT;
	if (r >= 0)
		r = plan(j, strict);
	if (r >= 0 && j->path[0] != '/') {
		j->start_fd = tpath_start_fd(c->tid, at ? (int)c->args[0] : AT_FDCWD);
		r = j->start_fd < 0 ? j->start_fd : emu_still_valid(ctx);
	}
	if (r < 0) {
		emu_job_abort(ctx, j);
		return r;
	}
	return emu_job_submit(ctx, j);
}
