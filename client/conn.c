/* SPDX-License-Identifier: MIT */
/* sysgatectl's side of the control connection: connect, HELLO, request/reply. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sysgatectl.h"
#include "sysgate.h"

/* Why a connect may have failed, in words a user can act on. */
static const char *connect_hint(int r)
{
	switch (r) {
	case -ENOENT:
	case -ECONNREFUSED:
		return " (is sysgated running?)";
	case -EACCES:
	case -EPERM:
		return " (are you root or in the '" SG_SOCKET_GROUP "' group?)";
	default:
		return "";
	}
}

/* Print a daemon ERROR reply; returns its error. */
static int report_error_reply(const char *what, const struct sg_msg *m)
{
	int r = m->u.error.error;

	if (m->str_len > 0) {
		/* control characters shown as '?', line by line: a reason may list lines */
		_cleanup_free_ char *copy = strdup(m->str);
		char *line, *save = NULL;
		bool first = true;

		if (!copy)
			return ctl_err(r, "%s", what);
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			_cleanup_free_ char *clean = sanitize(line);

			if (first)
				ctl_errx(r, "%s: %s", what, clean ? clean : "?");
			else
				fprintf(stderr, "%s\n", clean ? clean : "?");
			first = false;
		}
		return r;
	}
	return ctl_err(r, "%s", what);
}

/* Report a reply of a type the request does not allow. */
int ctl_unexpected(const char *what, const struct sg_msg *m)
{
	return ctl_errx(-EBADMSG, "%s: unexpected '%s' reply from the daemon", what,
			proto_type_name(m->type));
}

/* Connect and say HELLO. */
int ctl_connect(const struct ctl_config *cfg, struct ctl_conn *ret)
{
	uint8_t pkt[64];
	struct ctl_conn c = { .fd = -EBADF };
	struct sg_msg m = { 0 };
	int r;

	c.buf = malloc(SG_MSG_MAX);
	if (!c.buf)
		return ctl_errx(-ENOMEM, "out of memory");
	c.fd = proto_connect(cfg->socket_path);
	if (c.fd < 0) {
		r = c.fd;
		ctl_conn_done(&c);
		return ctl_err_hint(r, connect_hint(r), "cannot connect to '%s'", cfg->socket_path);
	}
	r = ctl_request(&c, pkt, proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT), "handshake",
			&m);
	if (r >= 0 && m.type != SG_MSG_ACK)
		r = ctl_unexpected("handshake", &m);
	if (r < 0) {
		ctl_conn_done(&c);
		return r;
	}
	*ret = c;
	return 0;
}

/* Close the connection. */
void ctl_conn_done(struct ctl_conn *c)
{
	c->fd = safe_close(c->fd);
	free(c->buf);
	c->buf = NULL;
}

/* Receive and decode one packet; 1, 0 on EOF, or a printed negative errno. */
static int recv_decoded(struct ctl_conn *c, const char *what, struct sg_msg *ret)
{
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds = 0;
	const char *reason = NULL;
	ssize_t n;
	int r;

	n = proto_recv(c->fd, c->buf, SG_MSG_MAX, fds, &n_fds);
	if (n < 0)
		return ctl_err((int)n, "%s: receiving from the daemon", what);
	if (n == 0)
		return 0;
	r = proto_decode(c->buf, (size_t)n, fds, n_fds, ret, &reason);
	/* No reply to a client carries fds; never keep any. */
	proto_close_fds(fds, n_fds);
	if (r < 0)
		return ctl_errx(r, "%s: malformed reply from the daemon: %s", what, reason);
	return 1;
}

/* Send a request and receive the first reply. */
int ctl_request(struct ctl_conn *c, const void *pkt, ssize_t len, const char *what,
		struct sg_msg *ret)
{
	int r;

	if (len < 0)
		return ctl_err((int)len, "%s: cannot encode the request", what);
	r = proto_send(c->fd, pkt, (size_t)len, NULL, 0);
	if (r < 0)
		return ctl_err(r, "%s: sending to the daemon", what);
	r = recv_decoded(c, what, ret);
	if (r < 0)
		return r;
	if (r == 0)
		return ctl_errx(-ECONNRESET, "%s: the daemon closed the connection", what);
	if (ret->type == SG_MSG_ERROR)
		return report_error_reply(what, ret);
	return 0;
}

/* Receive the next packet of a reply stream. */
int ctl_next(struct ctl_conn *c, const char *what, struct sg_msg *ret)
{
	int r = recv_decoded(c, what, ret);

	if (r <= 0)
		return r;
	if (ret->type == SG_MSG_ERROR)
		return report_error_reply(what, ret);
	return 1;
}

/* Send a list request and hand each row of type row_type to fn until END. */
int ctl_list(struct ctl_conn *c, const void *pkt, ssize_t len, const char *what,
	     uint16_t row_type, int (*fn)(const struct sg_msg *m, void *userdata), void *userdata)
{
	struct sg_msg m;
	int r;

	r = ctl_request(c, pkt, len, what, &m);
	if (r < 0)
		return r;
	for (;;) {
		if (m.type == SG_MSG_END)
			return 0;
		if (m.type != row_type)
			return ctl_unexpected(what, &m);
		r = fn(&m, userdata);
		if (r < 0)
			return ctl_err(r, "%s", what);
		r = ctl_next(c, what, &m);
		if (r < 0)
			return r;
		if (r == 0)
			return ctl_errx(-ECONNRESET, "%s: the daemon closed the connection before "
					"the end of the list", what);
	}
}

static int list_add_row(const struct sg_msg *m, void *userdata)
{
	const struct ctl_list_view *v = ((void **)userdata)[0];

	return v->add_row(m, ((void **)userdata)[1]);
}

static int list_add_json(const struct sg_msg *m, void *userdata)
{
	const struct ctl_list_view *v = ((void **)userdata)[0];
	struct json_object *o = v->to_json(m);

	if (!o || json_object_array_add(((void **)userdata)[1], o) < 0) {
		json_object_put(o);
		return -ENOMEM;
	}
	return 0;
}

/* A list command: send the request, collect the rows as a table or (--json) a JSON array,
 * and print it. */
int ctl_list_print(const struct ctl_config *cfg, const void *pkt, ssize_t len,
		   const struct ctl_list_view *v)
{
	struct ctl_conn c = { .fd = -EBADF };
	struct table *t = NULL;
	struct json_object *arr = NULL;
	void *ud[2] = { (void *)v, NULL };
	int r;

	if (cfg->json)
		ud[1] = arr = json_object_new_array();
	else
		ud[1] = t = table_new(v->n_cols, v->headers, v->align);
	if (!ud[1])
		return ctl_errx(-ENOMEM, "out of memory");
	r = ctl_connect(cfg, &c);
	if (r >= 0)
		r = ctl_list(&c, pkt, len, v->what, v->row_type,
			     arr ? list_add_json : list_add_row, ud);
	if (r >= 0)
		r = arr ? json_print(arr) : table_print(t, stdout);
	ctl_conn_done(&c);
	json_object_put(arr);
	table_free(t);
	return r;
}
