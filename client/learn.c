/* SPDX-License-Identifier: MIT */
/*
 * sysgatectl policy load ID FILE: hand a new policy to a running session;
 * sysgatectl learn ID [-o FILE]: the policy learnt from what a session did.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"
#include "policy_learn.h"
#include "sysgatectl.h"

/* sysgatectl policy load ID FILE */
int ctl_policy_load(const struct ctl_config *cfg)
{
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	_cleanup_free_ char *text = NULL;
	struct ctl_conn c = { .fd = -EBADF };
	char what[64];
	struct sg_msg m;
	int r;

	/* Parse here too: a mistake is shown before anything is sent. */
	r = ctl_load_policy(cfg->file, &p, &text);
	if (r < 0)
		return r;
	snprintf(what, sizeof(what), "policy load %" PRIu64, cfg->session_id);
	r = ctl_connect(cfg, &c);
	if (r < 0)
		return r;
	r = ctl_request(&c, c.buf, proto_encode_policy_load(c.buf, SG_MSG_MAX, cfg->session_id,
							     cfg->file, text, strlen(text)),
			what, &m);
	if (r >= 0 && m.type != SG_MSG_ACK)
		r = ctl_unexpected(what, &m);
	if (r >= 0)
		printf("session %" PRIu64 ": policy '%s' loaded (hash %016" PRIx64 ")\n",
		       cfg->session_id, cfg->file, p->hash);
	ctl_conn_done(&c);
	return r;
}

/* Append one LEARN_ROW to the ctl_learn_rows in userdata (a ctl_list callback). */
int ctl_learn_add_row(const struct sg_msg *m, void *userdata)
{
	const struct sg_msg_learn_row *w = &m->u.learn_row;
	struct ctl_learn_rows *rows = userdata;
	struct sg_learn_row *row;

	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 64;
		struct sg_learn_row *v;

		/* The limit before the realloc: a grown array is never left behind. */
		if (cap > SG_LEARN_ROWS_MAX)
			return -EBADMSG;
		v = reallocarray(rows->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		rows->v = v;
		rows->cap = cap;
	}
	row = &rows->v[rows->n++];
	*row = (struct sg_learn_row){ .arch = w->arch, .nr = w->nr, .count = w->count,
				      .first_usec = w->first_usec, .last_usec = w->last_usec,
				      .arg = w->arg, .n_values = w->n_values,
				      .overflow = w->overflow };
	_Static_assert(SG_LEARN_KEEP_MAX == SG_LEARN_VALUES_MAX, "learn value bounds");
	memcpy(row->values, w->values, sizeof(row->values));
	return 0;
}

/* The session's command line from /proc (readable by its owner and root); NULL if not. */
static char *session_command(struct ctl_conn *c, uint64_t id)
{
	char path[64], *buf;
	struct sg_msg m;
	ssize_t n;
	int fd;

	if (ctl_request(c, c->buf, proto_encode_session_req(c->buf, SG_MSG_MAX, id), "session",
			&m) < 0 || m.type != SG_MSG_SESSION)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/cmdline", m.u.session.target_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = calloc(1, 4096);
	n = buf ? read(fd, buf, 4095) : -1;
	close(fd);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	for (ssize_t i = 0; i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return buf;
}

/* sysgatectl learn ID [-o FILE] */
int ctl_learn(const struct ctl_config *cfg)
{
	_cleanup_free_ char *command = NULL, *text = NULL;
	struct ctl_conn c = { .fd = -EBADF };
	struct sg_policy_error e = { 0 };
	struct ctl_learn_rows rows = { 0 };
	struct sg_learn_opts o = { .session = cfg->session_id };
	struct timespec ts;
	char what[64];
	int r;

	snprintf(what, sizeof(what), "learn %" PRIu64, cfg->session_id);
	r = ctl_connect(cfg, &c);
	if (r < 0)
		return r;
	r = ctl_list(&c, c.buf, proto_encode_learn_req(c.buf, SG_MSG_MAX, cfg->session_id), what,
		     SG_MSG_LEARN_ROW, ctl_learn_add_row, &rows);
	if (r >= 0)
		command = session_command(&c, cfg->session_id);
	ctl_conn_done(&c);
	if (r < 0)
		goto out;
	clock_gettime(CLOCK_REALTIME, &ts);
	o.now_usec = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	o.command = command;
	r = policy_learn_write(rows.v, rows.n, &o, &text, &e);
	if (r == -ENOENT)
		r = ctl_errx(r, "%s: the session has made no call yet", what);
	else if (r < 0 && e.msg[0])
		r = ctl_errx(r, "%s: cannot write the policy: %s", what, e.msg);
	else if (r < 0)
		r = ctl_err(r, "%s: cannot write the policy", what);
	else
		r = ctl_write_text(cfg->output, text, what);
out:
	free(rows.v);
	return r;
}
