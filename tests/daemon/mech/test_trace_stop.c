/* SPDX-License-Identifier: MIT */
/*
 * mech/trace_stop.c with a real tracee: the test process seizes a child whose
 * filter returns SECCOMP_RET_TRACE for getppid (or execve), waits for the
 * seccomp stop and hands it to trace_seccomp_stop(), then reads what the call
 * returned in the child: allowed calls run, denied and faked ones are skipped
 * with the return register set, a kill takes the whole process; each counted
 * and recorded as the verdict says.  The STARTING rule holds here too.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "mech/trace.h"

TestSuite(trace_stop, .fini = th_cleanup, .timeout = 30);

static const int route_getppid[] = { __NR_getppid };

/* The tracee's next stop, which must be a seccomp stop. */
static void seccomp_stop(struct th_target *t)
{
	int status = th_tracee_stop(t);

	cr_assert(WIFSTOPPED(status) && status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8)),
		  "not a seccomp stop: 0x%x", status);
}

Test(trace_stop, verdicts_are_carried_out_in_the_tracee)
{
	static const struct {
		const char *rule;
		long ret; /* -2: the real getppid */
		int err;
		enum sg_count count;
		const char *rec;
	} rows[] = {
		{ "getppid allow", -2, 0, SG_COUNT_ALLOW, NULL },
		{ "getppid allow log", -2, 0, SG_COUNT_ALLOW, "allow" },
		{ "getppid fake 42", 42, 0, SG_COUNT_FAKE, "fake" },
		{ "getppid fake 0 quiet", 0, 0, SG_COUNT_FAKE, NULL },
		{ "getppid deny EACCES", -1, EACCES, SG_COUNT_DENY, "deny" },
		{ "getppid errno 4094", -1, 4094, SG_COUNT_DENY, "deny" },
		{ "getppid deny EACCES audit", -2, 0, SG_COUNT_AUDIT, "deny" },
	};
	struct sysgated *d = th_daemon();

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char policy[128];
		struct th_target t;
		struct th_call c;
		struct session *s;

		snprintf(policy, sizeof(policy), "version 1\ndefault kill\n%s\n", rows[i].rule);
		th_tracee_start(&t, route_getppid, 1, th_body_getppid);
		s = th_session_mech(d, SG_MECH_TRACE, -EBADF, t.pid, policy);
		seccomp_stop(&t);
		trace_seccomp_stop(s, t.pid);
		th_target_read(&t, &c, sizeof(c));
		cr_expect_eq(c.ret, rows[i].ret == -2 ? getpid() : rows[i].ret, "%s: returned %ld",
			     rows[i].rule, c.ret);
		cr_expect_eq(c.err, rows[i].err, "%s: errno %d", rows[i].rule, c.err);
		cr_expect(WIFEXITED(th_target_wait(&t)), "%s", rows[i].rule);
		cr_expect_eq(s->counts[rows[i].count], 1, "%s: not counted", rows[i].rule);
		cr_expect_eq(s->state, SG_SESSION_RUNNING);
		th_expect_syscall_record(d, rows[i].rec, rows[i].rule);
		session_free(s);
	}
}

Test(trace_stop, kill_kills_the_tracee_in_its_stop)
{
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct session *s;

	th_tracee_start(&t, route_getppid, 1, th_body_getppid);
	s = th_session_mech(d, SG_MECH_TRACE, -EBADF, t.pid, "version 1\ndefault allow\n"
			    "getppid kill\n");
	seccomp_stop(&t);
	trace_seccomp_stop(s, t.pid);
	json_object_put(th_expect_killed(d, &t, s));
}

Test(trace_stop, the_starting_exec_goes_through)
{
	static const int route[] = { __NR_execve };
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct session *s;
	int status;

	th_tracee_start(&t, route, 1, th_body_exec);
	s = th_session_mech(d, SG_MECH_TRACE, -EBADF, t.pid, "version 1\ndefault allow\n"
			    "execve deny\n");
	cr_assert_eq(s->state, SG_SESSION_STARTING);
	seccomp_stop(&t);
	trace_seccomp_stop(s, t.pid);
	cr_expect_eq(s->state, SG_SESSION_RUNNING);
	status = th_target_wait(&t);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 7, "the exec was refused: 0x%x",
		  status);
	cr_expect_eq(s->counts[SG_COUNT_ALLOW], 1);
}

Test(trace_stop, a_tracee_killed_in_its_stop_is_neither_answered_nor_counted)
{
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct session *s;
	json_object *recs;
	int status;

	th_tracee_start(&t, route_getppid, 1, th_body_getppid);
	s = th_session_mech(d, SG_MECH_TRACE, -EBADF, t.pid, "version 1\ndefault allow\n"
			    "getppid deny\n");
	seccomp_stop(&t);
	cr_assert_eq(kill(t.pid, SIGKILL), 0);
	/* the kill ends the stop; once it is dead, it cannot be read */
	status = th_target_wait(&t);
	cr_assert(WIFSIGNALED(status), "status 0x%x", status);
	trace_seccomp_stop(s, t.pid);
	cr_expect_eq(s->notifications, 0);
	cr_expect_eq(s->counts[SG_COUNT_DENY], 0);
	recs = th_audit_records(d);
	cr_expect_eq(th_count(recs, "event", "syscall"), 0, "%s", th_audit_text(d));
	json_object_put(recs);
}
