/* SPDX-License-Identifier: MIT */
/*
 * sysgate's paths, measured end to end: a real sysgated, bench-target under
 * sysgate-run.  Every child runs in its own process group with PDEATHSIG, and
 * every wait is bounded: on a timeout or an interrupt the group is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* CLOCK_MONOTONIC in ms. */
long long mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* VmRSS of pid in KiB, or negative errno. */
long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -ENODATA;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Reap pid before deadline_ms; on timeout or interrupt kill its group and reap it. */
static int reap(pid_t pid, int *st, long long deadline_ms)
{
	for (;;) {
		pid_t w = waitpid(pid, st, WNOHANG);

		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (bench_interrupted || mono_ms() >= deadline_ms) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, st, 0) < 0 && errno == EINTR)
				;
			return bench_interrupted ? -EINTR : -ETIMEDOUT;
		}
		usleep(2000);
	}
}

static void sock_path(const struct sg_bench *b, char *buf, size_t size)
{
	snprintf(buf, size, "%s/sock", b->dir);
}

static int wait_socket(const char *path, pid_t daemon)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (int i = 0; i < 100 && !bench_interrupted; i++) {
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
	return bench_interrupted ? -EINTR : -ETIMEDOUT;
}

/* In a new child: own process group, die with the bench. */
static void child_setup(int sig)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0);
	signal(SIGPIPE, SIG_DFL);
}

/* Start sysgated on a socket in a new temporary directory. */
int sg_bench_start(struct sg_bench *b)
{
	char exe[4096], sock[128], log[128];
	pid_t pid;
	int r;

	snprintf(b->dir, sizeof(b->dir), "/tmp/sysgate-bench.XXXXXX");
	if (!mkdtemp(b->dir)) {
		b->dir[0] = '\0';
		return -errno;
	}
	snprintf(exe, sizeof(exe), "%s/daemon/sysgated", b->build);
	sock_path(b, sock, sizeof(sock));
	snprintf(log, sizeof(log), "%s/audit.log", b->dir);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		child_setup(SIGTERM);
		if (null >= 0)
			dup2(null, 2);
		execl(exe, exe, "--foreground", "--socket", sock, "--log", log, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	b->daemon = pid;
	r = wait_socket(sock, pid);
	if (r == -ECHILD)
		b->daemon = 0;
	return r;
}

/* Stop the daemon (bounded wait, then SIGKILL), remove the directory. */
void sg_bench_stop(struct sg_bench *b)
{
	char cmd[160];
	int st;

	if (b->daemon > 0) {
		kill(b->daemon, SIGTERM);
		(void)reap(b->daemon, &st, mono_ms() + 5000);
		kill(-b->daemon, SIGKILL);
		b->daemon = 0;
	}
	if (b->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "sysgate-bench: cannot remove '%s', ignoring\n", b->dir);
		b->dir[0] = '\0';
	}
}

/* Write the policy text to DIR/NAME.policy. */
int sg_bench_policy(struct sg_bench *b, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.policy", b->dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -EIO;
}

/* Start sysgate-run -s DIR/sock -p DIR/POLICY.policy -- bench-target ARGS... (b->learn:
 * --learn DIR/POLICY.policy), or bench-target ARGS... alone when policy is NULL. */
