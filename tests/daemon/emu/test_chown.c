/* SPDX-License-Identifier: MIT */
/*
 * emu/chown.c against real notifications, as tables: chown and its kin run
 * (CONTINUE) when the caller's user namespace maps both ids and are faked
 * otherwise; sched runs what needs no privilege and fakes the rest; xattr
 * fakes trusted.* and security.* and refuses other names.  The target reports
 * what its call returned; a file's owner shows whether chown really ran.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

TestSuite(emu_chown, .fini = th_cleanup, .timeout = 60);

#define NONE UINT32_MAX /* -1: unchanged */
#define MAP "0 0 1\n1000 1000 1\n"

static char path_buf[256], name_buf[512];
static const char xattr_value[] = "v";

/* Run emulator on the call spec describes (its first rule says which), with a record or
 * not; returns what the target's call returned, after checks of the outcome. */
static struct th_call emulate(struct sysgated *d, struct th_callspec *spec, const char *policy,
			      int (*emulator)(struct emu_ctx *), bool record,
			      const char *outcome, const char *what, struct emu_ctx *ret_ctx)
{
	struct th_target t;
	struct sg_call c;
	struct session *s = th_emu_start(d, &t, spec, policy, &c);
	struct emu_ctx ctx = th_emu_ctx(s, &c, record);
	int r = emulator(&ctx);
	struct th_call res;

	cr_expect_eq(r, 0, "%s: %s", what, strerror(-r));
	cr_expect_str_eq(ctx.outcome ? ctx.outcome : "(none)", outcome, "%s", what);
	*ret_ctx = ctx;
	ret_ctx->decoded = json_object_get(ctx.decoded); /* kept for the caller's checks */
	res = th_emu_finish(&t, &ctx, r);
	session_free(s);
	return res;
}

static const struct chown_row {
	const char *name;
	long nr;
	uint32_t uid, gid;
	const char *idmap; /* NULL: the daemon's own namespace */
	/* expected */
	const char *outcome;
	uid_t owner_uid; /* after the call */
	gid_t owner_gid;
} chown_rows[] = {
	{ "mapped ids run", __NR_chown, 1000, 1000, MAP, "continued", 1000, 1000 },
	{ "an unmapped uid is faked", __NR_chown, 2000, 1000, MAP, "faked", 0, 0 },
	{ "an unmapped gid is faked", __NR_chown, 1000, 2000, MAP, "faked", 0, 0 },
	{ "-1 is always mapped", __NR_chown, NONE, 1000, MAP, "continued", 0, 1000 },
	{ "-1, -1", __NR_chown, NONE, NONE, MAP, "continued", 0, 0 },
	{ "lchown", __NR_lchown, 1000, NONE, MAP, "continued", 1000, 0 },
	{ "lchown unmapped", __NR_lchown, 5, 5, MAP, "faked", 0, 0 },
	{ "fchownat", __NR_fchownat, 1000, 1000, MAP, "continued", 1000, 1000 },
	{ "fchownat unmapped", __NR_fchownat, 1001, 1000, MAP, "faked", 0, 0 },
	{ "fchown", __NR_fchown, 1000, 1000, MAP, "continued", 1000, 1000 },
	{ "fchown unmapped", __NR_fchown, 1000, 999, MAP, "faked", 0, 0 },
	{ "the daemon's namespace maps every id", __NR_chown, 4242, 4343, NULL, "continued", 4242,
	  4343 },
};

