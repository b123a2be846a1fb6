/* SPDX-License-Identifier: MIT */
/*
 * shim/learn.c: the policy of a learning session (and the check that OUT can be
 * written, creating nothing), and fetching what the session did from a daemon whose
 * replies are queued on a socket pair, then writing the learnt policy.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "policy.h"
#include "shim.h"

static int peer = -1, sock = -1;
static void *buf;

static void setup(void)
{
	int sv[2];

	st_setup();
	st_capture_stderr();
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	sock = sv[0];
	peer = sv[1];
	buf = malloc(SG_MSG_MAX);
	cr_assert_not_null(buf);
}

static void teardown(void)
{
	close(sock);
	if (peer >= 0)
		close(peer);
	free(buf);
	st_teardown();
}

TestSuite(shim_learn, .init = setup, .fini = teardown);

Test(shim_learn, the_learning_policy_allows_every_call)
{
	struct run_opts o = { .mechanism = SG_MECH_NOTIFY, .learn_out = st_path("out.policy") };
	struct sg_policy *p = NULL;
	char *path = NULL, *text = NULL;
	struct stat st;

	cr_assert_eq(learn_policy(&o, &path, &text, &p), 0, "%s", st_stderr());
	cr_expect_str_eq(path, "learn");
	cr_expect(strstr(text, "version 1\ndefault allow\n"), "%s", text);
	cr_expect_eq(p->def.kind, SG_ACT_ALLOW);
	cr_expect_eq(p->n_rules, 0);
	cr_expect_str_eq(p->file, "learn");
	cr_expect_neq(stat(o.learn_out, &st), 0, "OUT is not created before the run");
	policy_free(p);
	free(path);
	free(text);
}

Test(shim_learn, out_must_be_writable_and_notify_is_needed)
{
	struct run_opts o = { .mechanism = SG_MECH_TRACE, .learn_out = st_path("out.policy") };
	struct sg_policy *p = NULL;
	char *path = NULL, *text = NULL, want[512];

	cr_expect_eq(learn_policy(&o, &path, &text, &p), -EOPNOTSUPP);
	cr_expect_str_eq(st_stderr(), "sysgate-run: --learn needs the notify mechanism\n");
	o.mechanism = SG_MECH_NOTIFY;
	o.learn_out = st_path("no/dir/out.policy");
	cr_expect_eq(learn_policy(&o, &path, &text, &p), -ENOENT);
	snprintf(want, sizeof(want), "sysgate-run: cannot write '%s': No such file or directory\n",
		 o.learn_out);
	cr_expect_str_eq(st_stderr(), want);
	st_write("file", "", 0644);
	o.learn_out = st_path("file/out.policy");
	cr_expect_eq(learn_policy(&o, &path, &text, &p), -ENOTDIR);
	cr_expect_null(p);
	/* a name without a directory is in the current one */
	cr_assert_eq(chdir(st_dir()), 0);
	o.learn_out = "out.policy";
	cr_expect_eq(learn_policy(&o, &path, &text, &p), 0, "%s", st_stderr());
	policy_free(p);
	free(path);
	free(text);
}

static void queue(ssize_t len)
{
	cr_assert_gt(len, 0);
	cr_assert_eq(proto_send(peer, st_pkt, (size_t)len, NULL, 0), 0);
}

static void queue_row(int32_t nr, uint64_t count)
{
	struct sg_msg_learn_row row = { .count = count, .arch = 0xc000003eu, .nr = nr };

	queue(proto_encode_learn_row(st_pkt, sizeof(st_pkt), &row));
}

static char *read_text(const char *path)
{
	static char text[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

Test(shim_learn, rows_fetched_become_the_learnt_policy)
{
	char *argv[] = { "tar", "-cf", "x", NULL };
	struct run_opts o = { .learn_out = st_path("out.policy"), .learn_default = "kill",
			      .argv = argv };
	struct sg_msg m;
	const char *text;

	queue_row(1, 7);  /* write */
	queue_row(3, 1);  /* close */
	queue(proto_encode_empty(st_pkt, sizeof(st_pkt), SG_MSG_END));
	cr_assert_eq(learn_fetch(sock, buf, 42, &o), 0, "%s", st_stderr());
	st_expect(peer, SG_MSG_LEARN_REQ, &m);
	cr_expect_eq(m.u.session_req.id, 42);
	text = read_text(o.learn_out);
	cr_expect(strstr(text, "# Learnt by sysgate from session 42 on "), "%s", text);
	cr_expect(strstr(text, "\n# command: tar -cf x\n"), "%s", text);
	cr_expect(strstr(text, "\ndefault kill\n"), "%s", text);
	cr_expect(strstr(text, "\n# 1 call\nclose allow\n\n# 7 calls\nwrite allow\n"), "%s", text);
	cr_expect_str_eq(st_stderr(), "");
}

Test(shim_learn, what_the_daemon_says_instead)
{
	char *argv[] = { "cmd", NULL };
	struct run_opts o = { .learn_out = st_path("out.policy"), .argv = argv };
	struct stat st;

	queue(proto_encode_error(st_pkt, sizeof(st_pkt), -ESRCH, "no session 9"));
	cr_expect_eq(learn_fetch(sock, buf, 9, &o), -ESRCH);
	cr_expect_str_eq(st_stderr(), "sysgate-run: learning: the daemon refused: no session 9\n");
	queue_row(1, 1);
	queue(proto_encode_ack(st_pkt, sizeof(st_pkt), 0));
	cr_expect_eq(learn_fetch(sock, buf, 9, &o), -EBADMSG);
	cr_expect_str_eq(st_stderr(), "sysgate-run: learning: unexpected reply from the daemon\n");
	memset(st_pkt, 0, 16);
	queue(16);
	cr_expect_eq(learn_fetch(sock, buf, 9, &o), -EBADMSG);
	cr_expect_str_eq(st_stderr(), "sysgate-run: learning: no answer from the daemon: bad magic: "
				      "Bad message\n");
	cr_assert_eq(shutdown(peer, SHUT_WR), 0);
	cr_expect_eq(learn_fetch(sock, buf, 9, &o), -ECONNRESET);
	cr_expect_str_eq(st_stderr(), "sysgate-run: learning: no answer from the daemon: Connection "
				      "reset by peer\n");
	cr_expect_neq(stat(o.learn_out, &st), 0, "no policy written");
}

Test(shim_learn, no_rows_is_an_error_and_writes_nothing)
{
	char *argv[] = { "cmd", NULL };
	struct run_opts o = { .learn_out = st_path("out.policy"), .argv = argv };
	struct stat st;

	queue(proto_encode_empty(st_pkt, sizeof(st_pkt), SG_MSG_END));
	cr_expect_lt(learn_fetch(sock, buf, 3, &o), 0);
	cr_expect(strncmp(st_stderr(), "sysgate-run: learning: cannot write the policy", 46) == 0,
		  "%s", st_err);
	cr_expect_neq(stat(o.learn_out, &st), 0);
}
