/* SPDX-License-Identifier: MIT */
/*
 * emu/mknod.c against real notifications: a target calls mknod or mknodat in
 * the test's directory, emu_mknod() acts on the received call and hands it to
 * the session's helper (a real sysgate-helper, as the caller), the loop runs
 * until the job answers it, and the target reports what its call returned.  A
 * table of devices, types, allowlists, callers and session owners: what is
 * made (type, permissions after the caller's umask, device number, owner), the
 * outcome and errno the call's record gives, the errno.  Then the caller's
 * root, its directory fds, a file system that may wait on user space and bad
 * arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.h"

TestSuite(emu_mknod, .fini = th_cleanup, .timeout = 60);

#define DEFAULT_RULE "mknod emulate mknod"
#define STRICT_RULE "mknod emulate mknod-strict"

static char path_buf[256];

/* The call of mknod(path, mode, dev) in the test's directory by a caller with umask and fsuid
 * (fsgid alike); the session's policy allows all but mknod, decided by rule. */
static struct session *mknod_call(struct sysgated *d, struct th_target *t, const char *rule,
				  const char *path, mode_t mode, dev_t dev, uid_t fsuid,
				  struct sg_call *c)
{
	struct th_callspec spec = { .nr = __NR_mknod, .cwd = th_tmpdir(), .umask = 022,
				    .fsuid = fsuid, .fsgid = fsuid };
	char policy[256];

	snprintf(path_buf, sizeof(path_buf), "%s", path);
	spec.args[0] = (uint64_t)(uintptr_t)path_buf;
	spec.args[1] = mode;
	spec.args[2] = dev;
	snprintf(policy, sizeof(policy), "version 1\ndefault allow\n%s\n", rule);
	return th_emu_start(d, t, &spec, policy, c);
}

static const struct row {
	const char *name;
	const char *rule;
	const char *path;
	mode_t mode;
	unsigned major, minor;
	uid_t fsuid;
	uid_t owner;         /* of the session: root's is unbounded, another user's bounded */
	/* expected */
	const char *outcome; /* NULL: the emulator fails the call before the helper (returns
			      * < 0); else the helper had it (EMU_QUEUED): the record's */
	int err;             /* of the call */
	mode_t type;         /* of what is made, 0: nothing */
	mode_t perm;
} rows[] = {
	{ "null", DEFAULT_RULE, "null", S_IFCHR | 0666, 1, 3, 0, 0, "created", 0, S_IFCHR, 0644 },
	{ "urandom", DEFAULT_RULE, "urandom", S_IFCHR | 0600, 1, 9, 0, 0, "created", 0, S_IFCHR,
	  0600 },
	{ "tty", STRICT_RULE, "tty", S_IFCHR | 0666, 5, 0, 0, 0, "created", 0, S_IFCHR, 0644 },
	{ "mem: a placeholder", DEFAULT_RULE, "mem", S_IFCHR | 0640, 1, 1, 0, 0, "placeholder", 0,
	  S_IFREG, 0640 },
	{ "mem, strict: refused", STRICT_RULE, "mem-strict", S_IFCHR | 0640, 1, 1, 0, 0, NULL,
	  EPERM, 0, 0 },
	{ "a block device: a placeholder", DEFAULT_RULE, "sda", S_IFBLK | 0660, 8, 0, 0, 0,
	  "placeholder", 0, S_IFREG, 0640 },
	{ "a block device, strict: refused", STRICT_RULE, "sda-strict", S_IFBLK | 0660, 8, 0, 0, 0,
	  NULL, EPERM, 0, 0 },
	/* a session of root's is not bounded by the administrator's list: the rule's alone */
	{ "the rule's list replaces the default", "mknod emulate mknod 1:1 10:200", "mem-listed",
	  S_IFCHR | 0666, 1, 1, 0, 0, "created", 0, S_IFCHR, 0644 },
	{ "the rule's list: second entry", "mknod emulate mknod-strict 1:1 10:200", "tun",
	  S_IFCHR | 0666, 10, 200, 0, 0, "created", 0, S_IFCHR, 0644 },
	{ "not in the rule's list", "mknod emulate mknod-strict 1:1", "null-unlisted",
	  S_IFCHR | 0666, 1, 3, 0, 0, NULL, EPERM, 0, 0 },
	/* another user's session: the rule's list stays within the administrator's (the
	 * default list: null zero full random urandom tty and the whiteout) */
	{ "another owner: a rule's device outside the bound is a placeholder",
	  "mknod emulate mknod 10:200", "tun-bounded", S_IFCHR | 0666, 10, 200, 0, 1000,
	  "placeholder", 0, S_IFREG, 0644 },
	{ "another owner, strict: refused", "mknod emulate mknod-strict 10:200", "tun-strict",
	  S_IFCHR | 0666, 10, 200, 0, 1000, NULL, EPERM, 0, 0 },
	{ "another owner: a rule's device within the bound", "mknod emulate mknod-strict 1:3 10:200",
	  "null-bounded", S_IFCHR | 0666, 1, 3, 0, 1000, "created", 0, S_IFCHR, 0644 },
	{ "a fifo", STRICT_RULE, "fifo", S_IFIFO | 0666, 0, 0, 0, 0, "created", 0, S_IFIFO, 0644 },
	{ "a regular file", DEFAULT_RULE, "file", S_IFREG | 0777, 0, 0, 0, 0, "created", 0, S_IFREG,
	  0755 },
	{ "no type: a regular file", DEFAULT_RULE, "notype", 0604, 0, 0, 0, 0, "created", 0, S_IFREG,
	  0604 },
	{ "a directory is no node", DEFAULT_RULE, "dir", S_IFDIR | 0755, 0, 0, 0, 0, NULL, EINVAL, 0,
	  0 },
	{ "an existing name", DEFAULT_RULE, "exists", S_IFCHR | 0666, 1, 3, 0, 0, "denied", EEXIST,
	  S_IFREG, 0600 },
	/* the helper resolves the path and the daemon makes the node in the directory it
	 * returns: their failures come with the job's answer, recorded "denied" (they were the
	 * emulator's own before it had a helper) */
	{ "a missing directory", DEFAULT_RULE, "missing/null", S_IFCHR | 0666, 1, 3, 0, 0, "denied",
	  ENOENT, 0, 0 },
	{ "a caller who may not write there", DEFAULT_RULE, "nowrite", S_IFCHR | 0666, 1, 3, 1234, 0,
	  "denied", EACCES, 0, 0 },
	{ "the caller's node is its own", DEFAULT_RULE, "open/null", S_IFCHR | 0666, 1, 3, 1234, 0,
	  "created", 0, S_IFCHR, 0644 },
};

