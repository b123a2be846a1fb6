/* SPDX-License-Identifier: MIT */
/*
 * verdict.c as a table, like libseccomp's .tests files: each row is a policy,
 * the session's audit mode, whether the call is the session's first routed one
 * (the STARTING rule), the call and the mechanisms it holds for; it expects
 * what is carried out (kind, errno, value), how the call is counted and
 * whether and how it is recorded.  Each row runs on a real session of every
 * mechanism it names, through verdict_decide() and verdict_done().
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(verdict, .fini = th_cleanup, .timeout = 60);

/* The call a row makes: who makes it and on which ABI. */
enum call_kind {
	GETPPID,     /* getppid by the target */
	CHOWN,       /* chown by the target */
	EXECVE,      /* execve by the target */
	EXECVEAT,    /* execveat by the target */
	EXECVE_TID,  /* execve by another task than the registered target */
	EXECVE_I386, /* execve of the target on the i386 ABI */
};

#define M_NOTIFY (1u << SG_MECH_NOTIFY)
#define M_TRACE (1u << SG_MECH_TRACE)
#define M_TRAP (1u << SG_MECH_TRAP)
#define M_ALL (M_NOTIFY | M_TRACE | M_TRAP)

struct row {
	const char *name;
	const char *rules; /* the policy after "version 1\n" */
	bool audit_mode;   /* the session's: SG_REG_AUDIT or 'mode audit' */
	bool starting;
	enum call_kind call;
	unsigned mechs;
	/* expected: carried out, counted, recorded */
	enum sg_action_kind kind;
	int err;
	int64_t value;
	enum sg_count count;
	const char *rec; /* the record's verdict, NULL: not recorded */
	bool rec_audit;  /* recorded as a would-be verdict */
	bool rec_default;
};

#define A SG_ACT_ALLOW
#define D SG_ACT_DENY
#define F SG_ACT_FAKE
#define K SG_ACT_KILL
#define E SG_ACT_EMULATE

