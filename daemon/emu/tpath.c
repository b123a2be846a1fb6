/* SPDX-License-Identifier: MIT */
/*
 * Paths as a supervised task sees them, for the daemon's side of emulation:
 * where its relative paths start (an O_PATH fd of its cwd or of its dirfd,
 * through /proc, handed to its helper, which resolves paths itself), a path of
 * the daemon's view made one inside the task's root, a path split into its
 * directory and final component, and the file system type of its mounts.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"
#include "proc.h"

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

/* Split a path into its directory and final component; see emu.h. */
int tpath_split(char *path, char *last, size_t size)
{
	char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;

	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EISDIR; /* "dir/", ".", "..": a directory, never a new entry */
	if (strlen(name) >= size || strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	strcpy(last, name);
	if (!slash)
		strcpy(path, ".");
	else if (slash == path)
		path[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

/* The file system type of mount mnt in task tid's namespace; see emu.h. */
int tpath_mount_type(pid_t tid, uint64_t mnt, char *buf, size_t size)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t n = 0;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : negative_errno();
	while (getline(&line, &n, f) > 0) {
		char *sep, *end;

		if (strtoull(line, &end, 10) != mnt || *end != ' ' || !(sep = strstr(line, " - ")))
			continue;
		sep += 3;
		snprintf(buf, size, "%.*s", (int)strcspn(sep, " \n"), sep);
		return 0;
	}
	return -ENOENT;
}
