/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_compile.c: compiled filters are loaded in forked children and the
 * real kernel behaviour is observed.  Routed calls are received on a real
 * listener by a small supervisor that answers with policy_decide().
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
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

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "policy.h"

#define X32_BIT 0x40000000
#define MAX_EVENTS 16

static struct sg_policy *parse(const char *text)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char buf[1024];
	int r = policy_parse(text, strlen(text), "compile.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "%s", buf);
	return p;
}

static struct sock_fprog compile_policy(const struct sg_policy *p, unsigned flags)
{
	struct sock_fprog prog = { 0, NULL };
	struct sg_policy_error e;
	scmp_filter_ctx ctx = NULL;
	char buf[1024];
	int r = policy_compile(p, flags, &ctx, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "policy_compile: %d %s", r, buf);
	cr_assert_eq(policy_export_bpf(ctx, &prog), 0);
	cr_assert_gt(prog.len, 0);
	seccomp_release(ctx);
	return prog;
}

static struct sock_fprog compile_text(const char *text, unsigned flags)
{
	struct sg_policy *p = parse(text);
	struct sock_fprog prog = compile_policy(p, flags);

	policy_free(p);
	return prog;
}

/* libseccomp's PFC of the compiled policy, malloc'd (through an fd-less stream). */
static char *pfc_of(const char *text, unsigned flags)
{
	struct sg_policy *p = parse(text);
	scmp_filter_ctx ctx = NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	cr_assert_not_null(f);
	cr_assert_eq(policy_compile(p, flags, &ctx, NULL), 0);
	cr_assert_eq(policy_export_pfc(ctx, f), 0);
	fclose(f);
	seccomp_release(ctx);
	policy_free(p);
	return buf;
}

/* The PFC block of a syscall in the first (x86_64) section, "" if it has none. */
static void pfc_block(const char *pfc, const char *name, char *out, size_t size)
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

static bool routed_in_pfc(const char *pfc, const char *name)
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
static int wait_child(pid_t pid)
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
static int run_filtered(const struct sock_fprog *prog, int (*fn)(void))
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

static void assert_exit_ok(int status)
{
	cr_assert(WIFEXITED(status), "child died by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	cr_assert_eq(WEXITSTATUS(status), 0, "child check %d failed", WEXITSTATUS(status));
}

static void assert_sigsys(int status)
{
	cr_assert(WIFSIGNALED(status), "child exited %d instead of dying", WEXITSTATUS(status));
	cr_assert_eq(WTERMSIG(status), SIGSYS);
}

/* Checks in children return 0 or the number of the failed check. */
#define CHECK(n, cond)            \
	do {                      \
		if (!(cond))      \
			return n; \
	} while (0)

static long sc(long nr, long a, long b)
{
	errno = 0;
	return syscall(nr, a, b, 0, 0, 0, 0);
}

static int quiet_deny_child(void)
{
	CHECK(1, sc(SYS_getppid, 0, 0) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 0, 0) == -1 && errno == 4094);
	CHECK(3, sc(SYS_getpid, 0, 0) > 0);
	return 0;
}

Test(policy_compile, quiet_deny_returns_the_errno)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\n"
					      "getppid deny EACCES quiet\n"
					      "getpriority errno 4094 quiet\n", 0);

	assert_exit_ok(run_filtered(&prog, quiet_deny_child));
	free(prog.filter);
}

static int getppid_child(void)
{
	sc(SYS_getppid, 0, 0);
	return 0;
}

Test(policy_compile, quiet_kill_kills_with_sigsys)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\ngetppid kill quiet\n", 0);

	assert_sigsys(run_filtered(&prog, getppid_child));
	free(prog.filter);
	prog = compile_text("version 1\ndefault kill quiet\nexit_group, exit allow\n", 0);
	assert_sigsys(run_filtered(&prog, getppid_child));
	free(prog.filter);
}

