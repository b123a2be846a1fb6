/* SPDX-License-Identifier: MIT */
/*
 * shim/run_daemon.c, called in-process: which daemon sysgate-run uses (--socket or
 * none, $SYSGATE_SOCKET, the embedded fallback and its one line), HELLO and REGISTER
 * against replies queued on a socket pair, signals ending the start-up, and the KILLED
 * notice.  End to end: tests/e2e/test_embedded.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "launch.h"

static struct run_opts opts;
static struct launch l;
static int peer = -1;
static char *argv0[] = { "cmd", NULL };

static void setup(void)
{
	st_setup();
	st_capture_stderr();
	unsetenv("SYSGATE_SOCKET");
	setenv("XDG_RUNTIME_DIR", st_dir(), 1);
	opts = (struct run_opts){ .log = "-", .argv = argv0 };
	l = (struct launch){ .opts = &opts, .sock = -EBADF, .listener = -EBADF, .sig.fd = -EBADF };
	l.buf = malloc(SG_MSG_MAX);
	cr_assert_not_null(l.buf);
	cr_assert_eq(signals_setup(&l.sig), 0);
}

static void teardown(void)
{
	embedded_stop(&l.emb);
	embedded_remove(&l.emb);
	l.sock = safe_close(l.sock);
	if (peer >= 0)
		close(peer);
	signals_done(&l.sig);
	free(l.buf);
	st_teardown();
}

TestSuite(shim_run_daemon, .init = setup, .fini = teardown, .timeout = 30);

/* l.sock is one end of a socket pair, peer the daemon's. */
static void pair(void)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	l.sock = sv[0];
	peer = sv[1];
	l.daemon_path = "/d.sock";
}

static void queue(ssize_t len)
{
	cr_assert_gt(len, 0);
	cr_assert_eq(proto_send(peer, st_pkt, (size_t)len, NULL, 0), 0);
}