static void check_made(const struct row *row)
{
	struct stat st;
	char path[512];
	int r;

	snprintf(path, sizeof(path), "%s/%s", th_tmpdir(), row->path);
	r = lstat(path, &st);
	if (!row->type) {
		cr_expect(r < 0 && errno == ENOENT, "%s: made anyway", row->name);
		return;
	}
	cr_assert_eq(r, 0, "%s: nothing made", row->name);
	cr_expect_eq(st.st_mode & S_IFMT, row->type, "%s: type 0%o", row->name, st.st_mode);
	cr_expect_eq(st.st_mode & 07777, row->perm, "%s: mode 0%o", row->name, st.st_mode);
	if (row->type == S_IFCHR)
		cr_expect(major(st.st_rdev) == row->major && minor(st.st_rdev) == row->minor,
			  "%s: rdev %u:%u", row->name, major(st.st_rdev), minor(st.st_rdev));
	if (row->type == S_IFREG && row->mode & S_IFMT)
		cr_expect_eq(st.st_size, 0, "%s: a placeholder is empty", row->name);
	if (strcmp(row->path, "exists") != 0)
		cr_expect(st.st_uid == row->fsuid && st.st_gid == row->fsuid, "%s: owner %u:%u",
			  row->name, st.st_uid, st.st_gid);
}

static void run_row(struct sysgated *d, const struct row *row)
{
	struct th_target t;
	struct sg_call c;
	struct session *s = mknod_call(d, &t, row->rule, row->path, row->mode,
				       makedev(row->major, row->minor), row->fsuid, &c);
	struct emu_ctx ctx;
	struct th_call res;
	char dev[32];
	int r;

	s->uid = row->owner; /* as if it had registered: the test process is root */
	ctx = th_emu_ctx(s, &c, true);
	r = emu_mknod(&ctx, strstr(row->rule, "strict") != NULL);
	if (row->outcome)
		cr_expect_eq(r, EMU_QUEUED, "%s: not handed to the helper: %d", row->name, r);
	else
		cr_expect_eq(r, -row->err, "%s: returned %d", row->name, r);
	res = th_emu_finish(&t, &ctx, r);
	cr_expect_str_eq(ctx.outcome, row->outcome ? row->outcome : "denied", "%s", row->name);
	snprintf(dev, sizeof(dev), "%u:%u", row->major, row->minor);
	cr_expect_str_eq(th_decoded(&ctx, "dev"), dev, "%s", row->name);
	cr_expect_str_eq(th_decoded(&ctx, "path"), row->path, "%s", row->name);
	cr_expect_eq(res.ret, row->err ? -1 : 0, "%s: the call returned %ld", row->name, res.ret);
	cr_expect_eq(res.err, row->err, "%s: errno %d", row->name, res.err);
	check_made(row);
	session_free(s);
}

