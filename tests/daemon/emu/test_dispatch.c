/* SPDX-License-Identifier: MIT */
/*
 * emu/dispatch.c: an emulate verdict becomes an ordinary answer (fake, deny,
 * continue) or a job of the session's helper that answers it later, the
 * record keeps verdict "emulate" with the emulator, the decoded arguments and
 * the result; other ABIs are refused ENOSYS, an emulator's failure is the
 * call's errno, a caller that left is dropped.  Through notify_handle() and
 * the loop (a real sysgate-helper) where the whole path matters.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.h"

TestSuite(emu_dispatch, .fini = th_cleanup, .timeout = 30);

static char path_buf[PATH_MAX];

Test(emu_dispatch, a_result_is_a_denial_with_an_errno_or_a_faked_value)
{
	static const struct {
		int err;
		int64_t value;
		enum sg_action_kind kind;
	} rows[] = {
		{ EPERM, 0, SG_ACT_DENY }, { ENOSYS, 7, SG_ACT_DENY },
		{ 0, 0, SG_ACT_FAKE },     { 0, 42, SG_ACT_FAKE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct emu_ctx ctx = { 0 };

		emu_result(&ctx, "x", rows[i].err, rows[i].value);
		cr_expect_str_eq(ctx.outcome, "x");
		cr_expect_eq(ctx.kind, rows[i].kind, "row %zu", i);
		cr_expect_eq(ctx.err, rows[i].err, "row %zu", i);
		cr_expect_eq(ctx.value, rows[i].value, "row %zu", i);
	}
}

/* A mknod of a character device path in the test's directory. */
static struct th_callspec mknod_spec(const char *path, dev_t dev)
{
	struct th_callspec spec = { .nr = __NR_mknod, .cwd = th_tmpdir(), .umask = 022 };

	snprintf(path_buf, sizeof(path_buf), "%s", path);
	spec.args[0] = (uint64_t)(uintptr_t)path_buf;
	spec.args[1] = S_IFCHR | 0666;
	spec.args[2] = dev;
	return spec;
}

/* A mknod of path in the test's directory, emulated through the whole notify path (the
 * session's helper carries it out while the loop runs); what the call returned in the
 * target and the call's record (the caller puts it). */
static struct th_call notify_mknod(struct sysgated *d, const char *rule, const char *path,
				   dev_t dev, json_object **ret_rec)
{
	struct th_callspec spec = mknod_spec(path, dev);
	char policy[256];
	struct th_target t;
	struct th_call res;
	struct session *s;
	json_object *recs;

	th_call_start(&t, &spec);
	snprintf(policy, sizeof(policy), "version 1\ndefault allow\n%s\n", rule);
	s = th_emu_session(d, &t, policy);
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), 1);
	th_emu_wait(d, &t);
	th_target_read(&t, &res, sizeof(res));
	cr_expect_eq(s->counts[SG_COUNT_EMULATE], 1);
	recs = th_audit_records(d);
	*ret_rec = json_object_get(th_find(recs, "event", "syscall"));
	cr_assert_not_null(*ret_rec, "%s", th_audit_text(d));
	json_object_put(recs);
	th_audit_reset(d); /* the next call's record alone */
	session_free(s);
	return res;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	cr_assert(json_object_object_get_ex(o, key, &v) && v, "no '%s' in %s", key,
		  json_object_to_json_string(o));
	return v;
}

