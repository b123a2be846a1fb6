/* SPDX-License-Identifier: MIT */
/*
 * client/conn.c, called in-process: connecting with HELLO (a forked peer answers), and
 * requests, reply streams and lists over a socket pair whose replies are queued before
 * the call.  Every failure is printed once, on standard error.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "sysgatectl.h"
#include "sysgate.h"

static int peer = -1;         /* the daemon's end of the pair */
static struct ctl_conn conn = { .fd = -EBADF };

static void setup(void)
{
	int sv[2];

	cli_setup();
	cli_capture_stderr();
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	conn.fd = sv[0];
	conn.buf = malloc(SG_MSG_MAX);
	cr_assert_not_null(conn.buf);
	peer = sv[1];
}

static void teardown(void)
{
	ctl_conn_done(&conn);
	if (peer >= 0)
		close(peer);
	cli_teardown();
}

TestSuite(client_conn, .init = setup, .fini = teardown);

/* Queue one reply on the daemon's end. */
static void queue(ssize_t len)
{
	cr_assert_gt(len, 0);
	cr_assert_eq(proto_send(peer, cli_buf, (size_t)len, NULL, 0), 0);
}

/* The request the client sent, of this type. */
static struct sg_msg sent(uint16_t type)
{
	static uint8_t buf[SG_MSG_MAX];
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds = 0;
	struct sg_msg m;
	ssize_t n = proto_recv(peer, buf, sizeof(buf), fds, &n_fds);

	cr_assert_gt(n, 0);
	cr_assert_eq(proto_decode(buf, (size_t)n, fds, n_fds, &m, NULL), 0);
	cr_assert_eq(m.type, type, "sent %s", proto_type_name(m.type));
	return m;
}

static ssize_t status_req(uint8_t *pkt, size_t size)
{
	return proto_encode_empty(pkt, size, SG_MSG_STATUS_REQ);
}

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

Test(client_conn, connect_failures_name_the_socket_and_a_hint)
{
	struct ctl_config cfg = { .socket_path = cli_sock };
	struct ctl_conn c = { .fd = 1234 };
	char want[512];
	int fd;

	cr_expect_eq(ctl_connect(&cfg, &c), -ENOENT);
	snprintf(want, sizeof(want), "sysgatectl: cannot connect to '%s': No such file or directory "
		 "(is sysgated running?)\n", cli_sock);
	cr_expect_str_eq(cli_stderr(), want);
	cr_expect_eq(c.fd, 1234, "*ret untouched on failure");

	/* a socket file nobody listens on */
	fd = proto_listen(cli_sock, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_expect_eq(ctl_connect(&cfg, &c), -ECONNREFUSED);
	snprintf(want, sizeof(want), "sysgatectl: cannot connect to '%s': Connection refused "
		 "(is sysgated running?)\n", cli_sock);
	cr_expect_str_eq(cli_stderr(), want);

	/* no hint where none helps */
	cfg.socket_path = "/tmp/" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	cr_expect_lt(ctl_connect(&cfg, &c), 0);
	cr_expect(strstr(cli_stderr(), "?)") == NULL, "%s", cli_err);
}

Test(client_conn, a_socket_the_user_may_not_use_hints_at_the_group)
{
	struct ctl_config cfg = { .socket_path = cli_sock };
	int fd = proto_listen(cli_sock, 0600), status;
	pid_t pid;

	cr_assert_geq(fd, 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ctl_conn c;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		_exit(ctl_connect(&cfg, &c) == -EACCES ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	close(fd);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
		cr_skip_test("cannot become nobody (not root?)");
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", (unsigned)status);
	cr_expect(strstr(cli_stderr(), ": Permission denied (are you root or in the '" SG_SOCKET_GROUP
			 "' group?)\n"), "%s", cli_err);
}

/* Accept one connection in a child, check HELLO as a client and answer with reply
 * (NULL: close); the child exits 0 when the HELLO was right. */
static pid_t fork_hello_peer(int lfd, ssize_t (*reply)(void *buf, size_t size))
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), fds[SG_MSG_FDS_MAX];
		size_t n_fds = 0;
		struct sg_msg m;
		ssize_t n = c < 0 ? -1 : proto_recv(c, cli_buf, sizeof(cli_buf), fds, &n_fds);
		bool ok = n > 0 && proto_decode(cli_buf, (size_t)n, fds, n_fds, &m, NULL) == 0 &&
			  m.type == SG_MSG_HELLO && m.u.hello.role == SG_ROLE_CLIENT;

		if (reply)
			proto_send(c, cli_buf, (size_t)reply(cli_buf, sizeof(cli_buf)), NULL, 0);
		_exit(ok ? 0 : 1);
	}
	return pid;
}

static ssize_t reply_ack(void *buf, size_t size)
{
	return proto_encode_ack(buf, size, 0);
}

static ssize_t reply_refusal(void *buf, size_t size)
{
	return proto_encode_error(buf, size, -EPERM, "too many clients");
}

static ssize_t reply_end(void *buf, size_t size)
{
	return proto_encode_empty(buf, size, SG_MSG_END);
}