static const struct row rows[] = {
	/* name, rules, audit mode, starting, call, mechs: kind, err, value, count, record */
	{ "allow", "default deny\ngetppid allow\n", false, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_ALLOW, NULL, false, false },
	{ "allow log", "default deny\ngetppid allow log\n", false, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_ALLOW, "allow", false, false },
	{ "allow quiet", "default deny\ngetppid allow quiet\n", false, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_ALLOW, NULL, false, false },
	{ "allow, audit mode", "default deny\ngetppid allow\n", true, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_ALLOW, NULL, false, false },
	{ "allow log, audit mode", "default deny\ngetppid allow log\n", true, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_ALLOW, "allow", false, false },
	{ "deny", "default allow\ngetppid deny\n", false, false, GETPPID, M_ALL,
	  D, EPERM, 0, SG_COUNT_DENY, "deny", false, false },
	{ "deny ERRNO", "default allow\ngetppid deny EACCES\n", false, false, GETPPID, M_ALL,
	  D, EACCES, 0, SG_COUNT_DENY, "deny", false, false },
	{ "errno ERRNO quiet", "default allow\ngetppid errno ENOSPC quiet\n", false, false, GETPPID,
	  M_ALL, D, ENOSPC, 0, SG_COUNT_DENY, NULL, false, false },
	{ "deny log", "default allow\ngetppid deny EIO log\n", false, false, GETPPID, M_ALL,
	  D, EIO, 0, SG_COUNT_DENY, "deny", false, false },
	{ "deny audit", "default allow\ngetppid deny EACCES audit\n", false, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_AUDIT, "deny", true, false },
	{ "deny, audit mode", "default allow\ngetppid deny EACCES\n", true, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_AUDIT, "deny", true, false },
	{ "deny quiet, audit mode: recorded", "default allow\ngetppid deny quiet\n", true, false,
	  GETPPID, M_ALL, A, 0, 0, SG_COUNT_AUDIT, "deny", true, false },
	{ "fake N", "default allow\ngetppid fake 42\n", false, false, GETPPID, M_ALL,
	  F, 0, 42, SG_COUNT_FAKE, "fake", false, false },
	{ "fake quiet", "default allow\ngetppid fake quiet\n", false, false, GETPPID, M_ALL,
	  F, 0, 0, SG_COUNT_FAKE, NULL, false, false },
	{ "fake audit", "default allow\ngetppid fake 7 audit\n", false, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_AUDIT, "fake", true, false },
	{ "kill", "default allow\ngetppid kill\n", false, false, GETPPID, M_ALL,
	  K, 0, 0, SG_COUNT_KILL, "kill", false, false },
	{ "kill quiet", "default allow\ngetppid kill quiet\n", false, false, GETPPID, M_ALL,
	  K, 0, 0, SG_COUNT_KILL, NULL, false, false },
	{ "kill audit", "default allow\ngetppid kill audit\n", false, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_AUDIT, "kill", true, false },
	{ "kill, audit mode", "default allow\ngetppid kill\n", true, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_AUDIT, "kill", true, false },
	{ "emulate", "default allow\nchown emulate chown\n", false, false, CHOWN, M_NOTIFY,
	  E, 0, 0, SG_COUNT_EMULATE, "emulate", false, false },
	{ "emulate quiet", "default allow\nchown emulate chown quiet\n", false, false, CHOWN,
	  M_NOTIFY, E, 0, 0, SG_COUNT_EMULATE, NULL, false, false },
	{ "emulate log", "default allow\nchown emulate chown log\n", false, false, CHOWN, M_NOTIFY,
	  E, 0, 0, SG_COUNT_EMULATE, "emulate", false, false },
	{ "emulate, audit mode: still emulated", "default allow\nchown emulate chown\n", true, false,
	  CHOWN, M_NOTIFY, E, 0, 0, SG_COUNT_EMULATE, "emulate", false, false },
	{ "emulate without notify fails closed", "default allow\nchown emulate chown quiet\n", false,
	  false, CHOWN, M_TRACE | M_TRAP, D, ENOSYS, 0, SG_COUNT_DENY, "deny", false, false },
	{ "default deny", "default deny EACCES\nopenat allow\n", false, false, GETPPID, M_ALL,
	  D, EACCES, 0, SG_COUNT_DENY, "deny", false, true },
	{ "default allow log", "default allow log\nopenat deny\n", false, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_ALLOW, "allow", false, true },
	{ "default kill quiet", "default kill quiet\nopenat allow\n", false, false, GETPPID, M_ALL,
	  K, 0, 0, SG_COUNT_KILL, NULL, false, true },
	{ "default fake, audit mode", "default fake 3\n", true, false, GETPPID, M_ALL,
	  A, 0, 0, SG_COUNT_AUDIT, "fake", true, true },
	{ "no rule matches: default", "default errno EIO\ngetppid fake 1 if arg0 == 5\n", false,
	  false, GETPPID, M_ALL, D, EIO, 0, SG_COUNT_DENY, "deny", false, true },
	/* the STARTING rule: the target's own exec on the native ABI goes through */
	{ "starting exec", "default allow\nexecve deny\n", false, true, EXECVE, M_ALL,
	  A, 0, 0, SG_COUNT_ALLOW, NULL, false, false },
	{ "starting execveat", "default allow\nexecveat kill\n", false, true, EXECVEAT, M_ALL,
	  A, 0, 0, SG_COUNT_ALLOW, NULL, false, false },
	{ "starting exec, default deny", "default deny\n", false, true, EXECVE, M_ALL,
	  A, 0, 0, SG_COUNT_ALLOW, NULL, false, true },
	{ "starting exec, log: recorded as allowed", "default allow\nexecve deny log\n", false, true,
	  EXECVE, M_ALL, A, 0, 0, SG_COUNT_ALLOW, "allow", false, false },
	{ "starting exec, audit mode: allowed, not audited", "default allow\nexecve deny\n", true,
	  true, EXECVE, M_ALL, A, 0, 0, SG_COUNT_ALLOW, NULL, false, false },
	{ "starting exec, audit rule: allowed, not audited", "default allow\nexecve deny audit\n",
	  false, true, EXECVE, M_ALL, A, 0, 0, SG_COUNT_ALLOW, NULL, false, false },
	{ "exec when not starting", "default allow\nexecve deny EACCES\n", false, false, EXECVE,
	  M_ALL, D, EACCES, 0, SG_COUNT_DENY, "deny", false, false },
	{ "starting exec of another task", "default allow\nexecve deny EACCES\n", false, true,
	  EXECVE_TID, M_ALL, D, EACCES, 0, SG_COUNT_DENY, "deny", false, false },
	{ "starting, not an exec", "default allow\ngetppid fake 9\n", false, true, GETPPID, M_ALL,
	  F, 0, 9, SG_COUNT_FAKE, "fake", false, false },
#if defined(__x86_64__)
	{ "starting exec on another ABI", "default allow\nexecve deny EACCES\n", false, true,
	  EXECVE_I386, M_ALL, D, EACCES, 0, SG_COUNT_DENY, "deny", false, false },
#endif
};

