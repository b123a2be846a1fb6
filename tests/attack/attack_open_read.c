/* SPDX-License-Identifier: MIT */
/*
 * attack_open_read PATH: open PATH read-only under `emulate open` and read
 * from it: /dev/kmsg with dmesg_restrict=1 as an unprivileged user, a 0600 file
 * of another user as a target without CAP_DAC_*, a file under a denied
 * directory reached through a bind mount.  Prints "open=ok read=N" or
 * "open=-1 errno=NAME"; exits 0 when nothing was read (the attack was
 * stopped), 1 when it read, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[8192];
	ssize_t n;
	int fd;

	if (argc != 2)
		return 2;
	fd = open(argv[1], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		printf("open=-1 errno=%s\n", strerrorname_np(errno));
		return 0;
	}
	n = read(fd, buf, sizeof(buf));
	printf("open=ok read=%zd\n", n);
	close(fd);
	return n > 0 ? 1 : 0;
}
