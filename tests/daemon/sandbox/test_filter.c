/* SPDX-License-Identifier: MIT */
/*
 * sandbox/filter.c and report.c: a forked child installs the daemon's filter,
 * then makes a call.  What the daemon does still works; a call outside the
 * allowlist (or with arguments it does not allow, or of another arch) leaves
 * one line naming it on standard error and the child exits with EXIT_FAILURE.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

#define CHILD_FAILED_SETUP 3 /* the child could not install the filter */
#define CHILD_WRONG_RESULT 4 /* an allowed call did not do what it should */

struct outcome {
	int status;
	char err[2048];
};

typedef void (*body_fn)(void);

/* Run body in a child under the daemon's filter (install: how it is put in place),
 * its standard error captured. */
static void run_child(int (*install)(bool), body_fn body, struct outcome *o)
{
	int p[2], r;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (dup2(p[1], STDERR_FILENO) < 0)
			_exit(CHILD_FAILED_SETUP);
		r = install(false);
		if (r < 0) {
			fprintf(stderr, "install: %s\n", strerror(-r));
			_exit(CHILD_FAILED_SETUP);
		}
		body();
		_exit(EXIT_SUCCESS);
	}
	close(p[1]);
	while ((n = read(p[0], o->err + len, sizeof(o->err) - 1 - len)) > 0)
		len += (size_t)n;
	o->err[len] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &o->status, 0), pid);
}

static void run_sandboxed(body_fn body, struct outcome *o)
{
	run_child(sandbox_filter_install, body, o);
}

/* The child was stopped by the filter: exit 1 and one line naming the call. */
static void assert_refused(const struct outcome *o, const char *what)
{
	const char *nl = strchr(o->err, '\n');

	cr_assert(WIFEXITED(o->status) && WEXITSTATUS(o->status) == EXIT_FAILURE,
		  "expected exit 1, status 0x%x, stderr: %s", (unsigned)o->status, o->err);
	cr_assert(strncmp(o->err, "sysgated: sandbox: pid ", 23) == 0, "stderr: %s", o->err);
	cr_assert_not_null(strstr(o->err, what), "'%s' not in: %s", what, o->err);
	cr_assert(nl && nl[1] == '\0', "not exactly one line: %s", o->err);
	cr_assert_not_null(strstr(o->err, " is not allowed, exiting\n"), "stderr: %s", o->err);
}

static void assert_ran(const struct outcome *o)
{
	cr_assert(WIFEXITED(o->status) && WEXITSTATUS(o->status) == EXIT_SUCCESS,
		  "status 0x%x, stderr: %s", (unsigned)o->status, o->err);
	cr_assert_str_empty(o->err);
}

static void check(bool ok)
{
	if (!ok)
		_exit(CHILD_WRONG_RESULT);
}

/* What the daemon does once set up: files, sockets, pidfds, children, memory, ids. */
static void body_daemon_calls(void)
{
	int sv[2], fd, pidfd;
	struct rlimit rl;
	char buf[64];
	pid_t child;
	void *m;

	check(getpid() > 0 && geteuid() == geteuid());
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	check(fd >= 0 && read(fd, buf, sizeof(buf)) > 0 && close(fd) == 0);
	check(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	check(write(sv[0], "x", 1) == 1 && read(sv[1], buf, 1) == 1);
	check((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0 && close(fd) == 0);
	check((fd = memfd_create("sandbox-test", MFD_CLOEXEC)) >= 0 && ftruncate(fd, 4096) == 0);
	check((m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			0)) != MAP_FAILED && munmap(m, 1 << 20) == 0);
	child = fork(); /* clone without namespace flags */
	if (child == 0)
		_exit(7);
	check(child > 0);
	check((pidfd = (int)syscall(SYS_pidfd_open, child, 0)) >= 0);
	check(waitpid(child, &fd, 0) == child && WIFEXITED(fd) && WEXITSTATUS(fd) == 7);
	check(prctl(PR_CAPBSET_READ, 0, 0, 0, 0) >= 0);
	check(getrlimit(RLIMIT_CORE, &rl) == 0 && setrlimit(RLIMIT_CORE, &rl) == 0);
	check(isatty(STDERR_FILENO) == 0); /* the TCGETS ioctl, answered ENOTTY on a pipe */
}

Test(sandbox_filter, what_the_daemon_calls_still_works)
{
	struct outcome o;

	run_sandboxed(body_daemon_calls, &o);
	assert_ran(&o);
}

/* clone3 is refused with ENOSYS (glibc then falls back to clone), not trapped. */
static void body_clone3(void)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	long r = syscall(SYS_clone3, &args, sizeof(args));

	if (r == 0)
		_exit(0);
	check(r < 0 && errno == ENOSYS);
}

