/* SPDX-License-Identifier: MIT */
/*
 * Replacing a file whole (a learnt or merged policy): the new contents go to a
 * temporary file beside it, which reaches the disk before it is renamed over the
 * old one.  A failure before the rename removes the temporary file and leaves the
 * old file untouched; the rename itself replaces it in one step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_atomic.h"
#include "macro.h"

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* mode as open(2) would create it.  No call only reads the umask: set it and put it back. */
static mode_t without_umask(mode_t mode)
{
	mode_t u = umask(0777);

	umask(u);
	return mode & ~u;
}

/* Make the rename durable; a failure is ignored: the new file is in place already. */
static void sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int fd = -EBADF;

	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
}

/* Replace path with data through a temporary file in the same directory. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!path || !path[0] || (!data && len > 0))
		return -EINVAL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL; /* undefined after a failure */
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, without_umask(mode)) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	sync_dir_of(path);
	return 0;
}
