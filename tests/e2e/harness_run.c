/* SPDX-License-Identifier: MIT */
/* The e2e harness: running commands with captured output, a timeout and a process group. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_int.h"

extern char **environ;

/* In the child: apply env additions ("K=V") and removals ("K"). */
static void child_env(const char *const *env)
{
	/* an outer sysgate configuration must not leak into the tests */
	unsetenv("SYSGATE_SOCKET");
	unsetenv("SYSGATE_POLICY_PATH");
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');

		if (eq) {
			char key[256];

			snprintf(key, sizeof(key), "%.*s", (int)(eq - *env), *env);
			setenv(key, eq + 1, 1);
		} else {
			unsetenv(*env);
		}
	}
}

static void __attribute__((noreturn)) child_fail(const char *what)
{
	dprintf(2, "e2e child: %s: %s\n", what, strerror(errno));
	_exit(127);
}

static void child_exec(const char *const argv[], const struct sg_opts *o, int in, int out,
		       int err, pid_t parent)
{
	if (setpgid(0, 0) < 0)
		child_fail("setpgid");
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		child_fail("dup2");
	if (o && o->as_nobody) {
		if (setgroups(0, NULL) < 0 || setgid(SG_NOBODY) < 0 || setuid(SG_NOBODY) < 0)
			child_fail("dropping privileges");
	}
	/* the test process may die without its fixture: take the command along
	 * (set after setuid, which clears it) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		child_fail("pdeathsig");
	child_env(o ? o->env : NULL);
	execve(argv[0], (char *const *)argv, environ);
	child_fail(argv[0]);
}

pid_t sg_fork_exec(const char *const argv[], const struct sg_opts *o, const char *out_path,
		   const char *err_path, bool stdin_pipe, int *ret_stdin_fd)
{
	int in = -1, out, err, pipefd[2] = { -1, -1 };
	pid_t parent = getpid(), pid;

	if (stdin_pipe) {
		cr_assert_eq(pipe2(pipefd, O_CLOEXEC), 0);
		in = pipefd[0];
	} else {
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert(in >= 0 && out >= 0 && err >= 0, "cannot open %s or %s: %s", out_path,
		  err_path, strerror(errno));
	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0)
		child_exec(argv, o, in, out, err, parent);
	setpgid(pid, pid); /* also in the parent: no window where a kill misses it */
	close(in);
	close(out);
	close(err);
	if (ret_stdin_fd)
		*ret_stdin_fd = pipefd[1];
	return pid;
}

static char *join_argv(const char *const argv[])
{
	char *s = sg_strf("%s", argv[0]);

	for (size_t i = 1; argv[i]; i++)
		s = sg_strf("%s %s", s, argv[i]);
	return s;
}

/* The mechanism under test: see harness.h. */
const char *sg_mechanism(void)
{
	const char *m = getenv("SG_TEST_MECHANISM");

	return m && m[0] ? m : "notify";
}

/* Skip unless the mechanism under test is mech; see harness.h. */
void sg_require_mechanism(const char *mech, const char *why)
{
	if (strcmp(sg_mechanism(), mech) != 0)
		sg_skip(sg_strf("under --mechanism %s: %s", sg_mechanism(), why));
}

void sg_skip_mechanism(const char *mech, const char *why)
{
	if (strcmp(sg_mechanism(), mech) == 0)
		sg_skip(sg_strf("under --mechanism %s: %s", mech, why));
}

/* sysgate-run's argv with `--mechanism M` of the run inserted, unless it names one. */
static const char *const *with_mechanism(const char *const argv[])
{
	const char **v;
	size_t n = 0;

	if (strcmp(argv[0], sg_run_path()) != 0)
		return argv;
	for (; argv[n]; n++)
		if (strcmp(argv[n], "-m") == 0 || strncmp(argv[n], "--mechanism", 11) == 0)
			return argv;
	v = sg_track(calloc(n + 3, sizeof(*v)));
	v[0] = argv[0];
	v[1] = "--mechanism";
	v[2] = sg_mechanism();
	memcpy(v + 3, argv + 1, n * sizeof(*v)); /* the rest and its NULL */
	return v;
}

struct sg_proc *sg_spawn(const char *const argv_in[], const struct sg_opts *o)
{
	struct sg_proc *p = calloc(1, sizeof(*p));
	const char *const *argv = with_mechanism(argv_in);
	unsigned n = ++sg_h.counter;

	cr_assert_not_null(p);
	cr_assert_not_null(sg_h.dir, "no harness fixture");
	if (sg_h.n_procs == sg_h.cap_procs) {
		size_t cap = sg_h.cap_procs ? 2 * sg_h.cap_procs : 16;
		struct sg_proc **a = realloc(sg_h.procs, cap * sizeof(*a));

		cr_assert_not_null(a);
		sg_h.procs = a;
		sg_h.cap_procs = cap;
	}
	sg_h.procs[sg_h.n_procs++] = p;
	p->stdin_fd = -1;
	p->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : SG_TIMEOUT_MS;
	p->cmd = join_argv(argv);
	p->out_path = sg_strf("%s/cmd%u.out", sg_h.dir, n);
	p->err_path = sg_strf("%s/cmd%u.err", sg_h.dir, n);
	p->pid = sg_fork_exec(argv, o, p->out_path, p->err_path, o && o->stdin_pipe,
			      &p->stdin_fd);
	return p;
}

struct sg_result *sg_wait(struct sg_proc *p)
{
	int pidfd, r, st = 0;

