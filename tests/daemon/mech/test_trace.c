/* SPDX-License-Identifier: MIT */
/*
 * trace.c's set-up of the SIGCHLD signalfd when libevent refuses to watch it.
 * The failure is injected by interposing event_add() (this executable's
 * definition wins over libevent's); close() is interposed too, to put another
 * file at the signalfd's number the moment it is closed, as a second thread
 * or the next accept could: a second close of that number would close it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(trace, .fini = th_cleanup, .timeout = 30);

static struct {
	bool fail_signalfd_add; /* the next event_add of a signalfd fails */
	int watched;            /* the fd of that event: refilled when it is closed */
	int sentinel;           /* what refills it */
	int refilled;           /* the number the sentinel was put at, or -1 */
} inj = { false, -1, -1, -1 };

static bool is_signalfd(int fd)
{
	char path[64], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[signalfd]") == 0;
}

/* libevent's event_add(), failing once for a signalfd when told to. */
int event_add(struct event *ev, const struct timeval *tv)
{
	static int (*real)(struct event *, const struct timeval *);

	if (inj.fail_signalfd_add && is_signalfd(event_get_fd(ev))) {
		inj.fail_signalfd_add = false;
		inj.watched = event_get_fd(ev);
		return -1;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "event_add"); /* POSIX's way past -Wpedantic */
	return real(ev, tv);
}

/* close(), putting the sentinel at the watched number as soon as it is free. */
int close(int fd)
{
	static int (*real)(int);
	int r;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "close");
	r = real(fd);
	if (r == 0 && fd >= 0 && fd == inj.watched) {
		inj.watched = -1;
		if (dup3(inj.sentinel, fd, O_CLOEXEC) == fd)
			inj.refilled = fd;
	}
	return r;
}

Test(trace, a_failed_event_add_closes_the_signalfd_once)
{
	struct sysgated *d = th_daemon();
	struct stat want, got;
	char reason[256] = "";
	int r;

	inj.sentinel = memfd_create("sentinel", MFD_CLOEXEC);
	cr_assert_geq(inj.sentinel, 0, "memfd_create: %s", strerror(errno));
	cr_assert_eq(fstat(inj.sentinel, &want), 0);
	inj.fail_signalfd_add = true;

	r = trace_attach(d, getpid(), reason, sizeof(reason));

	cr_expect_eq(r, -ENOMEM, "trace_attach: %d", r);
	cr_expect(strstr(reason, "cannot watch traced tasks"), "reason: %s", reason);
	cr_expect_null(d->trace, "the tracee map was kept after its set-up failed");
	cr_assert(!inj.fail_signalfd_add, "no event_add of a signalfd was seen");
	cr_assert_geq(inj.refilled, 0, "the signalfd was never closed");
	/* The number now belongs to the sentinel: still open, and still the sentinel. */
	cr_assert_eq(fstat(inj.refilled, &got), 0, "fd %d, reused after the signalfd, was closed "
		     "again: %s", inj.refilled, strerror(errno));
	cr_expect(got.st_dev == want.st_dev && got.st_ino == want.st_ino,
		  "fd %d is no longer the file opened after the signalfd was closed", inj.refilled);
	close(inj.refilled);
	close(inj.sentinel);
}
