/* SPDX-License-Identifier: MIT */
/*
 * Changing what a running session enforces: the audit/enforce switch and the
 * live policy swap (sysgatectl session ID audit|enforce, sysgatectl policy
 * load ID FILE).  The loop is single-threaded and a call is decided and
 * answered within one callback, so replacing s->policy here is atomic: calls
 * already decided were decided by the old policy, every later one by the new.
 *
 * The kernel filter of a running process cannot be replaced.  A new policy is
 * taken only when the running filter lets it act exactly as written: the new
 * policy, compiled the way the session's filter was (same flags), must give the
 * same BPF program, so what the kernel keeps to itself is unchanged and every
 * call whose verdict may change reaches the daemon.  Sessions that route every
 * call (--swappable, --audit, --learn, 'mode audit') take any policy of the
 * same arches.  Otherwise the load is refused with the rules that cannot take
 * effect; nothing is half-applied.  Before any of that, the new policy passes the
 * door REGISTER's policy passed (session_policy_admit): what the session's
 * mechanism and flags allow a policy to contain.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "log.h"

/* How sysgate-run compiled the filter (shim/run.c policy_prepare). */
unsigned swap_compile_flags(const struct sg_policy *p, enum sg_mechanism mech, uint32_t reg_flags)
{
	return policy_session_flags(p, mech == SG_MECH_TRACE, mech == SG_MECH_TRAP,
				    reg_flags & (SG_REG_AUDIT | SG_REG_SWAPPABLE | SG_REG_LEARN));
}

static const struct sg_policy *running_policy(const struct session *s)
{
	return s->filter_policy ? s->filter_policy : s->policy;
}

/* The session, when the peer may change it (its owner or root); -ENOENT otherwise:
 * another uid's session does not exist for it, as for every query. */
static struct session *owned_session(struct sysgated *d, const struct conn *c, uint64_t id,
				     char *reason, size_t size)
{
	struct session *s = session_find(d, id);

	if (!s || !conn_may_see(c, s->uid)) {
		snprintf(reason, size, "no such session: %" PRIu64, id);
		return NULL;
	}
	return s;
}

/* Append to reason, truncating; returns whether anything was appended. */
static bool say(char *reason, size_t size, const char *fmt, ...) _printf_(3, 4);
static bool say(char *reason, size_t size, const char *fmt, ...)
{
	size_t n = strnlen(reason, size);
	va_list ap;

	if (n + 1 >= size)
		return false;
	va_start(ap, fmt);
	vsnprintf(reason + n, size - n, fmt, ap);
	va_end(ap);
	return true;
}

/* Whether an action stays in the kernel when the filter does not route everything. */
static bool kept_in_kernel(const struct sg_action *a)
{
	return !policy_action_routed(a);
}

/*
 * Audit mode allows what would be denied: a denial the kernel carries out
 * itself (a quiet deny, kill or fake 0) never reaches the daemon to be allowed.
 * 0 when p's filter compiled with flags keeps none, -EBUSY with the rules.
 */
static int audit_possible(const struct sg_policy *p, unsigned flags, const char *what,
			  char *reason, size_t size)
{
	bool bad = false;

	if (flags & SG_COMPILE_ROUTE_ALL)
		return 0;
	snprintf(reason, size, "%s carries out denials in its kernel filter, which audit mode "
		 "cannot allow (start it with --swappable or --audit):", what);
	if (p->def.kind != SG_ACT_ALLOW && kept_in_kernel(&p->def)) {
		say(reason, size, "\n  %s:%u: default %s", p->file, p->def_line,
		    action_kind_to_string(p->def.kind));
		bad = true;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sg_rule *r = &p->rules[i];

		if (r->action.kind == SG_ACT_ALLOW || !kept_in_kernel(&r->action))
			continue;
		say(reason, size, "\n  %s:%u:%u: %s %s", p->file, r->line, r->col, r->name,
		    action_kind_to_string(r->action.kind));
		bad = true;
	}
	return bad ? -EBUSY : 0;
}

static int emit_change(struct sysgated *d, const struct conn *c, const struct session *s,
		       const char *event, json_object *extra_a, const char *key_a,
		       json_object *extra_b, const char *key_b, const char *mode)
{
	json_object *o = json_object_new_object();
	bool ok = o != NULL;
	char t[64];

	if (o) {
		ok &= json_object_object_add(o, "time", json_object_new_string(
			audit_format_time(now_usec(), t, sizeof(t)))) == 0;
		ok &= json_object_object_add(o, "event", json_object_new_string(event)) == 0;
		ok &= json_object_object_add(o, "session", json_object_new_uint64(s->id)) == 0;
		if (mode)
			ok &= json_object_object_add(o, "mode", json_object_new_string(mode)) == 0;
		if (key_a)
			ok &= json_object_object_add(o, key_a, TAKE_PTR(extra_a)) == 0;
		if (key_b)
			ok &= json_object_object_add(o, key_b, TAKE_PTR(extra_b)) == 0;
		ok &= json_object_object_add(o, "by_uid", json_object_new_int64(c->uid)) == 0;
		ok &= json_object_object_add(o, "by_pid", json_object_new_int64(c->pid)) == 0;
	}
	json_object_put(extra_a);
	json_object_put(extra_b);
	if (o && !ok)
		o = (json_object_put(o), NULL);
	return audit_emit(d, o, s->id, s->uid);
}

