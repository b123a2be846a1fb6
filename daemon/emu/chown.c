/* SPDX-License-Identifier: MIT */
/*
 * Emulators that decide from registers: chown (chown, fchown, lchown,
 * fchownat: ids outside the caller's uid/gid map are faked, mapped ones run),
 * sched (raising priority or a real-time policy is faked), and xattr
 * (trusted.* and security.* names, which a user namespace cannot set, are
 * faked; the name is memory, so any other name is refused, never CONTINUEd).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "daemon.h"
#include "emu/emu.h"

#define XATTR_NAME_MAX_ 255

static void put_int(struct emu_ctx *ctx, const char *key, int64_t v)
{
	json_object_object_add(ctx->decoded, key, json_object_new_int64(v));
}

static void allow(struct emu_ctx *ctx)
{
	ctx->outcome = "continued";
	ctx->kind = SG_ACT_ALLOW;
}

/* emulate chown; see emulate.h. */
int emu_chown(struct emu_ctx *ctx)
{
	const struct sg_call *c = ctx->c;
	unsigned base = c->nr == __NR_fchownat ? 2 : 1;
	uint32_t uid = (uint32_t)c->args[base], gid = (uint32_t)c->args[base + 1];
	char path[PATH_MAX];
	int r;

	put_int(ctx, "uid", uid == UINT32_MAX ? -1 : (int64_t)uid);
	put_int(ctx, "gid", gid == UINT32_MAX ? -1 : (int64_t)gid);
	if (c->nr == __NR_fchown)
		put_int(ctx, "fd", (int)c->args[0]);
	else if (ctx->record) /* for the record only: the decision uses registers alone */
		(void)emu_read_path(ctx, "path", c->args[c->nr == __NR_fchownat ? 1 : 0], path,
				    sizeof(path));
	r = tid_mapped(ctx->s->d, c->tid, uid, gid);
	if (r < 0)
		return r;
	if (r)
		allow(ctx); /* the namespace maps both: the kernel does it as the caller */
	else
		emu_result(ctx, "faked", 0, 0);
	return 0;
}

/* emulate sched; see emulate.h. */
int emu_sched(struct emu_ctx *ctx)
{
	const struct sg_call *c = ctx->c;

	if (c->nr == __NR_setpriority) {
		put_int(ctx, "which", (int)c->args[0]);
		put_int(ctx, "who", (int)c->args[1]);
		put_int(ctx, "prio", (int)c->args[2]);
		if ((int)c->args[2] >= 0) {
			allow(ctx); /* not raising above the default: the kernel decides */
			return 0;
		}
	} else if (c->nr == __NR_sched_setscheduler) {
		int policy = (int)c->args[1] & ~SCHED_RESET_ON_FORK;

		put_int(ctx, "pid", (int)c->args[0]);
		put_int(ctx, "policy", policy);
		if (policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE) {
			allow(ctx); /* no privilege needed; the kernel reads and checks param */
			return 0;
		}
	} else {
		put_int(ctx, "pid", (int)c->args[0]);
	}
	emu_result(ctx, "faked", 0, 0);
	return 0;
}

/* emulate xattr; see emulate.h. */
int emu_xattr(struct emu_ctx *ctx)
{
	const struct sg_call *c = ctx->c;
	char name[XATTR_NAME_MAX_ + 1], path[PATH_MAX];
	int r;

	if (c->nr == __NR_fsetxattr)
		put_int(ctx, "fd", (int)c->args[0]);
	else
		(void)emu_read_path(ctx, "path", c->args[0], path, sizeof(path));
	put_int(ctx, "size", (int64_t)c->args[3]);
	r = emu_read_path(ctx, "name", c->args[1], name, sizeof(name));
	if (r == -ENAMETOOLONG)
		return -ERANGE;
	if (r < 0)
		return r;
	if (strncmp(name, "trusted.", 8) == 0 || strncmp(name, "security.", 9) == 0) {
		emu_result(ctx, "faked", 0, 0);
		return 0;
	}
	emu_result(ctx, "denied", ENOTSUP, 0); /* only the privileged namespaces are emulated */
	return 0;
}
