/* SPDX-License-Identifier: MIT */
/*
 * The decision every mechanism shares: a call (arch, nr, args, tid) and a
 * session's policy give a verdict — what to carry out, how to count it, whether
 * to record it.  notify.c, and the other mechanisms, carry the verdict out with
 * their own means and then hand it back to verdict_done().
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>

#include "daemon.h"
#include "proc.h"
#include "verdict.h"

/* The STARTING rule: the shim's own exec of the command goes through. */
static bool is_starting_exec(const struct session *s, const struct sg_call *c)
{
	return c->tid == s->target_pid && c->arch == s->d->native_arch &&
	       (c->nr == __NR_execve || c->nr == __NR_execveat);
}

static enum sg_count count_of(enum sg_action_kind kind)
{
	switch (kind) {
	case SG_ACT_ALLOW: return SG_COUNT_ALLOW;
	case SG_ACT_DENY: return SG_COUNT_DENY;
	case SG_ACT_FAKE: return SG_COUNT_FAKE;
	case SG_ACT_KILL: return SG_COUNT_KILL;
	default: return SG_COUNT_EMULATE;
	}
}

/* Decide c under s's policy; see daemon.h. */
void verdict_decide(struct session *s, const struct sg_call *c, bool starting, struct verdict *v)
{
	const struct sg_policy *p = s->policy;
	const struct sg_rule *rule = NULL;
	const struct sg_action *a = policy_decide(p, c->arch, c->nr, c->args, &rule);
	bool audit = ((a->flags & SG_FLAG_AUDIT) || p->audit_mode) && a->kind != SG_ACT_ALLOW &&
		     a->kind != SG_ACT_EMULATE;

	/* everything but meta's 4 KiB of text, which only task_meta_read() fills */
	memset(v, 0, offsetof(struct verdict, meta));
	v->meta.have_status = v->meta.have_comm = v->meta.have_exe = false;
	v->call.session = s->id;
	v->call.mech = s->mech;
	v->call.policy_file = p->file;
	v->call.sc = c;
	v->call.verdict = a->kind;
	v->call.err = a->err;
	v->call.value = a->value;
	v->call.line = rule ? rule->line : p->def_line;
	v->call.is_default = rule == NULL;
	v->call.implied = rule && rule->implied_by ? rule->implied_why : NULL;
	v->call.meta = &v->meta;

	if (starting && is_starting_exec(s, c)) {
		v->kind = v->call.verdict = SG_ACT_ALLOW;
		v->count = SG_COUNT_ALLOW;
		v->record = a->flags & SG_FLAG_LOG;
	} else if (audit) { /* a would-be verdict: allowed, recorded as what it would have been */
		v->kind = SG_ACT_ALLOW;
		v->count = SG_COUNT_AUDIT;
		v->record = v->call.audit = true;
	} else if (a->kind == SG_ACT_EMULATE && s->mech != SG_MECH_NOTIFY) {
		/* refused at REGISTER (session.c): reaching here is a bug. Fail closed. */
		v->kind = v->call.verdict = SG_ACT_DENY;
		v->err = v->call.err = ENOSYS;
		v->count = SG_COUNT_DENY;
		v->record = true;
	} else if (a->kind == SG_ACT_EMULATE) {
		/* The mechanism runs the emulator (emulate.c) and carries out its outcome. */
		v->kind = SG_ACT_EMULATE;
		v->action = a;
		v->count = SG_COUNT_EMULATE;
		v->record = !(a->flags & SG_FLAG_QUIET) || (a->flags & SG_FLAG_LOG);
	} else {
		v->kind = a->kind;
		v->err = a->err;
		v->value = a->value;
		v->count = count_of(a->kind);
		v->record = a->kind == SG_ACT_ALLOW ? (a->flags & SG_FLAG_LOG)
			    : !(a->flags & SG_FLAG_QUIET) || (a->flags & SG_FLAG_LOG);
	}
	if (v->record || v->kind == SG_ACT_KILL)
		task_meta_read(c->tid, &v->meta);
}

/* A kill could not be carried out: fail closed; see daemon.h. */
void verdict_kill_failed(struct verdict *v)
{
	v->kind = v->call.verdict = SG_ACT_DENY;
	v->err = v->call.err = EPERM;
	v->count = SG_COUNT_DENY;
}

/* Count the answered call and write its record; see daemon.h. */
void verdict_done(struct session *s, const struct sg_call *c, const struct verdict *v)
{
	s->d->notifications++;
	s->notifications++;
	session_count(s, c->arch, c->nr, v->count);
	learn_note(s, c);
	if (v->record)
		(void)audit_syscall(s->d, &v->call, s->uid);
}
