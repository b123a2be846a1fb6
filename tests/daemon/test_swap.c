/* SPDX-License-Identifier: MIT */
/*
 * swap.c: how a session's filter was compiled (a table), the audit/enforce
 * switch and the live policy load: taken when the running filter can carry
 * the new policy out exactly, refused with the rules that cannot take effect
 * otherwise (nothing changes then), recorded with who asked.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(swap, .fini = th_cleanup, .timeout = 30);

Test(swap, compile_flags_are_the_shims)
{
	static const struct {
		const char *name;
		bool audit_mode;
		enum sg_mechanism mech;
		uint32_t reg_flags;
		unsigned want;
	} rows[] = {
		{ "notify", false, SG_MECH_NOTIFY, 0, SG_COMPILE_ROUTE_EXEC },
		{ "notify, mode audit", true, SG_MECH_NOTIFY, 0,
		  SG_COMPILE_ROUTE_EXEC | SG_COMPILE_ROUTE_ALL },
		{ "notify --audit", false, SG_MECH_NOTIFY, SG_REG_AUDIT,
		  SG_COMPILE_ROUTE_EXEC | SG_COMPILE_ROUTE_ALL },
		{ "notify --swappable", false, SG_MECH_NOTIFY, SG_REG_SWAPPABLE,
		  SG_COMPILE_ROUTE_EXEC | SG_COMPILE_ROUTE_ALL },
		{ "notify --learn", false, SG_MECH_NOTIFY, SG_REG_LEARN,
		  SG_COMPILE_ROUTE_EXEC | SG_COMPILE_ROUTE_ALL },
		{ "trace", false, SG_MECH_TRACE, 0, SG_COMPILE_ROUTE_EXEC | SG_COMPILE_ROUTE_TRACE },
		{ "trace --swappable", false, SG_MECH_TRACE, SG_REG_SWAPPABLE,
		  SG_COMPILE_ROUTE_EXEC | SG_COMPILE_ROUTE_TRACE | SG_COMPILE_ROUTE_ALL },
		{ "trace, mode audit", true, SG_MECH_TRACE, 0,
		  SG_COMPILE_ROUTE_EXEC | SG_COMPILE_ROUTE_TRACE | SG_COMPILE_ROUTE_ALL },
		/* the preload's own exec is not routed: no ROUTE_EXEC, as sysgate-run compiles it */
		{ "trap", false, SG_MECH_TRAP, 0, SG_COMPILE_ROUTE_TRAP },
		{ "trap --swappable", false, SG_MECH_TRAP, SG_REG_SWAPPABLE,
		  SG_COMPILE_ROUTE_TRAP | SG_COMPILE_ROUTE_ALL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct sg_policy *p = th_policy("version 1\ndefault allow\n");
		unsigned f;

		p->audit_mode = rows[i].audit_mode;
		f = swap_compile_flags(p, rows[i].mech, rows[i].reg_flags);
		cr_expect_eq(f, rows[i].want, "%s: 0x%x, want 0x%x", rows[i].name, f, rows[i].want);
		policy_free(p);
	}
}

/* A notify session as REGISTER with reg_flags starts it, on a waiting target. */
static struct session *swap_session(struct sysgated *d, const char *policy, uint32_t reg_flags)
{
	static const int route[] = { __NR_getppid };
	struct th_target t;
	struct session *s;

	th_target_start(&t, route, 1, th_body_wait);
	s = th_session(d, &t, policy);
	s->reg_flags = reg_flags;
	s->compile_flags = swap_compile_flags(s->policy, s->mech, reg_flags);
	return s;
}

static int load(struct sysgated *d, const struct conn *c, uint64_t id, const char *text,
		char *reason)
{
	struct sg_msg m;

	memset(&m, 0, sizeof(m));
	m.type = SG_MSG_POLICY_LOAD;
	m.u.policy_load.id = id;
	m.str = "new.policy";
	m.str_len = strlen(m.str);
	m.str2 = text;
	m.str2_len = strlen(text);
	reason[0] = '\0';
	return swap_policy_load(d, c, &m, reason, SG_REASON_MAX);
}

