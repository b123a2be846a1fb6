/* SPDX-License-Identifier: MIT */
/*
 * The daemon's side of trap, spoken to directly: a trap session is registered
 * by its target itself, and a TRAP_CALL naming a thread that is not one of the
 * registered process's is denied without a decision.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "proto.h"

TestSuite(trap_peer, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

static uint8_t buf[SG_MSG_MAX];

static int call(int fd, ssize_t n, struct sg_msg *m)
{
	const char *why = NULL;

	cr_assert_gt(n, 0);
	return proto_call(fd, buf, (size_t)n, NULL, 0, buf, sizeof(buf), m, &why);
}

static int shim_conn(void)
{
	int fd = proto_connect(sg_sock());
	struct sg_msg m;

	cr_assert_geq(fd, 0, "connect: %s", strerror(-fd));
	cr_assert_eq(call(fd, proto_encode_hello(buf, sizeof(buf), SG_ROLE_SHIM), &m), 0);
	return fd;
}

static const char policy[] = "version 1\ndefault allow\ngetppid fake 4242\n";

Test(trap_peer, a_trap_session_is_registered_by_its_target_only)
{
	int fd = shim_conn();
	struct sg_msg m;
	pid_t kid = fork();

	cr_assert_geq(kid, 0);
	if (kid == 0) {
		pause();
		_exit(0);
	}
	cr_expect_eq(call(fd, proto_encode_register(buf, sizeof(buf), kid, SG_MECH_TRAP, "p",
						    policy, strlen(policy)), &m), -EPERM);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	close(fd);
}

Test(trap_peer, calls_are_decided_for_own_threads_only)
{
	int fd = shim_conn();
	struct sg_msg_trap_call c = { .arch = 0xc000003e, .nr = __NR_getppid,
				      .tid = (uint32_t)gettid() };
	struct sg_msg m;

	cr_assert_eq(call(fd, proto_encode_register(buf, sizeof(buf), getpid(), SG_MECH_TRAP, "p",
						    policy, strlen(policy)), &m), 0);
	cr_assert_eq(m.type, SG_MSG_ACK);
	cr_assert_eq(call(fd, proto_encode_trap_call(buf, sizeof(buf), &c), &m), 0);
	cr_assert_eq(m.type, SG_MSG_TRAP_VERDICT);
	cr_expect_eq(m.u.trap_verdict.action, SG_TRAP_RETURN);
	cr_expect_eq(m.u.trap_verdict.value, 4242);

	c.tid = 1; /* init: not ours */
	cr_assert_eq(call(fd, proto_encode_trap_call(buf, sizeof(buf), &c), &m), 0);
	cr_expect_eq(m.u.trap_verdict.action, SG_TRAP_RETURN);
	cr_expect_eq(m.u.trap_verdict.value, -EPERM);
	close(fd);
	cr_expect_eq(sg_audit_wait_n(1, "event", "syscall", "mechanism", "trap", NULL), 1);
	cr_expect_eq(sg_audit_count("event", "syscall", NULL), 1, "%s", sg_jtext(sg_audit()));
}

Test(trap_peer, a_trap_call_without_a_session_closes_the_connection)
{
	int fd = shim_conn();
	struct sg_msg_trap_call c = { .arch = 0xc000003e, .nr = __NR_getppid,
				      .tid = (uint32_t)gettid() };
	struct sg_msg m;

	cr_expect_lt(call(fd, proto_encode_trap_call(buf, sizeof(buf), &c), &m), 0);
	close(fd);
	sg_assert_daemon_alive();
}
