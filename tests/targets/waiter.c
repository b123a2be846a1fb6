/* SPDX-License-Identifier: MIT */
/*
 * waiter [-v VALUE [-n CALLS]] [-r READY] [-g GO] [-t SECONDS]: keeps a session
 * alive.  With -v it checks that raw getppid calls (CALLS of them, default 1)
 * return VALUE (a faked value) before and after waiting.  With -r it writes its
 * pid to READY (atomically, via rename) once the first check is done.  It then
 * waits until the file GO exists (-g), or else until standard input reaches end
 * of file; -t bounds the wait (default 60 s, exit 3 when it expires).  Exits 0
 * only when every check held.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

static int check_value(const char *when, int have_value, long value, long calls)
{
	long r = 0, wrong = 0;
	int err = 0;
	char buf[16];

	if (!have_value)
		return 0;
	for (long i = 0; i < calls; i++) {
		long v;

		errno = 0;
		v = syscall(SYS_getppid, 0);
		if (i == 0 || (v != value && wrong == 0)) {
			r = v;
			err = v == -1 ? errno : 0;
		}
		wrong += v != value;
	}
	printf("waiter: getppid %s wait = %ld%s%s (expected %ld, %ld of %ld calls wrong)\n",
	       when, r, err ? " errno=" : "", err ? target_errno_name(err, buf, sizeof(buf)) : "",
	       value, wrong, calls);
	fflush(stdout);
	return wrong == 0 ? 0 : 1;
}

static int write_ready(const char *path)
{
	char tmp[4096], buf[32];
	int fd, len;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)len) != len) {
		close(fd);
		return -EIO;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

/* 0 once GO exists or stdin hit EOF, -ETIMEDOUT when the bound expired. */
static int wait_go(const char *go, long seconds)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		struct stat st;

		if (go && stat(go, &st) == 0)
			return 0;
		if (!go && poll(&pfd, 1, 100) > 0) {
			char buf[256];
			ssize_t n = read(0, buf, sizeof(buf));

			if (n <= 0)
				return 0;
		}
		if (go) {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= seconds)
			return -ETIMEDOUT;
	}
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *go = NULL;
	long value = 0, seconds = 60, calls = 1;
	int have_value = 0, bad = 0, opt, r;

	while ((opt = getopt(argc, argv, "v:n:r:g:t:")) != -1) {
		switch (opt) {
		case 'v':
			value = target_parse_long("waiter", "VALUE", optarg);
			have_value = 1;
			break;
		case 'n':
			calls = target_parse_long("waiter", "CALLS", optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		case 'g':
			go = optarg;
			break;
		case 't':
			seconds = target_parse_long("waiter", "SECONDS", optarg);
			break;
		default:
			fprintf(stderr, "usage: waiter [-v VALUE [-n CALLS]] [-r READY] [-g GO] [-t SECONDS]\n");
			return 2;
		}
	}
	bad |= check_value("before", have_value, value, calls);
	if (ready) {
		r = write_ready(ready);
		if (r < 0) {
			fprintf(stderr, "waiter: cannot write '%s': %s\n", ready, strerror(-r));
			return 2;
		}
	}
	r = wait_go(go, seconds);
	if (r < 0) {
		printf("waiter: gave up waiting after %ld s\n", seconds);
		return 3;
	}
	bad |= check_value("after", have_value, value, calls);
	printf("waiter: done\n");
	return bad ? 1 : 0;
}
