/* SPDX-License-Identifier: MIT */
/*
 * emulate open PREFIX... (open, openat): the daemon opens the file as the
 * caller would (its root and mount namespace, its cwd or dirfd, its fsuid,
 * fsgid, groups and umask), refuses it EACCES when the file it actually
 * opened lies under a denied prefix, and otherwise injects that very file
 * with SECCOMP_IOCTL_NOTIF_ADDFD | SECCOMP_ADDFD_FLAG_SEND.  The check is on
 * the opened file, never on the path string, so swapping the string or a
 * symlink after the check changes nothing.  O_TRUNC is applied only after the
 * check; O_CREAT checks the parent directory before creating.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"

static int open_in(int dirfd, const char *path, uint64_t flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .mode = mode, .resolve = resolve };
	long fd;

	if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE) /* as the kernel: */
		how.mode = 0; /* O_TMPFILE is __O_TMPFILE | O_DIRECTORY, which alone is no create */
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? negative_errno() : (int)fd;
}

/* Whether fd, as a path inside the task's root, lies under one of the prefixes. */
static int denied(pid_t tid, int fd, const char *prefixes, char *where, size_t size)
{
	char link[64];
	ssize_t n;
	int r;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, where, size - 1);
	if (n < 0)
		return negative_errno();
	where[n] = '\0';
	r = tpath_strip_root(tid, where);
	if (r < 0)
		return r;
	for (const char *w = prefixes; *w; ) {
		size_t len = strcspn(w, " ");

		while (len > 1 && w[len - 1] == '/')
			len--;
		if (strncmp(where, w, len) == 0 && (where[len] == '/' || where[len] == '\0' ||
						     (len == 1 && w[0] == '/')))
			return 1;
		w += strcspn(w, " ");
		w += *w == ' ';
	}
	return 0;
}

/* Open as the task; O_CREAT checks the parent directory before anything is made. */
static int open_as(struct emu_ctx *ctx, int rootfd, const char *full, uint64_t flags,
		   mode_t mode, char *where, size_t size)
{
	const uint64_t in_root = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	_cleanup_close_ int parent = -EBADF;
	char dir[2 * PATH_MAX + 2];
	const char *slash, *last;
	int fd, r;

	if (!(flags & O_CREAT))
		return open_in(rootfd, full, flags & ~(uint64_t)O_TRUNC, mode, in_root);
	slash = strrchr(full, '/');
	last = slash ? slash + 1 : full;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - full) + 1 : 1, slash ? full : "/");
	parent = open_in(rootfd, dir, O_PATH | O_DIRECTORY, 0, in_root);
	if (parent < 0)
		return parent;
	r = denied(ctx->c->tid, parent, ctx->action->emu_opts, where, size);
	if (r != 0)
		return r < 0 ? r : -EACCES;
	fd = open_in(parent, last, flags & ~(uint64_t)O_TRUNC, mode,
		     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd == -ELOOP && !(flags & (O_EXCL | O_NOFOLLOW))) /* a symlink: an existing target */
		fd = open_in(rootfd, full, flags & ~(uint64_t)(O_TRUNC | O_CREAT), mode, in_root);
	return fd;
}

static int inject(struct emu_ctx *ctx, int fd, uint64_t flags)
{
	struct seccomp_notif_addfd addfd = {
		.id = ctx->s->req->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)fd,
		.newfd_flags = (uint32_t)(flags & O_CLOEXEC),
	};
	int r;

	do
		r = ioctl(ctx->s->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	ctx->answered = true;
	emu_result(ctx, "opened", 0, r);
	return 0;
}

/* emulate open; see emulate.h. */
int emu_open(struct emu_ctx *ctx)
{
	const struct sg_call *c = ctx->c;
	bool at = c->nr == __NR_openat;
	int dirfd = at ? (int)c->args[0] : AT_FDCWD;
	uint64_t flags = (uint32_t)c->args[at ? 2 : 1];
	mode_t mode = (mode_t)(c->args[at ? 3 : 2] & 07777);
	char path[PATH_MAX], full[2 * PATH_MAX + 2], where[PATH_MAX], buf[32];
	_cleanup_close_ int rootfd = -EBADF, fd = -EBADF;
	struct tcred_saved st = { 0 };
	struct tcred cred;
	int r;

	snprintf(buf, sizeof(buf), "0%llo", (unsigned long long)flags);
	json_object_object_add(ctx->decoded, "flags", json_object_new_string(buf));
	r = emu_read_path(ctx, "path", c->args[at ? 1 : 0], path, sizeof(path));
	if (r < 0)
		return r;
	if (path[0] == '\0')
		return -ENOENT;
	if (path[0] == '/') {
		snprintf(full, sizeof(full), "%s", path);
	} else {
		r = tpath_start_inside_root(c->tid, dirfd, full, PATH_MAX);
		if (r < 0)
			return r;
		snprintf(full + strlen(full), sizeof(full) - strlen(full), "/%s", path);
	}
	r = tcred_read(c->tid, &cred);
	if (r < 0)
		return r;
	snprintf(buf, sizeof(buf), "/proc/%d/root", (int)c->tid);
	rootfd = open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	r = emu_still_valid(ctx);
	if (r < 0)
		return r;

	r = tcred_become(c->tid, &cred, &st);
	fd = r < 0 ? r : open_as(ctx, rootfd, full, flags, mode, where, sizeof(where));
	tcred_restore(&st);
	if (fd < 0)
		return fd == -EACCES ? (emu_result(ctx, "denied", EACCES, 0), 0) : fd;
	/* The file actually opened decides, whatever the string says now. */
	r = denied(c->tid, fd, ctx->action->emu_opts, where, sizeof(where));
	if (r < 0)
		return r;
	json_object_object_add(ctx->decoded, "opened", json_object_new_string(where));
	if (r > 0) {
		emu_result(ctx, "denied", EACCES, 0);
		return 0;
	}
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && ftruncate(fd, 0) < 0)
		return negative_errno();
	return inject(ctx, fd, flags);
}
