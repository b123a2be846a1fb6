/* SPDX-License-Identifier: MIT */
/* Helpers of the lib/policy_compile.c tests; see policy_compile_test.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include "macro.h"
#include "policy.h"
#include "policy_compile_test.h"

/* Parse a policy, failing the test on an error. */
struct sg_policy *parse(const char *text)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char buf[1024];
	int r = policy_parse(text, strlen(text), "compile.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "%s", buf);
	return p;
}

/* Compile p with flags into a BPF program (free its filter). */
struct sock_fprog compile_policy(const struct sg_policy *p, unsigned flags)
{
	struct sock_fprog prog = { 0, NULL };
	struct sg_policy_error e;
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	char buf[1024];
	int r = policy_compile(p, flags, &ctx, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "policy_compile: %d %s", r, buf);
	cr_assert_eq(policy_export_bpf(ctx, &prog), 0);
	cr_assert_gt(prog.len, 0);
	return prog;
}

/* parse() and compile_policy() in one. */
struct sock_fprog compile_text(const char *text, unsigned flags)
{
	struct sg_policy *p = parse(text);
	struct sock_fprog prog = compile_policy(p, flags);

	policy_free(p);
	return prog;
}

/* libseccomp's PFC of the compiled policy, malloc'd (through an fd-less stream). */
char *pfc_of(const char *text, unsigned flags)
{
	struct sg_policy *p = parse(text);
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	cr_assert_not_null(f);
	cr_assert_eq(policy_compile(p, flags, &ctx, NULL), 0);
	cr_assert_eq(policy_export_pfc(ctx, f), 0);
	fclose(f);
	policy_free(p);
	return buf;
}

/* The PFC block of a syscall in the first (x86_64) section, "" if it has none. */
void pfc_block(const char *pfc, const char *name, char *out, size_t size)
{
	char key[128];
	const char *s, *e;

	snprintf(key, sizeof(key), "# filter for syscall \"%s\"", name);
	s = strstr(pfc, key);
	out[0] = '\0';
	if (!s)
		return;
	e = strstr(s + 1, "# ");
	snprintf(out, size, "%.*s", (int)(e ? e - s : (long)strlen(s)), s);
}

/* Whether the PFC sends a syscall to the supervisor (USER_NOTIF). */
bool routed_in_pfc(const char *pfc, const char *name)
{
	char block[2048];

	pfc_block(pfc, name, block, sizeof(block));
	return strstr(block, "0x7fc00000") != NULL;
}

static int install(const struct sock_fprog *prog, unsigned flags)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
}

/* Leave a filtered child with raw syscalls: _exit() is noreturn, and sanitizers hook
 * noreturn calls with work (sigaltstack, mmap) that a strict policy refuses. */
static void child_exit(int code)
{
	volatile bool spin = true; /* a visible endless loop would make this noreturn again */

	syscall(SYS_exit_group, code);
	syscall(SYS_exit, code); /* exit_group routed and no listener: ENOSYS */
	while (spin)
		syscall(SYS_pause); /* not reached with the policies below; alarm() ends it */
}

/* In a new child: SIGALRM ends it after s seconds, whatever its filter does. */
static void child_deadline(unsigned s)
{
	signal(SIGALRM, SIG_DFL);
	alarm(s);
}

/* Wait for a child at most 30 s; kill it when it does not finish. */
int wait_child(pid_t pid)
{
	int status = 0;

	for (int i = 0; i < 3000; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		cr_assert_geq(r, 0);
		if (r == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	cr_assert_fail("child %d did not finish", (int)pid);
	return status;
}

/* Run fn in a child under prog (no listener); its wait status. */
int run_filtered(const struct sock_fprog *prog, int (*fn)(void))
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		child_deadline(20);
		if (install(prog, 0) < 0)
			child_exit(100);
		else
			child_exit(fn());
	}
	return wait_child(pid);
}

/* The child exited 0: every check passed. */
void assert_exit_ok(int status)
{
	cr_assert(WIFEXITED(status), "child died by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	cr_assert_eq(WEXITSTATUS(status), 0, "child check %d failed", WEXITSTATUS(status));
}

/* The child was killed by SIGSYS. */
void assert_sigsys(int status)
{
	cr_assert(WIFSIGNALED(status), "child exited %d instead of dying", WEXITSTATUS(status));
	cr_assert_eq(WTERMSIG(status), SIGSYS);
}

/* A raw syscall with two arguments; errno cleared first. */
long sc(long nr, long a, long b)
{
	errno = 0;
	return syscall(nr, a, b, 0, 0, 0, 0);
}

static void respond(int fd, const struct seccomp_notif *req, const struct sg_action *a)
{
	struct seccomp_notif_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.id = req->id;
	switch (a->kind) {
	case SG_ACT_DENY:
		if (a->flags & SG_FLAG_AUDIT)
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			resp.error = -a->err;
		break;
	case SG_ACT_FAKE:
		resp.val = a->value;
		break;
	case SG_ACT_KILL:
		kill((pid_t)req->pid, SIGKILL);
		resp.error = -ENOSYS;
		break;
	default:
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		break;
	}
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp); /* ENOENT: the target is gone */
}

static void handle_one(int fd, const struct supervised *s, struct notify_log *log)
{
	struct seccomp_notif req;
	struct sg_action cont = { .kind = SG_ACT_ALLOW };
	const struct sg_action *a;
	uint64_t args[SG_MAX_ARGS];

	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return;
	for (int i = 0; i < SG_MAX_ARGS; i++)
		args[i] = req.data.args[i];
	a = policy_decide(s->policy, req.data.arch, req.data.nr, args, NULL);
	if (s->continue_first_exec && log->n == 0 && req.data.nr == SYS_execve)
		a = &cont;
	if (log->n < MAX_EVENTS) {
		log->ev[log->n].nr = req.data.nr;
		log->ev[log->n].arch = req.data.arch;
		memcpy(log->ev[log->n].args, args, sizeof(args));
		log->ev[log->n].kind = a->kind;
	}
	log->n++;
	respond(fd, &req, a);
}

/* In the supervisor child: install with a listener, fork the target, answer it. */
static int supervise(const struct sock_fprog *prog, const struct supervised *s,
		     struct notify_log *log)
{
	struct timespec start, now;
	int status, fd = install(prog, SECCOMP_FILTER_FLAG_NEW_LISTENER);
	pid_t pid;

	if (fd < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		child_deadline(10); /* a call routed but never answered must not hang */
		child_exit(s->target());
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0 && (pfd.revents & POLLIN))
			handle_one(fd, s, log);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 20) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 3;
		}
	}
	log->target_status = status;
	return 0;
}

/* Fork a supervisor under the compiled policy; return the shared log (munmap it). */
struct notify_log *run_supervised(const struct supervised *s)
{
	struct sock_fprog prog = compile_policy(s->policy, s->flags);
	struct notify_log *log = mmap(NULL, sizeof(*log), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	cr_assert_neq(log, MAP_FAILED);
	memset(log, 0, sizeof(*log));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		child_deadline(25);
		log->error = supervise(&prog, s, log);
		child_exit(0);
	}
	status = wait_child(pid);
	free(prog.filter);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "supervisor died");
	cr_assert_eq(log->error, 0, "supervisor step %d failed", log->error);
	return log;
}