static json_object *last_record(struct sysgated *d, const char *event, json_object **ret_recs)
{
	json_object *recs = th_audit_records(d), *last = NULL;

	for (size_t i = 0; i < json_object_array_length(recs); i++) {
		json_object *o = json_object_array_get_idx(recs, i);

		if (strcmp(th_jstr(o, "event"), event) == 0)
			last = o;
	}
	cr_assert_not_null(last, "no %s record: %s", event, th_audit_text(d));
	*ret_recs = recs;
	return last;
}

Test(swap, another_users_or_a_missing_session_does_not_exist)
{
	struct sysgated *d = th_daemon();
	struct session *s = swap_session(d, "version 1\ndefault allow\n", SG_REG_SWAPPABLE);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX];

	cr_expect_eq(swap_session_mode(d, &c, s->id + 1, true, reason, sizeof(reason)), -ENOENT);
	cr_expect_str_eq(reason, "no such session: 2");
	cr_expect_eq(load(d, &c, s->id + 1, "version 1\ndefault allow\n", reason), -ENOENT);
	cr_expect_str_eq(reason, "no such session: 2");
	s->uid = getuid() + 4242;
	c.uid = getuid() == 0 ? 4243 : getuid();
	cr_expect_eq(swap_session_mode(d, &c, s->id, true, reason, sizeof(reason)), -ENOENT);
	cr_expect_eq(load(d, &c, s->id, "version 1\ndefault allow\n", reason), -ENOENT);
	cr_expect(!s->policy->audit_mode);
	c.uid = 0; /* root may */
	cr_expect_eq(swap_session_mode(d, &c, s->id, true, reason, sizeof(reason)), 0, "%s",
		     reason);
	cr_expect(s->policy->audit_mode);
}

Test(swap, audit_mode_is_refused_while_the_kernel_carries_out_denials)
{
	static const char text[] = "version 1\ndefault kill quiet\n"
				   "getppid deny quiet\ngetpid deny EACCES\nopenat allow\n";
	struct sysgated *d = th_daemon();
	struct session *s = swap_session(d, text, 0);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX];
	json_object *recs;

	cr_assert_eq(swap_session_mode(d, &c, s->id, true, reason, sizeof(reason)), -EBUSY);
	cr_expect_str_eq(reason, "session 1 carries out denials in its kernel filter, which audit "
			 "mode cannot allow (start it with --swappable or --audit):"
			 "\n  test.policy:2: default kill"
			 "\n  test.policy:3:1: getppid deny");
	cr_expect(!s->policy->audit_mode, "nothing changes on failure");
	recs = th_audit_records(d);
	cr_expect_eq(th_count(recs, "event", "session-mode"), 0);
	json_object_put(recs);
}

Test(swap, audit_then_enforce_is_recorded_with_who_asked)
{
	struct sysgated *d = th_daemon();
	/* every denial here is routed (recorded): audit mode can allow them all */
	struct session *s = swap_session(d, "version 1\ndefault allow\ngetppid deny\n", 0);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX];
	json_object *recs, *rec;

	cr_assert_eq(swap_session_mode(d, &c, s->id, true, reason, sizeof(reason)), 0, "%s",
		     reason);
	cr_expect(s->policy->audit_mode);
	rec = last_record(d, "session-mode", &recs);
	cr_expect_str_eq(th_jstr(rec, "mode"), "audit");
	cr_expect_eq(th_jint(rec, "session"), (int64_t)s->id);
	cr_expect_eq(th_jint(rec, "by_uid"), (int64_t)getuid());
	cr_expect_eq(th_jint(rec, "by_pid"), (int64_t)getpid());
	json_object_put(recs);
	cr_assert_eq(swap_session_mode(d, &c, s->id, false, reason, sizeof(reason)), 0);
	cr_expect(!s->policy->audit_mode);
	rec = last_record(d, "session-mode", &recs);
	cr_expect_str_eq(th_jstr(rec, "mode"), "enforce");
	json_object_put(recs);
}

