/* SPDX-License-Identifier: MIT */
/*
 * sysgate-run --learn OUT.policy: the command runs under a policy that allows
 * every call, with every call routed to the daemon, which counts them.  Once
 * the command has exited, and before it is reaped (the zombie still holds the
 * filter, so the session is still there), its rows are fetched (LEARN_REQ)
 * and the learnt policy written to OUT.policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file_atomic.h"
#include "policy_learn.h"
#include "proto.h"
#include "shim.h"

#define LEARN_TIMEOUT_MS (30 * 1000)

static const char learn_policy_text[] = "# sysgate-run --learn: allow and count every call\n"
					"version 1\ndefault allow\n";

/* Whether path can be written: the file itself when it exists, else its directory.  Nothing is
 * created: a learning run that fails leaves no empty OUT behind. */
static int writable(const char *path)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash;

	if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	slash = strrchr(path, '/');
	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return -ENOMEM;
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0)
		return -errno;
	return 0;
}

/* The policy of a learning session; checks that OUT can be written. */
int learn_policy(const struct run_opts *o, char **ret_path, char **ret_text,
		 struct sg_policy **ret_policy)
{
	struct sg_policy_error e = { 0 };
	int r;

	if (o->mechanism != SG_MECH_NOTIFY) {
		shim_err(0, "--learn needs the notify mechanism");
		return -EOPNOTSUPP;
	}
	r = writable(o->learn_out);
	if (r < 0)
		return shim_err(r, "cannot write '%s'", o->learn_out);
	*ret_path = strdup("learn");
	*ret_text = strdup(learn_policy_text);
	if (!*ret_path || !*ret_text)
		return shim_err(-ENOMEM, "out of memory");
	r = policy_parse(*ret_text, strlen(*ret_text), *ret_path, ret_policy, &e);
	if (r < 0) {
		shim_err(0, "internal learning policy: %s", e.msg);
		return r;
	}
	return 0;
}

/* One reply packet within the timeout. */
static int recv_one(int sock, void *buf, struct sg_msg *m, const char **reason)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds = 0;
	ssize_t n;
	int r;

	do
		r = poll(&p, 1, LEARN_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	n = proto_recv(sock, buf, SG_MSG_MAX, fds, &n_fds);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET;
	r = proto_decode(buf, (size_t)n, fds, n_fds, m, reason);
	proto_close_fds(fds, n_fds);
	return r;
}

static char *join_argv(char *const *argv)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (size_t i = 0; s && argv[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Fetch what session did over sock and write the learnt policy to o->learn_out. */
int learn_fetch(int sock, void *buf, uint64_t session, const struct run_opts *o)
{
	_cleanup_free_ struct sg_learn_row *rows = NULL;
	_cleanup_free_ char *text = NULL, *command = NULL;
	struct sg_policy_error e = { 0 };
	struct sg_learn_opts lo = { .session = session, .def = o->learn_default };
	const char *reason = NULL;
	struct timespec ts;
	size_t n = 0;
	struct sg_msg m;
	ssize_t len;
	int r;

	rows = calloc(SG_LEARN_ROWS_MAX, sizeof(*rows));
	if (!rows)
		return shim_err(-ENOMEM, "out of memory");
	len = proto_encode_learn_req(buf, SG_MSG_MAX, session);
	r = len < 0 ? (int)len : proto_send(sock, buf, (size_t)len, NULL, 0);
	if (r < 0)
		return shim_err(r, "cannot ask the daemon what session %llu did",
				(unsigned long long)session);
	for (;;) {
		r = recv_one(sock, buf, &m, &reason);
		if (r < 0)
			return shim_err(r, "learning: no answer from the daemon%s%s",
					reason ? ": " : "", reason ? reason : "");
		if (m.type == SG_MSG_ERROR) {
			shim_err(0, "learning: the daemon refused: %s", m.str);
			return m.u.error.error;
		}
		if (m.type == SG_MSG_END)
			break;
		if (m.type != SG_MSG_LEARN_ROW || n == SG_LEARN_ROWS_MAX) {
			shim_err(0, "learning: unexpected reply from the daemon");
			return -EBADMSG;
		}
		rows[n] = (struct sg_learn_row){
			.arch = m.u.learn_row.arch, .nr = m.u.learn_row.nr,
			.count = m.u.learn_row.count, .first_usec = m.u.learn_row.first_usec,
			.last_usec = m.u.learn_row.last_usec, .arg = m.u.learn_row.arg,
			.n_values = m.u.learn_row.n_values, .overflow = m.u.learn_row.overflow,
		};
		_Static_assert(SG_LEARN_KEEP_MAX == SG_LEARN_VALUES_MAX, "learn value bounds");
		memcpy(rows[n].values, m.u.learn_row.values, sizeof(rows[n].values));
		n++;
	}
	command = join_argv(o->argv);
	clock_gettime(CLOCK_REALTIME, &ts);
	lo.now_usec = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	lo.command = command;
	r = policy_learn_write(rows, n, &lo, &text, &e);
	if (r < 0)
		return e.msg[0] ? (shim_err(0, "learning: cannot write the policy: %s", e.msg), r)
				: shim_err(r, "learning: cannot write the policy");
	r = file_write_atomic(o->learn_out, text, strlen(text), 0644);
	if (r < 0)
		return shim_err(r, "cannot write '%s'", o->learn_out);
	shim_info("learnt policy of %zu syscalls written to '%s'", n, o->learn_out);
	return 0;
}
