/* SPDX-License-Identifier: MIT */
/*
 * The real workload: peers-tar.sh (tar -xf of an archive of device nodes, fifos and
 * files of several owners inside `unshare -Ur`, beside fakeroot, proot and strace),
 * run against the bench's own sysgated.  The script prints markdown; this file runs
 * it in its own process group on a fresh work directory, bounded in time, and
 * removes the directory whatever happened.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define TAR_OUT_MAX (256 * 1024)

/* Read fd into a growing buffer until EOF or deadline_ms; *ret_buf is NUL-terminated. */
static int read_all(int fd, long long deadline_ms, char **ret_buf)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline_ms - mono_ms();
		ssize_t k;

		if (bench_interrupted || left <= 0) {
			free(buf);
			return bench_interrupted ? -EINTR : -ETIMEDOUT;
		}
		if (poll(&p, 1, left > 500 ? 500 : (int)left) <= 0)
			continue;
		if (len + 1 >= cap) {
			char *n = cap < TAR_OUT_MAX ? realloc(buf, cap * 2) : NULL;

			if (!n) {
				free(buf);
				return -EMSGSIZE;
			}
			buf = n, cap *= 2;
		}
		k = read(fd, buf + len, cap - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	return 0;
}

/* SIGTERM to the group (the script stops its run and cleans up), then SIGKILL. */
static void stop_group(pid_t pid, int *st)
{
	long long deadline = mono_ms() + 10000;

	kill(-pid, SIGTERM);
	while (waitpid(pid, st, WNOHANG) == 0 && mono_ms() < deadline)
		usleep(20000);
	kill(-pid, SIGKILL);
	while (waitpid(pid, st, 0) < 0 && errno == EINTR)
		;
}

/* Reap or kill every child of ours but keep: with PR_SET_CHILD_SUBREAPER set, what the
 * script left behind (a `timeout` has its own process group) was reparented to us. */
static void sweep_children(pid_t keep)
{
	int left = 0;

	for (int round = 0; round < 50; round++) {
		char path[64], line[4096];
		int found = 0, st;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
		f = fopen(path, "re"); /* single-threaded: the main task's children are all */
		if (!f)
			return;
		if (fgets(line, sizeof(line), f))
			for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
				pid_t c = (pid_t)atoi(tok);

				if (c <= 0 || c == keep)
					continue;
				found++;
				if (waitpid(c, &st, WNOHANG) == c)
					continue; /* an orphan that had already exited */
				kill(c, SIGKILL);
				waitpid(c, &st, 0);
				left++;
			}
		fclose(f);
		if (!found)
			break;
	}
	if (left)
		fprintf(stderr, "sysgate-bench: peers-tar.sh left %d processes running, killed\n", left);
}

static pid_t spawn_script(const struct sg_bench *b, const char *work, int runs, int out)
{
	char script[4096], run[4096], sock[128], nruns[16];
	pid_t pid;

	snprintf(script, sizeof(script), "%s/bench/peers-tar.sh", b->build);
	snprintf(run, sizeof(run), "%s/shim/sysgate-run", b->build);
	snprintf(sock, sizeof(sock), "%s/sock", b->dir);
	snprintf(nruns, sizeof(nruns), "%d", runs);
	pid = fork();
	if (pid != 0)
		return pid;
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	signal(SIGPIPE, SIG_DFL);
	dup2(out, 1);
	execlp("bash", "bash", script, "--runs", nruns, "--timeout", "300", "--workdir", work,
	       "--sysgate-run", run, "--socket", sock, (char *)NULL);
	_exit(127);
}

/* What the table says when peers-tar.sh was stopped (r < 0) or failed (status st). */
static char *failure_text(int r, int st)
{
	char *why = NULL;
	int k = r < 0 ? asprintf(&why, "Not measured: peers-tar.sh was stopped (%s).\n",
				 strerror(-r))
		      : asprintf(&why, "Not measured: peers-tar.sh failed, exit status %d "
				       "(its standard error is the bench's).\n",
				 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));

	return k < 0 ? NULL : why;
}

/* Run peers-tar.sh with runs per case; *ret_md gets its markdown (or why there is none). */
int tar_run(struct sg_bench *b, int runs, char **ret_md)
{
	char work[64] = "/dev/shm/sysgate-bench-tar.XXXXXX", cmd[128], *out = NULL;
	int pipefd[2], st = 0, r;
	pid_t pid;

	if (!mkdtemp(work)) {
		snprintf(work, sizeof(work), "/tmp/sysgate-bench-tar.XXXXXX");
		if (!mkdtemp(work))
			return -errno;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	pid = spawn_script(b, work, runs, pipefd[1]);
	close(pipefd[1]);
	if (pid < 0) {
		r = -errno;
		close(pipefd[0]);
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
		goto out;
	}
	setpgid(pid, pid);
	/* proot is ~100x slower than tar: allow 10 cases x runs x 300 s at most, in all */
	r = read_all(pipefd[0], mono_ms() + 10LL * runs * 300 * 1000 + 60000, &out);
	close(pipefd[0]);
	if (r < 0)
		stop_group(pid, &st);
	else
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	kill(-pid, SIGKILL); /* nothing of it may outlive it */
	sweep_children(b->daemon);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	if (r == -EINTR)
		goto out;
	if (r < 0 || !WIFEXITED(st) || (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 77)) {
		/* its failure is a result to show, not a reason to lose the other tables */
		free(out);
		out = failure_text(r, st);
		r = out ? 0 : -ENOMEM;
	}
out:
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
	if (system(cmd) != 0)
		fprintf(stderr, "sysgate-bench: cannot remove '%s', ignoring\n", work);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret_md = out;
	return 0;
}
