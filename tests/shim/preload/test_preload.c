/* SPDX-License-Identifier: MIT */
/*
 * shim/preload/preload.c: the built libsysgate-preload.so's constructor, by running
 * programs with it preloaded: nothing without sysgate-run's environment; every malformed
 * piece of it refused with exit 125 before the program runs (fail closed); no daemon
 * means the filter goes in and trapped calls fail; with a daemon (the test plays it) the
 * program registers its own session with the policy handed over.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "policy.h"
#include "preload.h"

#define TEXT "version 1\ndefault allow\nuname deny EACCES log\n"

static int filter_fd = -1, policy_fd = -1, empty_fd = -1, pipe_fd[2] = { -1, -1 };
static char env[8][512];

/* A memfd inherited across exec, holding len bytes of data. */
static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("handover", 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void setup(void)
{
	struct sg_policy *p = NULL;
	scmp_filter_ctx ctx = NULL;
	struct sock_fprog fp = { 0 };

	st_setup();
	cr_assert_eq(policy_parse(TEXT, strlen(TEXT), "t", &p, NULL), 0);
	cr_assert_eq(policy_compile(p, SG_COMPILE_ROUTE_TRAP, &ctx, NULL), 0);
	cr_assert_eq(policy_export_bpf(ctx, &fp), 0);
	filter_fd = memfd_with(fp.filter, fp.len * sizeof(*fp.filter));
	policy_fd = memfd_with(TEXT, strlen(TEXT));
	empty_fd = memfd_with("", 0);
	cr_assert_eq(pipe(pipe_fd), 0);
	free(fp.filter);
	seccomp_release(ctx);
	policy_free(p);
	snprintf(env[0], sizeof(env[0]), "LD_PRELOAD=%s", st_build("shim/preload/libsysgate-preload.so"));
	snprintf(env[1], sizeof(env[1]), "SYSGATE_TRAP_SOCKET=%s", st_path("d.sock"));
	snprintf(env[2], sizeof(env[2]), "SYSGATE_TRAP_FILTER_FD=%d", filter_fd);
	snprintf(env[3], sizeof(env[3]), "SYSGATE_TRAP_POLICY_FD=%d", policy_fd);
	snprintf(env[4], sizeof(env[4]), "SYSGATE_TRAP_POLICY_NAME=strict");
	snprintf(env[5], sizeof(env[5]), "SYSGATE_TRAP_FLAGS=1");
	snprintf(env[6], sizeof(env[6]), "SYSGATE_TRAP_UNREACHABLE");
	env[7][0] = '\0';
}

static void teardown(void)
{
	close(filter_fd);
	close(policy_fd);
	close(empty_fd);
	close(pipe_fd[0]);
	close(pipe_fd[1]);
	st_teardown();
}

TestSuite(preload, .init = setup, .fini = teardown, .timeout = 60);

/* Run prog with the handed-over environment, one variable changed ("KEY=VALUE" or "KEY"
 * to unset; NULL: none); its wait status. */
static void spawn(const char *prog, const char *change)
{
	const char *argv[] = { prog, NULL };
	const char *e[10];
	size_t n = 0;

	for (size_t i = 0; i < 7; i++) {
		size_t klen = strcspn(env[i], "=");

		if (change && strncmp(env[i], change, klen) == 0 &&
		    (change[klen] == '=' || change[klen] == '\0'))
			continue;
		e[n++] = env[i];
	}
	if (change)
		e[n++] = change;
	e[n] = NULL;
	st_spawn(argv, e);
}

static int run(const char *prog, const char *change)
{
	int status;

	spawn(prog, change);
	status = st_wait();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(preload, without_sysgate_run_s_environment_nothing_happens)
{
	const char *argv[] = { "/bin/uname", NULL };
	char e0[600];
	const char *e[] = { e0, "SYSGATE_TRAP_SOCKET", "SYSGATE_TRAP_FILTER_FD", NULL };

	snprintf(e0, sizeof(e0), "%s", env[0]);
	cr_expect_eq(st_run(argv, e), 0);
	cr_expect_str_eq(st_err, "");
	cr_expect_str_eq(st_out, "Linux\n");
}

static const struct {
	const char *change;
	const char *msg; /* after "libsysgate-preload: " */
} refused[] = {
	{ "SYSGATE_TRAP_SOCKET", "SYSGATE_TRAP_SOCKET: Invalid argument" },
	{ "SYSGATE_TRAP_SOCKET=", "SYSGATE_TRAP_SOCKET: Invalid argument" },
	{ "SYSGATE_TRAP_FLAGS=", "SYSGATE_TRAP_FLAGS: Invalid argument" },
	{ "SYSGATE_TRAP_FLAGS=x", "SYSGATE_TRAP_FLAGS: Invalid argument" },
	{ "SYSGATE_TRAP_FLAGS=4", "SYSGATE_TRAP_FLAGS: Invalid argument" }, /* learning: not here */
	{ "SYSGATE_TRAP_FLAGS=-1", "SYSGATE_TRAP_FLAGS: Invalid argument" },
	{ "SYSGATE_TRAP_FLAGS=1x", "SYSGATE_TRAP_FLAGS: Invalid argument" },
	{ "SYSGATE_TRAP_UNREACHABLE=0", "SYSGATE_TRAP_UNREACHABLE: Invalid argument" },
	{ "SYSGATE_TRAP_UNREACHABLE=4096", "SYSGATE_TRAP_UNREACHABLE: Invalid argument" },
	{ "SYSGATE_TRAP_UNREACHABLE=EPERM", "SYSGATE_TRAP_UNREACHABLE: Invalid argument" },
	{ "SYSGATE_TRAP_POLICY_FD", "the policy handed over: No such file or directory" },
	{ "SYSGATE_TRAP_POLICY_FD=", "the policy handed over: No such file or directory" },
	{ "SYSGATE_TRAP_POLICY_FD=x", "the policy handed over: Invalid argument" },
	{ "SYSGATE_TRAP_POLICY_FD=-1", "the policy handed over: Invalid argument" },
	{ "SYSGATE_TRAP_POLICY_FD=999", "the policy handed over: Bad file descriptor" },
	{ "SYSGATE_TRAP_POLICY_FD=%d", "the policy handed over: Invalid argument" },  /* empty */
	{ "SYSGATE_TRAP_POLICY_FD=%p", "the policy handed over: Invalid argument" },  /* a pipe */
	{ "SYSGATE_TRAP_FILTER_FD", "the filter handed over: No such file or directory" },
	{ "SYSGATE_TRAP_FILTER_FD=%d", "the filter handed over: Invalid argument" },
};

Test(preload, a_malformed_handover_stops_the_program_before_it_runs)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char change[128], want[256];
		const char *pct = strchr(refused[i].change, '%');

		if (pct && pct[1] == 'd')
			snprintf(change, sizeof(change), "%.*s%d", (int)(pct - refused[i].change),
				 refused[i].change, empty_fd);
		else if (pct)
			snprintf(change, sizeof(change), "%.*s%d", (int)(pct - refused[i].change),
				 refused[i].change, pipe_fd[0]);
		else
			snprintf(change, sizeof(change), "%s", refused[i].change);
		cr_expect_eq(run("/bin/uname", change), 125, "case %zu (%s)", i, change);
		snprintf(want, sizeof(want), "libsysgate-preload: %s\n", refused[i].msg);
		cr_expect_str_eq(st_err, want, "case %zu (%s)", i, change);
		cr_expect_str_eq(st_out, "", "case %zu: the program ran", i);
	}
}