static int seed_errno_child(void)
{
	long fd = sc(SYS_dup, 0, 0);

	CHECK(1, fd >= 0);
	CHECK(2, sc(SYS_close, fd, 0) == 0);
	CHECK(3, sc(SYS_write, -1, 0) == -1 && errno == EBADF); /* the kernel's own answer */
	CHECK(4, sc(SYS_getppid, 0, 0) == -1 && errno == ENOSYS); /* routed, no listener */
	return 0;				       /* exit_group is routed too: glibc falls back to exit */
}

static int seed_errno_quiet_child(void)
{
	CHECK(1, sc(SYS_dup, 0, 0) >= 0);
	CHECK(2, sc(SYS_getppid, 0, 0) == -1 && errno == EIO);
	return 0;
}

Test(policy_compile, seed_errno_default)
{
	struct sock_fprog prog = compile_text("version 1\ndefault errno 5\n"
					      "close, dup, write, exit allow\n", 0);

	assert_exit_ok(run_filtered(&prog, seed_errno_child));
	free(prog.filter);
	prog = compile_text("version 1\ndefault errno 5 quiet\nclose, dup, write, exit allow\n", 0);
	assert_exit_ok(run_filtered(&prog, seed_errno_quiet_child));
	free(prog.filter);
}

static int seed_dup2_child(void)
{
	CHECK(1, sc(SYS_dup2, 1, 2) == 2);
	CHECK(2, sc(SYS_dup2, 1, 3) == -1 && errno == ENOSYS); /* routed kill, no listener */
	CHECK(3, sc(SYS_dup2, 2, 2) == -1 && errno == ENOSYS);
	return 0;
}

static int seed_dup2_quiet_child(void)
{
	CHECK(1, sc(SYS_dup2, 1, 2) == 2);
	sc(SYS_dup2, 1, 3); /* killed here */
	return 2;
}

Test(policy_compile, allow_with_conditions_allows_only_matching_args)
{
	struct sock_fprog prog = compile_text("version 1\ndefault kill\n"
					      "rt_sigreturn, exit, read, write allow\n"
					      "dup2 allow if arg0 == 1 and arg1 == 2\n", 0);

	assert_exit_ok(run_filtered(&prog, seed_dup2_child));
	free(prog.filter);
	prog = compile_text("version 1\ndefault kill quiet\n"
			    "rt_sigreturn, exit, exit_group, read, write allow\n"
			    "dup2 allow if arg0 == 1 and arg1 == 2\n", 0);
	assert_sigsys(run_filtered(&prog, seed_dup2_quiet_child));
	free(prog.filter);
}

static char cwd_before[256];

static int fake_child(void)
{
	char cwd[256];

	CHECK(1, sc(SYS_chdir, (long)"/nonexistent-sysgate-dir", 0) == 0);
	CHECK(2, sc(SYS_getcwd, (long)cwd, sizeof(cwd)) > 0);
	CHECK(3, strcmp(cwd, cwd_before) == 0); /* the call never ran */
	return 0;
}

Test(policy_compile, quiet_fake_zero_returns_zero)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\nchdir fake quiet\n", 0);

	cr_assert_not_null(getcwd(cwd_before, sizeof(cwd_before)));
	assert_exit_ok(run_filtered(&prog, fake_child));
	free(prog.filter);
}

/* What a supervisor saw, shared with the test process. */
struct notify_log {
	unsigned n;
	struct {
		int nr;
		uint32_t arch;
		uint64_t args[SG_MAX_ARGS];
		enum sg_action_kind kind;
	} ev[MAX_EVENTS];
	int target_status;
	int error; /* supervisor step that failed, 0 if none */
};

struct supervised {
	const struct sg_policy *policy;
	unsigned flags;
	int (*target)(void);
	bool continue_first_exec; /* answer the first execve CONTINUE (sysgate-run's exec) */
};

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
static struct notify_log *run_supervised(const struct supervised *s)
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