static const struct {
	ssize_t (*reply)(void *buf, size_t size);
	int r;
	const char *err;
} hello_cases[] = {
	{ reply_ack, 0, "" },
	{ reply_refusal, -EPERM, "sysgatectl: handshake: too many clients\n" },
	{ reply_end, -EBADMSG, "sysgatectl: handshake: unexpected 'end' reply from the daemon\n" },
	{ NULL, -ECONNRESET, "sysgatectl: handshake: the daemon closed the connection\n" },
};

Test(client_conn, connect_says_hello_as_a_client_and_needs_the_ack)
{
	struct ctl_config cfg = { .socket_path = cli_sock };
	int lfd = proto_listen(cli_sock, 0600);

	cr_assert_geq(lfd, 0);
	for (size_t i = 0; i < sizeof(hello_cases) / sizeof(hello_cases[0]); i++) {
		struct ctl_conn c = { .fd = -EBADF };
		pid_t pid = fork_hello_peer(lfd, hello_cases[i].reply);
		unsigned before = open_fds();
		int status, r = ctl_connect(&cfg, &c);

		cr_expect_eq(r, hello_cases[i].r, "case %zu: %d", i, r);
		cr_expect_str_eq(cli_stderr(), hello_cases[i].err, "case %zu", i);
		if (r == 0) {
			cr_expect_geq(c.fd, 0);
			cr_expect_not_null(c.buf);
			ctl_conn_done(&c);
		}
		cr_expect_eq(open_fds(), before, "case %zu: an fd left open", i);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "case %zu: bad HELLO", i);
	}
	close(lfd);
}

Test(client_conn, request_returns_the_first_reply)
{
	uint8_t pkt[64];
	struct sg_msg m;

	queue(proto_encode_ack(cli_buf, sizeof(cli_buf), 42));
	cr_assert_eq(ctl_request(&conn, pkt, status_req(pkt, sizeof(pkt)), "status", &m), 0);
	cr_expect_eq(m.type, SG_MSG_ACK);
	cr_expect_eq(m.u.ack.value, 42);
	sent(SG_MSG_STATUS_REQ);
	cr_expect_str_eq(cli_stderr(), "");
}

static const struct {
	int error;
	const char *reason;
	const char *printed;
} error_cases[] = {
	{ -ENOENT, "no such session", "sysgatectl: session 4: no such session\n" },
	{ -ENOENT, "", "sysgatectl: session 4: No such file or directory\n" },
	/* line by line, control characters shown as '?' */
	{ -EINVAL, "policy refused:\nline 3: bad\x1b[2J\n\nend", "sysgatectl: session 4: policy "
	  "refused:\nline 3: bad?[2J\nend\n" },
};

Test(client_conn, an_error_reply_is_printed_and_its_errno_returned)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		uint8_t pkt[64];
		struct sg_msg m;

		queue(proto_encode_error(cli_buf, sizeof(cli_buf), error_cases[i].error,
					 error_cases[i].reason));
		cr_expect_eq(ctl_request(&conn, pkt, status_req(pkt, sizeof(pkt)), "session 4", &m),
			     error_cases[i].error, "case %zu", i);
		cr_expect_str_eq(cli_stderr(), error_cases[i].printed, "case %zu", i);
		sent(SG_MSG_STATUS_REQ);
	}
}

Test(client_conn, request_failures_say_what_failed)
{
	uint8_t pkt[64] = { 0 };
	struct sg_msg m;

	cr_expect_eq(ctl_request(&conn, pkt, -EMSGSIZE, "policy load", &m), -EMSGSIZE);
	cr_expect_str_eq(cli_stderr(), "sysgatectl: policy load: cannot encode the request: "
				       "Message too long\n");
	memset(cli_buf, 0, 16);
	queue(16);
	cr_expect_eq(ctl_request(&conn, pkt, status_req(pkt, sizeof(pkt)), "status", &m), -EBADMSG);
	cr_expect_str_eq(cli_stderr(), "sysgatectl: status: malformed reply from the daemon: bad magic\n");
	cr_assert_eq(shutdown(peer, SHUT_WR), 0);
	cr_expect_eq(ctl_request(&conn, pkt, status_req(pkt, sizeof(pkt)), "status", &m), -ECONNRESET);
	cr_expect_str_eq(cli_stderr(), "sysgatectl: status: the daemon closed the connection\n");
	sent(SG_MSG_STATUS_REQ);
	sent(SG_MSG_STATUS_REQ);
	close(peer);
	peer = -1;
	cr_expect_eq(ctl_request(&conn, pkt, status_req(pkt, sizeof(pkt)), "status", &m), -EPIPE);
	cr_expect_str_eq(cli_stderr(), "sysgatectl: status: sending to the daemon: Broken pipe\n");
}