/* sysgatectl session ID audit|enforce */
int swap_session_mode(struct sysgated *d, const struct conn *c, uint64_t id, bool audit,
		      char *reason, size_t size)
{
	struct session *s = owned_session(d, c, id, reason, size);
	char what[64];
	int r;

	if (!s)
		return -ENOENT;
	snprintf(what, sizeof(what), "session %" PRIu64, id);
	if (audit && !s->policy->audit_mode) {
		r = audit_possible(running_policy(s), s->compile_flags, what, reason, size);
		if (r < 0)
			return r;
	}
	s->policy->audit_mode = audit;
	log_info("session %" PRIu64 ": %s mode, by pid %d uid %u", s->id,
		 audit ? "audit" : "enforce", (int)c->pid, (unsigned)c->uid);
	(void)emit_change(d, c, s, "session-mode", NULL, NULL, NULL, NULL,
			  audit ? "audit" : "enforce");
	return 0;
}

/* The BPF program of p compiled with flags; the error (with position) in e. */
static int filter_of(const struct sg_policy *p, unsigned flags, struct sock_fprog *ret,
		     struct sg_policy_error *e)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	r = policy_compile(p, flags, &ctx, e);
	if (r < 0)
		return r;
	return policy_export_bpf(ctx, ret);
}

/* The kernel's treatment of one syscall name in p's filter, as a comparable string
 * (policy_compile's per-name rules): "route", or each rule's conditions and action. */
static void kernel_sig(const struct sg_policy *p, unsigned flags, const char *name, char *buf,
		       size_t size)
{
	bool all = flags & SG_COMPILE_ROUTE_ALL, any = false;
	const struct sg_action *first = NULL;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sg_rule *r = &p->rules[i];
		const struct sg_action *a = &r->action;

		if (strcmp(r->name, name) != 0)
			continue;
		if (all || policy_action_routed(a) || (first && (first->kind != a->kind ||
		    first->err != a->err || (first->kind == SG_ACT_FAKE) != (a->kind == SG_ACT_FAKE)))) {
			snprintf(buf, size, "route");
			return;
		}
		first = first ? first : a;
		say(buf, size, "%d/%d:", (int)a->kind, a->err);
		for (unsigned k = 0; k < r->n_conds; k++)
			say(buf, size, "a%u,%d,%" PRIx64 ",%" PRIx64 ";", r->conds[k].arg,
			    (int)r->conds[k].op, r->conds[k].mask, r->conds[k].value);
		say(buf, size, "|");
		any = true;
		if (r->n_conds == 0)
			break;
	}
	if (!any) /* the default decides it */
		snprintf(buf, size, "default");
}

/* Why the new policy np cannot run under the running filter: the rules whose syscall
 * the filter treats differently, the default, the arches.  Appended to reason. */