Test(swap, a_learning_session_takes_only_a_policy_that_allows_every_call)
{
	struct sysgated *d = th_daemon();
	struct session *s = swap_session(d, "version 1\ndefault allow\n", SG_REG_LEARN);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX];
	struct sg_policy *before = s->policy;

	cr_expect_eq(load(d, &c, s->id, "version 1\ndefault allow\ngetppid fake 1\n", reason),
		     -EINVAL);
	cr_expect_str_eq(reason, "a learning session's policy must allow every call");
	cr_expect_eq(s->policy, before);
	cr_expect_eq(load(d, &c, s->id, "version 1\ndefault allow\n", reason), 0, "%s", reason);
	cr_expect_neq(s->policy, before);
}

Test(swap, a_trap_session_is_compared_with_the_filter_sysgate_run_built)
{
	struct sysgated *d = th_daemon();
	struct session *s = th_session_mech(d, SG_MECH_TRAP, -EBADF, getpid(),
					    "version 1\ndefault allow\nexecve deny EACCES quiet\n");
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX];
	struct sg_policy *before = s->policy;

	s->compile_flags = swap_compile_flags(s->policy, s->mech, 0);
	/* the trap filter denies execve in the kernel: a fake could never be carried out */
	cr_expect_eq(load(d, &c, s->id, "version 1\ndefault allow\nexecve fake 0 quiet\n", reason),
		     -EBUSY, "%s", reason);
	cr_expect_eq(s->policy, before);
}

Test(swap, a_bad_policy_is_refused_with_its_position)
{
	struct sysgated *d = th_daemon();
	struct session *s = swap_session(d, "version 1\ndefault allow\n", SG_REG_SWAPPABLE);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX], *name = calloc(1, 4097);
	struct sg_policy *before = s->policy;
	struct sg_msg m;

	cr_expect_eq(load(d, &c, s->id, "version 1\ndefault allow\ngetppid frob\n", reason),
		     -EINVAL);
	cr_expect_eq(strncmp(reason, "new.policy:3:9: error: ", 23), 0, "%s", reason);
	cr_expect_eq(load(d, &c, s->id, "version 1\ndefault allow\ngetppid emulate chown\n",
			  reason), -EINVAL);
	cr_expect(strstr(reason, "new.policy:3:1:") && strstr(reason, "cannot carry out"), "%s",
		  reason);
	/* a name no record could hold */
	cr_assert_not_null(name);
	memset(name, 'n', 4096);
	memset(&m, 0, sizeof(m));
	m.u.policy_load.id = s->id;
	m.str = name;
	m.str_len = 4096;
	m.str2 = "version 1\ndefault allow\n";
	m.str2_len = strlen(m.str2);
	cr_expect_eq(swap_policy_load(d, &c, &m, reason, sizeof(reason)), -ENAMETOOLONG);
	free(name);
	cr_expect_eq(s->policy, before);
	cr_expect_null(s->filter_policy);
}

Test(swap, a_session_that_routes_every_call_takes_any_policy)
{
	struct sysgated *d = th_daemon();
	struct session *s = swap_session(d, "version 1\ndefault kill quiet\n", SG_REG_SWAPPABLE);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX], hash[24];
	struct sg_policy *first = s->policy;
	uint64_t h1 = first->hash, h2;
	json_object *recs, *rec;

	cr_assert_eq(load(d, &c, s->id, "version 1\ndefault allow\ngetppid fake 1 quiet\n", reason),
		     0, "%s", reason);
	cr_expect_str_eq(s->policy->file, "new.policy");
	cr_expect_eq(s->filter_policy, first, "the filter's policy is kept");
	h2 = s->policy->hash;
	cr_expect_neq(h1, h2);
	rec = last_record(d, "policy-load", &recs);
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)h1);
	cr_expect_str_eq(th_jstr(rec, "old_hash"), hash);
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)h2);
	cr_expect_str_eq(th_jstr(rec, "new_hash"), hash);
	cr_expect_eq(th_jint(rec, "by_pid"), (int64_t)getpid());
	json_object_put(recs);
	/* a third policy: the filter's stays the first one */
	cr_assert_eq(load(d, &c, s->id, "version 1\ndefault deny EIO\n", reason), 0, "%s", reason);
	cr_expect_eq(s->filter_policy, first);
	cr_expect_eq(s->policy->def.err, EIO);
}