/* A file of root's for row i; its path in the test's directory. */
static const char *row_file(size_t i)
{
	int fd;

	snprintf(path_buf, sizeof(path_buf), "%s/f%zu", th_tmpdir(), i);
	fd = open(path_buf, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	return path_buf;
}

static void chown_row(struct sysgated *d, size_t i)
{
	const struct chown_row *row = &chown_rows[i];
	struct th_callspec spec = { .nr = row->nr, .idmap = row->idmap };
	uint64_t path = (uint64_t)(uintptr_t)row_file(i);
	int fd = open(path_buf, O_RDONLY | O_CLOEXEC); /* fchown's: the target inherits it */
	unsigned base = row->nr == __NR_fchownat ? 1 : 0;
	struct emu_ctx ctx;
	struct th_call res;
	struct stat st;
	char id[16];

	cr_assert_geq(fd, 0);
	spec.args[0] = row->nr == __NR_fchown ? (uint64_t)fd : row->nr == __NR_fchownat ?
		       (uint64_t)(int64_t)AT_FDCWD : path;
	spec.args[base] = row->nr == __NR_fchown ? spec.args[0] : path;
	spec.args[base + 1] = row->uid;
	spec.args[base + 2] = row->gid;
	res = emulate(d, &spec, "version 1\ndefault allow\nchown, lchown, fchown, fchownat emulate "
		      "chown\n", emu_chown, true, row->outcome, row->name, &ctx);
	cr_expect(res.ret == 0 && res.err == 0, "%s: %ld, errno %d", row->name, res.ret, res.err);
	cr_assert_eq(stat(path_buf, &st), 0);
	cr_expect(st.st_uid == row->owner_uid && st.st_gid == row->owner_gid, "%s: owner %u:%u",
		  row->name, st.st_uid, st.st_gid);
	snprintf(id, sizeof(id), "%d", row->uid == NONE ? -1 : (int)row->uid);
	cr_expect_str_eq(th_decoded(&ctx, "uid"), id, "%s", row->name);
	cr_expect_eq(th_decoded(&ctx, "fd") != NULL, row->nr == __NR_fchown, "%s", row->name);
	cr_expect_eq(th_decoded(&ctx, "path") != NULL, row->nr != __NR_fchown, "%s", row->name);
	json_object_put(ctx.decoded);
	close(fd);
}

Test(emu_chown, chown_table)
{
	struct sysgated *d = th_daemon();

	if (geteuid() != 0)
		cr_skip_test("maps of two lines and real chowns need root");
	for (size_t i = 0; i < ARRAY_SIZE(chown_rows); i++)
		chown_row(d, i);
}

Test(emu_chown, the_path_is_read_only_for_the_record)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_chown };
	struct emu_ctx ctx;

	spec.args[0] = (uint64_t)(uintptr_t)row_file(0);
	spec.args[1] = spec.args[2] = NONE;
	emulate(d, &spec, "version 1\ndefault allow\nchown emulate chown\n", emu_chown, false,
		"continued", "not recorded", &ctx);
	cr_expect_null(th_decoded(&ctx, "path"));
	json_object_put(ctx.decoded);
	spec.args[0] = 8; /* a bad pointer: the decision never needs it */
	emulate(d, &spec, "version 1\ndefault allow\nchown emulate chown\n", emu_chown, true,
		"continued", "recorded, unreadable", &ctx);
	cr_expect_null(th_decoded(&ctx, "path"), "an unreadable path is left out");
	json_object_put(ctx.decoded);
}

Test(emu_chown, sched_table)
{
	static const struct sched_param zero = { 0 }, one = { .sched_priority = 1 };
	static const struct {
		const char *name;
		long nr;
		uint64_t a0, a1, a2;
		const char *outcome, *key, *value; /* a decoded argument */
	} rows[] = {
		{ "a lower priority runs", __NR_setpriority, PRIO_PROCESS, 0, 5, "continued", "prio",
		  "5" },
		{ "the default priority runs", __NR_setpriority, PRIO_PROCESS, 0, 0, "continued",
		  "which", "0" },
		{ "a higher priority is faked", __NR_setpriority, PRIO_PROCESS, 0, (uint64_t)-5,
		  "faked", "prio", "-5" },
		{ "SCHED_BATCH runs", __NR_sched_setscheduler, 0, SCHED_BATCH,
		  (uint64_t)(uintptr_t)&zero, "continued", "policy", "3" },
		{ "SCHED_IDLE with reset-on-fork runs", __NR_sched_setscheduler, 0,
		  SCHED_IDLE | SCHED_RESET_ON_FORK, (uint64_t)(uintptr_t)&zero, "continued",
		  "policy", "5" },
		{ "SCHED_OTHER runs", __NR_sched_setscheduler, 0, SCHED_OTHER,
		  (uint64_t)(uintptr_t)&zero, "continued", "pid", "0" },
		{ "SCHED_FIFO is faked", __NR_sched_setscheduler, 0, SCHED_FIFO,
		  (uint64_t)(uintptr_t)&one, "faked", "policy", "1" },
		{ "sched_setparam is faked", __NR_sched_setparam, 0, (uint64_t)(uintptr_t)&one, 0,
		  "faked", "pid", "0" },
	};
	struct sysgated *d = th_daemon();

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct th_callspec spec = { .nr = rows[i].nr,
					    .args = { rows[i].a0, rows[i].a1, rows[i].a2 } };
		struct emu_ctx ctx;
		struct th_call res = emulate(d, &spec, "version 1\ndefault allow\nsetpriority, "
					     "sched_setscheduler, sched_setparam emulate sched\n",
					     emu_sched, true, rows[i].outcome, rows[i].name, &ctx);

		/* faked calls return 0; the ones that run succeed for root or a lower priority */
		cr_expect_eq(res.ret, 0, "%s: %ld, errno %d", rows[i].name, res.ret, res.err);
		cr_expect_str_eq(th_decoded(&ctx, rows[i].key) ? th_decoded(&ctx, rows[i].key) :
				 "(none)", rows[i].value, "%s: %s", rows[i].name, rows[i].key);
		json_object_put(ctx.decoded);
	}
}