Test(emu_mknod, table)
{
	struct sysgated *d = th_daemon();
	char path[512];
	int fd;

	if (geteuid() != 0)
		cr_skip_test("the emulator makes device nodes as root");
	snprintf(path, sizeof(path), "%s/exists", th_tmpdir());
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/open", th_tmpdir());
	cr_assert_eq(mkdir(path, 0777), 0);
	cr_assert_eq(chmod(path, 0777), 0);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		run_row(d, &rows[i]);
}

/* path under the test's directory, into buf. */
static const char *tmp(char *buf, size_t size, const char *path)
{
	snprintf(buf, size, "%s/%s", th_tmpdir(), path);
	return buf;
}

Test(emu_mknod, mknodat_starts_at_the_callers_directory_fd)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_mknodat, .umask = 0 };
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;
	struct stat st;
	char buf[512];
	int dirfd;

	if (geteuid() != 0)
		cr_skip_test("the emulator makes device nodes as root");
	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "at"), 0755), 0);
	dirfd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* the target inherits it */
	cr_assert_geq(dirfd, 0);
	snprintf(path_buf, sizeof(path_buf), "zero");
	spec.args[0] = (uint64_t)dirfd;
	spec.args[1] = (uint64_t)(uintptr_t)path_buf;
	spec.args[2] = S_IFCHR | 0666;
	spec.args[3] = makedev(1, 5);
	s = th_emu_start(d, &t, &spec, "version 1\ndefault allow\nmknodat emulate mknod\n", &c);
	ctx = th_emu_ctx(s, &c, true);
	cr_expect_eq(th_emu_finish(&t, &ctx, emu_mknod(&ctx, false)).ret, 0);
	cr_expect_str_eq(ctx.outcome, "created");
	close(dirfd);
	cr_assert_eq(lstat(tmp(buf, sizeof(buf), "at/zero"), &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5));
	cr_expect_eq(st.st_mode & 07777, 0666, "the caller's umask 0, not the daemon's");
}

/* mknod(path, mode, dev) by a caller whose root is root and cwd cwd there, under `mknod
 * emulate mknod`; what the call returned. */
static struct th_call mknod_in_root(struct sysgated *d, const char *root, const char *cwd,
				    const char *path, mode_t mode, dev_t dev)
{
	struct th_callspec spec = { .nr = __NR_mknod, .umask = 022, .root = root, .cwd = cwd };
	struct th_target t;
	struct th_call res;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;

	snprintf(path_buf, sizeof(path_buf), "%s", path);
	spec.args[0] = (uint64_t)(uintptr_t)path_buf;
	spec.args[1] = mode;
	spec.args[2] = dev;
	s = th_emu_start(d, &t, &spec, "version 1\ndefault allow\nmknod emulate mknod\n", &c);
	ctx = th_emu_ctx(s, &c, false);
	res = th_emu_finish(&t, &ctx, emu_mknod(&ctx, false));
	session_free(s);
	return res;
}

Test(emu_mknod, a_path_resolves_in_the_callers_root)
{
	/* the helper lives in the caller's root: no path leads out of it (these rows were
	 * tpath_open_parent's when the daemon resolved paths itself) */
	static const struct {
		const char *path; /* the caller's cwd is /in */
		mode_t mode;
		const char *made; /* where, in the caller's root; NULL: ENOENT */
	} in_root[] = {
		{ "/null", S_IFCHR | 0666, "null" },
		{ "/tmp-link/sg-mknod-escaped", S_IFCHR | 0666, NULL }, /* its root's /tmp */
		{ "/in/fifo1", S_IFIFO | 0666, "in/fifo1" },
		{ "fifo2", S_IFIFO | 0666, "in/fifo2" },
		{ "../../../fifo3", S_IFIFO | 0666, "fifo3" },
		{ "/out/fifo4", S_IFIFO | 0666, "fifo4" }, /* out -> / */
		{ "/up/fifo5", S_IFIFO | 0666, "fifo5" },  /* up -> ../.. */
	};
	struct sysgated *d = th_daemon();
	char root[512], buf[512];
	struct th_call res;
	struct stat st;

	if (geteuid() != 0)
		cr_skip_test("the emulator makes device nodes as root");
	cr_assert_eq(mkdir(tmp(root, sizeof(root), "root"), 0755), 0);
	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "root/in"), 0755), 0);
	cr_assert_eq(symlink("/tmp", tmp(buf, sizeof(buf), "root/tmp-link")), 0);
	cr_assert_eq(symlink("/", tmp(buf, sizeof(buf), "root/out")), 0);
	cr_assert_eq(symlink("../..", tmp(buf, sizeof(buf), "root/up")), 0);
	for (size_t i = 0; i < ARRAY_SIZE(in_root); i++) {
		char made[128];

		res = mknod_in_root(d, root, "/in", in_root[i].path, in_root[i].mode, makedev(1, 3));
		cr_expect_eq(res.err, in_root[i].made ? 0 : ENOENT, "%s: errno %d", in_root[i].path,
			     res.err);
		snprintf(made, sizeof(made), "root/%s", in_root[i].made ? in_root[i].made : "");
		if (in_root[i].made)
			cr_expect_eq(lstat(tmp(buf, sizeof(buf), made), &st), 0,
				     "%s: not made at /%s in the caller's root", in_root[i].path,
				     in_root[i].made);
	}
	cr_expect(lstat("/tmp/sg-mknod-escaped", &st) < 0, "made outside the caller's root");
	(void)unlink("/tmp/sg-mknod-escaped");
}

