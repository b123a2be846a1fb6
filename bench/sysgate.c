/* SPDX-License-Identifier: MIT */
/* sysgate's paths, measured end to end: a real sysgated, bench-target under sysgate-run. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int wait_socket(const char *path, int daemon)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (int i = 0; i < 100; i++) {
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		if (waitpid(daemon, NULL, WNOHANG) == daemon)
			return -ECHILD;
		usleep(50 * 1000);
	}
	return -ETIMEDOUT;
}

/* Start sysgated on a socket in a new temporary directory. */
int sg_bench_start(struct sg_bench *b)
{
	char exe[4096], sock[128], log[128];
	pid_t pid;
	int r;

	snprintf(b->dir, sizeof(b->dir), "/tmp/sysgate-bench.XXXXXX");
	if (!mkdtemp(b->dir))
		return -errno;
	snprintf(exe, sizeof(exe), "%s/daemon/sysgated", b->build);
	snprintf(sock, sizeof(sock), "%s/sock", b->dir);
	snprintf(log, sizeof(log), "%s/audit.log", b->dir);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, 2);
		execl(exe, exe, "--foreground", "--socket", sock, "--log", log, (char *)NULL);
		_exit(127);
	}
	b->daemon = pid;
	r = wait_socket(sock, pid);
	if (r == -ECHILD)
		b->daemon = 0;
	return r;
}

/* Stop the daemon, remove the directory. */
void sg_bench_stop(struct sg_bench *b)
{
	char cmd[160];

	if (b->daemon > 0) {
		kill(b->daemon, SIGTERM);
		waitpid(b->daemon, NULL, 0);
		b->daemon = 0;
	}
	if (b->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "sysgate-bench: cannot remove '%s', ignoring\n", b->dir);
		b->dir[0] = '\0';
	}
}

/* Run bench-target CALL n under sysgate-run with the policy text. */
int sg_bench_run(struct sg_bench *b, const char *policy, const char *call, long n,
		 double *ret_ns)
{
	char run[4096], target[4096], sock[128], pol[128], count[32], out[64] = "";
	int pipefd[2], st;
	ssize_t k;
	FILE *f;
	pid_t pid;

	snprintf(pol, sizeof(pol), "%s/bench.policy", b->dir);
	f = fopen(pol, "we");
	if (!f)
		return -errno;
	fputs(policy, f);
	if (fclose(f) != 0)
		return -EIO;
	snprintf(run, sizeof(run), "%s/shim/sysgate-run", b->build);
	snprintf(target, sizeof(target), "%s/bench/bench-target", b->build);
	snprintf(sock, sizeof(sock), "%s/sock", b->dir);
	snprintf(count, sizeof(count), "%ld", n);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(pipefd[1], 1);
		execl(run, run, "-s", sock, "-p", pol, "--", target, call, count, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	k = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || k <= 0)
		return -ECHILD;
	out[k] = '\0';
	*ret_ns = strtod(out, NULL);
	return *ret_ns > 0 ? 0 : -EBADMSG;
}