Test(emu_dispatch, the_record_keeps_the_emulator_its_arguments_and_result)
{
	struct sysgated *d = th_daemon();
	json_object *rec, *result;
	struct th_call res;
	struct stat st;
	char buf[PATH_MAX];

	if (geteuid() != 0)
		cr_skip_test("device nodes need root");
	res = notify_mknod(d, "mknod emulate mknod", "null", makedev(1, 3), &rec);
	cr_expect(res.ret == 0 && res.err == 0, "%ld, errno %d", res.ret, res.err);
	snprintf(buf, sizeof(buf), "%s/null", th_tmpdir());
	cr_expect(stat(buf, &st) == 0 && S_ISCHR(st.st_mode));
	cr_expect_str_eq(th_jstr(rec, "verdict"), "emulate");
	cr_expect_str_eq(th_jstr(rec, "emulator"), "mknod");
	cr_expect_str_eq(th_jstr(member(rec, "decoded"), "path"), "null");
	cr_expect_str_eq(th_jstr(member(rec, "decoded"), "dev"), "1:3");
	cr_expect_str_eq(th_jstr(member(rec, "decoded"), "mode"), "020666");
	result = member(rec, "result");
	cr_expect_str_eq(th_jstr(result, "outcome"), "created");
	cr_expect_eq(th_jint(result, "value"), 0);
	cr_expect(!th_jhas(result, "errno"));
	json_object_put(rec);

	res = notify_mknod(d, "mknod emulate mknod-strict", "mem", makedev(1, 1), &rec);
	cr_expect(res.ret == -1 && res.err == EPERM, "%ld, errno %d", res.ret, res.err);
	result = member(rec, "result");
	cr_expect_str_eq(th_jstr(result, "outcome"), "denied");
	cr_expect_eq(th_jint(result, "errno"), EPERM);
	cr_expect_str_eq(th_jstr(result, "errno_name"), "EPERM");
	cr_expect(!th_jhas(result, "value"));
	json_object_put(rec);
}

Test(emu_dispatch, an_emulators_failure_is_the_calls_errno)
{
	struct sysgated *d = th_daemon();
	json_object *rec;
	struct th_call res = notify_mknod(d, "mknod emulate mknod", "missing/null", makedev(1, 3),
					  &rec);

	cr_expect(res.ret == -1 && res.err == ENOENT, "%ld, errno %d", res.ret, res.err);
	cr_expect_str_eq(th_jstr(member(rec, "result"), "outcome"), "denied");
	cr_expect_eq(th_jint(member(rec, "result"), "errno"), ENOENT);
	json_object_put(rec);
}

/* The call spec describes, received and decided (an emulate verdict) under policy. */
static struct session *decided(struct sysgated *d, struct th_target *t,
			       const struct th_callspec *spec, const char *policy,
			       struct sg_call *c, struct verdict *v)
{
	struct session *s = th_emu_start(d, t, spec, policy, c);

	verdict_decide(s, c, false, v);
	cr_assert_eq(v->kind, SG_ACT_EMULATE);
	return s;
}

/* Answer as v says and return the target's result. */
static struct th_call answer(struct th_target *t, struct session *s, const struct verdict *v)
{
	struct emu_ctx ctx = { .s = s, .kind = v->kind, .err = v->err, .value = v->value };

	json_object_put(v->call.emu);
	return th_emu_finish(t, &ctx, 0);
}

Test(emu_dispatch, another_abi_is_refused_enosys_without_an_emulator)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = mknod_spec("i386-null", makedev(1, 3));
	struct th_target t;
	struct sg_call c;
	struct verdict v;
	struct session *s;
	char buf[PATH_MAX];
	struct stat st;

	s = decided(d, &t, &spec, "version 1\ndefault allow\nmknod emulate mknod\n", &c, &v);
	c.arch = AUDIT_ARCH_I386; /* as if the call came from the other ABI */
	cr_expect_eq(emulate_notify(s, &c, &v), 0);
	cr_expect_eq(v.kind, SG_ACT_DENY);
	cr_expect_eq(v.err, ENOSYS);
	cr_assert_not_null(v.call.emu);
	cr_expect_str_eq(th_jstr(member(v.call.emu, "result"), "outcome"), "denied");
	cr_expect_eq(answer(&t, s, &v).err, ENOSYS);
	snprintf(buf, sizeof(buf), "%s/i386-null", th_tmpdir());
	cr_expect(stat(buf, &st) < 0, "the emulator ran");
}

