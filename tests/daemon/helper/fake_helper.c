/* SPDX-License-Identifier: MIT */
/*
 * Helpers that lie, for test_client.c: the daemon must not take their word.
 * Built four times: FAKE_LIAR says READY without becoming its caller (then
 * opens honestly, as itself); FAKE_OTHER_FILE answers every open with another
 * file, "secret/x" beside the one asked for; FAKE_WRITABLE opens what was asked
 * for reading and writing, whatever was asked; FAKE_BAD_SEQ answers a request
 * that was not asked.
 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "helper/wire.h"
#include "macro.h"
#include "proto.h"

static int answer(const struct helper_msg *m, int fd)
{
	const struct helper_msg_req *q = &m->u.req;
	char other[PATH_MAX], copy[PATH_MAX];

#if defined(FAKE_OTHER_FILE)
	(void)fd;
	snprintf(copy, sizeof(copy), "%s", q->path);
	snprintf(other, sizeof(other), "%s/secret/x", dirname(copy));
	return open(other, O_RDONLY | O_CLOEXEC);
#else
	int flags = (int)q->flags;

	(void)other;
	(void)copy;
#if defined(FAKE_WRITABLE)
	flags = (flags & ~O_ACCMODE) | O_RDWR;
#endif
	return openat((q->opts & HELPER_AT_FD) ? fd : AT_FDCWD, q->path, flags | O_CLOEXEC,
		      (mode_t)q->mode);
#endif
}

int main(void)
{
	static unsigned char buf[HELPER_MSG_MAX + 1];
	struct helper_msg_reply rep;
	struct helper_msg m;
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds;
	ssize_t n;

	/* the test's targets have no_new_privs (their filter): that much the fakes match */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	helper_encode_reply(&rep, HELPER_MSG_READY, 0, 0, 0, 0);
	if (proto_send(HELPER_FD_SOCK, &rep, sizeof(rep), NULL, 0) < 0)
		return 1;
	while ((n = proto_recv(HELPER_FD_SOCK, buf, sizeof(buf), fds, &n_fds)) > 0) {
		int fd;

		if (helper_decode(buf, (size_t)n, n_fds, &m) < 0)
			return 1;
		fd = answer(&m, n_fds ? fds[0] : -1);
#if defined(FAKE_BAD_SEQ)
		m.seq++;
#endif
		helper_encode_reply(&rep, HELPER_MSG_REPLY, m.seq, fd < 0 ? 5 : 0, fd < 0 ? 0 : 1, 0);
		if (proto_send(HELPER_FD_SOCK, &rep, sizeof(rep), &fd, fd < 0 ? 0 : 1) < 0)
			return 1;
		proto_close_fds(fds, n_fds);
		safe_close(fd);
	}
	return 0;
}
