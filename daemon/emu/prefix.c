/* SPDX-License-Identifier: MIT */
/*
 * Whether what the helper opened lies under a denied prefix.  Decided on the
 * opened file, never on the string asked for: each prefix is resolved in the
 * caller's root to a directory (device and inode), and the opened file's
 * directory and every directory above it (".." from it, as the kernel walks
 * it: across mount points, up to the caller's root) are compared with those.
 * A bind mount of a denied directory, or of one above it, is the same inode,
 * so it is caught; so are symlinks and ".." games.  A hard link to a file under
 * a denied directory, made in a directory that is not, is another directory
 * entry of the same inode: it is not caught (README).  A non-directory's
 * directory is the one the helper opened beside it, trusted only when it is in
 * the same mount and the kernel's path of the file is the kernel's path of the
 * directory and one name; else it is found from the file's path in the
 * caller's root and confirmed by device, inode and mount.  Everything is resolved with
 * RESOLVE_CACHED and stat'ed with AT_STATX_DONT_SYNC: no step waits for a file
 * system (a FUSE mount the target serves), so nothing here blocks the loop;
 * what is not in the dentry cache is -EAGAIN and the caller refuses the open.
 * Only ".." on a kernel file system (sysfs, cgroupfs: RESOLVE_CACHED refuses
 * every kernfs walk) is looked up, its type read from the caller's mountinfo.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"

#define WALK_MAX 2048 /* directories above a file: more than PATH_MAX allows */

static int file_id_of(int fd, struct file_id *ret)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO | STATX_MNT_ID,
		  &stx) < 0)
		return negative_errno();
	ret->dev = ((uint64_t)stx.stx_dev_major << 32) | stx.stx_dev_minor;
	ret->ino = stx.stx_ino;
	ret->mnt = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
	ret->dir = S_ISDIR(stx.stx_mode);
	return 0;
}

static bool same_inode(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* openat2 from the dentry cache only (-EAGAIN otherwise); a racing rename is retried. */
static int open_cached(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = { .flags = flags | O_PATH | O_CLOEXEC,
				.resolve = resolve | RESOLVE_CACHED | RESOLVE_NO_MAGICLINKS };
	long fd = -1;

	for (int i = 0; i < 4 && fd < 0; i++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd < 0 && (errno != EAGAIN || i == 3))
			return negative_errno();
	}
	return (int)fd;
}

/* Copy word i of prefixes into buf; see emu.h. */
int prefix_word(const char *prefixes, unsigned i, char *buf, size_t size)
{
	const char *w = prefixes;

	for (unsigned k = 0; *w; k++) {
		size_t len = strcspn(w, " ");

		if (k == i) {
			if (len >= size)
				return -ENAMETOOLONG;
			memcpy(buf, w, len);
			buf[len] = '\0';
			return 0;
		}
		w += len;
		w += *w == ' ';
	}
	return -ENOENT;
}

/* The denied directories now; see emu.h. */
int prefix_resolve(pid_t tid, const char *prefixes, struct file_id *set, size_t *ret_n,
		   unsigned *ret_missing)
{
	_cleanup_close_ int rootfd = -EBADF;
	char word[PATH_MAX], link[64];
	size_t n = 0;

	snprintf(link, sizeof(link), "/proc/%d/root", (int)tid);
	rootfd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	for (unsigned i = 0; n < PREFIX_DIRS_MAX && prefix_word(prefixes, i, word, sizeof(word)) == 0;
	     i++) {
		_cleanup_close_ int fd = open_cached(rootfd, word, 0, RESOLVE_IN_ROOT);
		int r;

		if (fd == -ENOENT || fd == -ENOTDIR)
			continue; /* names nothing now: denies nothing */
		if (fd == -EAGAIN)
			*ret_missing = i;
		if (fd < 0)
			return fd;
		r = file_id_of(fd, &set[n]);
		if (r < 0)
			return r;
		n++;
	}
	*ret_n = n;
	return 0;
}

static bool in_set(const struct file_id *f, const struct file_id *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (same_inode(f, &set[i]))
			return true;
	return false;
}

/* Whether dirfd (from the helper) is the directory fd sits in: same mount, and the
 * kernel's path of fd is the kernel's path of dirfd and one more name. */
static bool is_parent(int dirfd, const struct file_id *self, const char *fdpath)
{
	const char *slash = strrchr(fdpath, '/');
	char link[64], dpath[PATH_MAX];
	struct file_id d;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = readlink(link, dpath, sizeof(dpath) - 1);
	if (n <= 0 || !slash || file_id_of(dirfd, &d) < 0 || !d.dir || d.mnt != self->mnt)
		return false;
	dpath[n] = '\0';
	if (slash == fdpath) /* in "/" */
		return strcmp(dpath, "/") == 0;
	return (size_t)n == (size_t)(slash - fdpath) && memcmp(dpath, fdpath, (size_t)n) == 0;
}

/* The directory a non-directory fd sits in, from its path (where, inside the caller's
 * root), confirmed: that directory's entry of that name is the very file. */