/* A session of mechanism mech around target (notify: a copy of its listener). */
static struct session *row_session(struct sysgated *d, const struct row *row,
				   enum sg_mechanism mech, struct th_target *t)
{
	char text[256];
	int fd = mech == SG_MECH_NOTIFY ? fcntl(t->listener, F_DUPFD_CLOEXEC, 3) : -EBADF;
	struct session *s;

	snprintf(text, sizeof(text), "version 1\n%s", row->rules);
	s = th_session_mech(d, mech, fd, t->pid, text);
	s->policy->audit_mode = row->audit_mode;
	return s;
}

static struct sg_call row_call(const struct row *row, const struct th_target *t)
{
	struct sg_call c = { .arch = seccomp_arch_native(), .tid = t->pid, .ip = 0x1000 };

	c.args[0] = 6; /* "if arg0 == 5" does not hold */
	switch (row->call) {
	case GETPPID: c.nr = __NR_getppid; break;
	case CHOWN: c.nr = __NR_chown; break;
	case EXECVE: c.nr = __NR_execve; break;
	case EXECVEAT: c.nr = __NR_execveat; break;
	case EXECVE_TID: c.nr = __NR_execve; c.tid = getpid(); break;
	case EXECVE_I386: c.nr = 11; c.arch = AUDIT_ARCH_I386; break;
	}
	return c;
}

/* The syscall records so far; the last one in *ret_last (NULL when none). */
static size_t syscall_records(struct sysgated *d, json_object **ret_recs, json_object **ret_last)
{
	json_object *recs = th_audit_records(d);
	size_t n = 0;

	*ret_last = NULL;
	for (size_t i = 0; i < json_object_array_length(recs); i++) {
		json_object *o = json_object_array_get_idx(recs, i);

		if (strcmp(th_jstr(o, "event"), "syscall") == 0) {
			n++;
			*ret_last = o;
		}
	}
	*ret_recs = recs;
	return n;
}

static void check_decided(const struct row *row, const char *mech, const struct verdict *v)
{
	bool record = row->rec != NULL;

	cr_expect_eq(v->kind, row->kind, "%s [%s]: kind %d", row->name, mech, v->kind);
	cr_expect_eq(v->err, row->err, "%s [%s]: err %d", row->name, mech, v->err);
	cr_expect_eq(v->value, row->value, "%s [%s]: value %lld", row->name, mech,
		     (long long)v->value);
	cr_expect_eq(v->count, row->count, "%s [%s]: count %d", row->name, mech, v->count);
	cr_expect_eq(v->record, record, "%s [%s]: record %d", row->name, mech, v->record);
	cr_expect_eq(v->call.audit, row->rec_audit, "%s [%s]: audit", row->name, mech);
	cr_expect_eq(v->call.is_default, row->rec_default, "%s [%s]: default", row->name, mech);
	cr_expect_eq(v->action != NULL, row->kind == E, "%s [%s]: action", row->name, mech);
	/* who made the call is read exactly when it is recorded or killed */
	cr_expect_eq(v->meta.have_status, record || row->kind == K, "%s [%s]: meta read %d",
		     row->name, mech, v->meta.have_status);
}

static void check_record(const struct row *row, const char *mech, json_object *rec,
			 const struct session *s, const struct sg_call *c)
{
	cr_assert_not_null(rec, "%s [%s]: not recorded", row->name, mech);
	cr_expect_eq(th_jint(rec, "session"), (int64_t)s->id, "%s [%s]", row->name, mech);
	cr_expect_str_eq(th_jstr(rec, "mechanism"), mech, "%s", row->name);
	cr_expect_str_eq(th_jstr(rec, "verdict"), row->rec, "%s [%s]", row->name, mech);
	cr_expect_eq(th_jhas(rec, "audit"), row->rec_audit, "%s [%s]: %s", row->name, mech,
		     json_object_to_json_string(rec));
	cr_expect_eq(th_jhas(rec, "default"), row->rec_default, "%s [%s]: %s", row->name, mech,
		     json_object_to_json_string(rec));
	if (row->kind == D && !row->rec_audit)
		cr_expect_eq(th_jint(rec, "errno"), row->err, "%s [%s]", row->name, mech);
	if (row->kind == F)
		cr_expect_eq(th_jint(rec, "value"), row->value, "%s [%s]", row->name, mech);
	cr_expect_eq(th_jint(rec, "pid"), c->tid, "%s [%s]", row->name, mech);
}