Test(shim_run_daemon, register_flags_table)
{
	static const struct {
		struct run_opts o;
		uint32_t flags;
	} cases[] = {
		{ { .audit = false }, 0 },
		{ { .audit = true }, SG_REG_AUDIT },
		{ { .swappable = true }, SG_REG_SWAPPABLE },
		{ { .learn_out = "x" }, SG_REG_LEARN },
		{ { .audit = true, .swappable = true }, SG_REG_AUDIT | SG_REG_SWAPPABLE },
		{ { .verbose = true, .embedded = true, .print_filter = true }, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(launch_reg_flags(&cases[i].o), cases[i].flags, "case %zu", i);
}

Test(shim_run_daemon, the_socket_option_names_the_one_daemon_to_use)
{
	char want[512];

	opts.socket_path = st_path("none.sock");
	setenv("SYSGATE_SOCKET", st_path("also-none.sock"), 1);
	cr_expect_eq(launch_daemon_open(&l), -ENOENT);
	snprintf(want, sizeof(want), "sysgate-run: cannot connect to the daemon at '%s' (--socket): "
		 "No such file or directory\n", opts.socket_path);
	cr_expect_str_eq(st_stderr(), want);
	cr_expect_eq(l.emb.pid, 0, "no embedded daemon");
}

Test(shim_run_daemon, the_environment_socket_is_used_when_it_answers)
{
	int lfd = proto_listen(st_path("d.sock"), 0600);

	cr_assert_geq(lfd, 0);
	setenv("SYSGATE_SOCKET", st_path("d.sock"), 1);
	cr_assert_eq(launch_daemon_open(&l), 0);
	cr_expect_geq(l.sock, 0);
	cr_expect_str_eq(l.daemon_path, st_path("d.sock"));
	cr_expect_eq(l.emb.pid, 0);
	cr_expect_str_eq(st_stderr(), "");
	close(lfd);
}

static const struct {
	bool stale; /* a socket file nobody listens on, else none */
	const char *log;
	const char *why, *where;
} fallback_cases[] = {
	{ false, "-", "No such file or directory", "audit records on standard error" },
	{ true, "-", "Connection refused", "audit records on standard error" },
	{ false, "audit.log", "No such file or directory", "audit records in '%s'" },
};

Test(shim_run_daemon, no_daemon_means_an_embedded_one_said_in_one_line)
{
	for (size_t i = 0; i < sizeof(fallback_cases) / sizeof(fallback_cases[0]); i++) {
		const char *sock = st_path("gone.sock");
		char where[512], want[1024];

		if (fallback_cases[i].stale) {
			int fd = proto_listen(sock, 0600);

			cr_assert_geq(fd, 0);
			close(fd);
		}
		opts.log = fallback_cases[i].log[0] == '-' ? "-" : st_path(fallback_cases[i].log);
		setenv("SYSGATE_SOCKET", sock, 1);
		cr_assert_eq(launch_daemon_open(&l), 0, "case %zu: %s", i, st_stderr());
		cr_expect_gt(l.emb.pid, 0);
		cr_expect_geq(l.sock, 0);
		snprintf(where, sizeof(where), fallback_cases[i].where, opts.log);
		snprintf(want, sizeof(want), "sysgate-run: no daemon at '%s' (%s): using an embedded "
			 "one, %s\n", sock, fallback_cases[i].why, where);
		cr_expect_str_eq(st_stderr(), want, "case %zu", i);
		embedded_stop(&l.emb);
		embedded_remove(&l.emb);
		l.sock = safe_close(l.sock);
		unlink(sock);
	}
}

Test(shim_run_daemon, embedded_asked_for_is_used_silently)
{
	int lfd = proto_listen(st_path("d.sock"), 0600);

	cr_assert_geq(lfd, 0);
	opts.embedded = true;
	opts.socket_path = st_path("d.sock"); /* ignored */
	cr_assert_eq(launch_daemon_open(&l), 0);
	cr_expect_gt(l.emb.pid, 0);
	cr_expect_str_eq(st_stderr(), "");
	close(lfd);
}

Test(shim_run_daemon, other_connect_errors_are_not_fallen_back_from)
{
	char sock[200];

	snprintf(sock, sizeof(sock), "%s/%0120d", st_dir(), 0);
	setenv("SYSGATE_SOCKET", sock, 1);
	cr_expect_lt(launch_daemon_open(&l), 0);
	cr_expect_eq(l.emb.pid, 0);
	cr_expect(strstr(st_stderr(), "sysgate-run: cannot connect to the daemon at '") == st_err,
		  "%s", st_err);
}

Test(shim_run_daemon, hello_as_a_shim_that_wants_killed_notices)
{
	struct sg_msg m;

	pair();
	queue(proto_encode_ack(st_pkt, sizeof(st_pkt), 0));
	cr_assert_eq(launch_daemon_hello(&l), 0, "%s", st_stderr());
	st_expect(peer, SG_MSG_HELLO, &m);
	cr_expect_eq(m.u.hello.role, SG_ROLE_SHIM);
	cr_expect_eq(m.u.hello.flags, SG_HELLO_TELL_KILLED);
	cr_expect_str_eq(st_stderr(), "");
}

Test(shim_run_daemon, hello_failures_say_why)
{
	static const char *const want[] = {
		"sysgate-run: the daemon refused sysgate-run: too many\n",
		"sysgate-run: daemon at '/d.sock': hello failed: unexpected reply: Bad message\n",
		"sysgate-run: daemon at '/d.sock': hello failed: bad magic: Bad message\n",
		"sysgate-run: daemon at '/d.sock': hello failed: Connection reset by peer\n",
	};
	static const int r[] = { -EPERM, -EBADMSG, -EBADMSG, -ECONNRESET };

	pair();
	queue(proto_encode_error(st_pkt, sizeof(st_pkt), -EUSERS, "too many"));
	queue(proto_encode_empty(st_pkt, sizeof(st_pkt), SG_MSG_END));
	memset(st_pkt, 0, 16);
	queue(16);
	cr_assert_eq(shutdown(peer, SHUT_WR), 0);
	for (size_t i = 0; i < 4; i++) {
		cr_expect_eq(launch_daemon_hello(&l), r[i], "case %zu", i);
		cr_expect_str_eq(st_stderr(), want[i], "case %zu", i);
	}
}

Test(shim_run_daemon, a_forwarded_signal_ends_the_start_up)
{
	pair();
	cr_assert_eq(kill(getpid(), SIGCHLD), 0);
	cr_expect_eq(launch_startup_signals(&l), 0, "SIGCHLD does not end it");
	cr_expect_eq(l.abort_sig, 0);
	cr_assert_eq(kill(getpid(), SIGTERM), 0);
	cr_expect_eq(launch_daemon_hello(&l), -EINTR, "no reply: the signal ends the wait");
	cr_expect_eq(l.abort_sig, SIGTERM);
	cr_expect_str_eq(st_stderr(), "", "the caller reports it (exit 128+N)");
	l.abort_sig = 0;
	cr_assert_eq(kill(getpid(), SIGUSR2), 0);
	cr_expect_eq(launch_startup_signals(&l), -EINTR);
	cr_expect_eq(l.abort_sig, SIGUSR2);
}

Test(shim_run_daemon, register_hands_over_the_listener_and_the_policy)
{
	struct sg_msg m;
	int p[2];

	pair();
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	opts.audit = true;
	l.child = 1234;
	l.listener = p[0];
	l.policy_path = "/x/strict.policy";
	l.policy_text = "version 1\ndefault allow\n";
	queue(proto_encode_ack(st_pkt, sizeof(st_pkt), 77));
	cr_assert_eq(launch_daemon_register(&l), 0, "%s", st_stderr());
	cr_expect_eq(l.session, 77);
	st_expect(peer, SG_MSG_REGISTER, &m);
	cr_expect_eq(m.u.reg.target_pid, 1234);
	cr_expect_eq(m.u.reg.mechanism, SG_MECH_NOTIFY);
	cr_expect_eq(m.u.reg.flags, SG_REG_AUDIT);
	cr_expect_str_eq(m.str, "/x/strict.policy");
	cr_expect_str_eq(m.str2, "version 1\ndefault allow\n");
	cr_assert_eq(m.n_fds, 1, "notify: the listener goes with it");
	close(m.fds[0]);

	/* under trace the daemon attaches: no fd */
	opts.mechanism = SG_MECH_TRACE;
	queue(proto_encode_ack(st_pkt, sizeof(st_pkt), 78));
	cr_assert_eq(launch_daemon_register(&l), 0, "%s", st_stderr());
	st_expect(peer, SG_MSG_REGISTER, &m);
	cr_expect_eq(m.u.reg.mechanism, SG_MECH_TRACE);
	cr_expect_eq(m.n_fds, 0);
	l.listener = -EBADF;
	close(p[0]);
	close(p[1]);
}

Test(shim_run_daemon, a_refused_session_says_why)
{
	pair();
	opts.mechanism = SG_MECH_TRACE;
	l.child = 1234;
	l.policy_path = "p";
	l.policy_text = "version 1\n";
	queue(proto_encode_error(st_pkt, sizeof(st_pkt), -EINVAL, "policy: line 3: bad"));
	queue(proto_encode_error(st_pkt, sizeof(st_pkt), -EACCES, ""));
	cr_expect_eq(launch_daemon_register(&l), -EPERM);
	cr_expect_str_eq(st_stderr(), "sysgate-run: daemon refused the session: policy: line 3: bad\n");
	cr_expect_eq(launch_daemon_register(&l), -EPERM);
	cr_expect_str_eq(st_stderr(), "sysgate-run: daemon refused the session: Permission denied\n");
	cr_expect_eq(l.session, 0);
}

Test(shim_run_daemon, killed_only_when_the_daemon_said_so)
{
	pair();
	cr_expect(!launch_daemon_killed(&l), "nothing waiting");
	queue(proto_encode_ack(st_pkt, sizeof(st_pkt), 0));
	cr_expect(!launch_daemon_killed(&l), "another message");
	queue(proto_encode_ack(st_pkt, sizeof(st_pkt), 0));
	queue(proto_encode_killed(st_pkt, sizeof(st_pkt), 5));
	cr_expect(launch_daemon_killed(&l), "KILLED after another message");
	close(peer);
	peer = -1;
	cr_expect(!launch_daemon_killed(&l), "EOF");
	l.sock = safe_close(l.sock);
	cr_expect(!launch_daemon_killed(&l), "no socket");
}