static int routed_target(void)
{
	CHECK(1, sc(SYS_getppid, 0, 0) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 2, 1234) == 42);
	CHECK(3, sc(SYS_getpriority, 0, 0) > 0); /* kernel allow: never notified */
	return 0;
}

Test(policy_compile, routed_rules_notify_the_listener)
{
	struct sg_policy *p = parse("version 1\ndefault allow\n"
				    "getppid deny EACCES\n"
				    "getpriority fake 42 if arg0 == 2 and arg1 == 1234\n");
	struct supervised s = { .policy = p, .target = routed_target };
	struct notify_log *log = run_supervised(&s);

	assert_exit_ok(log->target_status);
	cr_assert_eq(log->n, 2);
	cr_assert_eq(log->ev[0].nr, SYS_getppid);
	cr_assert_eq(log->ev[0].arch, AUDIT_ARCH_X86_64);
	cr_assert_eq(log->ev[0].kind, SG_ACT_DENY);
	cr_assert_eq(log->ev[1].nr, SYS_getpriority);
	cr_assert_eq(log->ev[1].args[0], 2);
	cr_assert_eq(log->ev[1].args[1], 1234);
	cr_assert_eq(log->ev[1].kind, SG_ACT_FAKE);
	munmap(log, sizeof(*log));
	policy_free(p);
}

static const char mixed_policy[] = "version 1\ndefault allow\n"
				   "getpriority deny EPERM if arg0 == 5 quiet\n"
				   "getpriority fake if arg1 == 7 quiet\n"
				   "getpriority kill if arg0 == 5 quiet\n";

static int mixed_target(void)
{
	CHECK(1, sc(SYS_getpriority, 5, 7) == -1 && errno == EPERM); /* first rule wins */
	CHECK(2, sc(SYS_getpriority, 9, 7) == 0);
	CHECK(3, sc(SYS_getpriority, 0, 0) > 0);
	return 0;
}

static int mixed_unsupervised(void)
{
	CHECK(1, sc(SYS_getpriority, 5, 7) == -1 && errno == ENOSYS);
	CHECK(2, sc(SYS_getpriority, 0, 0) == -1 && errno == ENOSYS);
	return 0;
}

Test(policy_compile, first_match_with_mixed_actions_routes_the_syscall)
{
	struct sg_policy *p = parse(mixed_policy);
	struct supervised s = { .policy = p, .target = mixed_target };
	struct notify_log *log = run_supervised(&s);
	struct sock_fprog prog;
	char *pfc = pfc_of(mixed_policy, 0);

	assert_exit_ok(log->target_status);
	cr_assert_eq(log->n, 3);
	cr_assert_eq(log->ev[0].kind, SG_ACT_DENY);
	cr_assert_eq(log->ev[1].kind, SG_ACT_FAKE);
	cr_assert_eq(log->ev[2].kind, SG_ACT_ALLOW);
	munmap(log, sizeof(*log));
	cr_assert(routed_in_pfc(pfc, "getpriority"), "%s", pfc);
	free(pfc);
	/* Without a daemon, a routed call fails closed. */
	prog = compile_policy(p, 0);
	assert_exit_ok(run_filtered(&prog, mixed_unsupervised));
	free(prog.filter);
	policy_free(p);
}

static int union_child(void)
{
	CHECK(1, sc(SYS_getpriority, 5, 0) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 0, 7) == -1 && errno == EACCES);
	CHECK(3, sc(SYS_getpriority, 0, 0) > 0);
	return 0;
}