Test(emu_chown, xattr_table)
{
	static const struct {
		const char *name;
		long nr;
		const char *xname;
		const char *outcome;
		int err;
	} rows[] = {
		{ "trusted.* is faked", __NR_setxattr, "trusted.overlay.opaque", "faked", 0 },
		{ "security.* is faked", __NR_lsetxattr, "security.capability", "faked", 0 },
		{ "fsetxattr: security.*", __NR_fsetxattr, "security.selinux", "faked", 0 },
		{ "user.* is refused", __NR_setxattr, "user.comment", "denied", ENOTSUP },
		{ "a prefix alone is refused", __NR_setxattr, "trusted", "denied", ENOTSUP },
	};
	struct sysgated *d = th_daemon();

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct th_callspec spec = { .nr = rows[i].nr };
		struct emu_ctx ctx;
		struct th_call res;

		snprintf(path_buf, sizeof(path_buf), "/nonexistent/file");
		snprintf(name_buf, sizeof(name_buf), "%s", rows[i].xname);
		spec.args[0] = rows[i].nr == __NR_fsetxattr ? 0 : (uint64_t)(uintptr_t)path_buf;
		spec.args[1] = (uint64_t)(uintptr_t)name_buf;
		spec.args[2] = (uint64_t)(uintptr_t)xattr_value;
		spec.args[3] = 1;
		res = emulate(d, &spec, "version 1\ndefault allow\nsetxattr, lsetxattr, fsetxattr "
			      "emulate xattr\n", emu_xattr, true, rows[i].outcome, rows[i].name, &ctx);
		cr_expect_eq(res.ret, rows[i].err ? -1 : 0, "%s: %ld", rows[i].name, res.ret);
		cr_expect_eq(res.err, rows[i].err, "%s: errno %d", rows[i].name, res.err);
		cr_expect_str_eq(th_decoded(&ctx, "name"), rows[i].xname, "%s", rows[i].name);
		cr_expect_str_eq(th_decoded(&ctx, "size"), "1", "%s", rows[i].name);
		if (rows[i].nr == __NR_fsetxattr)
			cr_expect_str_eq(th_decoded(&ctx, "fd"), "0", "%s", rows[i].name);
		else
			cr_expect_str_eq(th_decoded(&ctx, "path"), path_buf, "%s", rows[i].name);
		json_object_put(ctx.decoded);
	}
}

Test(emu_chown, an_xattr_name_too_long_is_erange_and_a_bad_one_efault)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_setxattr };
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;

	memset(name_buf, 'n', 300);
	name_buf[300] = '\0';
	for (int i = 0; i < 2; i++) {
		spec.args[1] = i == 0 ? (uint64_t)(uintptr_t)name_buf : 16;
		s = th_emu_start(d, &t, &spec, "version 1\ndefault allow\nsetxattr emulate xattr\n",
				 &c);
		ctx = th_emu_ctx(s, &c, true);
		cr_expect_eq(emu_xattr(&ctx), i == 0 ? -ERANGE : -EFAULT, "case %d", i);
		cr_expect_eq(th_emu_finish(&t, &ctx, i == 0 ? -ERANGE : -EFAULT).err,
			     i == 0 ? ERANGE : EFAULT);
		session_free(s);
	}
}
