/* SPDX-License-Identifier: MIT */
/*
 * The emulate verdict: pick the rule's emulator, let it read what it needs,
 * confirm with SECCOMP_IOCTL_NOTIF_ID_VALID that the caller is still the task
 * that made the call, act, and turn the outcome into an ordinary answer (fake
 * a value or deny with an errno; CONTINUE only when an emulator decided from
 * registers alone).  The record keeps verdict "emulate" with the decoded
 * arguments and the outcome.  An emulator that works through the session's
 * helper returns EMU_QUEUED: its job (job.c) answers the call later.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>

#include "daemon.h"
#include "emu/emu.h"
#include "log.h"

/* The emulators in lib/policy_emulate.c's order. */
enum { EMU_MKNOD, EMU_MKNOD_STRICT, EMU_CHOWN, EMU_XATTR, EMU_SCHED, EMU_OPEN };

/* SECCOMP_IOCTL_NOTIF_ID_VALID; see emulate.h. */
int emu_still_valid(const struct emu_ctx *ctx)
{
	uint64_t id = ctx->s->req->id;

	if (ioctl(ctx->s->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	return 0;
}

/* Answer with the outcome; see emulate.h. */
void emu_result(struct emu_ctx *ctx, const char *outcome, int err, int64_t value)
{
	ctx->outcome = outcome;
	ctx->kind = err > 0 ? SG_ACT_DENY : SG_ACT_FAKE;
	ctx->err = err;
	ctx->value = value;
}

/* Read a path argument and decode it; see emulate.h. */
int emu_read_path(struct emu_ctx *ctx, const char *key, uint64_t addr, char *buf, size_t size)
{
	ssize_t n = tmem_read_string(ctx->c->tid, addr, buf, size);

	if (n < 0)
		return (int)n;
	json_object_object_add(ctx->decoded, key, json_object_new_string_len(buf, (int)n));
	return 0;
}

static int dispatch(struct emu_ctx *ctx, int idx)
{
	switch (idx) {
	case EMU_MKNOD: return emu_mknod(ctx, false);
	case EMU_MKNOD_STRICT: return emu_mknod(ctx, true);
	case EMU_CHOWN: return emu_chown(ctx);
	case EMU_XATTR: return emu_xattr(ctx);
	case EMU_SCHED: return emu_sched(ctx);
	case EMU_OPEN: return emu_open(ctx);
	default: return -ENOSYS;
	}
}

static json_object *result_json(const struct emu_ctx *ctx)
{
	json_object *o = json_object_new_object();
	const char *name;

	if (!o)
		return NULL;
	json_object_object_add(o, "outcome", json_object_new_string(ctx->outcome));
	if (ctx->kind == SG_ACT_DENY) {
		json_object_object_add(o, "errno", json_object_new_int(ctx->err));
		name = errno_to_name(ctx->err);
		if (name)
			json_object_object_add(o, "errno_name", json_object_new_string(name));
	} else if (ctx->kind == SG_ACT_FAKE) {
		json_object_object_add(o, "value", json_object_new_int64(ctx->value));
	}
	return o;
}

/* Turn ctx's outcome into v; see emu.h. */
void emu_finish(struct emu_ctx *ctx, struct verdict *v)
{
	json_object *emu;

	if (!ctx->outcome)
		emu_result(ctx, "denied", EPERM, 0);
	v->kind = ctx->kind;
	v->err = ctx->err;
	v->value = ctx->value;
	emu = json_object_new_object();
	if (emu) {
		json_object_object_add(emu, "emulator", json_object_new_string(v->action->emulator));
		json_object_object_add(emu, "decoded", ctx->decoded);
		json_object_object_add(emu, "result", result_json(ctx));
	} else {
		json_object_put(ctx->decoded);
	}
	ctx->decoded = NULL;
	v->call.emu = emu;
	log_debug("session %" PRIu64 ": pid %d: emulate '%s': %s", ctx->s->id, (int)ctx->c->tid,
		  v->action->emulator, ctx->outcome);
}

/* Carry out an emulate verdict; see emulate.h. */
int emulate_notify(struct session *s, const struct sg_call *c, struct verdict *v)
{
	struct emu_ctx ctx = { .s = s, .c = c, .action = v->action, .v = v, .record = v->record };
	int idx = policy_emulator_index(v->action->emulator), r;

	ctx.decoded = json_object_new_object();
	if (c->arch != s->d->native_arch) {
		/* Argument layouts differ per ABI; only the native one is emulated. */
		emu_result(&ctx, "denied", ENOSYS, 0);
		r = 0;
	} else {
		r = dispatch(&ctx, idx);
	}
	if (r == EMU_QUEUED) /* the job answers, counts and records it */
		return EMU_QUEUED;
	if (r == -ESRCH) { /* the task left; emulators confirm it before acting */
		json_object_put(ctx.decoded);
		return -ENOENT;
	}
	if (r < 0) /* the emulator could not act: the call fails with its errno */
		emu_result(&ctx, "denied", -r, 0);
	emu_finish(&ctx, v);
	return ctx.answered ? 1 : 0;
}
