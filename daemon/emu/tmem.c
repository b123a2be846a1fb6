/* SPDX-License-Identifier: MIT */
/*
 * Reading the memory of a supervised task: process_vm_readv, falling back to
 * /proc/TID/mem when that is refused.  Bounded reads only; a bad pointer is
 * -EFAULT.  What is read may be stale the moment it is read: callers check
 * SECCOMP_IOCTL_NOTIF_ID_VALID afterwards and never CONTINUE on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"

#define TMEM_PAGE 4096u

static int mem_pread(pid_t tid, uint64_t addr, void *buf, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64];
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	while (n < size) {
		ssize_t k = pread(fd, (char *)buf + n, size - n, (off_t)(addr + n));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno == EIO ? -EFAULT : negative_errno();
		if (k == 0)
			return -EFAULT;
		n += (size_t)k;
	}
	return 0;
}

/* Read size bytes at addr in task tid; see emulate.h. */
int tmem_read(pid_t tid, uint64_t addr, void *buf, size_t size)
{
	struct iovec local = { .iov_base = buf, .iov_len = size };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = size };
	ssize_t k;

	if (size == 0)
		return 0;
	if (addr + size < addr)
		return -EFAULT;
	k = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (k == (ssize_t)size)
		return 0;
	if (k >= 0 || errno == EFAULT)
		return -EFAULT; /* a partial read: the range crosses an unmapped page */
	if (errno == ESRCH)
		return -ESRCH;
	return mem_pread(tid, addr, buf, size); /* EPERM, ENOSYS: try /proc/TID/mem */
}

/* Read a NUL-terminated string; see emulate.h. */
ssize_t tmem_read_string(pid_t tid, uint64_t addr, char *buf, size_t size)
{
	size_t n = 0;
	int r;

	if (size == 0)
		return -EINVAL;
	if (addr == 0)
		return -EFAULT;
	/* Page by page, so a string that ends just before an unmapped page is read. */
	while (n < size) {
		size_t chunk = TMEM_PAGE - (size_t)((addr + n) % TMEM_PAGE);
		char *nul;

		if (chunk > size - n)
			chunk = size - n;
		r = tmem_read(tid, addr + n, buf + n, chunk);
		if (r < 0)
			return r;
		nul = memchr(buf + n, '\0', chunk);
		if (nul)
			return nul - buf;
		n += chunk;
	}
	buf[size - 1] = '\0';
	return -ENAMETOOLONG;
}