static void explain(const struct sg_policy *op, const struct sg_policy *np, unsigned flags,
		    char *reason, size_t size)
{
	char a[1024], b[1024];
	bool listed = false;

	if (op->n_arches != np->n_arches ||
	    memcmp(op->arches, np->arches, op->n_arches * sizeof(op->arches[0])) != 0) {
		say(reason, size, "\n  %s: the arches differ from the running filter's "
		    "(its bad-arch check is in the kernel)", np->file);
		listed = true;
	}
	if (!(flags & SG_COMPILE_ROUTE_ALL) &&
	    (policy_action_routed(&op->def) != policy_action_routed(&np->def) ||
	     (!policy_action_routed(&np->def) &&
	      (op->def.kind != np->def.kind || op->def.err != np->def.err)))) {
		say(reason, size, "\n  %s:%u: default %s: the running filter's default is %s",
		    np->file, np->def_line, action_kind_to_string(np->def.kind),
		    policy_action_routed(&op->def) ? "routed" : "decided in the kernel");
		listed = true;
	}
	for (size_t i = 0; i < np->n_rules; i++) {
		const struct sg_rule *r = &np->rules[i];
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(np->rules[k].name, r->name) == 0;
		if (seen)
			continue;
		kernel_sig(op, flags, r->name, a, sizeof(a));
		kernel_sig(np, flags, r->name, b, sizeof(b));
		if (strcmp(a, "route") == 0 || strcmp(a, b) == 0)
			continue;
		for (size_t k = i; k < np->n_rules; k++)
			if (strcmp(np->rules[k].name, r->name) == 0)
				say(reason, size, "\n  %s:%u:%u: %s %s: the running filter decides "
				    "'%s' in the kernel", np->file, np->rules[k].line,
				    np->rules[k].col, r->name,
				    action_kind_to_string(np->rules[k].action.kind), r->name);
		listed = true;
	}
	for (size_t i = 0; i < op->n_rules; i++) { /* rules only the running policy has */
		const struct sg_rule *r = &op->rules[i];
		bool in_new = false;

		for (size_t k = 0; k < np->n_rules && !in_new; k++)
			in_new = strcmp(np->rules[k].name, r->name) == 0;
		if (in_new)
			continue;
		kernel_sig(op, flags, r->name, a, sizeof(a));
		if (strcmp(a, "route") == 0)
			continue;
		say(reason, size, "\n  %s:%u: default %s for '%s': the running filter decides '%s' "
		    "in the kernel (%s:%u:%u)", np->file, np->def_line,
		    action_kind_to_string(np->def.kind), r->name, r->name, op->file, r->line,
		    r->col);
		listed = true;
	}
	if (!listed)
		say(reason, size, "\n  %s: its kernel filter differs from the running one", np->file);
}

/* Whether np can replace the session's policy exactly; -EBUSY with the reasons otherwise. */
static int swap_check(struct session *s, const struct sg_policy *np, char *reason, size_t size)
{
	const struct sg_policy *op = running_policy(s);
	struct sock_fprog a = { 0 }, b = { 0 };
	struct sg_policy_error e = { 0 };
	char what[64];
	int r;

	snprintf(what, sizeof(what), "session %" PRIu64, s->id);
	r = filter_of(op, s->compile_flags, &a, &e);
	if (r < 0) {
		snprintf(reason, size, "%s: cannot rebuild the running filter: %s", what,
			 strerror(-r));
		return r;
	}
	r = filter_of(np, s->compile_flags, &b, &e);
	if (r < 0) {
		if (e.msg[0])
			policy_error_format(&e, reason, size);
		else
			snprintf(reason, size, "%s: cannot compile it: %s", np->file, strerror(-r));
		free(a.filter);
		return r;
	}
	r = a.len == b.len && memcmp(a.filter, b.filter, a.len * sizeof(*a.filter)) == 0 ? 0 : -EBUSY;
	free(a.filter);
	free(b.filter);
	if (r < 0) {
		snprintf(reason, size, "the running filter of %s cannot carry out '%s' (%s); these "
			 "rules cannot take effect:", what, np->file,
			 s->compile_flags & SG_COMPILE_ROUTE_ALL ? "it routes every call"
			 : "start the session with --swappable to route every call");
		explain(op, np, s->compile_flags, reason, size);
		return r;
	}
	if (np->audit_mode)
		return audit_possible(op, s->compile_flags, what, reason, size);
	return 0;
}

static json_object *hash_json(uint64_t h)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%016" PRIx64, h);
	return json_object_new_string(buf);
}

/* sysgatectl policy load ID FILE */
int swap_policy_load(struct sysgated *d, const struct conn *c, const struct sg_msg *m,
		     char *reason, size_t size)
{
	_cleanup_(policy_freep) struct sg_policy *np = NULL;
	struct session *s = owned_session(d, c, m->u.policy_load.id, reason, size);
	struct sg_policy *old;
	uint64_t old_hash;
	int r;

	if (!s)
		return -ENOENT;
	/* What the session may run at all, checked as REGISTER checked it. */
	r = session_policy_admit(s->mech, s->reg_flags, session_bounded(s) ? &d->bounds : NULL,
				 m->str, m->str_len, m->str2, m->str2_len,
				 &np, reason, size);
	if (r < 0)
		return r;
	np->audit_mode |= s->policy->audit_mode; /* the session's mode stays */
	r = swap_check(s, np, reason, size);
	if (r < 0)
		return r;
	old = s->policy;
	old_hash = old->hash;
	s->policy = TAKE_PTR(np);
	if (!s->filter_policy)
		s->filter_policy = old; /* what the filter was compiled from */
	else
		policy_free(old);
	log_info("session %" PRIu64 ": policy '%s' loaded by pid %d uid %u", s->id,
		 s->policy->file, (int)c->pid, (unsigned)c->uid);
	(void)emit_change(d, c, s, "policy-load", hash_json(old_hash), "old_hash",
			  hash_json(s->policy->hash), "new_hash", NULL);
	return 0;
}
