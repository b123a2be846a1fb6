/* SPDX-License-Identifier: MIT */
/*
 * shim/preload/handler.c: the SIGSYS handler in a forked child under a real trap filter
 * (getsid and clone3 trapped), the test playing the daemon: registration, the call as
 * the daemon is told it, and each verdict carried out — a return value, -errno, the
 * call re-issued, a kill; no daemon, a broken daemon and a forked child.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "policy.h"
#include "preload.h"

#define I386_GETSID 147
#define TEXT "version 1\ndefault allow\ngetsid, clone3 deny log\n"

static int lfd = -1, conn = -1, results[2] = { -1, -1 };
static pid_t child = -1;

static void setup(void)
{
	st_setup();
	lfd = proto_listen(st_path("d.sock"), 0600);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(pipe2(results, O_CLOEXEC), 0);
}

static void teardown(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	close(conn);
	close(lfd);
	close(results[0]);
	close(results[1]);
	st_teardown();
}

TestSuite(preload_handler, .init = setup, .fini = teardown, .timeout = 30);

/* int 0x80 from here: an i386 call the filter traps. */
static long int80(long nr, long a1)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a1) : "memory");
	return r;
}

/* In the child: map the trampoline, set up the handler (connecting when asked), install it
 * and the trap filter; 0 or the step that failed (1..). */
static int child_setup(bool connect, int unreachable)
{
	struct sg_policy *p = NULL;
	scmp_filter_ctx ctx = NULL;
	struct sock_fprog fp = { 0 }, joined_fp;
	struct sock_filter *joined;
	size_t n;

	if (trap_tramp_map() < 0)
		return 1;
	if (trap_handler_init(st_path("d.sock"), "strict", SG_REG_AUDIT, TEXT, strlen(TEXT),
			      unreachable) < 0)
		return 2;
	if (connect && trap_handler_connect() < 0)
		return 3;
	if (trap_handler_install() < 0)
		return 4;
	if (policy_parse(TEXT, strlen(TEXT), "t", &p, NULL) < 0 ||
	    policy_compile(p, SG_COMPILE_ROUTE_TRAP, &ctx, NULL) < 0 ||
	    policy_export_bpf(ctx, &fp) < 0 ||
	    trap_filter_join(fp.filter, fp.len, sg_sys64_ret, sg_sys32_ret, &joined, &n) < 0)
		return 5;
	joined_fp = (struct sock_fprog){ .len = (unsigned short)n, .filter = joined };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &joined_fp) < 0)
		return 6;
	return 0;
}

/* What a child saw: each call's result and errno. */
struct seen {
	int setup;
	long ret[8];
	int err[8];
};

static void child_report(const struct seen *s)
{
	(void)!write(results[1], s, sizeof(*s));
	_exit(0);
}

static struct seen child_results(void)
{
	struct seen s;
	int st;

	cr_assert_eq(read(results[0], &s, sizeof(s)), (ssize_t)sizeof(s), "no report from the child");
	cr_assert_eq(s.setup, 0, "the child's setup failed at step %d", s.setup);
	cr_assert_eq(waitpid(child, &st, 0), child);
	child = -1;
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", (unsigned)st);
	return s;
}

static void start(void (*body)(struct seen *s), bool connect, int unreachable)
{
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		struct seen s = { .setup = child_setup(connect, unreachable) };

		if (s.setup == 0)
			body(&s);
		child_report(&s);
	}
}

/* Play the daemon's side of HELLO and REGISTER on a new connection (for pid; 0: any);
 * returns the pid registered. */
static pid_t registered(pid_t pid)
{
	struct sg_msg m;

	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(conn, 0);
	st_expect(conn, SG_MSG_HELLO, &m);
	cr_expect_eq(m.u.hello.role, SG_ROLE_SHIM);
	st_send(conn, proto_encode_ack(st_pkt, sizeof(st_pkt), 0));
	st_expect(conn, SG_MSG_REGISTER, &m);
	if (pid)
		cr_expect_eq(m.u.reg.target_pid, (uint32_t)pid, "the process registers itself");
	cr_expect_eq(m.u.reg.mechanism, SG_MECH_TRAP);
	cr_expect_eq(m.u.reg.flags, SG_REG_AUDIT);
	cr_expect_str_eq(m.str, "strict");
	cr_expect_str_eq(m.str2, TEXT);
	cr_expect_eq(m.n_fds, 0);
	st_send(conn, proto_encode_ack(st_pkt, sizeof(st_pkt), 9));
	return (pid_t)m.u.reg.target_pid;
}

/* The next trapped call: check it, answer with the verdict. */
static void answer(uint32_t arch, int nr, uint64_t arg0, pid_t tid, enum sg_trap_action action,
		   int64_t value)
{
	struct sg_msg m;

	st_expect(conn, SG_MSG_TRAP_CALL, &m);
	cr_expect_eq(m.u.trap_call.arch, arch);
	cr_expect_eq(m.u.trap_call.nr, nr);
	cr_expect_eq(m.u.trap_call.args[0], arg0);
	cr_expect_eq(m.u.trap_call.tid, (uint32_t)tid);
	cr_expect_neq(m.u.trap_call.ip, 0);
	st_send(conn, proto_encode_trap_verdict(st_pkt, sizeof(st_pkt), action, value));
}

static void calls(struct seen *s)
{
	errno = 1234;
	s->ret[0] = syscall(__NR_getsid, 0x1234);
	s->err[0] = errno;
	s->ret[1] = syscall(__NR_getsid, 0);
	s->err[1] = errno;
	s->ret[2] = syscall(__NR_getsid, 0);
	s->ret[3] = syscall(__NR_clone3, NULL, 0);
	s->err[3] = errno;
	kill(getpid(), SIGSYS); /* not from seccomp: ignored */
	s->ret[4] = int80(I386_GETSID, 0x55);
	s->ret[5] = getsid(0);
}

