/* SPDX-License-Identifier: MIT */
/*
 * The launch sequence of sysgate-run.  P is sysgate-run, C the process that
 * becomes the command, D the daemon (system-wide, or embedded: a child of P).
 *
 * The filter may route any syscall to the daemon (sendmsg, read, futex,
 * exit_group: `default allow log` routes everything), and the daemon can answer
 * nothing before it holds the listener fd.  So the process that loads the
 * filter must not be the one that hands the listener over, and must make no
 * syscall between seccomp() and execve():
 *
 *  1. P connects to D and says HELLO before anything is filtered.
 *  2. P clones C with CLONE_FILES | SIGCHLD: fork-like (C has its own copy of
 *     the memory), but C shares P's fd table, so the listener fd C's seccomp()
 *     creates appears in P's table with no message sent.  A MAP_SHARED page
 *     carries {state, listener fd, go, errno} between them.  Every fd of P is
 *     O_CLOEXEC (the listener too), so C's execve, which unshares the table,
 *     gives the command none of them; P opens and closes no fd meanwhile.
 *  3. C (unfiltered) sets PDEATHSIG, checks that P is still its parent, gives
 *     back the signal mask, sets no_new_privs and loads the filter with
 *     NEW_LISTENER.  From here on C only stores to the page and spins on `go`
 *     without a syscall.
 *  4. P (unfiltered) sees LOADED, sends REGISTER with the listener fd, and
 *     waits for D's ACK: D now holds the listener.  P closes its copy (shared
 *     with C, so C's too) and sets go.
 *  5. C calls execve.  The filter was compiled with SG_COMPILE_ROUTE_EXEC, so
 *     the exec is either allowed in the kernel or routed to D as the session's
 *     first notification, which D answers CONTINUE (the STARTING rule).  No
 *     other notification of C can precede it.  Should execve fail, C stores the
 *     errno before _exit; those calls may be routed and are decided by the
 *     policy, and P reports the error from the page either way.
 *
 * P never loads a filter, so its own syscalls (sendmsg, poll, waitpid, futex in
 * libc...) can never wait on the notifications of a filter whose listener it
 * has not handed over yet.  If P dies, C dies (PDEATHSIG SIGKILL).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "policy.h"
#include "proto.h"
#include "seccomp_compat.h"
#include "shim.h"
#include "sysgated.h"
#include "launch.h"

#define LOAD_TIMEOUT_NS (10ULL * 1000 * 1000 * 1000)

enum child_state {
	CHILD_STARTING = 0,
	CHILD_LOADED,     /* filter loaded, listener_fd valid, spinning on go */
	CHILD_FAILED,     /* a step before or of seccomp() failed (no filter): err, step */
	CHILD_EXECFAILED, /* execve returned: err */
};

enum child_step {
	STEP_NONE = 0,
	STEP_PDEATHSIG,
	STEP_PARENT,
	STEP_SIGNALS,
	STEP_NO_NEW_PRIVS,
	STEP_SECCOMP,
};