Test(preload, a_filter_that_cannot_go_in_stops_the_program)
{
	static const char odd[12] = { 0 };
	static const struct sock_filter no_ret = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
	int fds[2] = { memfd_with(odd, sizeof(odd)), memfd_with(&no_ret, sizeof(no_ret)) };

	for (size_t i = 0; i < 2; i++) {
		char change[64];

		snprintf(change, sizeof(change), "SYSGATE_TRAP_FILTER_FD=%d", fds[i]);
		cr_expect_eq(run("/bin/uname", change), 125, "case %zu", i);
		cr_expect(strstr(st_err, "libsysgate-preload: cannot install the filter: Invalid "
				 "argument\n"), "case %zu: %s", i, st_err);
		cr_expect_str_eq(st_out, "", "case %zu", i);
		close(fds[i]);
	}
}

Test(preload, without_a_daemon_the_filter_goes_in_and_trapped_calls_fail)
{
	cr_expect_eq(run("/bin/uname", NULL), 1);
	cr_expect_str_eq(st_err, "libsysgate-preload: no daemon session (No such file or directory): "
				 "trapped calls fail with ENOSYS\n"
				 "/bin/uname: cannot get system name: Function not implemented\n");
	cr_expect_str_eq(st_out, "");
	cr_expect_eq(run("/bin/uname", "SYSGATE_TRAP_UNREACHABLE=13"), 1);
	cr_expect_str_eq(st_err, "libsysgate-preload: no daemon session (No such file or directory): "
				 "trapped calls fail with EACCES\n"
				 "/bin/uname: cannot get system name: Permission denied\n");
	cr_expect_eq(run("/bin/true", NULL), 0, "what is not trapped runs");
}

Test(preload, the_program_registers_its_own_session_with_the_policy_handed_over)
{
	int lfd = proto_listen(st_path("d.sock"), 0600), conn, status;
	struct sg_msg m;

	cr_assert_geq(lfd, 0);
	spawn("/bin/uname", NULL);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(conn, 0);
	st_expect(conn, SG_MSG_HELLO, &m);
	cr_expect_eq(m.u.hello.role, SG_ROLE_SHIM);
	st_send(conn, proto_encode_ack(st_pkt, sizeof(st_pkt), 0));
	st_expect(conn, SG_MSG_REGISTER, &m);
	cr_expect_eq(m.u.reg.target_pid, (uint32_t)st_child());
	cr_expect_eq(m.u.reg.mechanism, SG_MECH_TRAP);
	cr_expect_eq(m.u.reg.flags, SG_REG_AUDIT);
	cr_expect_str_eq(m.str, "strict");
	cr_expect_str_eq(m.str2, TEXT);
	st_send(conn, proto_encode_ack(st_pkt, sizeof(st_pkt), 3));
	st_expect(conn, SG_MSG_TRAP_CALL, &m);
	cr_expect_eq(m.u.trap_call.nr, 63 /* uname */);
	cr_expect_eq(m.u.trap_call.tid, (uint32_t)st_child());
	st_send(conn, proto_encode_trap_verdict(st_pkt, sizeof(st_pkt), SG_TRAP_RETURN, -EROFS));
	status = st_wait();
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status 0x%x", (unsigned)status);
	cr_expect_str_eq(st_err, "/bin/uname: cannot get system name: Read-only file system\n");
	close(conn);
	close(lfd);
}