static int parent_of(int rootfd, const char *where, const struct file_id *self)
{
	_cleanup_close_ int dir = -EBADF, child = -EBADF;
	const char *slash = strrchr(where, '/');
	char dpath[PATH_MAX];
	struct file_id f;
	int r;

	if (where[0] != '/' || !slash || slash[1] == '\0')
		return -EXDEV;
	snprintf(dpath, sizeof(dpath), "%.*s", slash == where ? 1 : (int)(slash - where), where);
	dir = open_cached(rootfd, dpath, O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (dir < 0)
		return dir == -EAGAIN ? dir : -EXDEV;
	child = open_cached(dir, slash + 1, O_NOFOLLOW, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (child < 0)
		return child == -EAGAIN ? child : -EXDEV;
	r = file_id_of(child, &f);
	if (r < 0)
		return r;
	if (!same_inode(&f, self) || f.mnt != self->mnt)
		return -EXDEV; /* renamed meanwhile, or not what the path says */
	return TAKE_FD(dir);
}

/* File systems whose lookups and permission checks never wait for user space or the
 * network, but that RESOLVE_CACHED refuses (kernfs checks permission under a lock). */
static const char *const kernel_fs[] = {
	"proc", "sysfs", "cgroup", "cgroup2", "tmpfs", "devtmpfs", "devpts", "securityfs",
	"debugfs", "tracefs", "bpf", "mqueue", "hugetlbfs", "pstore", "efivarfs", "ramfs",
	"configfs", "binfmt_misc", "fusectl",
};

/* Whether mount mnt of task tid's namespace is one of kernel_fs. */
static bool mount_is_kernel(pid_t tid, uint64_t mnt)
{
	char type[64];

	if (tpath_mount_type(tid, mnt, type, sizeof(type)) < 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(kernel_fs); i++)
		if (strcmp(type, kernel_fs[i]) == 0)
			return true;
	return false;
}

/* ".." of directory cur: from the dentry cache, or, on a kernel file system only, by a
 * lookup (".." reaches the file system for a permission check at most). */
static int step_up(pid_t tid, int cur, const struct file_id *f, uint64_t *kernel_mnt)
{
	int next = open_cached(cur, "..", O_DIRECTORY, 0);

	if (next != -EAGAIN)
		return next;
	if (*kernel_mnt != f->mnt) {
		if (!mount_is_kernel(tid, f->mnt))
			return -EAGAIN;
		*kernel_mnt = f->mnt;
	}
	next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return next < 0 ? negative_errno() : next;
}

/* Walk up from directory fd (taken) until the caller's root or the top. */
static int walk_up(pid_t tid, int fd, const struct file_id *root, const struct file_id *set,
		   size_t n)
{
	_cleanup_close_ int cur = fd;
	uint64_t kernel_mnt = 0; /* a mount known to be a kernel file system */
	struct file_id f, up;
	int r = file_id_of(cur, &f);

	for (unsigned i = 0; r >= 0 && i < WALK_MAX; i++) {
		int next;

		if (in_set(&f, set, n))
			return 1;
		if (same_inode(&f, root) && f.mnt == root->mnt)
			return 0;
		next = step_up(tid, cur, &f, &kernel_mnt);
		if (next < 0)
			return next;
		safe_close(cur);
		cur = next;
		r = file_id_of(cur, &up);
		if (r >= 0 && same_inode(&up, &f) && up.mnt == f.mnt)
			return 0; /* the top of the mount tree */
		f = up;
	}
	return r < 0 ? r : -ELOOP;
}

/* Where to start walking up: fd itself (a directory), the directory the helper gave
 * once checked, or the one found from fd's path. */
static int start_dir(int fd, int dirfd, const struct file_id *self, int rootfd, const char *fdpath,
		     const char *where)
{
	int start;

	if (self->dir) {
		start = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		return start < 0 ? negative_errno() : start;
	}
	if (dirfd >= 0 && is_parent(dirfd, self, fdpath)) {
		start = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
		return start < 0 ? negative_errno() : start;
	}
	return parent_of(rootfd, where, self);
}

/* Whether fd lies under a denied prefix; see emu.h. */
int prefix_denied(pid_t tid, int fd, int dirfd, const struct file_id *set, size_t n, char *where,
		  size_t size)
{
	_cleanup_close_ int rootfd = -EBADF;
	char link[64], fdpath[PATH_MAX];
	struct file_id self, root;
	ssize_t len;
	int r, start;

	snprintf(link, sizeof(link), "/proc/%d/root", (int)tid);
	rootfd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	r = file_id_of(rootfd, &root);
	if (r >= 0)
		r = file_id_of(fd, &self);
	if (r < 0)
		return r;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, fdpath, sizeof(fdpath) - 1);
	if (len < 0)
		return negative_errno();
	fdpath[len] = '\0';
	snprintf(where, size, "%s", fdpath);
	if (where[0] == '/' && tpath_strip_root(tid, where) < 0 && !self.dir)
		return -EXDEV; /* outside the caller's root: cannot be placed */
	if (in_set(&self, set, n))
		return 1;
	if (!self.dir && where[0] != '/')
		return 0; /* pipe:[...], socket:[...], anon_inode:...: in no directory */
	start = start_dir(fd, dirfd, &self, rootfd, fdpath, where);
	if (start < 0)
		return start;
	return walk_up(tid, start, &root, set, n);
}