Test(client_conn, fds_sent_with_a_reply_are_never_kept)
{
	uint8_t pkt[64];
	struct sg_msg m;
	int p[2];
	unsigned before;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	before = open_fds();
	cr_assert_eq(proto_send(peer, cli_buf, (size_t)proto_encode_ack(cli_buf, sizeof(cli_buf), 0),
				p, 1), 0);
	cr_expect_eq(ctl_request(&conn, pkt, status_req(pkt, sizeof(pkt)), "status", &m), -EBADMSG);
	cr_expect(strstr(cli_stderr(), "sysgatectl: status: malformed reply from the daemon: "),
		  "%s", cli_err);
	cr_expect_eq(open_fds(), before, "the received fd was kept");
	close(p[0]);
	close(p[1]);
}

Test(client_conn, next_reads_a_stream_until_eof)
{
	struct sg_msg m;

	queue(proto_encode_record(cli_buf, sizeof(cli_buf), 3, "{}", 2));
	queue(proto_encode_error(cli_buf, sizeof(cli_buf), -ESRCH, "session gone"));
	cr_assert_eq(shutdown(peer, SHUT_WR), 0);
	cr_expect_eq(ctl_next(&conn, "log", &m), 1);
	cr_expect_eq(m.type, SG_MSG_RECORD);
	cr_expect_str_eq(m.str, "{}");
	cr_expect_eq(ctl_next(&conn, "log", &m), -ESRCH);
	cr_expect_str_eq(cli_stderr(), "sysgatectl: log: session gone\n");
	cr_expect_eq(ctl_next(&conn, "log", &m), 0);
	cr_expect_str_eq(cli_stderr(), "", "EOF is not printed");
}

struct rows {
	uint64_t ids[8];
	size_t n;
	int fail_at; /* the row whose callback fails with -ENOMEM; -1: none */
};

static int add(const struct sg_msg *m, void *userdata)
{
	struct rows *r = userdata;

	if ((int)r->n == r->fail_at)
		return -ENOMEM;
	r->ids[r->n++] = m->u.stat.session_id;
	return 0;
}

static void queue_stat(uint64_t id)
{
	struct sg_msg_stat st = { .session_id = id, .arch = 0xc000003eu, .nr = 1 };

	queue(proto_encode_stat(cli_buf, sizeof(cli_buf), &st));
}

Test(client_conn, list_hands_each_row_over_until_end)
{
	struct rows rows = { .fail_at = -1 };
	uint8_t pkt[64];

	queue_stat(7);
	queue_stat(8);
	queue(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(ctl_list(&conn, pkt, proto_encode_stats_req(pkt, sizeof(pkt), 0), "stats",
			      SG_MSG_STAT, add, &rows), 0);
	cr_expect_eq(rows.n, 2);
	cr_expect(rows.ids[0] == 7 && rows.ids[1] == 8);
	cr_expect_eq(sent(SG_MSG_STATS_REQ).u.stats_req.session_id, 0);
	cr_expect_str_eq(cli_stderr(), "");

	/* an empty list */
	rows.n = 0;
	queue(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(ctl_list(&conn, pkt, proto_encode_stats_req(pkt, sizeof(pkt), 5), "stats",
			      SG_MSG_STAT, add, &rows), 0);
	cr_expect_eq(rows.n, 0);
}

Test(client_conn, list_failures_stop_the_list)
{
	struct rows rows = { .fail_at = 1 };
	uint8_t pkt[64];

	/* the callback's error */
	queue_stat(1);
	queue_stat(2);
	cr_expect_eq(ctl_list(&conn, pkt, proto_encode_stats_req(pkt, sizeof(pkt), 0), "stats",
			      SG_MSG_STAT, add, &rows), -ENOMEM);
	cr_expect_str_eq(cli_stderr(), "sysgatectl: stats: Cannot allocate memory\n");
	cr_expect_eq(rows.n, 1);

	/* a row of another type */
	rows = (struct rows){ .fail_at = -1 };
	queue(proto_encode_ack(cli_buf, sizeof(cli_buf), 0));
	cr_expect_eq(ctl_list(&conn, pkt, proto_encode_stats_req(pkt, sizeof(pkt), 0), "stats",
			      SG_MSG_STAT, add, &rows), -EBADMSG);
	cr_expect_str_eq(cli_stderr(), "sysgatectl: stats: unexpected 'ack' reply from the daemon\n");

	/* the end of the connection before END */
	queue_stat(3);
	cr_assert_eq(shutdown(peer, SHUT_WR), 0);
	cr_expect_eq(ctl_list(&conn, pkt, proto_encode_stats_req(pkt, sizeof(pkt), 0), "stats",
			      SG_MSG_STAT, add, &rows), -ECONNRESET);
	cr_expect_str_eq(cli_stderr(), "sysgatectl: stats: the daemon closed the connection before "
				       "the end of the list\n");
	cr_expect_eq(rows.n, 1);
}

Test(client_conn, done_is_safe_on_a_zeroed_or_closed_conn)
{
	struct ctl_conn c = { .fd = -EBADF };

	ctl_conn_done(&c);
	ctl_conn_done(&conn);
	cr_expect_lt(conn.fd, 0);
	cr_expect_null(conn.buf);
	ctl_conn_done(&conn);
}