Test(swap, a_policy_the_running_filter_carries_out_alike_is_taken)
{
	struct sysgated *d = th_daemon();
	struct session *s = swap_session(d, "version 1\ndefault allow\ngetppid deny EACCES\n"
					 "getpid deny quiet\n", 0);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX];

	/* getppid stays routed (another routed action), getpid stays in the kernel as it was */
	cr_expect_eq(load(d, &c, s->id, "version 1\ndefault allow\ngetppid fake 3\n"
			  "getpid deny quiet\n", reason), 0, "%s", reason);
	cr_expect_eq(s->policy->rules[0].action.kind, SG_ACT_FAKE);
}

Test(swap, a_policy_the_running_filter_cannot_carry_out_is_refused_with_its_rules)
{
	struct sysgated *d = th_daemon();
	struct session *s = swap_session(d, "version 1\ndefault allow\ngetppid deny quiet\n"
					 "getpid deny EIO quiet\n", 0);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX];
	struct sg_policy *before = s->policy;

	cr_assert_eq(load(d, &c, s->id, "version 1\ndefault allow\ngetppid fake 1\n", reason),
		     -EBUSY);
	cr_expect_str_eq(reason, "the running filter of session 1 cannot carry out 'new.policy' "
			 "(start the session with --swappable to route every call); these rules "
			 "cannot take effect:"
			 "\n  new.policy:3:1: getppid fake: the running filter decides 'getppid' in "
			 "the kernel"
			 "\n  new.policy:2: default allow for 'getpid': the running filter decides "
			 "'getpid' in the kernel (test.policy:4:1)");
	cr_expect_eq(s->policy, before, "nothing changes on failure");
	cr_expect_null(s->filter_policy);
}

Test(swap, a_different_default_or_arch_is_named)
{
	struct sysgated *d = th_daemon();
	struct session *s = swap_session(d, "version 1\narch x86_64\ndefault deny quiet\n", 0);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX];

	cr_assert_eq(load(d, &c, s->id, "version 1\narch x86_64\ndefault fake 2\n", reason),
		     -EBUSY);
	cr_expect(strstr(reason, "\n  new.policy:3: default fake: the running filter's default "
			 "is decided in the kernel"), "%s", reason);
	cr_assert_eq(load(d, &c, s->id, "version 1\ndefault deny quiet\n", reason), -EBUSY);
	cr_expect(strstr(reason, "\n  new.policy: the arches differ from the running filter's"),
		  "%s", reason);
}

Test(swap, the_sessions_audit_mode_stays_and_a_policy_in_audit_mode_needs_routed_denials)
{
	struct sysgated *d = th_daemon();
	struct session *s = swap_session(d, "version 1\ndefault allow\ngetppid deny\n", 0);
	struct session *k = swap_session(d, "version 1\ndefault allow\ngetppid deny quiet\n", 0);
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX];

	cr_assert_eq(swap_session_mode(d, &c, s->id, true, reason, sizeof(reason)), 0, "%s",
		     reason);
	cr_assert_eq(load(d, &c, s->id, "version 1\ndefault allow\ngetppid fake 4\n", reason), 0,
		     "%s", reason);
	cr_expect(s->policy->audit_mode, "the session stays in audit mode");
	/* the kernel denies getppid quietly for k: 'mode audit' cannot allow it */
	cr_expect_eq(load(d, &c, k->id, "version 1\nmode audit\ndefault allow\ngetppid deny quiet\n",
			  reason), -EBUSY);
	cr_expect(strstr(reason, "session 2 carries out denials in its kernel filter") &&
		  strstr(reason, "\n  test.policy:3:1: getppid deny"), "%s", reason);
	cr_expect(!k->policy->audit_mode);
	cr_expect_null(k->filter_policy);
}
