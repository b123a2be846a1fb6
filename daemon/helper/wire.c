/* SPDX-License-Identifier: MIT */
/*
 * The daemon-helper packets (wire.h): fixed structs, checked to the byte.  A
 * packet of the wrong length for its type, an unknown type or option, a path
 * that is not exactly path_len bytes and a NUL, or fds that do not match what
 * the packet says are all -EBADMSG: the peer is broken, and a broken peer is a
 * hostile one (the caller ends it).
 */
#include <errno.h>
#include <string.h>

#include "helper/wire.h"
#include "macro.h"

static const char *const type_names[HELPER_MSG_TYPE_MAX] = {
	[HELPER_MSG_NONE] = "none",
	[HELPER_MSG_READY] = "ready",
	[HELPER_MSG_OPEN] = "open",
	[HELPER_MSG_TRUNCATE] = "truncate",
	[HELPER_MSG_REOPEN] = "reopen",
	[HELPER_MSG_MKNOD] = "mknod",
	[HELPER_MSG_REPLY] = "reply",
};

/* Name of a packet type; see wire.h. */
const char *helper_type_name(uint32_t type)
{
	return type < ARRAY_SIZE(type_names) ? type_names[type] : "unknown";
}

static const char *const step_names[HELPER_STEP_MAX] = {
	[HELPER_STEP_NONE] = "none",
	[HELPER_STEP_MNT] = "setns to the caller's mount namespace",
	[HELPER_STEP_STATUS] = "reading the caller's status",
	[HELPER_STEP_GROUPS] = "setgroups",
	[HELPER_STEP_USER] = "setns to the caller's user namespace",
	[HELPER_STEP_ROOT] = "chroot to the caller's root",
	[HELPER_STEP_CAPS] = "inheritable and bounding capabilities",
	[HELPER_STEP_IDS] = "uids and gids",
	[HELPER_STEP_CAPSET] = "capabilities",
	[HELPER_STEP_SEAL] = "dumpable and parent-death signal",
};

/* Name of a set-up step; see wire.h. */
const char *helper_step_name(uint32_t step)
{
	return step < ARRAY_SIZE(step_names) ? step_names[step] : "?";
}

static bool is_request(uint32_t type)
{
	return type == HELPER_MSG_OPEN || type == HELPER_MSG_TRUNCATE ||
	       type == HELPER_MSG_REOPEN || type == HELPER_MSG_MKNOD;
}

/* Whether a request of this type carries a path (OPEN, MKNOD) or an fd to act on. */
static bool needs_path(uint32_t type)
{
	return type == HELPER_MSG_OPEN || type == HELPER_MSG_MKNOD;
}

/* Fill a request; see wire.h. */
int helper_encode_req(struct helper_msg_req *m, uint32_t type, uint64_t seq, const char *path,
		      uint32_t flags, uint32_t mode, uint32_t umask, uint32_t opts)
{
	size_t len = path ? strlen(path) : 0;

	if (!is_request(type) || (opts & ~(uint32_t)HELPER_OPTS_ALL) ||
	    needs_path(type) != (path != NULL) || (!needs_path(type) && !(opts & HELPER_AT_FD)))
		return -EINVAL;
	if (len >= HELPER_PATH_MAX)
		return -ENAMETOOLONG;
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	m->hdr.len = sizeof(*m);
	m->hdr.seq = seq;
	m->flags = flags;
	m->mode = mode;
	m->umask = umask;
	m->opts = opts;
	m->path_len = (uint32_t)len;
	if (path)
		memcpy(m->path, path, len);
	return 0;
}

/* Fill a READY or REPLY; see wire.h. */
void helper_encode_reply(struct helper_msg_reply *m, uint32_t type, uint64_t seq, int err,
			 uint32_t n_fds, uint32_t step)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	m->hdr.len = sizeof(*m);
	m->hdr.seq = seq;
	m->err = err;
	m->n_fds = err == 0 ? n_fds : 0;
	m->step = err != 0 ? step : HELPER_STEP_NONE;
}

static int decode_req(const void *buf, size_t n_fds, struct helper_msg *ret)
{
	struct helper_msg_req *q = &ret->u.req;

	memcpy(q, buf, sizeof(*q));
	if (q->opts & ~(uint32_t)HELPER_OPTS_ALL || q->pad != 0)
		return -EBADMSG;
	if (n_fds != ((q->opts & HELPER_AT_FD) ? 1u : 0u))
		return -EBADMSG;
	if (!needs_path(q->hdr.type)) /* TRUNCATE, REOPEN: an fd, no path */
		return q->path_len == 0 && (q->opts & HELPER_AT_FD) ? 0 : -EBADMSG;
	if (q->path_len == 0 || q->path_len >= HELPER_PATH_MAX ||
	    strnlen(q->path, HELPER_PATH_MAX) != q->path_len)
		return -EBADMSG;
	return 0;
}

static int decode_reply(const void *buf, size_t n_fds, struct helper_msg *ret)
{
	struct helper_msg_reply *p = &ret->u.reply;

	memcpy(p, buf, sizeof(*p));
	if (p->err < 0 || p->err > 4095 || p->n_fds > HELPER_REPLY_FDS_MAX || p->pad != 0)
		return -EBADMSG;
	if (p->n_fds && (p->err != 0 || p->hdr.type == HELPER_MSG_READY))
		return -EBADMSG;
	if (p->step >= HELPER_STEP_MAX || (p->step != HELPER_STEP_NONE) != (p->err != 0 &&
	    p->hdr.type == HELPER_MSG_READY))
		return -EBADMSG;
	return n_fds == p->n_fds ? 0 : -EBADMSG;
}

/* Decode one packet; see wire.h. */
int helper_decode(const void *buf, size_t len, size_t n_fds, struct helper_msg *ret)
{
	struct helper_hdr h;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.len != len)
		return -EBADMSG;
	memset(ret, 0, sizeof(*ret));
	ret->type = h.type;
	ret->seq = h.seq;
	if (is_request(h.type))
		return len == sizeof(struct helper_msg_req) ? decode_req(buf, n_fds, ret) : -EBADMSG;
	if (h.type == HELPER_MSG_READY || h.type == HELPER_MSG_REPLY)
		return len == sizeof(struct helper_msg_reply) ? decode_reply(buf, n_fds, ret)
							      : -EBADMSG;
	return -EBADMSG;
}

/* How many fds a decoded packet carries; see wire.h. */
size_t helper_msg_fds(const struct helper_msg *m)
{
	if (is_request(m->type))
		return (m->u.req.opts & HELPER_AT_FD) ? 1 : 0;
	return m->u.reply.n_fds;
}