int sg_spawn(struct sg_bench *b, const char *policy, bool with_stdin, struct sg_proc *p,
	     const char *const *args)
{
	char run[4096], target[4096], sock[128], pol[128];
	const char *argv[18];
	int o[2], in[2] = { -1, -1 }, n = 0;
	pid_t pid;

	snprintf(run, sizeof(run), "%s/shim/sysgate-run", b->build);
	snprintf(target, sizeof(target), "%s/bench/bench-target", b->build);
	sock_path(b, sock, sizeof(sock));
	snprintf(pol, sizeof(pol), "%s/%s.policy", b->dir, policy ? policy : "");
	if (policy) {
		argv[n++] = run, argv[n++] = "-s", argv[n++] = sock;
		argv[n++] = b->learn ? "--learn" : "-p";
		argv[n++] = pol;
		if (b->mechanism)
			argv[n++] = "-m", argv[n++] = b->mechanism;
		argv[n++] = "--";
	}
	argv[n++] = target;
	for (int i = 0; args[i] && n < 17; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe2(o, O_CLOEXEC) < 0)
		return -errno;
	if (with_stdin && pipe2(in, O_CLOEXEC) < 0) {
		close(o[0]), close(o[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(o[0]), close(o[1]);
		if (in[0] >= 0)
			close(in[0]), close(in[1]);
		return -e;
	}
	if (pid == 0) {
		child_setup(SIGKILL);
		dup2(o[1], 1);
		if (in[0] >= 0)
			dup2(in[0], 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	setpgid(pid, pid);
	close(o[1]);
	if (in[0] >= 0)
		close(in[0]);
	*p = (struct sg_proc){ .pid = pid, .out = o[0], .in = in[1] };
	return 0;
}

/* Kill p's process group and reap it; closes its pipes. */
void sg_kill(struct sg_proc *p)
{
	int st;

	if (p->pid > 0) {
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
			;
		p->pid = 0;
	}
	if (p->out >= 0)
		close(p->out);
	if (p->in >= 0)
		close(p->in);
	p->out = p->in = -1;
}

/* Read from p->out into buf until EOF, or a newline when line; bounded. */
static int read_until(struct sg_proc *p, char *buf, size_t size, bool line,
		      long long deadline_ms)
{
	size_t len = 0;

	buf[0] = '\0';
	for (;;) {
		struct pollfd pf = { .fd = p->out, .events = POLLIN };
		long long left = deadline_ms - mono_ms();
		ssize_t k;

		if (bench_interrupted)
			return -EINTR;
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pf, 1, left > 200 ? 200 : (int)left) <= 0)
			continue;
		if (line && len >= size - 1)
			return -EMSGSIZE;
		/* a line is read byte by byte: nothing after it may be consumed */
		k = read(p->out, buf + len, line ? 1 : (len < size - 1 ? size - 1 - len : 0));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0 && !line)
			return 0;
		if (k == 0)
			return -EPIPE;
		len += (size_t)k;
		buf[len] = '\0';
		if (line && buf[len - 1] == '\n')
			return 0;
		if (!line && len >= size - 1) {
			char junk[256];

			while (read(p->out, junk, sizeof(junk)) > 0)
				;
			return 0;
		}
	}
}

/* Read one line of p's output before deadline_ms. */
int sg_read_line(struct sg_proc *p, char *buf, size_t size, long long deadline_ms)
{
	return read_until(p, buf, size, true, deadline_ms);
}

/* Read p's output until EOF and reap it, before deadline_ms; kill it on failure. */
int sg_collect(struct sg_proc *p, char *buf, size_t size, long long deadline_ms)
{
	int st, r = read_until(p, buf, size, false, deadline_ms);

	if (r < 0) {
		sg_kill(p);
		return r;
	}
	r = reap(p->pid, &st, deadline_ms);
	p->pid = 0;
	sg_kill(p);
	if (r < 0)
		return r;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "sysgate-bench: sysgate-run exited with %d\n",
			WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return -ECHILD;
	}
	return 0;
}

/* Run bench-target [--filter FILTER] CALL n under sysgate-run with POLICY (NULL: directly);
 * *ret_ns; the call's last result must be expect unless expect < 0. */
int sg_bench_run(struct sg_bench *b, const char *policy, const char *filter, const char *call,
		 long n, long expect, double *ret_ns)
{
	char count[32], out[128];
	const char *args[] = { "--filter", filter, call, count, NULL };
	struct sg_proc p;
	long got = 0;
	int r;

	snprintf(count, sizeof(count), "%ld", n);
	r = sg_spawn(b, policy, false, &p, filter ? args : args + 2);
	if (r < 0)
		return r;
	r = sg_collect(&p, out, sizeof(out), mono_ms() + 60000 + n / 10);
	if (r < 0)
		return r;
	if (sscanf(out, "%lf %ld", ret_ns, &got) != 2 || *ret_ns <= 0)
		return -EBADMSG;
	if (expect >= 0 && got != expect) {
		fprintf(stderr, "sysgate-bench: %s returned %ld under %s, expected %ld\n", call,
			got, policy ? policy : "no policy", expect);
		return -EPROTO;
	}
	return 0;
}
