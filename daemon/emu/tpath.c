/* SPDX-License-Identifier: MIT */
/*
 * Paths as a supervised task sees them.  Everything is resolved by the kernel
 * with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) under the task's root
 * (/proc/TID/root, which also carries its mount namespace), so no symlink or
 * ".." leads outside it; the daemon then acts on the parent directory fd and
 * the final component, so a component swapped for a symlink afterwards cannot
 * redirect the action.  Also: the task's credentials, umask and id maps.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"
#include "proc.h"

static int openat2_in_root(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? negative_errno() : (int)fd;
}

/* The magic link of where a relative path of tid starts: its cwd, or its fd dirfd. */
static int start_link(pid_t tid, int dirfd, char *link, size_t size)
{
	if (dirfd == AT_FDCWD)
		snprintf(link, size, "/proc/%d/cwd", (int)tid);
	else if (dirfd < 0)
		return -EBADF;
	else
		snprintf(link, size, "/proc/%d/fd/%d", (int)tid, dirfd);
	return 0;
}

/* Where a relative path starts, as an O_PATH fd; see emu.h. */
int tpath_start_fd(pid_t tid, int dirfd)
{
	char link[64];
	int fd, r = start_link(tid, dirfd, link, sizeof(link));

	if (r < 0)
		return r;
	fd = open(link, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT && dirfd != AT_FDCWD ? -EBADF : negative_errno();
	return fd;
}

/* Where a relative path starts, inside the task's root; see emulate.h. */
int tpath_start_inside_root(pid_t tid, int dirfd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;
	int r = start_link(tid, dirfd, link, sizeof(link));

	if (r < 0)
		return r;
	n = readlink(link, buf, size - 1);
	if (n < 0)
		return errno == ENOENT && dirfd != AT_FDCWD ? -EBADF : negative_errno();
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	if (buf[0] != '/')
		return -ENOTDIR; /* "pipe:[...]", "anon_inode:...": not a directory */
	return tpath_strip_root(tid, buf);
}

/* Make a path of the daemon's view one inside the task's root; see emulate.h. */
int tpath_strip_root(pid_t tid, char *buf)
{
	char link[64], root[PATH_MAX];
	size_t rl, n = strlen(buf);
	ssize_t rn;

	snprintf(link, sizeof(link), "/proc/%d/root", (int)tid);
	rn = readlink(link, root, sizeof(root) - 1);
	if (rn < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	root[rn] = '\0';
	rl = strcmp(root, "/") == 0 ? 0 : (size_t)rn;
	if (rl && (strncmp(buf, root, rl) != 0 || (buf[rl] != '/' && buf[rl] != '\0')))
		return -ENOENT; /* the cwd is outside the root: as if it were gone */
	memmove(buf, buf + rl, n - rl + 1);
	if (buf[0] == '\0')
		strcpy(buf, "/");
	return 0;
}

/* The parent directory of path, as an O_PATH fd; see emulate.h. */
int tpath_open_parent(pid_t tid, int dirfd, const char *path, char *ret_last, size_t size)
{
	_cleanup_close_ int rootfd = -EBADF;
	char full[2 * PATH_MAX + 2], link[64];
	const char *slash, *last;
	size_t len = strlen(path), plen;
	int r;

	if (len == 0)
		return -ENOENT;
	while (len > 1 && path[len - 1] == '/') /* "dir/" names dir */
		len--;
	slash = memrchr(path, '/', len);
	last = slash ? slash + 1 : path;
	if ((size_t)(path + len - last) >= size || path + len - last > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(ret_last, last, (size_t)(path + len - last));
	ret_last[path + len - last] = '\0';
	if (ret_last[0] == '\0' || strcmp(ret_last, ".") == 0 || strcmp(ret_last, "..") == 0)
		return -EEXIST; /* "/", "." and ".." always exist */

	if (path[0] == '/') {
		strcpy(full, "/");
	} else {
		r = tpath_start_inside_root(tid, dirfd, full, PATH_MAX);
		if (r < 0)
			return r;
	}
	plen = strlen(full);
	if (slash) {
		if (plen + 1 + (size_t)(slash - path) + 1 > sizeof(full))
			return -ENAMETOOLONG;
		full[plen++] = '/';
		memcpy(full + plen, path, (size_t)(slash - path));
		full[plen + (size_t)(slash - path)] = '\0';
	}
	snprintf(link, sizeof(link), "/proc/%d/root", (int)tid);
	rootfd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	return openat2_in_root(rootfd, full);
}

static int status_field(const char *text, const char *key, unsigned idx, unsigned long *ret,
			int base)
{
	const char *p = strstr(text, key);
	char *end;

	if (!p)
		return -EIO;
	p += strlen(key);
	for (unsigned i = 0; i <= idx; i++) {
		unsigned long v;

		errno = 0;
		v = strtoul(p, &end, base);
		if (errno || end == p)
			return -EIO;
		*ret = v;
		p = end;
	}
	return 0;
}

/* fsuid, fsgid and umask from /proc/TID/status; see emulate.h. */
int tcred_read(pid_t tid, struct tcred *ret)
{
	char path[64], text[8192];
	unsigned long uid, gid, mask;
	ssize_t n;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	n = proc_read(path, text, sizeof(text));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	/* "Uid:\treal\teffective\tsaved\tfs" */
	r = status_field(text, "\nUid:", 3, &uid, 10);
	if (r >= 0)
		r = status_field(text, "\nGid:", 3, &gid, 10);
	if (r >= 0)
		r = status_field(text, "\nUmask:", 0, &mask, 8);
	if (r < 0)
		return r;
	ret->fsuid = (uid_t)uid;
	ret->fsgid = (gid_t)gid;
	ret->umask = (mode_t)(mask & 0777);
	return 0;
}

/* Supplementary groups from /proc/TID/status ("Groups:\t1 2 3"). */
static int task_groups(pid_t tid, gid_t *ret, int max)
{
	char path[64], text[8192], *p, *end;
	ssize_t n;
	int k = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	n = proc_read(path, text, sizeof(text));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	p = strstr(text, "\nGroups:");
	if (!p)
		return -EIO;
	p += strlen("\nGroups:");
	for (;;) {
		unsigned long g = strtoul(p, &end, 10);

		if (end == p || k >= max)
			break;
		ret[k++] = (gid_t)g;
		p = end;
	}
	return k;
}

/* Become the caller for file access; see emulate.h.  Raw syscalls: glibc would
 * apply setgroups to every thread. */
int tcred_become(pid_t tid, const struct tcred *cred, struct tcred_saved *st)
{
	gid_t groups[SG_GROUPS_MAX];
	int n;

	st->old_umask = umask(cred->umask);
	if (geteuid() != 0 || cred->fsuid == 0)
		return 0; /* unprivileged: the daemon can only be itself; root target: as is */
	n = task_groups(tid, groups, SG_GROUPS_MAX);
	if (n < 0)
		return n;
	st->n_old_groups = getgroups(SG_GROUPS_MAX, st->old_groups);
	if (st->n_old_groups < 0)
		return negative_errno();
	if (syscall(SYS_setgroups, n, groups) < 0)
		return negative_errno();
	st->old_fsgid = (gid_t)setfsgid(cred->fsgid);
	st->old_fsuid = (uid_t)setfsuid(cred->fsuid); /* drops the fs capabilities */
	st->switched = true;
	return 0;
}

/* Undo tcred_become(); see emulate.h. */
void tcred_restore(struct tcred_saved *st)
{
	umask(st->old_umask);
	if (!st->switched)
		return;
	setfsuid(st->old_fsuid);
	setfsgid(st->old_fsgid);
	(void)syscall(SYS_setgroups, st->n_old_groups, st->old_groups);
	st->switched = false;
}