static void launch_done(struct launch *l)
{
	if (l->child > 0) {
		if (l->page)
			atomic_store_explicit(&l->page->go, -1, memory_order_release);
		(void)kill(l->child, SIGKILL);
		(void)waitpid(l->child, NULL, 0);
	}
	l->listener = safe_close(l->listener);
	if (l->page)
		munmap(l->page, sizeof(*l->page));
	l->sock = safe_close(l->sock);
	/* Before the command runs, nothing needs the embedded daemon. */
	if (!l->started)
		embedded_stop(&l->emb);
	embedded_remove(&l->emb);
	signals_done(&l->sig);
	free(l->buf);
	free(l->exec_path);
	free(l->sh_argv);
	free(l->prog.filter);
	policy_free(l->policy);
	free(l->policy_text);
	free(l->policy_path);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* C, before the filter: report a failed step; no filter is loaded, exiting is safe. */
static _Noreturn void child_fail(struct launch_page *pg, enum child_step step, int err)
{
	atomic_store_explicit(&pg->err, err, memory_order_relaxed);
	atomic_store_explicit(&pg->step, step, memory_order_relaxed);
	atomic_store_explicit(&pg->state, CHILD_FAILED, memory_order_release);
	_exit(SHIM_EXIT_FAILURE);
}

/*
 * C under --mechanism trace or trap: say READY (LOADED, no listener) before any
 * filter, wait for go.  trace: P registers and the daemon attaches (PTRACE_SEIZE),
 * then we load the filter; routed calls stop for the daemon, already our tracer,
 * so there is nothing to hand over and syscalls are safe from here.  trap: the
 * preload library loads the filter in the command itself.
 */
static void child_load_late(const struct launch *l)
{
	struct launch_page *pg = l->page;

	atomic_store_explicit(&pg->listener_fd, -1, memory_order_relaxed);
	atomic_store_explicit(&pg->state, CHILD_LOADED, memory_order_release);
	while (atomic_load_explicit(&pg->go, memory_order_acquire) <= 0)
		cpu_relax();
	if (l->opts->mechanism == SG_MECH_TRACE &&
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &l->prog) < 0)
		child_fail(pg, STEP_SECCOMP, errno);
}

/* C under notify: load the filter, then wait for go without a syscall (no call
 * of a noreturn function either: a sanitizer runtime makes syscalls there). */
static void child_load_notify(const struct launch *l)
{
	struct launch_page *pg = l->page;
	long fd;

	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		     SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
		     &l->prog);
	if (fd < 0 && errno == EINVAL) /* kernel < 5.19: no WAIT_KILLABLE_RECV */
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_NEW_LISTENER, &l->prog);
	if (fd < 0)
		child_fail(pg, STEP_SECCOMP, errno);

	/* The filter is loaded: from here to execve, no syscall. */
	atomic_store_explicit(&pg->listener_fd, (int)fd, memory_order_relaxed);
	atomic_store_explicit(&pg->state, CHILD_LOADED, memory_order_release);
	while (atomic_load_explicit(&pg->go, memory_order_acquire) <= 0)
		cpu_relax();
}