Test(preload_handler, each_verdict_is_carried_out)
{
	pid_t sid = getsid(0);
	struct seen s;

	start(calls, true, ENOSYS);
	registered(child);
	answer(AUDIT_ARCH_X86_64, __NR_getsid, 0x1234, child, SG_TRAP_RETURN, 4242);
	answer(AUDIT_ARCH_X86_64, __NR_getsid, 0, child, SG_TRAP_RETURN, -EACCES);
	answer(AUDIT_ARCH_X86_64, __NR_getsid, 0, child, SG_TRAP_ALLOW, 0);
	answer(AUDIT_ARCH_X86_64, __NR_clone3, 0, child, SG_TRAP_ALLOW, 0);
	answer(AUDIT_ARCH_I386, I386_GETSID, 0x55, child, SG_TRAP_RETURN, 99);
	answer(AUDIT_ARCH_X86_64, __NR_getsid, 0, child, SG_TRAP_RETURN, 5);
	s = child_results();
	cr_expect_eq(s.ret[0], 4242, "the value returned");
	cr_expect_eq(s.err[0], 1234, "errno untouched");
	cr_expect_eq(s.ret[1], -1);
	cr_expect_eq(s.err[1], EACCES, "a deny is -errno");
	cr_expect_eq(s.ret[2], sid, "allowed: the call ran");
	cr_expect_eq(s.ret[3], -1);
	cr_expect_eq(s.err[3], ENOSYS, "clone3 cannot run from the handler's stack");
	cr_expect_eq(s.ret[4], 99, "the i386 entry, arguments from its registers");
	cr_expect_eq(s.ret[5], 5, "a SIGSYS someone sent changed nothing");
}

static void one_call(struct seen *s)
{
	s->ret[0] = syscall(__NR_getsid, 0);
	s->err[0] = errno;
	s->ret[1] = syscall(__NR_clone3, NULL, 0);
	s->err[1] = errno;
}

Test(preload_handler, a_kill_verdict_kills_the_process)
{
	int st;

	start(one_call, true, ENOSYS);
	registered(child);
	answer(AUDIT_ARCH_X86_64, __NR_getsid, 0, child, SG_TRAP_KILL, 0);
	cr_assert_eq(waitpid(child, &st, 0), child);
	child = -1;
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status 0x%x", (unsigned)st);
}

Test(preload_handler, without_a_daemon_every_trapped_call_fails_with_the_errno)
{
	struct seen s;

	start(one_call, false, EPERM);
	s = child_results();
	cr_expect_eq(s.ret[0], -1);
	cr_expect_eq(s.err[0], EPERM);
	cr_expect_eq(s.ret[1], -1);
	cr_expect_eq(s.err[1], EPERM, "never allowed without a verdict");
}

Test(preload_handler, a_broken_daemon_fails_closed)
{
	struct sg_msg m;
	struct seen s;

	start(one_call, true, ENOSYS);
	registered(child);
	st_expect(conn, SG_MSG_TRAP_CALL, &m);
	st_send(conn, proto_encode_ack(st_pkt, sizeof(st_pkt), 0)); /* not a verdict */
	s = child_results();
	cr_expect_eq(s.ret[0], -1);
	cr_expect_eq(s.err[0], ENOSYS);
	cr_expect_eq(s.ret[1], -1, "the connection is not used again");
	cr_expect_eq(s.err[1], ENOSYS);
}

Test(preload_handler, a_refused_registration_is_an_error)
{
	struct sg_msg m;
	int st;

	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		_exit(trap_tramp_map() == 0 &&
		      trap_handler_init(st_path("d.sock"), "n", 0, "t", 1, ENOSYS) == 0 &&
		      trap_handler_connect() == -EUSERS ? 0 : 1);
	}
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(conn, 0);
	st_expect(conn, SG_MSG_HELLO, &m);
	st_send(conn, proto_encode_ack(st_pkt, sizeof(st_pkt), 0));
	st_expect(conn, SG_MSG_REGISTER, &m);
	st_send(conn, proto_encode_error(st_pkt, sizeof(st_pkt), -EUSERS, "too many sessions"));
	cr_assert_eq(waitpid(child, &st, 0), child);
	child = -1;
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", (unsigned)st);
}

static void fork_and_call(struct seen *s)
{
	pid_t pid = fork();

	if (pid == 0) { /* the grandchild: its own session */
		s->ret[0] = syscall(__NR_getsid, 0);
		child_report(s);
	}
	s->ret[1] = pid;
	s->ret[2] = waitpid(pid, NULL, 0);
}

Test(preload_handler, a_forked_child_registers_its_own_session)
{
	struct seen gs, s;
	pid_t grandchild;
	int first;

	start(fork_and_call, true, ENOSYS);
	registered(child);
	first = conn; /* the parent's; the child must not use it */
	conn = -1;
	grandchild = registered(0);
	cr_expect(grandchild > 0 && grandchild != child, "registered %d", (int)grandchild);
	answer(AUDIT_ARCH_X86_64, __NR_getsid, 0, grandchild, SG_TRAP_RETURN, 7);
	cr_assert_eq(read(results[0], &gs, sizeof(gs)), (ssize_t)sizeof(gs));
	cr_expect_eq(gs.ret[0], 7, "the grandchild got its own verdict");
	s = child_results();
	cr_expect_eq(s.ret[1], grandchild);
	cr_expect_eq(s.ret[2], grandchild);
	close(first);
}
