/* SPDX-License-Identifier: MIT */
/*
 * foreign_tracer PIDFILE GOFILE: a process outside the session attaches to the
 * pid written in PIDFILE (waited for at most 10 s) with PTRACE_SEIZE and
 * TRACESECCOMP, prints "ptrace=...", creates GOFILE, and when it did attach lets
 * every seccomp stop of the target run its call until the target exits.
 * Exits 0 when it ran to the end.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

#include "attack.h"

/* The pid in path, once the file has it; -1 after 10 s. */
static pid_t read_pid(const char *path)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 1000; i++, nanosleep(&ts, NULL)) {
		char buf[32] = { 0 };
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0 && buf[n - 1] == '\n')
			return (pid_t)strtol(buf, NULL, 10);
	}
	return -1;
}

int main(int argc, char **argv)
{
	long opts = PTRACE_O_TRACESECCOMP;
	pid_t pid;
	long r;
	int fd, st;

	if (argc != 3) {
		fprintf(stderr, "usage: foreign_tracer PIDFILE GOFILE\n");
		return 2;
	}
	pid = read_pid(argv[1]);
	if (pid <= 0)
		return 3;
	r = ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts);
	attack_report("ptrace", r, errno);
	fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return 3;
	close(fd);
	while (r == 0 && waitpid(pid, &st, __WALL) == pid && WIFSTOPPED(st)) {
		int sig = ((unsigned)st >> 16) != 0 || WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);

		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
	return 0;
}