Test(policy_compile, same_kernel_action_stays_in_the_kernel)
{
	static const char text[] = "version 1\ndefault allow\n"
				   "getpriority deny EACCES if arg0 == 5 quiet\n"
				   "getpriority deny EACCES if arg1 == 7 quiet\n"
				   "getpriority deny EACCES quiet\n"
				   "getpriority kill quiet\n";
	struct sock_fprog prog = compile_text(text, 0);
	char *pfc = pfc_of(text, 0), block[2048];

	/* The unconditional third rule makes every getpriority EACCES; the fourth never runs. */
	pfc_block(pfc, "getpriority", block, sizeof(block));
	cr_assert(strstr(block, "ERRNO(13)") && !strstr(block, "KILL"), "%s", block);
	free(pfc);
	free(prog.filter);

	prog = compile_text("version 1\ndefault allow\n"
			    "getpriority deny EACCES if arg0 == 5 quiet\n"
			    "getpriority deny EACCES if arg1 == 7 quiet\n", 0);
	assert_exit_ok(run_filtered(&prog, union_child));
	free(prog.filter);
}

static int masked_child(void)
{
	CHECK(1, sc(SYS_getpriority, 0, 0x7fff0125) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 0, 0x7fff0020) == -1 && errno == EACCES);
	/* Not denied: the kernel's own answer (no such process: above pid_max). */
	CHECK(3, sc(SYS_getpriority, 0, 0x7fff0030) == -1 && errno == ESRCH);
	CHECK(4, sc(SYS_getpriority, 0, 0x7fff00f0) == -1 && errno == ESRCH);
	return 0;
}

Test(policy_compile, masked_condition_in_the_kernel)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\n"
					      "getpriority deny EACCES if arg1 & 0xf0 == 0x20 quiet\n", 0);

	assert_exit_ok(run_filtered(&prog, masked_child));
	free(prog.filter);
}

static int range_target(void)
{
	CHECK(1, sc(SYS_getpriority, 15, 0) == -1 && errno == EACCES);
	CHECK(2, sc(SYS_getpriority, 0, 0) > 0);
	return 0;
}

Test(policy_compile, two_comparisons_on_one_argument_route)
{
	static const char text[] = "version 1\ndefault allow\n"
				   "getpriority deny EACCES if arg0 >= 10 and arg0 <= 20 quiet\n";
	struct sg_policy *p = parse(text);
	struct supervised s = { .policy = p, .target = range_target };
	struct notify_log *log = run_supervised(&s);
	char *pfc = pfc_of(text, 0);

	assert_exit_ok(log->target_status);
	cr_assert_eq(log->n, 2);
	cr_assert(routed_in_pfc(pfc, "getpriority"), "%s", pfc);
	free(pfc);
	munmap(log, sizeof(*log));
	policy_free(p);
}

static int exec_target(void)
{
	char *argv[] = { (char *)"true", NULL }, *envp[] = { NULL };

	execve("/bin/true", argv, envp);
	return 10 + errno;
}

static int exec_denied_child(void)
{
	char *argv[] = { (char *)"true", NULL }, *envp[] = { NULL };

	execve("/bin/true", argv, envp);
	CHECK(1, errno == EACCES);
	return 0;
}

Test(policy_compile, route_exec_flag)
{
	static const char text[] = "version 1\ndefault allow\nexecve deny EACCES quiet\n";
	struct sg_policy *p = parse(text);
	struct supervised s = { .policy = p, .flags = SG_COMPILE_ROUTE_EXEC,
				.target = exec_target, .continue_first_exec = true };
	struct notify_log *log = run_supervised(&s);
	struct sock_fprog prog;
	char *pfc;

	/* With the flag the exec reaches the supervisor, which lets it run. */
	assert_exit_ok(log->target_status);
	cr_assert_eq(log->n, 1);
	cr_assert_eq(log->ev[0].nr, SYS_execve);
	munmap(log, sizeof(*log));
	/* Without it the kernel denies the exec by itself. */
	prog = compile_policy(p, 0);
	assert_exit_ok(run_filtered(&prog, exec_denied_child));
	free(prog.filter);
	policy_free(p);

	/* A kernel allow is kept: no routing when the first outcome is an unconditional allow. */
	pfc = pfc_of("version 1\ndefault allow\n", SG_COMPILE_ROUTE_EXEC);
	cr_assert_null(strstr(pfc, "\"execve\""), "%s", pfc);
	free(pfc);
	/* execveat follows execve (an implied rule: lib/policy_equiv.c), in the kernel too */
	pfc = pfc_of("version 1\ndefault deny quiet\nexecve allow\n", SG_COMPILE_ROUTE_EXEC);
	cr_assert(!routed_in_pfc(pfc, "execve") && strstr(pfc, "\"execve\""), "%s", pfc);
	cr_assert(!routed_in_pfc(pfc, "execveat") && strstr(pfc, "\"execveat\""), "%s", pfc);
	free(pfc);
	pfc = pfc_of("version 1\ndefault deny quiet\nexecve allow\nexecveat deny\n",
		     SG_COMPILE_ROUTE_EXEC);
	cr_assert(routed_in_pfc(pfc, "execveat"), "%s", pfc);
	free(pfc);
	pfc = pfc_of("version 1\ndefault allow\nexecve allow if arg1 == 0\n", SG_COMPILE_ROUTE_EXEC);
	cr_assert(routed_in_pfc(pfc, "execve"), "%s", pfc);
	cr_assert(routed_in_pfc(pfc, "execveat"), "%s", pfc);
	free(pfc);
}