/* C: load the filter (as the mechanism wants), exec the command. */
static _Noreturn void child_run(const struct launch *l)
{
	struct launch_page *pg = l->page;
	int e;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(pg, STEP_PDEATHSIG, errno);
	if (getppid() != l->parent) /* P died before PDEATHSIG was set */
		child_fail(pg, STEP_PARENT, ESRCH);
	if (signals_restore(&l->sig) < 0)
		child_fail(pg, STEP_SIGNALS, errno);
	/* trap: the preload library sets it when it loads the filter */
	if (l->opts->mechanism != SG_MECH_TRAP && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(pg, STEP_NO_NEW_PRIVS, errno);
	if (l->opts->mechanism != SG_MECH_NOTIFY)
		child_load_late(l);
	else
		child_load_notify(l);

	execve(l->exec_path, l->opts->argv, environ);
	if (errno == ENOEXEC) /* no '#!': a shell script, as execvp runs it (decided by policy) */
		execve(l->sh_argv[0], l->sh_argv, environ);
	e = errno;
	atomic_store_explicit(&pg->err, e, memory_order_relaxed);
	atomic_store_explicit(&pg->state, CHILD_EXECFAILED, memory_order_release);
	_exit(e == ENOENT ? SHIM_EXIT_NOT_FOUND : SHIM_EXIT_CANNOT_EXEC);
}

/* P: clone C, sharing the fd table. */
static int child_start(struct launch *l)
{
	long pid;

	l->page = mmap(NULL, sizeof(*l->page), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (l->page == MAP_FAILED) {
		l->page = NULL;
		return shim_err(-errno, "cannot map the start-up page");
	}
	l->parent = getpid();
	fflush(NULL); /* nothing buffered may be written twice */
	pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return shim_err(-errno, "cannot start the command process");
	if (pid == 0)
		child_run(l);
	l->child = (pid_t)pid;
	return 0;
}

static const char *step_what(int step)
{
	switch (step) {
	case STEP_PDEATHSIG:
		return "cannot set the parent death signal";
	case STEP_PARENT:
		return "sysgate-run's process went away";
	case STEP_SIGNALS:
		return "cannot restore the signal mask";
	case STEP_NO_NEW_PRIVS:
		return "cannot set no_new_privs";
	default:
		return "cannot install the seccomp filter";
	}
}

/* P: wait until C has loaded the filter (or failed); 0 with l->listener set. */
static int child_wait_loaded(struct launch *l)
{
	struct timespec ts = { 0 };
	unsigned long long waited = 0;
	long delay = 20 * 1000;
	int st, status = 0;
	pid_t r;

	for (;;) {
		st = atomic_load_explicit(&l->page->state, memory_order_acquire);
		if (st != CHILD_STARTING)
			break;
		r = waitpid(l->child, &status, WNOHANG);
		if (r == l->child) {
			l->child = 0;
			st = atomic_load_explicit(&l->page->state, memory_order_acquire);
			break;
		}
		if (waited >= LOAD_TIMEOUT_NS)
			return shim_err(-ETIMEDOUT, "the command process did not load the filter");
		ts.tv_nsec = delay;
		nanosleep(&ts, NULL);
		waited += (unsigned long long)delay;
		delay = delay * 2 > 1000 * 1000 ? 1000 * 1000 : delay * 2;
	}
	if (st == CHILD_LOADED && l->opts->mechanism == SG_MECH_NOTIFY)
		/* in our table too: ours to close, even if C has died */
		l->listener = atomic_load_explicit(&l->page->listener_fd, memory_order_relaxed);
	if (st == CHILD_FAILED)
		return shim_err(-atomic_load_explicit(&l->page->err, memory_order_relaxed), "%s",
				step_what(atomic_load_explicit(&l->page->step, memory_order_relaxed)));
	if (l->child == 0) {
		shim_err(0, "the command process died while starting (status 0x%x)",
			 (unsigned)status);
		return -ECHILD;
	}
	if (st != CHILD_LOADED) {
		shim_err(0, "unexpected start-up state %d", st);
		return -EPROTO;
	}
	return 0;
}

/* Say why a policy failed: as the library formats it (file:line:col, the line, a
 * caret under the column), else the error; returns r. */
static int policy_failed(const struct sg_policy_error *e, int r, const char *path)
{
	char buf[1024];
	size_t n;

	if (!e->msg[0])
		return shim_err(r, "policy '%s'", path);
	policy_error_format(e, buf, sizeof(buf));
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	shim_err(0, "%s", buf);
	return r;
}

/* -v: the rules the policy implies beyond its written ones (lib/policy_equiv.c), and
 * what the trace mechanism refuses in the kernel. */
static void say_added(const struct launch *l)
{
	const struct sg_policy *p = l->policy;
	char msg[1536];

	for (size_t i = p->n_written; i < p->n_rules; i++)
		shim_info("%s:%u:%u: %s", l->policy_path, p->rules[i].line, p->rules[i].col,
			  policy_implied_format(p, &p->rules[i], msg, sizeof(msg)));
	if (l->opts->mechanism == SG_MECH_TRACE)
		shim_info("trace: clone with CLONE_UNTRACED and ptrace fail EPERM, clone3 ENOSYS, "
			  "in the kernel: a task the daemon did not trace would escape it");
}

/* Find, load, check and compile the policy; with --print-filter print it instead. */
static int policy_prepare(struct launch *l)
{
	const struct run_opts *o = l->opts;
	struct sg_policy_error perr = { 0 };
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	if (o->learn_out)
		r = learn_policy(o, &l->policy_path, &l->policy_text, &l->policy);
	else
		r = policy_find(o->policy, &l->policy_path);
	if (r < 0 && o->learn_out)
		return r;
	if (r == -ENOENT) {
		_cleanup_free_ char *why = policy_find_describe(o->policy);

		shim_err(0, "policy '%s' %s", o->policy, why ? why : "not found");
		return r;
	}
	if (r < 0)
		return shim_err(r, "policy '%s'", o->policy);
	r = o->learn_out ? 0 : policy_load_file(l->policy_path, &l->policy, &l->policy_text, &perr);
	if (r < 0)
		return policy_failed(&perr, r, l->policy_path);
	r = policy_check_loadable(l->policy, &perr);
	if (r >= 0 && o->mechanism != SG_MECH_NOTIFY)
		r = policy_check_no_emulate(l->policy, proto_mechanism_name((uint32_t)o->mechanism),
					    &perr);
	if (r < 0)
		return policy_failed(&perr, r, l->policy_path);
	say_added(l);
	/* An audit session routes every call, so that a switch to enforce can deny any of
	 * them; a swappable or learning one so that any later policy or the count sees all. */
	r = policy_compile(l->policy,
			   policy_session_flags(l->policy, o->mechanism == SG_MECH_TRACE,
						o->mechanism == SG_MECH_TRAP,
						o->audit || o->swappable || o->learn_out),
			   &ctx, &perr);
	if (r < 0)
		return policy_failed(&perr, r, l->policy_path);
	if (o->print_filter) {
		r = policy_export_pfc(ctx, stdout);
		if (r >= 0 && fflush(stdout) != 0)
			r = -errno;
	} else
		r = policy_export_bpf(ctx, &l->prog);
	if (r < 0)
		return shim_err(r, "policy '%s': cannot export the filter", l->policy_path);
	return 0;
}

/* The command's wait status if it has exited: 1, 0 while it runs, or -errno. */
static int child_reap(struct launch *l, int *ret_status)
{
	pid_t p;

	/* --learn: once it has exited, and before the reap ends the session, ask what it did. */
	if (l->opts->learn_out && !l->learnt && l->session) {
		siginfo_t si = { 0 };

		if (waitid(P_PID, (id_t)l->child, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
			return errno == EINTR ? 0 : -errno;
		if (si.si_pid == 0)
			return 0;
		l->learnt = true;
		l->learn_r = learn_fetch(l->sock, l->buf, l->session, l->opts);
	}

	do
		p = waitpid(l->child, ret_status, WNOHANG);
	while (p < 0 && errno == EINTR);
	if (p < 0)
		return -errno;
	if (p == 0)
		return 0;
	l->child = 0;
	return 1;
}

/* Wait for the command to exit, forwarding signals; its wait status. */
static int child_wait_exit(struct launch *l, int *ret_status)
{
	struct signalfd_siginfo si;
	int status, r;

	for (;;) {
		r = child_reap(l, ret_status);
		if (r != 0)
			return r < 0 ? shim_err(r, "cannot wait for the command") : 0;
		/* The embedded daemon failed while the command lives.  (A clean exit is
		 * the idle one: the kernel can report the filter unused a moment before
		 * the command's exit status is ours to reap.) */
		if (l->emb.pid > 0 && embedded_reap(&l->emb, &status) > 0 && status != 0)
			shim_err(0, "the embedded daemon failed (status 0x%x); routed system calls now fail with ENOSYS",
				 (unsigned)status);
		r = signals_wait(&l->sig, -1);
		while (r >= 0 && (r = signals_read(&l->sig, &si)) > 0)
			if (signals_should_forward(&l->sig, &si, l->child))
				(void)kill(l->child, (int)si.ssi_signo);
		if (r < 0)
			return shim_err(r, "cannot read signals");
	}
}

/* The exit code for the command's wait status. */
static int exit_code(struct launch *l, int status)
{
	int st = atomic_load_explicit(&l->page->state, memory_order_acquire);

	if (st == CHILD_EXECFAILED) {
		int e = atomic_load_explicit(&l->page->err, memory_order_relaxed);

		shim_err(-e, "cannot execute '%s'", l->opts->argv[0]);
		return e == ENOENT ? SHIM_EXIT_NOT_FOUND : SHIM_EXIT_CANNOT_EXEC;
	}
	if (st == CHILD_FAILED) { /* trace: the filter is loaded after go */
		shim_err(-atomic_load_explicit(&l->page->err, memory_order_relaxed), "%s",
			 step_what(atomic_load_explicit(&l->page->step, memory_order_relaxed)));
		return SHIM_EXIT_FAILURE;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	/* Only the daemon knows a SIGKILL was its policy's (not OOM's, not a user's). */
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && launch_daemon_killed(l))
		return SHIM_EXIT_POLICY_KILL;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return SHIM_EXIT_FAILURE;
}

/* With an embedded daemon: wait until it has exited by itself. */
static void embedded_finish(struct launch *l)
{
	pid_t pid = l->emb.pid;
	int r, status = 0;

	if (pid <= 0)
		return;
	l->sock = safe_close(l->sock); /* the daemon exits once idle and unused */
	r = embedded_wait(&l->emb, &l->sig, &status);
	if (r > 0)
		shim_err(0, "not waiting for background processes of '%s'; the embedded daemon (pid %d) goes on supervising them",
			 l->opts->argv[0], (int)pid);
	else if (r < 0)
		shim_err(r, "cannot wait for the embedded daemon");
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		shim_err(0, "the embedded daemon failed (status 0x%x)", (unsigned)status);
}

/* The exit code of a failed start: 125, or 128+N when signal N ended it. */
static int start_failed(const struct launch *l)
{
	return l->abort_sig ? 128 + l->abort_sig : SHIM_EXIT_FAILURE;
}

/* Load the policy, start the command under its filter, wait; the exit code. */
int run_command(const struct run_opts *o)
{
	_cleanup_(launch_done) struct launch l = {
		.opts = o,
		.sock = -EBADF,
		.listener = -EBADF,
		.sig.fd = -EBADF,
	};
	int r, status = 0, code;

	if (policy_prepare(&l) < 0)
		return SHIM_EXIT_FAILURE;
	if (o->print_filter)
		return EXIT_SUCCESS;
	r = command_find(o->argv[0], &l.exec_path);
	if (r == -ENOENT) {
		shim_err(0, "'%s': command not found", o->argv[0]);
		return SHIM_EXIT_NOT_FOUND;
	}
	if (r < 0) {
		shim_err(r, "cannot execute '%s'", o->argv[0]);
		return SHIM_EXIT_CANNOT_EXEC;
	}
	l.sh_argv = command_sh_argv(l.exec_path, o->argv);
	l.buf = malloc(SG_MSG_MAX);
	if (!l.buf || !l.sh_argv) {
		shim_err(-ENOMEM, "out of memory");
		return SHIM_EXIT_FAILURE;
	}
	r = signals_setup(&l.sig);
	if (r < 0) {
		shim_err(r, "cannot set up signal handling");
		return SHIM_EXIT_FAILURE;
	}
	if (launch_daemon_open(&l) < 0 || launch_daemon_hello(&l) < 0)
		return start_failed(&l);

	if (o->mechanism == SG_MECH_TRAP && trap_check_exec(l.exec_path) < 0)
		return SHIM_EXIT_FAILURE;
	if (o->mechanism == SG_MECH_TRAP &&
	    trap_env_prepare(l.emb.pid > 0 ? l.emb.sock_path : l.daemon_path, l.policy_path,
			     launch_reg_flags(o), l.policy_text, l.policy->unreachable_errno, &l.prog) < 0)
		return start_failed(&l);
	/* From the clone to go: no fd is opened or closed but the listener's. trap: the
	 * command registers itself from its preload library. */
	if (child_start(&l) < 0 || child_wait_loaded(&l) < 0 ||
	    (o->mechanism != SG_MECH_TRAP && launch_daemon_register(&l) < 0))
		return start_failed(&l);
	l.listener = safe_close(l.listener); /* the daemon holds its own */
	l.started = true;
	atomic_store_explicit(&l.page->go, 1, memory_order_release);

	if (child_wait_exit(&l, &status) < 0)
		return SHIM_EXIT_FAILURE;
	code = exit_code(&l, status);
	if (o->learn_out && (!l.learnt || l.learn_r < 0)) {
		if (!l.learnt)
			shim_err(0, "learning: the command's calls could not be fetched");
		code = SHIM_EXIT_FAILURE;
	}
	embedded_finish(&l);
	return code;
}
