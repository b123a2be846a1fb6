/* SPDX-License-Identifier: MIT */
/*
 * attack_open_procself DAEMON_PID ELF_BASE: under `emulate open`, open
 * /proc/self/status and /proc/self/mem.  An emulator that opens in the daemon's
 * own process hands over the root daemon's status and an O_RDWR fd on its
 * memory (ELF_BASE, hex, is where the daemon's executable is mapped: "\x7fELF"
 * there is the daemon's memory).  Prints "status_pid=P mem=ok|ERRNO elf=0|1";
 * exits 0 when the attack was stopped (the status is not the daemon's and the
 * daemon's memory was not read), 1 when it worked, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long status_pid(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nPid:");
	return p ? strtol(p + 5, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	char magic[4] = { 0 };
	long daemon, pid;
	unsigned long base;
	int fd, elf = 0;

	if (argc != 3)
		return 2;
	daemon = strtol(argv[1], NULL, 10);
	base = strtoul(argv[2], NULL, 16);
	pid = status_pid();
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		elf = pread(fd, magic, sizeof(magic), (off_t)base) == 4 &&
		      memcmp(magic, "\x7f" "ELF", 4) == 0;
		printf("status_pid=%ld mem=ok elf=%d\n", pid, elf);
		close(fd);
	} else {
		printf("status_pid=%ld mem=%s elf=0\n", pid, strerrorname_np(errno));
	}
	return pid == daemon || elf ? 1 : 0;
}