Test(policy_compile, pfc_mentions_routed_syscalls)
{
	char *pfc = pfc_of("version 1\ndefault allow\nopenat deny EACCES\nread deny quiet\n", 0);
	FILE *f = tmpfile();
	struct sg_policy *p = parse("version 1\ndefault allow\nopenat deny\n");
	scmp_filter_ctx ctx = NULL;
	char buf[8192];
	size_t n;

	cr_assert(routed_in_pfc(pfc, "openat"), "%s", pfc);
	cr_assert(!routed_in_pfc(pfc, "read"), "%s", pfc);
	free(pfc);
	/* A stream with an fd: written straight to it. */
	cr_assert_not_null(f);
	fputs("header\n", f);
	cr_assert_eq(policy_compile(p, 0, &ctx, NULL), 0);
	cr_assert_eq(policy_export_pfc(ctx, f), 0);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	cr_assert_eq(strncmp(buf, "header\n", 7), 0);
	cr_assert(routed_in_pfc(buf, "openat"), "%s", buf);
	fclose(f);
	seccomp_release(ctx);
	policy_free(p);
}

#if defined(__x86_64__)
static long int80(long nr, long a, long b)
{
	long r;

	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a), "c"(b)
			 : "memory", "r8", "r9", "r10", "r11");
	return r;
}

static int i386_probe(void)
{
	return int80(20 /* getpid */, 0, 0) == getpid() ? 0 : 1;
}

static int i386_child(void)
{
	CHECK(1, int80(20 /* getpid */, 0, 0) == -EACCES);
	CHECK(2, int80(96 /* getpriority */, 0, 0) > 0);
	CHECK(3, sc(SYS_getpid, 0, 0) == -1 && errno == EACCES);
	return 0;
}

static int i386_socket_target(void)
{
	CHECK(1, int80(359 /* socket */, 2, 1) == -EAFNOSUPPORT);
	CHECK(2, int80(102 /* socketcall */, 1 /* SYS_SOCKET */, 0) == -EAFNOSUPPORT);
	return 0;
}

static int i386_getpid_child(void)
{
	int80(20, 0, 0);
	return 1;
}

