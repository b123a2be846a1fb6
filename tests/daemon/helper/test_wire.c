/* SPDX-License-Identifier: MIT */
/* daemon/helper/wire.c: the daemon-helper packets, checked to the byte. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "helper/wire.h"

static struct helper_msg_req req(uint32_t type, const char *path, uint32_t opts)
{
	struct helper_msg_req m;

	cr_assert_eq(helper_encode_req(&m, type, 7, path, O_RDONLY, 0644, 022, opts), 0);
	return m;
}

static int decode(const void *buf, size_t len, size_t n_fds)
{
	struct helper_msg m;

	return helper_decode(buf, len, n_fds, &m);
}

Test(helper_wire, an_open_request_round_trips)
{
	struct helper_msg_req q = req(HELPER_MSG_OPEN, "etc/passwd", HELPER_AT_FD);
	struct helper_msg m;

	cr_assert_eq(helper_decode(&q, sizeof(q), 1, &m), 0);
	cr_expect_eq(m.type, HELPER_MSG_OPEN);
	cr_expect_eq(m.seq, 7);
	cr_expect_str_eq(m.u.req.path, "etc/passwd");
	cr_expect_eq(m.u.req.path_len, 10);
	cr_expect_eq(m.u.req.mode, 0644);
	cr_expect_eq(m.u.req.umask, 022);
	cr_expect_eq(helper_msg_fds(&m), 1);
}

Test(helper_wire, lengths_must_be_exact)
{
	struct helper_msg_req q = req(HELPER_MSG_OPEN, "/x", 0);
	unsigned char big[sizeof(q) + 1] = { 0 };

	cr_expect_eq(decode(&q, 0, 0), -EBADMSG);
	cr_expect_eq(decode(&q, sizeof(struct helper_hdr) - 1, 0), -EBADMSG);
	cr_expect_eq(decode(&q, sizeof(q) - 1, 0), -EBADMSG, "shorter than the header says");
	q.hdr.len = sizeof(q) - 1;
	cr_expect_eq(decode(&q, sizeof(q) - 1, 0), -EBADMSG, "shorter than the type's struct");
	q.hdr.len = sizeof(q) + 1;
	memcpy(big, &q, sizeof(q));
	cr_expect_eq(decode(big, sizeof(big), 0), -EBADMSG, "longer than the type's struct");
}

Test(helper_wire, unknown_types_are_refused)
{
	struct helper_msg_req q = req(HELPER_MSG_OPEN, "/x", 0);
	const uint32_t bad[] = { HELPER_MSG_NONE, HELPER_MSG_TYPE_MAX, 0x80000000u };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q.hdr.type = bad[i];
		cr_expect_eq(decode(&q, sizeof(q), 0), -EBADMSG, "type %u", bad[i]);
	}
	cr_expect_eq(helper_encode_req(&q, HELPER_MSG_REPLY, 1, "/x", 0, 0, 0, 0), -EINVAL);
	cr_expect_str_eq(helper_type_name(HELPER_MSG_TYPE_MAX), "unknown");
}

Test(helper_wire, paths_must_be_exactly_path_len_bytes_and_a_nul)
{
	struct helper_msg_req q = req(HELPER_MSG_OPEN, "/abc", 0);

	q.path_len = 3;
	cr_expect_eq(decode(&q, sizeof(q), 0), -EBADMSG, "a NUL later than path_len");
	q.path_len = 5;
	cr_expect_eq(decode(&q, sizeof(q), 0), -EBADMSG, "a NUL earlier than path_len");
	memset(q.path, 'a', sizeof(q.path));
	q.path_len = HELPER_PATH_MAX;
	cr_expect_eq(decode(&q, sizeof(q), 0), -EBADMSG, "no NUL at all");
	q = req(HELPER_MSG_OPEN, "/abc", 0);
	q.path_len = 0;
	q.path[0] = '\0';
	cr_expect_eq(decode(&q, sizeof(q), 0), -EBADMSG, "OPEN needs a path");
	{
		char longer[HELPER_PATH_MAX + 1];

		memset(longer, 'a', HELPER_PATH_MAX);
		longer[HELPER_PATH_MAX] = '\0';
		cr_expect_eq(helper_encode_req(&q, HELPER_MSG_OPEN, 1, longer, 0, 0, 0, 0),
			     -ENAMETOOLONG);
	}
}

Test(helper_wire, fds_must_match_what_the_packet_says)
{
	struct helper_msg_req q = req(HELPER_MSG_OPEN, "x", HELPER_AT_FD);
	struct helper_msg_req t = req(HELPER_MSG_TRUNCATE, NULL, HELPER_AT_FD);

	cr_expect_eq(decode(&q, sizeof(q), 0), -EBADMSG, "AT_FD without an fd");
	cr_expect_eq(decode(&q, sizeof(q), 2), -EBADMSG, "two fds");
	q = req(HELPER_MSG_OPEN, "/x", 0);
	cr_expect_eq(decode(&q, sizeof(q), 1), -EBADMSG, "an fd nobody asked for");
	cr_expect_eq(decode(&t, sizeof(t), 1), 0);
	t.opts = 0;
	cr_expect_eq(decode(&t, sizeof(t), 0), -EBADMSG, "TRUNCATE needs its fd");
	cr_expect_eq(helper_encode_req(&t, HELPER_MSG_TRUNCATE, 1, "/x", 0, 0, 0, HELPER_AT_FD),
		     -EINVAL, "TRUNCATE takes no path");
}

Test(helper_wire, unknown_options_and_padding_are_refused)
{
	struct helper_msg_req q = req(HELPER_MSG_OPEN, "/x", 0);

	q.opts = 1u << 7;
	cr_expect_eq(decode(&q, sizeof(q), 0), -EBADMSG);
	q.opts = 0;
	q.pad = 1;
	cr_expect_eq(decode(&q, sizeof(q), 0), -EBADMSG);
}

Test(helper_wire, replies_carry_at_most_two_fds_and_only_on_success)
{
	struct helper_msg_reply p;
	struct helper_msg m;

	helper_encode_reply(&p, HELPER_MSG_REPLY, 3, 0, 2, 0);
	cr_assert_eq(helper_decode(&p, sizeof(p), 2, &m), 0);
	cr_expect_eq(helper_msg_fds(&m), 2);
	cr_expect_eq(decode(&p, sizeof(p), 1), -EBADMSG, "says two, came with one");
	p.n_fds = 3;
	cr_expect_eq(decode(&p, sizeof(p), 3), -EBADMSG);
	helper_encode_reply(&p, HELPER_MSG_REPLY, 3, EACCES, 1, 0);
	cr_expect_eq(p.n_fds, 0, "no fd with an error");
	p.n_fds = 1;
	cr_expect_eq(decode(&p, sizeof(p), 1), -EBADMSG);
	helper_encode_reply(&p, HELPER_MSG_REPLY, 3, 0, 0, 0);
	p.err = -1;
	cr_expect_eq(decode(&p, sizeof(p), 0), -EBADMSG, "a negative errno");
	p.err = 4096;
	cr_expect_eq(decode(&p, sizeof(p), 0), -EBADMSG, "not an errno");
}

Test(helper_wire, ready_names_the_failed_step_and_carries_no_fd)
{
	struct helper_msg_reply p;
	struct helper_msg m;

	helper_encode_reply(&p, HELPER_MSG_READY, 0, EPERM, 0, HELPER_STEP_USER);
	cr_assert_eq(helper_decode(&p, sizeof(p), 0, &m), 0);
	cr_expect_eq(m.u.reply.step, HELPER_STEP_USER);
	cr_expect_str_eq(helper_step_name(m.u.reply.step), "setns to the caller's user namespace");
	p.step = HELPER_STEP_NONE;
	cr_expect_eq(decode(&p, sizeof(p), 0), -EBADMSG, "a failure without its step");
	p.step = HELPER_STEP_MAX;
	cr_expect_eq(decode(&p, sizeof(p), 0), -EBADMSG);
	helper_encode_reply(&p, HELPER_MSG_READY, 0, 0, 0, 0);
	cr_expect_eq(decode(&p, sizeof(p), 0), 0);
	p.n_fds = 1;
	cr_expect_eq(decode(&p, sizeof(p), 1), -EBADMSG, "READY with an fd");
	helper_encode_reply(&p, HELPER_MSG_REPLY, 1, EIO, 0, 0);
	p.step = HELPER_STEP_IDS;
	cr_expect_eq(decode(&p, sizeof(p), 0), -EBADMSG, "a step in a REPLY");
}