/* What the daemon does to start a helper: fork, then execveat a program of this build
 * (here sysgated --version), which loads, runs and exits under the inherited filter. */
static void body_exec(void)
{
	const char *root = getenv("SG_BUILD_ROOT");
	char path[4096];
	char *argv[] = { (char *)"sysgated", (char *)"--version", NULL };
	int status = 0;
	pid_t pid;

	check(root != NULL);
	snprintf(path, sizeof(path), "%s/daemon/sysgated", root);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(CHILD_WRONG_RESULT);
		syscall(SYS_execveat, AT_FDCWD, path, argv, environ, 0);
		_exit(CHILD_WRONG_RESULT);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "exec'd %s: status 0x%x\n", path, (unsigned)status);
		_exit(CHILD_WRONG_RESULT);
	}
}

Test(sandbox_filter, a_program_execd_by_the_daemon_runs_under_it)
{
	struct outcome o;

	run_sandboxed(body_exec, &o);
	assert_ran(&o);
}

Test(sandbox_filter, clone3_fails_enosys)
{
	struct outcome o;

	run_sandboxed(body_clone3, &o);
	assert_ran(&o);
}

static void body_reboot(void)
{
	/* a bad magic: EINVAL were it let through */
	(void)syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_POWER_OFF, NULL);
}

static void body_swapon(void)
{
	(void)syscall(SYS_swapon, NULL, 0);
}

static void body_inet_socket(void)
{
	(void)socket(AF_INET, SOCK_STREAM, 0);
}

static void body_unshare(void)
{
	(void)unshare(CLONE_NEWUSER);
}

static void body_clone_newns(void)
{
	(void)syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, NULL, NULL, 0);
}

static void body_tiocsti(void)
{
	char c = 'x';

	(void)ioctl(-1, TIOCSTI, &c); /* EBADF were it let through */
}

static void body_prctl_other(void)
{
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static void body_setns_any(void)
{
	(void)setns(-1, 0);
}

static void body_parent_limits(void)
{
	struct rlimit rl;

	(void)prlimit(getppid(), RLIMIT_NOFILE, NULL, &rl);
}

static void body_execve(void)
{
	char *argv[] = { (char *)"true", NULL };

	(void)execve("/bin/true", argv, NULL);
}

static const struct {
	const char *what;
	body_fn body;
	const char *line; /* in the report */
} refused[] = {
	{ "reboot", body_reboot, "system call 'reboot' (" },
	{ "swapon", body_swapon, "system call 'swapon' (" },
	{ "an AF_INET socket", body_inet_socket, "system call 'socket' (" },
	{ "a user namespace", body_unshare, "system call 'unshare' (" },
	{ "clone with CLONE_NEWNS", body_clone_newns, "system call 'clone' (" },
	{ "ioctl TIOCSTI", body_tiocsti, "system call 'ioctl' (" },
	{ "another prctl", body_prctl_other, "system call 'prctl' (" },
	{ "setns of any type", body_setns_any, "system call 'setns' (" },
	{ "another process's limits", body_parent_limits, "system call 'prlimit64' (" },
	{ "execve", body_execve, "system call 'execve' (" },
};

Test(sandbox_filter, refused_calls_leave_one_line_and_exit)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct outcome o;

		cr_log_info("refused: %s", refused[i].what);
		run_sandboxed(refused[i].body, &o);
		assert_refused(&o, refused[i].line);
	}
}