static void run_row(struct sysgated *d, const struct row *row, enum sg_mechanism mech,
		    struct th_target *t)
{
	const char *mname = proto_mechanism_name(mech);
	struct session *s = row_session(d, row, mech, t);
	struct sg_call c = row_call(row, t);
	json_object *recs, *last;
	uint64_t before = d->notifications;
	size_t n0 = syscall_records(d, &recs, &last), n1;
	struct verdict v;

	json_object_put(recs);
	verdict_decide(s, &c, row->starting, &v);
	check_decided(row, mname, &v);
	verdict_done(s, &c, &v);
	cr_expect_eq(s->counts[row->count], 1, "%s [%s]: not counted", row->name, mname);
	cr_expect_eq(s->notifications, 1, "%s [%s]", row->name, mname);
	cr_expect_eq(d->notifications, before + 1, "%s [%s]", row->name, mname);
	cr_expect_not_null(stats_get(&s->stats, c.arch, c.nr), "%s [%s]: no row", row->name, mname);
	n1 = syscall_records(d, &recs, &last);
	cr_expect_eq(n1, n0 + (row->rec != NULL), "%s [%s]: %zu records", row->name, mname,
		     n1 - n0);
	if (row->rec)
		check_record(row, mname, last, s, &c);
	json_object_put(recs);
	session_free(s);
}

Test(verdict, table)
{
	static const int route[] = { __NR_getppid };
	struct sysgated *d = th_daemon();
	struct th_target t;

	th_target_start(&t, route, 1, th_body_wait); /* the caller: /proc has it */
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		for (unsigned m = 0; m < SG_MECH_MAX; m++)
			if (rows[i].mechs & (1u << m))
				run_row(d, &rows[i], (enum sg_mechanism)m, &t);
}

Test(verdict, a_kill_that_cannot_be_carried_out_is_a_denial)
{
	static const int route[] = { __NR_getppid };
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct session *s;
	struct sg_call c;
	struct verdict v;
	json_object *recs, *rec;

	th_target_start(&t, route, 1, th_body_wait);
	s = th_session(d, &t, "version 1\ndefault allow\ngetppid kill\n");
	c = row_call(&rows[0], &t);
	verdict_decide(s, &c, false, &v);
	cr_assert_eq(v.kind, SG_ACT_KILL);
	verdict_kill_failed(&v);
	cr_expect_eq(v.kind, SG_ACT_DENY);
	cr_expect_eq(v.err, EPERM);
	cr_expect_eq(v.count, SG_COUNT_DENY);
	verdict_done(s, &c, &v);
	cr_expect_eq(s->counts[SG_COUNT_DENY], 1);
	cr_expect_eq(s->counts[SG_COUNT_KILL], 0);
	recs = th_audit_records(d);
	rec = th_find(recs, "event", "syscall");
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect_str_eq(th_jstr(rec, "verdict"), "deny");
	cr_expect_eq(th_jint(rec, "errno"), EPERM);
	json_object_put(recs);
}

Test(verdict, a_decision_does_not_keep_the_previous_calls_caller)
{
	static const int route[] = { __NR_getppid };
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct session *s;
	struct sg_call c;
	struct verdict v;

	th_target_start(&t, route, 1, th_body_wait);
	s = th_session(d, &t, "version 1\ndefault allow\ngetppid deny\nchown allow\n");
	c = row_call(&rows[0], &t);
	verdict_decide(s, &c, false, &v);
	cr_assert(v.meta.have_status && v.meta.have_comm);
	/* the same verdict struct, a call not recorded: nothing of the first caller stays */
	c.nr = __NR_chown;
	verdict_decide(s, &c, false, &v);
	cr_expect(!v.record);
	cr_expect(!v.meta.have_status && !v.meta.have_comm && !v.meta.have_exe);
}