Test(policy_compile, i386_abi_is_covered)
{
	struct sock_fprog prog;
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(i386_probe());
	status = wait_child(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		cr_skip_test("the kernel does not run i386 (int 0x80) syscalls");

	prog = compile_text("version 1\ndefault allow\ngetpid deny EACCES quiet\n", 0);
	assert_exit_ok(run_filtered(&prog, i386_child));
	free(prog.filter);
	/* A routed socket rule also covers the multiplexed socketcall(SYS_SOCKET). */
	{
		struct sg_policy *p = parse("version 1\ndefault allow\nsocket deny EAFNOSUPPORT\n");
		struct supervised s = { .policy = p, .target = i386_socket_target };
		struct notify_log *log = run_supervised(&s);

		assert_exit_ok(log->target_status);
		cr_assert_eq(log->n, 2);
		cr_assert_eq(log->ev[0].arch, AUDIT_ARCH_I386);
		cr_assert_eq(log->ev[0].nr, 359);
		cr_assert_eq(log->ev[1].nr, 102);
		cr_assert_eq(log->ev[1].args[0], 1);
		munmap(log, sizeof(*log));
		policy_free(p);
	}
	/* A policy without x86 kills an i386 call (bad arch), it never lets it through. */
	prog = compile_text("version 1\narch x86_64\ndefault allow\n", 0);
	assert_sigsys(run_filtered(&prog, i386_getpid_child));
	free(prog.filter);
}

static int x32_child(void)
{
	CHECK(1, sc(X32_BIT | 39 /* getpid */, 0, 0) == -1 && errno == EACCES);
	return 0;
}

static int x32_getpid_child(void)
{
	sc(X32_BIT | 39, 0, 0);
	return 1;
}

Test(policy_compile, x32_abi_is_covered)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\ngetpid deny EACCES quiet\n", 0);

	/* seccomp sees x32 numbers even when the kernel lacks the x32 ABI. */
	assert_exit_ok(run_filtered(&prog, x32_child));
	free(prog.filter);
	prog = compile_text("version 1\narch x86_64 x86\ndefault allow\n", 0);
	assert_sigsys(run_filtered(&prog, x32_getpid_child));
	free(prog.filter);
}
#endif

static int errno_4095_child(void)
{
	CHECK(1, sc(SYS_getppid, 0, 0) == -1 && errno == ENOSYS); /* routed: no listener */
	return 0;
}

Test(policy_compile, errno_beyond_libseccomp_is_routed)
{
	struct sock_fprog prog = compile_text("version 1\ndefault allow\ngetppid deny 4095 quiet\n", 0);

	assert_exit_ok(run_filtered(&prog, errno_4095_child));
	free(prog.filter);
	/* As a default too: libseccomp's seccomp_init() would refuse ERRNO(4095). */
	prog = compile_text("version 1\ndefault errno 4095 quiet\nexit_group allow\n", 0);
	free(prog.filter);
}

Test(policy_compile, arches_are_exactly_the_policys)
{
	char *pfc = pfc_of("version 1\narch x86\ndefault allow\nsocket deny quiet\n", 0);

	cr_assert_null(strstr(pfc, "arch x86_64"), "%s", pfc);
	cr_assert_null(strstr(pfc, "arch x32"), "%s", pfc);
	cr_assert_not_null(strstr(pfc, "arch x86 "), "%s", pfc);
	cr_assert_not_null(strstr(pfc, "\"socketcall\""), "%s", pfc); /* multiplexed form too */
	cr_assert_not_null(strstr(pfc, "invalid architecture action\naction KILL_PROCESS"), "%s", pfc);
	free(pfc);
}

Test(policy_compile, bad_arguments)
{
	scmp_filter_ctx ctx = NULL;
	struct sock_fprog prog;

	cr_assert_eq(policy_compile(NULL, 0, &ctx, NULL), -EINVAL);
	cr_assert_eq(policy_export_bpf(NULL, &prog), -EINVAL);
	cr_assert_eq(policy_export_pfc(NULL, stdout), -EINVAL);
}