/* An overlay mount at the test's directory/ovl (its layers beside it) in a mount namespace
 * of this test's own, which the targets started later share; its path. */
static const char *overlay(char *merged, size_t size)
{
	char lower[256], upper[256], work[256], opts[1024];

	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mkdir(tmp(lower, sizeof(lower), "lower"), 0755), 0);
	cr_assert_eq(mkdir(tmp(upper, sizeof(upper), "upper"), 0755), 0);
	cr_assert_eq(mkdir(tmp(work, sizeof(work), "work"), 0755), 0);
	cr_assert_eq(mkdir(tmp(merged, size, "ovl"), 0755), 0);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
	if (mount("overlay", merged, "overlay", 0, opts) < 0)
		cr_skip_test("no overlay mount here: %s", strerror(errno));
	return merged;
}

Test(emu_mknod, a_device_where_making_it_may_wait_on_user_space_is_a_placeholder)
{
	/* The daemon makes a node only on a file system that never waits on user space or the
	 * network (priv.c: its loop must not block); elsewhere (overlay, whose upper may be
	 * either, fuse, nfs) the helper makes the placeholder, allowlisted device or not. */
	struct sysgated *d = th_daemon();
	char merged[256], buf[512];
	struct th_target t;
	struct th_call res;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;
	struct stat st;
	int r;

	if (geteuid() != 0)
		cr_skip_test("mounting an overlay needs root");
	overlay(merged, sizeof(merged));
	s = mknod_call(d, &t, DEFAULT_RULE, "ovl/null", S_IFCHR | 0666, makedev(1, 3), 0, &c);
	ctx = th_emu_ctx(s, &c, true);
	r = emu_mknod(&ctx, false);
	cr_expect_eq(r, EMU_QUEUED);
	res = th_emu_finish(&t, &ctx, r);
	session_free(s);
	cr_expect(res.ret == 0 && res.err == 0, "%ld, errno %d", res.ret, res.err);
	cr_expect_str_eq(ctx.outcome, "placeholder");
	cr_expect_eq(lstat(tmp(buf, sizeof(buf), "ovl/null"), &st), 0);
	cr_expect(S_ISREG(st.st_mode) && st.st_size == 0, "mode 0%o", st.st_mode);
	cr_expect_eq(st.st_mode & 07777, 0644);
	cr_expect_eq(umount2(merged, MNT_DETACH), 0);
}

Test(emu_mknod, a_bad_path_pointer_is_efault_and_a_gone_caller_esrch)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_mknod, .cwd = th_tmpdir() };
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;
	char buf[512];
	struct stat st;

	spec.args[0] = 8; /* unmapped */
	spec.args[1] = S_IFCHR | 0666;
	spec.args[2] = makedev(1, 3);
	s = th_emu_start(d, &t, &spec, "version 1\ndefault allow\nmknod emulate mknod\n", &c);
	ctx = th_emu_ctx(s, &c, false);
	cr_expect_eq(emu_mknod(&ctx, false), -EFAULT);
	cr_expect_eq(th_emu_finish(&t, &ctx, -EFAULT).err, EFAULT);
	session_free(s);

	snprintf(path_buf, sizeof(path_buf), "gone");
	spec.args[0] = (uint64_t)(uintptr_t)path_buf;
	s = th_emu_start(d, &t, &spec, "version 1\ndefault allow\nmknod emulate mknod\n", &c);
	kill(t.pid, SIGKILL);
	th_target_wait(&t);
	ctx = th_emu_ctx(s, &c, false);
	cr_expect_eq(emu_mknod(&ctx, false), -ESRCH, "no job for a caller that left");
	json_object_put(ctx.decoded);
	cr_expect(lstat(tmp(buf, sizeof(buf), "gone"), &st) < 0, "made for a gone caller");
}
