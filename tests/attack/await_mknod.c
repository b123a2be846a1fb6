/* SPDX-License-Identifier: MIT */
/*
 * await_mknod PIDFILE GOFILE PATH: write this process's pid to PIDFILE, wait (at
 * most 10 s) until GOFILE exists, then mknod PATH as c 1:3 and print "mknod=...".
 * The target a foreign tracer attaches to in between.  Exits 0 when it ran to the end.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "attack.h"

int main(int argc, char **argv)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char buf[32];
	int fd, n;

	if (argc != 4) {
		fprintf(stderr, "usage: await_mknod PIDFILE GOFILE PATH\n");
		return 2;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || close(fd) < 0)
		return 3;
	for (int i = 0; access(argv[2], F_OK) < 0; i++) {
		if (i == 1000)
			return 4;
		nanosleep(&ts, NULL);
	}
	n = mknod(argv[3], S_IFCHR | 0600, makedev(1, 3));
	attack_report("mknod", n, errno);
	return 0;
}