Test(emu_dispatch, a_caller_that_left_is_dropped)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = mknod_spec("left", makedev(1, 3));
	struct th_target t;
	struct sg_call c;
	struct verdict v;
	struct session *s;

	s = decided(d, &t, &spec, "version 1\ndefault allow\nmknod emulate mknod\n", &c, &v);
	{
		struct emu_ctx ctx = { .s = s };

		cr_expect_eq(emu_still_valid(&ctx), 0, "pending");
		kill(t.pid, SIGKILL);
		th_target_wait(&t);
		cr_expect_eq(emu_still_valid(&ctx), -ESRCH, "gone");
	}
	cr_expect_eq(emulate_notify(s, &c, &v), -ENOENT);
	cr_expect_null(v.call.emu);
}

Test(emu_dispatch, an_emulator_that_queued_a_job_is_answered_by_it)
{
	/* open works through the session's helper: emulate_notify() leaves the call to the
	 * job (EMU_QUEUED, v untouched), which injects the fd with ADDFD_FLAG_SEND, counts and
	 * records the call once the helper is done (open used to answer itself: 1) */
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_open };
	json_object *recs, *rec;
	struct th_target t;
	struct sg_call c;
	struct verdict v;
	struct session *s;
	struct th_call res;

	snprintf(path_buf, sizeof(path_buf), "/dev/null");
	spec.args[0] = (uint64_t)(uintptr_t)path_buf;
	spec.args[1] = O_RDONLY;
	s = decided(d, &t, &spec, "version 1\ndefault allow\nopen emulate open /etc/shadow\n", &c,
		    &v);
	cr_expect_eq(emulate_notify(s, &c, &v), EMU_QUEUED);
	cr_expect_null(v.call.emu, "the job finishes the call, not this verdict");
	cr_expect_eq(s->counts[SG_COUNT_EMULATE], 0, "counted once answered");
	th_emu_wait(d, &t);
	th_target_read(&t, &res, sizeof(res));
	cr_expect_geq(res.ret, 0, "errno %d", res.err);
	cr_expect_eq(s->counts[SG_COUNT_EMULATE], 1);
	recs = th_audit_records(d);
	rec = th_find(recs, "verdict", "emulate");
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect_str_eq(th_jstr(member(rec, "result"), "outcome"), "opened");
	cr_expect_eq(th_jint(member(rec, "result"), "value"), res.ret,
		     "the target got the fd the record names");
	json_object_put(recs);
}

Test(emu_dispatch, a_decision_from_registers_continues_the_call)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_setpriority, .args = { PRIO_PROCESS, 0, 3 } };
	struct th_target t;
	struct sg_call c;
	struct verdict v;
	struct session *s;

	s = decided(d, &t, &spec, "version 1\ndefault allow\nsetpriority emulate sched\n", &c, &v);
	cr_expect_eq(emulate_notify(s, &c, &v), 0);
	cr_expect_eq(v.kind, SG_ACT_ALLOW);
	cr_expect_str_eq(th_jstr(member(v.call.emu, "result"), "outcome"), "continued");
	cr_expect(!th_jhas(member(v.call.emu, "result"), "value"));
	cr_expect_eq(answer(&t, s, &v).ret, 0);
}

Test(emu_dispatch, a_path_argument_is_read_and_decoded)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_getppid };
	char buf[16];
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;

	snprintf(path_buf, sizeof(path_buf), "a/path");
	s = th_emu_start(d, &t, &spec, "version 1\ndefault allow\nchown emulate chown\n", &c);
	ctx = th_emu_ctx(s, &c, true);
	cr_expect_eq(emu_read_path(&ctx, "p", (uint64_t)(uintptr_t)path_buf, buf, sizeof(buf)), 0);
	cr_expect_str_eq(th_decoded(&ctx, "p"), "a/path");
	cr_expect_eq(emu_read_path(&ctx, "q", 8, buf, sizeof(buf)), -EFAULT);
	cr_expect_eq(emu_read_path(&ctx, "r", (uint64_t)(uintptr_t)path_buf, buf, 4),
		     -ENAMETOOLONG);
	cr_expect(!th_decoded(&ctx, "q") && !th_decoded(&ctx, "r"), "nothing decoded on failure");
	ctx.kind = SG_ACT_ALLOW;
	th_emu_finish(&t, &ctx, 0);
}
