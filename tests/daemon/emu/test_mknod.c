/* SPDX-License-Identifier: MIT */
/*
 * emu/mknod.c against real notifications: a target calls mknod or mknodat in
 * the test's directory, emu_mknod() acts on the received call, the answer goes
 * back and the target reports what its call returned.  A table of devices,
 * types, allowlists and callers: what is made (type, permissions after the
 * caller's umask, device number, owner), the outcome, the errno.  Then the
 * caller's root, its directory fds and bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
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
	/* expected */
	const char *outcome; /* NULL: the emulator fails the call itself (returns < 0) */
	int err;             /* of the call */
	mode_t type;         /* of what is made, 0: nothing */
	mode_t perm;
} rows[] = {
	{ "null", DEFAULT_RULE, "null", S_IFCHR | 0666, 1, 3, 0, "created", 0, S_IFCHR, 0644 },
	{ "urandom", DEFAULT_RULE, "urandom", S_IFCHR | 0600, 1, 9, 0, "created", 0, S_IFCHR, 0600 },
	{ "tty", STRICT_RULE, "tty", S_IFCHR | 0666, 5, 0, 0, "created", 0, S_IFCHR, 0644 },
	{ "mem: a placeholder", DEFAULT_RULE, "mem", S_IFCHR | 0640, 1, 1, 0, "placeholder", 0,
	  S_IFREG, 0640 },
	{ "mem, strict: refused", STRICT_RULE, "mem-strict", S_IFCHR | 0640, 1, 1, 0, "denied", EPERM,
	  0, 0 },
	{ "a block device: a placeholder", DEFAULT_RULE, "sda", S_IFBLK | 0660, 8, 0, 0,
	  "placeholder", 0, S_IFREG, 0640 },
	{ "a block device, strict: refused", STRICT_RULE, "sda-strict", S_IFBLK | 0660, 8, 0, 0, "denied",
	  EPERM, 0, 0 },
	{ "the rule's list replaces the default", "mknod emulate mknod 1:1 10:200", "mem-listed",
	  S_IFCHR | 0666, 1, 1, 0, "created", 0, S_IFCHR, 0644 },
	{ "the rule's list: second entry", "mknod emulate mknod-strict 1:1 10:200", "tun",
	  S_IFCHR | 0666, 10, 200, 0, "created", 0, S_IFCHR, 0644 },
	{ "not in the rule's list", "mknod emulate mknod-strict 1:1", "null-unlisted",
	  S_IFCHR | 0666, 1, 3, 0, "denied", EPERM, 0, 0 },
	{ "a fifo", STRICT_RULE, "fifo", S_IFIFO | 0666, 0, 0, 0, "created", 0, S_IFIFO, 0644 },
	{ "a regular file", DEFAULT_RULE, "file", S_IFREG | 0777, 0, 0, 0, "created", 0, S_IFREG,
	  0755 },
	{ "no type: a regular file", DEFAULT_RULE, "notype", 0604, 0, 0, 0, "created", 0, S_IFREG,
	  0604 },
	{ "a directory is no node", DEFAULT_RULE, "dir", S_IFDIR | 0755, 0, 0, 0, NULL, EINVAL, 0,
	  0 },
	{ "an existing name", DEFAULT_RULE, "exists", S_IFCHR | 0666, 1, 3, 0, "denied", EEXIST,
	  S_IFREG, 0600 },
	{ "a missing directory", DEFAULT_RULE, "missing/null", S_IFCHR | 0666, 1, 3, 0, NULL,
	  ENOENT, 0, 0 },
	{ "a caller who may not write there", DEFAULT_RULE, "nowrite", S_IFCHR | 0666, 1, 3, 1234,
	  NULL, EACCES, 0, 0 },
	{ "the caller's node is its own", DEFAULT_RULE, "open/null", S_IFCHR | 0666, 1, 3, 1234,
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
	struct emu_ctx ctx = th_emu_ctx(s, &c, true);
	int r = emu_mknod(&ctx, strstr(row->rule, "strict") != NULL);
	char dev[32];
	struct th_call res;

	if (row->outcome) {
		cr_expect_eq(r, 0, "%s: %s", row->name, strerror(-r));
		cr_expect_str_eq(ctx.outcome ? ctx.outcome : "(none)", row->outcome, "%s",
				 row->name);
	} else {
		cr_expect_eq(r, -row->err, "%s: returned %d", row->name, r);
	}
	snprintf(dev, sizeof(dev), "%u:%u", row->major, row->minor);
	cr_expect_str_eq(th_decoded(&ctx, "dev"), dev, "%s", row->name);
	cr_expect_str_eq(th_decoded(&ctx, "path"), row->path, "%s", row->name);
	res = th_emu_finish(&t, &ctx, r);
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

	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "at"), 0755), 0);
	dirfd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* the target inherits it */
	cr_assert_geq(dirfd, 0);
	snprintf(path_buf, sizeof(path_buf), "zero");
	spec.args[0] = (uint64_t)dirfd;
	spec.args[1] = (uint64_t)(uintptr_t)path_buf;
	spec.args[2] = S_IFCHR | 0666;
	spec.args[3] = makedev(1, 5);
	s = th_emu_start(d, &t, &spec, "version 1\ndefault allow\nmknodat emulate mknod\n", &c);
	ctx = th_emu_ctx(s, &c, false);
	cr_expect_eq(emu_mknod(&ctx, false), 0);
	cr_expect_str_eq(ctx.outcome, "created");
	cr_expect_eq(th_emu_finish(&t, &ctx, 0).ret, 0);
	close(dirfd);
	cr_assert_eq(lstat(tmp(buf, sizeof(buf), "at/zero"), &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5));
	cr_expect_eq(st.st_mode & 07777, 0666, "the caller's umask 0, not the daemon's");
}

Test(emu_mknod, a_path_resolves_in_the_callers_root)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_mknod, .umask = 022 };
	const char *escape = "/tmp/sg-mknod-escaped";
	char root[512], buf[512];
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;
	struct stat st;
	int r;

	cr_assert_eq(mkdir(tmp(root, sizeof(root), "root"), 0755), 0);
	cr_assert_eq(symlink("/tmp", tmp(buf, sizeof(buf), "root/tmp-link")), 0);
	for (int i = 0; i < 2; i++) {
		/* the root's own /null, then through a link to "/tmp": its root's /tmp */
		snprintf(path_buf, sizeof(path_buf), "%s", i == 0 ? "/null" :
			 "/tmp-link/sg-mknod-escaped");
		spec.root = root;
		spec.args[0] = (uint64_t)(uintptr_t)path_buf;
		spec.args[1] = S_IFCHR | 0666;
		spec.args[2] = makedev(1, 3);
		s = th_emu_start(d, &t, &spec, "version 1\ndefault allow\nmknod emulate mknod\n",
				 &c);
		ctx = th_emu_ctx(s, &c, false);
		r = emu_mknod(&ctx, false);
		cr_expect_eq(r, i == 0 ? 0 : -ENOENT, "path %s: %d", path_buf, r);
		th_emu_finish(&t, &ctx, r);
		session_free(s);
	}
	cr_expect_eq(lstat(tmp(buf, sizeof(buf), "root/null"), &st), 0);
	cr_expect(lstat(escape, &st) < 0, "made outside the caller's root");
	(void)unlink(escape);
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
	cr_expect_eq(emu_mknod(&ctx, false), -ESRCH);
	json_object_put(ctx.decoded);
	cr_expect(lstat(tmp(buf, sizeof(buf), "gone"), &st) < 0, "made for a gone caller");
}