#if defined(__x86_64__)
static void body_i386_getpid(void)
{
	long ret = 20; /* getpid on i386 */

	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
}

static void body_x32_getpid(void)
{
	(void)syscall(0x40000000 | SYS_getpid);
}

Test(sandbox_filter, other_abis_are_refused)
{
	struct outcome o;

	run_sandboxed(body_i386_getpid, &o);
	assert_refused(&o, "system call 20 of arch 0x40000003 (not the daemon's)");
	run_sandboxed(body_x32_getpid, &o);
	assert_refused(&o, "system call 1073741863 is");
}
#endif

static void body_nothing(void)
{
}

/* sandbox_apply: capabilities, then the filter, and one line saying what is left. */
Test(sandbox_filter, apply_says_what_is_left_in_one_line)
{
	char want[64];
	size_t n = 0;
	struct outcome o;

	while (sandbox_allowed(n))
		n++;
	snprintf(want, sizeof(want), "sysgated: sandbox: %zu system calls allowed; ", n);
	run_child(sandbox_apply, body_nothing, &o);
	cr_assert(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0, "stderr: %s", o.err);
	cr_assert(strncmp(o.err, want, strlen(want)) == 0, "stderr: %s", o.err);
	cr_assert(strstr(o.err, geteuid() == 0 ? "capabilities kept: chown dac_override kill "
					       : "no capabilities held"),
		  "stderr: %s", o.err);
	cr_assert_eq(strchr(o.err, '\n'), o.err + strlen(o.err) - 1, "stderr: %s", o.err);
	run_child(sandbox_apply, body_swapon, &o); /* and the filter is in place */
	cr_assert(WIFEXITED(o.status) && WEXITSTATUS(o.status) == EXIT_FAILURE, "%s", o.err);
	cr_assert(strstr(o.err, "\nsysgated: sandbox: pid "), "stderr: %s", o.err);
}

Test(sandbox_filter, every_allowed_name_is_a_system_call_once)
{
	size_t n = 0;

	for (const char *name; (name = sandbox_allowed(n)); n++) {
		cr_expect_neq(seccomp_syscall_resolve_name(name), __NR_SCMP_ERROR, "'%s'", name);
		for (size_t j = 0; j < n; j++)
			cr_expect_str_neq(sandbox_allowed(j), name, "'%s' twice", name);
	}
	cr_assert_gt(n, 50);
	cr_assert_lt(n, 150);
	cr_assert_null(sandbox_allowed(n + 1));
}

Test(sandbox_filter, report_format)
{
	char buf[256], want[128];
	int nr = seccomp_syscall_resolve_name("swapon");
	uint32_t native = seccomp_arch_native();
	size_t n;

	cr_assert_eq(sandbox_report_setup(false), 0);
	n = sandbox_report_format(buf, sizeof(buf), 42, nr, native);
	snprintf(want, sizeof(want),
		 "sandbox: pid 42: system call 'swapon' (%d) is not allowed, exiting", nr);
	cr_assert_str_eq(buf, want);
	cr_assert_eq(n, strlen(buf));
	n = sandbox_report_format(buf, sizeof(buf), 42, 100000, native);
	cr_assert_str_eq(buf, "sandbox: pid 42: system call 100000 is not allowed, exiting");
	n = sandbox_report_format(buf, 12, 42, nr, native);
	cr_assert_eq(n, 11);
	cr_assert_str_eq(buf, "sandbox: pi");
	cr_assert_eq(sandbox_report_format(buf, 0, 42, nr, native), 0);
}