	if (p->done)
		return &p->res;
	pidfd = pidfd_open(p->pid, 0);
	cr_assert_geq(pidfd, 0, "pidfd_open: %s", strerror(errno));
	{
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

		do
			r = poll(&pfd, 1, p->timeout_ms);
		while (r < 0 && errno == EINTR);
	}
	close(pidfd);
	if (r == 0)
		kill(-p->pid, SIGKILL);
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	p->done = true;
	p->res.status = st;
	p->res.cmd = p->cmd;
	p->res.out = sg_read_file(p->out_path);
	p->res.err = sg_read_file(p->err_path);
	if (!p->res.out)
		p->res.out = sg_strf("(unreadable)\n");
	if (!p->res.err)
		p->res.err = sg_strf("(unreadable)\n");
	if (r == 0)
		cr_assert_fail("%s\ntimed out after %d ms (process group killed)\n--- stdout:\n%s"
			       "--- stderr:\n%s--- daemon stderr:\n%s",
			       p->cmd, p->timeout_ms, p->res.out, p->res.err, sg_daemon_stderr());
	/* whatever the test checks next, a daemon that died under this command is a failure */
	if (sg_h.daemon > 0 && waitpid(sg_h.daemon, &st, WNOHANG) == sg_h.daemon) {
		sg_h.daemon = -1;
		close(sg_h.daemon_pidfd);
		cr_assert_fail("sysgated died (%s) while this ran: %s\n--- stdout:\n%s"
			       "--- stderr:\n%s--- daemon stderr:\n%s",
			       sg_status_str(st), p->cmd, p->res.out, p->res.err,
			       sg_daemon_stderr());
	}
	return &p->res;
}

struct sg_result *sg_run(const char *const argv[], const struct sg_opts *o)
{
	return sg_wait(sg_spawn(argv, o));
}

/* argv = prefix[0..n_prefix) + the NULL-terminated variadic list starting at first. */
static const char **build_argv(const char *const *prefix, size_t n_prefix, const char *first,
			       va_list ap)
{
	const char **argv = sg_track(calloc(n_prefix + 64, sizeof(*argv)));
	size_t n = 0;

	for (size_t i = 0; i < n_prefix; i++)
		argv[n++] = prefix[i];
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		cr_assert_lt(n, n_prefix + 63, "too many arguments");
		argv[n++] = a;
	}
	argv[n] = NULL;
	return argv;
}

const char **sg_shim_argv(const char *policy, const char *cmd, ...)
{
	const char *prefix[] = { sg_run_path(), "-s", sg_h.sock, "-p", policy, "--" };
	const char **argv;
	va_list ap;

	va_start(ap, cmd);
	argv = build_argv(prefix, 6, cmd, ap);
	va_end(ap);
	return argv;
}

struct sg_result *sg_shim(const char *policy, const char *cmd, ...)
{
	const char *prefix[] = { sg_run_path(), "-s", sg_h.sock, "-p", policy, "--" };
	const char **argv;
	va_list ap;

	va_start(ap, cmd);
	argv = build_argv(prefix, 6, cmd, ap);
	va_end(ap);
	return sg_run(argv, NULL);
}

struct sg_result *sg_ctl(const char *arg, ...)
{
	const char *prefix[] = { sg_ctl_path(), "-s", sg_h.sock };
	const char **argv;
	va_list ap;

	va_start(ap, arg);
	argv = build_argv(prefix, 3, arg, ap);
	va_end(ap);
	return sg_run(argv, NULL);
}

json_object *sg_ctl_json(const char *arg, ...)
{
	const char *prefix[] = { sg_ctl_path(), "-s", sg_h.sock, "--json" };
	struct sg_result *r;
	const char **argv;
	va_list ap;

	va_start(ap, arg);
	argv = build_argv(prefix, 4, arg, ap);
	va_end(ap);
	r = sg_run(argv, NULL);
	sg_assert_exit(r, 0);
	return sg_json_parse(r->out, r->cmd);
}

bool sg_exited(const struct sg_result *r, int code)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

const char *sg_status_str(int status)
{
	if (WIFEXITED(status))
		return sg_strf("exit %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return sg_strf("signal %d (%s)%s", WTERMSIG(status), strsignal(WTERMSIG(status)),
			       WCOREDUMP(status) ? ", core dumped" : "");
	return sg_strf("wait status 0x%x", (unsigned)status);
}

struct sg_result *sg_ctl_as_nobody(const char *const *args)
{
	const char *argv[16] = { sg_ctl_path(), "-s", sg_sock() };
	struct sg_opts o = { .as_nobody = true };
	size_t n = 3;

	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	return sg_run(argv, &o);
}

struct sg_proc *sg_stepper(const char *policy, const char *extra)
{
	const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-p", policy,
			       extra ? extra : "--", "--", sg_target("stepper"), NULL };
	struct sg_opts o = { .stdin_pipe = true };

	if (!extra) { /* no option: drop the duplicate "--" */
		argv[6] = argv[7];
		argv[7] = NULL;
	}
	return sg_spawn(argv, &o);
}

const char *sg_step(struct sg_proc *p, const char *call)
{
	size_t before, n = strlen(call);
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	char *out = sg_read_file(p->out_path);

	before = out ? strlen(out) : 0;
	cr_assert_eq(write(p->stdin_fd, sg_strf("%s\n", call), n + 1), (ssize_t)(n + 1));
	for (int i = 0; i < SG_WAIT_MS / 5; i++) {
		out = sg_read_file(p->out_path);
		if (out && strlen(out) > before && out[strlen(out) - 1] == '\n') {
			char *line = sg_strf("%s", out + before);

			line[strlen(line) - 1] = '\0';
			return line;
		}
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("stepper did not answer '%s'; stderr:\n%s", call, sg_read_file(p->err_path));
	return NULL;
}

void sg_stepper_finish(struct sg_proc *p)
{
	struct sg_result *r;

	close(p->stdin_fd);
	p->stdin_fd = -1;
	r = sg_wait(p);
	sg_assert_exit(r, 0);
}
