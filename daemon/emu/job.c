/* SPDX-License-Identifier: MIT */
/*
 * Emulated calls that the session's helper carries out: a job holds its own
 * copy of the call, the rule's action and the verdict (the session's policy
 * may be swapped before the helper replies), a snapshot of what the caller is
 * (the helper must be exactly that), and the emulator's state.  When it is
 * over the notify mechanism answers, counts and records it like any call.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "emu/emu.h"
#include "log.h"
#include "mech/mech.h"

/* Free a job without answering; see emu.h. */
void emu_job_free(struct emu_job *j)
{
	if (!j)
		return;
	if (j->ctx.decoded)
		json_object_put(j->ctx.decoded);
	if (j->v.call.emu)
		json_object_put(j->v.call.emu);
	safe_close(j->start_fd);
	safe_close(j->fd);
	free(j->policy_file);
	free(j);
}

/* Make a job of ctx's call; see emu.h. */
int emu_job_new(struct emu_ctx *ctx, const struct helper_job_ops *ops, struct emu_job **ret)
{
	struct emu_job *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return -ENOMEM;
	j->start_fd = j->fd = -EBADF;
	j->policy_file = strdup(ctx->v->call.policy_file ? ctx->v->call.policy_file : "");
	if (!j->policy_file) {
		emu_job_free(j);
		return -ENOMEM;
	}
	r = tsnap_read(ctx->c->tid, &j->hj.snap);
	if (r >= 0) /* what its helper is to be: all the daemon can still grant of it */
		r = tsnap_grantable(&j->hj.snap);
	if (r >= 0)
		r = emu_still_valid(ctx); /* the snapshot is the caller's, not a reused pid's */
	if (r < 0) {
		emu_job_free(j);
		return r;
	}
	j->hj.ops = ops;
	j->hj.id = ctx->s->req->id;
	j->hj.tid = ctx->c->tid;
	j->c = *ctx->c;
	j->action = *ctx->action;
	j->v = *ctx->v;
	j->v.action = &j->action;
	j->v.call.sc = &j->c;
	j->v.call.meta = &j->v.meta;
	j->v.call.policy_file = j->policy_file;
	j->ctx = *ctx;
	j->ctx.c = &j->c;
	j->ctx.action = &j->action;
	j->ctx.v = &j->v;
	ctx->decoded = NULL; /* the job's now */
	*ret = j;
	return 0;
}

/* Free a job that was never submitted; see emu.h. */
void emu_job_abort(struct emu_ctx *ctx, struct emu_job *j)
{
	ctx->decoded = j->ctx.decoded; /* back: the record keeps what was read */
	j->ctx.decoded = NULL;
	emu_job_free(j);
}

/* Hand j to the helper; see emu.h. */
int emu_job_submit(struct emu_ctx *ctx, struct emu_job *j)
{
	int r = helper_submit(ctx->s, &j->hj);

	if (r >= 0)
		return EMU_QUEUED;
	emu_job_abort(ctx, j);
	if (r != -EAGAIN)
		return r;
	log_debug("session %" PRIu64 ": pid %d: helper queue full, failing the call EAGAIN",
		  ctx->s->id, (int)ctx->c->tid);
	emu_result(ctx, "queue-full", EAGAIN, 0);
	return 0;
}

/* The job is over; see emu.h. */
void emu_job_done(struct emu_job *j)
{
	emu_finish(&j->ctx, &j->v);
	notify_answer_job(j->hj.s, j->hj.id, &j->c, &j->v, j->ctx.answered);
	emu_job_free(j);
}

/* The job cannot go on; see emu.h. */
void emu_job_fail(struct helper_job *hj, int err, const char *outcome)
{
	struct emu_job *j = (struct emu_job *)hj;

	if (err == ESRCH) { /* the caller left: nothing to answer, nothing happened for it */
		log_debug("session %" PRIu64 ": task %d left before the answer", hj->s->id,
			  (int)hj->tid);
		emu_job_free(j);
		return;
	}
	emu_result(&j->ctx, outcome ? outcome : "denied", err, 0);
	emu_job_done(j);
}
