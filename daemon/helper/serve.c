/* SPDX-License-Identifier: MIT */
/*
 * The helper's request loop: one request, one call with the caller's rights,
 * one reply.  Opens are openat(2) as the caller made it, but /proc magic links
 * are refused: they would name the helper's own fds and root, not the
 * caller's.  Blocking is fine here (a FIFO without a writer, a slow or
 * user-served file system): only this helper waits, the daemon does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper/prog.h"
#include "helper/wire.h"
#include "macro.h"
#include "proto.h"

static int err_of(int r)
{
	return r < 0 ? -errno : r;
}

/* What openat(2) keeps of its flags and mode (the kernel's build_open_how(); openat2
 * adds O_LARGEFILE itself on 64-bit). */
static void open_how_of(uint32_t flags, uint32_t mode, struct open_how *how)
{
	const uint64_t valid = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
			       O_NONBLOCK | O_SYNC | O_DSYNC | FASYNC | O_DIRECT | O_DIRECTORY |
			       O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE;

	how->flags = (flags & valid) | O_CLOEXEC;
	if (how->flags & O_PATH)
		how->flags &= O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
	/* as the kernel: O_DIRECTORY alone (a part of O_TMPFILE's bits) creates nothing */
	how->mode = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode & 07777 : 0;
}

/* openat as the caller would, except that a /proc magic link is refused (ELOOP): here
 * /proc/self is this helper, and its fds are not the caller's. */
static int open_at(int dirfd, const char *path, uint32_t flags, uint32_t mode)
{
	struct open_how how = { .resolve = RESOLVE_NO_MAGICLINKS };

	open_how_of(flags, mode, &how);
	return err_of((int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

static int do_open(const struct helper_msg_req *q, int fd)
{
	int dirfd = (q->opts & HELPER_AT_FD) ? fd : AT_FDCWD, r;

	if ((q->opts & HELPER_NO_CREATE_LINK) && (q->flags & O_CREAT)) {
		r = open_at(dirfd, q->path, q->flags | O_NOFOLLOW, q->mode);
		/* A symlink there: the existing file it names, never a new one through it. */
		if (r == -ELOOP && !(q->flags & (O_EXCL | O_NOFOLLOW)))
			r = open_at(dirfd, q->path, q->flags & ~(uint32_t)O_CREAT, q->mode);
		return r;
	}
	return open_at(dirfd, q->path, q->flags, q->mode);
}

/* A readable fd of the same file as an O_PATH fd (ADDFD cannot pass O_PATH files). */
static int do_reopen(const struct helper_msg_req *q, int fd)
{
	char link[64];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return err_of(openat(fd, ".", (int)q->flags | O_DIRECTORY | O_CLOEXEC));
	if (!S_ISREG(st.st_mode))
		return -EOPNOTSUPP;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	return err_of(open(link, (int)q->flags | O_CLOEXEC));
}

/* The directory a non-directory opened file sits in, as the helper sees it (the daemon
 * checks that it is): -errno when there is none to give (no /proc in this root). */
static int parent_of(int fd)
{
	char link[64], path[HELPER_PATH_MAX], *slash;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))
		return -ENOTDIR;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return -ENOENT;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (slash == path)
		slash[1] = '\0';
	else
		*slash = '\0';
	return err_of(open(path, O_PATH | O_DIRECTORY | O_CLOEXEC));
}

/* Carry out one request: 0 with the fds it makes in out[] (*ret_n), or -errno. */
static int act(const struct helper_msg *m, int fd, int out[HELPER_REPLY_FDS_MAX],
	       uint32_t *ret_n)
{
	const struct helper_msg_req *q = &m->u.req;
	int dirfd = (q->opts & HELPER_AT_FD) ? fd : AT_FDCWD, r;

	*ret_n = 0;
	umask((mode_t)q->umask);
	switch (m->type) {
	case HELPER_MSG_OPEN:
		r = do_open(q, fd);
		if (r < 0)
			return r;
		out[(*ret_n)++] = r;
		r = parent_of(r);
		if (r >= 0)
			out[(*ret_n)++] = r;
		return 0;
	case HELPER_MSG_TRUNCATE:
		return ftruncate(fd, 0) < 0 ? -errno : 0;
	case HELPER_MSG_REOPEN:
		r = do_reopen(q, fd);
		if (r >= 0)
			out[(*ret_n)++] = r;
		return r < 0 ? r : 0;
	case HELPER_MSG_MKNOD:
		return mknodat(dirfd, q->path, (mode_t)q->mode, 0) < 0 ? -errno : 0;
	default:
		return -EBADMSG;
	}
}

/* Serve requests; see prog.h. */
int helper_serve(int sock)
{
	static unsigned char buf[HELPER_MSG_MAX + 1];
	int fds[SG_MSG_FDS_MAX], out[HELPER_REPLY_FDS_MAX];
	struct helper_msg_reply rep;
	struct helper_msg m;
	size_t n_fds;

	for (;;) {
		ssize_t n = proto_recv(sock, buf, sizeof(buf), fds, &n_fds);
		uint32_t n_out = 0;
		int r;

		if (n <= 0)
			return (int)n;
		r = helper_decode(buf, (size_t)n, n_fds, &m);
		if (r < 0 || m.type == HELPER_MSG_READY || m.type == HELPER_MSG_REPLY) {
			proto_close_fds(fds, n_fds);
			return -EBADMSG;
		}
		r = act(&m, n_fds ? fds[0] : -EBADF, out, &n_out);
		proto_close_fds(fds, n_fds);
		helper_encode_reply(&rep, HELPER_MSG_REPLY, m.seq, r < 0 ? -r : 0, n_out, 0);
		r = proto_send(sock, &rep, sizeof(rep), out, n_out);
		proto_close_fds(out, n_out);
		if (r < 0)
			return r;
	}
}