Test(policy_compile, shipped_policies_compile)
{
	const char *src = getenv("SG_SOURCE_ROOT");
	char pattern[4096], buf[1024];
	struct sg_policy_error e;
	glob_t g;

	cr_assert_not_null(src, "SG_SOURCE_ROOT is not set");
	snprintf(pattern, sizeof(pattern), "%s/policies/*.policy", src);
	cr_assert_eq(glob(pattern, 0, NULL, &g), 0);
	cr_assert_geq(g.gl_pathc, 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct sg_policy *p = NULL;

		cr_assert_eq(policy_load_file(g.gl_pathv[i], &p, NULL, &e), 0, "%s", g.gl_pathv[i]);
		cr_assert_eq(policy_check_loadable(p, &e), 0, "%s: %s", g.gl_pathv[i], e.msg);
		for (unsigned flags = 0; flags <= SG_COMPILE_ROUTE_EXEC; flags++) {
			scmp_filter_ctx ctx = NULL;
			struct sock_fprog prog;
			int r = policy_compile(p, flags, &ctx, &e);

			policy_error_format(&e, buf, sizeof(buf));
			cr_assert_eq(r, 0, "%s: %s", g.gl_pathv[i], buf);
			cr_assert_eq(policy_export_bpf(ctx, &prog), 0);
			cr_assert_gt(prog.len, 0);
			free(prog.filter);
			seccomp_release(ctx);
		}
		policy_free(p);
	}
	globfree(&g);
}

static int default_policy_child(void)
{
	/* umount2(MNT_FORCE) is routed (recorded deny): no daemon here, ENOSYS. */
	CHECK(1, sc(SYS_umount2, (long)"/nonexistent-sysgate", 1) == -1 && errno == ENOSYS);
	/* Without MNT_FORCE the kernel itself answers. */
	CHECK(2, sc(SYS_umount2, (long)"/nonexistent-sysgate", 0) == -1 && errno == ENOENT);
	CHECK(3, sc(SYS_getppid, 0, 0) > 0);
	return 0;
}

Test(policy_compile, default_policy_routes_force_umount_only)
{
	const char *src = getenv("SG_SOURCE_ROOT");
	char path[4096];
	struct sg_policy *p = NULL;
	struct sock_fprog prog;

	cr_assert_not_null(src);
	snprintf(path, sizeof(path), "%s/policies/default.policy", src);
	cr_assert_eq(policy_load_file(path, &p, NULL, NULL), 0);
	prog = compile_policy(p, SG_COMPILE_ROUTE_EXEC);
	assert_exit_ok(run_filtered(&prog, default_policy_child));
	free(prog.filter);
	policy_free(p);
}

Test(policy_compile, route_flags_choose_the_route_action)
{
	static const char text[] = "version 1\ndefault allow\ngetppid fake 7\n"
				   "getpid deny EPERM quiet\n";
	char *notify = pfc_of(text, 0), *trace = pfc_of(text, SG_COMPILE_ROUTE_TRACE);
	char *trap = pfc_of(text, SG_COMPILE_ROUTE_TRAP);
	char *all = pfc_of(text, SG_COMPILE_ROUTE_ALL | SG_COMPILE_ROUTE_TRAP);
	char block[2048];
	struct sg_policy *p = parse(text);
	scmp_filter_ctx ctx = NULL;

	cr_assert(routed_in_pfc(notify, "getppid"));
	pfc_block(trace, "getppid", block, sizeof(block));
	cr_assert_not_null(strstr(block, "action TRACE(0)"), "%s", trace);
	pfc_block(trap, "getppid", block, sizeof(block));
	cr_assert_not_null(strstr(block, "action TRAP"), "%s", trap);
	/* the quiet deny stays in the kernel, except when everything is routed */
	pfc_block(trap, "getpid", block, sizeof(block));
	cr_assert_not_null(strstr(block, "ERRNO(1)"), "%s", trap);
	cr_assert_null(strstr(all, "ERRNO"), "%s", all);
	cr_assert_null(strstr(all, "getppid"), "%s", all); /* no rule: the default routes all */
	cr_assert_not_null(strstr(all, "action TRAP;"), "%s", all);
	cr_assert_eq(policy_compile(p, SG_COMPILE_ROUTE_TRACE | SG_COMPILE_ROUTE_TRAP, &ctx, NULL),
		     -EINVAL);
	policy_free(p);
	free(notify), free(trace), free(trap), free(all);
}
