/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every sysgate component: cleanup attributes, ownership hand-off. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* Close an fd, keeping errno; accepts negative fds; returns -EBADF for assignment. */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -EBADF;
}

static inline void closep(int *fd)
{
	*fd = safe_close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* Hand ownership out: returns the value and resets the variable. */
#define TAKE_PTR(p)                                   \
	__extension__({                               \
		__typeof__(p) _p_ = (p);              \
		(p) = NULL;                           \
		_p_;                                  \
	})
#define TAKE_FD(fd)                                   \
	__extension__({                               \
		int _fd_ = (fd);                      \
		(fd) = -EBADF;                        \
		_fd_;                                 \
	})

/* Negative errno from libc's -1/errno convention, never 0. */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
