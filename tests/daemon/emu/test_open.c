/* SPDX-License-Identifier: MIT */
/*
 * emu/open.c against real notifications: the daemon opens the file as the
 * caller would and injects it, or refuses EACCES when the file it opened lies
 * under a denied prefix, whatever the path string says.  A table of paths,
 * flags and prefixes gives the outcome, the errno or the file the caller's new
 * fd names; then creation, truncation, the caller's credentials, root and
 * directory fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "proc.h"

TestSuite(emu_open, .fini = th_cleanup, .timeout = 60);

static char path_buf[PATH_MAX];

static const char *tmp(char *buf, size_t size, const char *path)
{
	snprintf(buf, size, "%s/%s", th_tmpdir(), path);
	return buf;
}

static void make_file(const char *path, const char *text, mode_t mode)
{
	char buf[PATH_MAX];
	int fd = open(tmp(buf, sizeof(buf), path), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, mode);

	cr_assert_geq(fd, 0, "%s: %s", buf, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* The test's directory: ok/file, secret/file, secretive/file, link -> secret/file. */
static void make_tree(void)
{
	char buf[PATH_MAX];

	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "ok"), 0777), 0);
	cr_assert_eq(chmod(buf, 0777), 0);
	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "secret"), 0777), 0);
	cr_assert_eq(chmod(buf, 0777), 0);
	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "secretive"), 0755), 0);
	make_file("ok/file", "ok", 0644);
	make_file("secret/file", "secret", 0644);
	make_file("secretive/file", "secretive", 0644);
	make_file("private", "root's", 0600);
	cr_assert_eq(symlink("secret/file", tmp(buf, sizeof(buf), "link")), 0);
}

/* The policy: open and openat emulated, denying prefix (in the test's directory unless
 * absolute). */
static const char *open_policy(const char *prefixes)
{
	static char policy[1024];

	snprintf(policy, sizeof(policy), "version 1\ndefault allow\nopen, openat emulate open %s%s%s\n",
		 prefixes[0] == '/' ? "" : th_tmpdir(), prefixes[0] == '/' ? "" : "/", prefixes);
	return policy;
}

/* Emulate the call spec describes under policy; the target's result, the outcome in
 * *ret_outcome (static) and what the target's new fd names in opened (when it got one). */
static struct th_call open_call(struct sysgated *d, struct th_callspec *spec, const char *policy,
				const char **ret_outcome, char *opened, size_t size)
{
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;
	struct th_call res;
	char link[64];
	ssize_t n;
	int r;

	spec->hold = true;
	s = th_emu_start(d, &t, spec, policy, &c);
	ctx = th_emu_ctx(s, &c, true);
	r = emu_open(&ctx);
	*ret_outcome = ctx.outcome ? ctx.outcome : "(none)";
	res = th_emu_finish(&t, &ctx, r);
	opened[0] = '\0';
	if (res.ret >= 0) {
		snprintf(link, sizeof(link), "/proc/%d/fd/%ld", (int)t.pid, res.ret);
		n = readlink(link, opened, size - 1);
		cr_assert_gt(n, 0, "%s: %s", link, strerror(errno));
		opened[n] = '\0';
	}
	session_free(s);
	return res;
}

static const struct row {
	const char *name;
	long nr;
	const char *path; /* relative to the caller's cwd, the test's directory */
	bool absolute;    /* pass it as the test's directory/path */
	int flags;
	uid_t fsuid;
	const char *deny; /* relative to the test's directory */
	/* expected */
	const char *outcome; /* "(none)": the emulator fails the call itself */
	int err;
	const char *opened;  /* what the caller's new fd names, in the test's directory */
} rows[] = {
	{ "a file outside the prefixes opens", __NR_openat, "ok/file", false, O_RDONLY, 0, "secret",
	  "opened", 0, "ok/file" },
	/* the kernel ignores the mode without O_CREAT or O_TMPFILE (a raw caller's stray mode:
	 * see run_row); O_DIRECTORY is part of O_TMPFILE's bits but not O_TMPFILE */
	{ "a directory opens whatever the mode says", __NR_openat, "ok", false,
	  O_RDONLY | O_DIRECTORY, 0, "secret", "opened", 0, "ok" },
	{ "open, not openat", __NR_open, "ok/file", false, O_RDONLY, 0, "secret", "opened", 0,
	  "ok/file" },
	{ "a file under a prefix is refused", __NR_openat, "secret/file", false, O_RDONLY, 0,
	  "secret", "denied", EACCES, NULL },
	{ "the prefix itself is refused", __NR_openat, "secret", false, O_RDONLY | O_DIRECTORY, 0,
	  "secret", "denied", EACCES, NULL },
	{ "an absolute path is refused alike", __NR_open, "secret/file", true, O_RDONLY, 0,
	  "secret", "denied", EACCES, NULL },
	{ "a prefix with a trailing slash", __NR_openat, "secret/file", false, O_RDONLY, 0,
	  "secret/", "denied", EACCES, NULL },
	{ "a sibling that starts like the prefix opens", __NR_openat, "secretive/file", false,
	  O_RDONLY, 0, "secret", "opened", 0, "secretive/file" },
	{ "a symlink into a prefix: the file decides", __NR_openat, "link", false, O_RDONLY, 0,
	  "secret", "denied", EACCES, NULL },
	{ "dot-dot into a prefix", __NR_openat, "ok/../secret/file", false, O_RDONLY, 0, "secret",
	  "denied", EACCES, NULL },
	{ "'/' denies everything", __NR_openat, "ok/file", false, O_RDONLY, 0, "/", "denied",
	  EACCES, NULL },
	{ "the second prefix", __NR_openat, "ok/file", false, O_RDONLY, 0, "secret ok", "denied",
	  EACCES, NULL },
	{ "a missing file", __NR_openat, "ok/missing", false, O_RDONLY, 0, "secret", "(none)",
	  ENOENT, NULL },
	{ "an empty path", __NR_openat, "", false, O_RDONLY, 0, "secret", "(none)", ENOENT, NULL },
	{ "a file the caller may not read", __NR_openat, "private", false, O_RDONLY, 1234, "secret",
	  "denied", EACCES, NULL },
	{ "a file the caller may read", __NR_openat, "ok/file", false, O_RDONLY, 1234, "secret",
	  "opened", 0, "ok/file" },
	{ "O_CREAT in an allowed directory", __NR_openat, "ok/new", false, O_CREAT | O_WRONLY, 0,
	  "secret", "opened", 0, "ok/new" },
	{ "O_CREAT under a prefix makes nothing", __NR_openat, "secret/new", false,
	  O_CREAT | O_WRONLY, 0, "secret", "denied", EACCES, NULL },
	{ "O_CREAT | O_EXCL of an existing file", __NR_openat, "ok/file", false,
	  O_CREAT | O_EXCL | O_WRONLY, 0, "secret", "(none)", EEXIST, NULL },
};

static void run_row(struct sysgated *d, const struct row *row)
{
	struct th_callspec spec = { .nr = row->nr, .cwd = th_tmpdir(), .umask = 022,
				    .fsuid = row->fsuid, .fsgid = row->fsuid };
	char policy[1024], opened[PATH_MAX], want[PATH_MAX];
	unsigned at = row->nr == __NR_openat;
	const char *outcome;
	struct th_call res;
	struct stat st;

	if (row->absolute)
		tmp(path_buf, sizeof(path_buf), row->path);
	else
		snprintf(path_buf, sizeof(path_buf), "%s", row->path);
	spec.args[0] = (uint64_t)(int64_t)AT_FDCWD;
	spec.args[at] = (uint64_t)(uintptr_t)path_buf;
	spec.args[at + 1] = (uint64_t)row->flags;
	/* as glibc passes it, but for directories: a stray mode, as a raw syscall may pass */
	spec.args[at + 2] = row->flags & O_CREAT ? 0666 : row->flags & O_DIRECTORY ? 0755 : 0;
	snprintf(policy, sizeof(policy), "%s", open_policy(row->deny));
	if (strchr(row->deny, ' ')) /* a second word: also in the test's directory */
		snprintf(policy, sizeof(policy), "version 1\ndefault allow\nopen, openat emulate "
			 "open %s/secret %s/ok\n", th_tmpdir(), th_tmpdir());
	res = open_call(d, &spec, policy, &outcome, opened, sizeof(opened));
	cr_expect_str_eq(outcome, row->outcome, "%s", row->name);
	cr_expect_eq(res.err, row->err, "%s: errno %d", row->name, res.err);
	if (!row->opened) {
		cr_expect_eq(res.ret, -1, "%s: got fd %ld", row->name, res.ret);
		if (row->flags & O_CREAT && !(row->flags & O_EXCL))
			cr_expect(stat(tmp(want, sizeof(want), row->path), &st) < 0, "%s: made",
				  row->name);
		return;
	}
	cr_expect_geq(res.ret, 0, "%s", row->name);
	cr_expect_str_eq(opened, tmp(want, sizeof(want), row->opened), "%s", row->name);
}

Test(emu_open, table)
{
	struct sysgated *d = th_daemon();

	make_tree();
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		run_row(d, &rows[i]);
}

/* The size of the test's directory/path. */
static off_t size_of(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	cr_assert_eq(stat(tmp(buf, sizeof(buf), path), &st), 0, "%s", buf);
	return st.st_size;
}

Test(emu_open, o_trunc_comes_after_the_check)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_open, .cwd = th_tmpdir() };
	char opened[PATH_MAX];
	const char *outcome;

	make_tree();
	spec.args[0] = (uint64_t)(uintptr_t)path_buf;
	spec.args[1] = O_WRONLY | O_TRUNC;
	snprintf(path_buf, sizeof(path_buf), "secret/file");
	cr_expect_eq(open_call(d, &spec, open_policy("secret"), &outcome, opened,
			       sizeof(opened)).err, EACCES);
	cr_expect_eq(size_of("secret/file"), 6, "a refused file is not truncated");
	snprintf(path_buf, sizeof(path_buf), "ok/file");
	cr_expect_geq(open_call(d, &spec, open_policy("secret"), &outcome, opened,
				sizeof(opened)).ret, 0);
	cr_expect_eq(size_of("ok/file"), 0, "an allowed one is");
	spec.args[1] = O_RDONLY | O_TRUNC; /* O_TRUNC is for writers */
	snprintf(path_buf, sizeof(path_buf), "secretive/file");
	cr_expect_geq(open_call(d, &spec, open_policy("secret"), &outcome, opened,
				sizeof(opened)).ret, 0);
	cr_expect_eq(size_of("secretive/file"), 9);
}

Test(emu_open, a_created_file_is_the_callers_with_its_umask)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_openat, .cwd = th_tmpdir(), .umask = 027,
				    .fsuid = 1234, .fsgid = 2345 };
	char opened[PATH_MAX], buf[PATH_MAX];
	const char *outcome;
	struct stat st;

	if (geteuid() != 0)
		cr_skip_test("a root daemon acts as another caller");
	make_tree();
	snprintf(path_buf, sizeof(path_buf), "ok/mine");
	spec.args[0] = (uint64_t)(int64_t)AT_FDCWD;
	spec.args[1] = (uint64_t)(uintptr_t)path_buf;
	spec.args[2] = O_CREAT | O_WRONLY | O_CLOEXEC;
	spec.args[3] = 0666;
	cr_expect_geq(open_call(d, &spec, open_policy("secret"), &outcome, opened,
				sizeof(opened)).ret, 0);
	cr_expect_str_eq(outcome, "opened");
	cr_assert_eq(stat(tmp(buf, sizeof(buf), "ok/mine"), &st), 0);
	cr_expect(st.st_uid == 1234 && st.st_gid == 2345, "owner %u:%u", st.st_uid, st.st_gid);
	cr_expect_eq(st.st_mode & 07777, 0640);
	/* where the caller may not create: the kernel says no, as the caller */
	snprintf(path_buf, sizeof(path_buf), "secretive/mine");
	cr_expect_eq(open_call(d, &spec, open_policy("secret"), &outcome, opened,
			       sizeof(opened)).err, EACCES);
	cr_expect(stat(tmp(buf, sizeof(buf), "secretive/mine"), &st) < 0);
}

/* Whether the target's fd has close-on-exec (fdinfo "flags:" in octal). */
static bool cloexec(pid_t pid, int fd)
{
	char path[64], text[256], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	n = proc_read(path, text, sizeof(text));
	cr_assert_gt(n, 0);
	p = strstr(text, "flags:");
	cr_assert_not_null(p);
	return (strtoul(p + 6, NULL, 8) & O_CLOEXEC) != 0;
}

Test(emu_open, the_new_fd_takes_o_cloexec_and_flags_are_decoded)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_open, .cwd = th_tmpdir(), .hold = true };
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;
	struct th_call res;
	char want[32];

	make_tree();
	snprintf(path_buf, sizeof(path_buf), "ok/file");
	spec.args[0] = (uint64_t)(uintptr_t)path_buf;
	for (int i = 0; i < 2; i++) {
		spec.args[1] = O_RDONLY | (i ? O_CLOEXEC : 0);
		s = th_emu_start(d, &t, &spec, open_policy("secret"), &c);
		ctx = th_emu_ctx(s, &c, true);
		cr_assert_eq(emu_open(&ctx), 0);
		cr_expect(ctx.answered, "injected with ADDFD_FLAG_SEND");
		snprintf(want, sizeof(want), "0%o", (unsigned)spec.args[1]);
		cr_expect_str_eq(th_decoded(&ctx, "flags"), want);
		cr_expect_str_eq(th_decoded(&ctx, "path"), "ok/file");
		res = th_emu_finish(&t, &ctx, 0);
		cr_assert_geq(res.ret, 0);
		cr_expect_eq(cloexec(t.pid, (int)res.ret), i == 1, "case %d", i);
		session_free(s);
	}
}

Test(emu_open, prefixes_and_opened_paths_are_in_the_callers_root)
{
	struct sysgated *d = th_daemon();
	char root[256], buf[PATH_MAX];
	struct th_callspec spec = { .nr = __NR_open, .root = tmp(root, sizeof(root), "root"),
				    .cwd = "/" };
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;
	int r;

	cr_assert_eq(mkdir(root, 0755), 0);
	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "root/secret"), 0755), 0);
	make_file("root/secret/file", "x", 0644);
	make_file("root/file", "y", 0644);
	cr_assert_eq(symlink("/secret/file", tmp(buf, sizeof(buf), "root/link")), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(path_buf, sizeof(path_buf), "%s", i == 0 ? "/file" : i == 1 ?
			 "/secret/file" : "link");
		spec.args[0] = (uint64_t)(uintptr_t)path_buf;
		s = th_emu_start(d, &t, &spec, "version 1\ndefault allow\nopen emulate open /secret\n",
				 &c);
		ctx = th_emu_ctx(s, &c, true);
		r = emu_open(&ctx);
		cr_expect_eq(r, 0, "%s: %s", path_buf, strerror(-r));
		cr_expect_str_eq(ctx.outcome, i == 0 ? "opened" : "denied", "%s", path_buf);
		cr_expect_str_eq(th_decoded(&ctx, "opened") ? th_decoded(&ctx, "opened") : "(none)",
				 i == 0 ? "/file" : "/secret/file", "%s", path_buf);
		th_emu_finish(&t, &ctx, r);
		session_free(s);
	}
}

Test(emu_open, openat_starts_at_the_callers_directory_fd)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_openat, .cwd = "/" };
	char opened[PATH_MAX], buf[PATH_MAX];
	const char *outcome;
	int dirfd;

	make_tree();
	dirfd = open(tmp(buf, sizeof(buf), "secret"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dirfd, 0);
	snprintf(path_buf, sizeof(path_buf), "file");
	spec.args[0] = (uint64_t)dirfd;
	spec.args[1] = (uint64_t)(uintptr_t)path_buf;
	spec.args[2] = O_RDONLY;
	cr_expect_eq(open_call(d, &spec, open_policy("secret"), &outcome, opened,
			       sizeof(opened)).err, EACCES);
	cr_expect_geq(open_call(d, &spec, open_policy("ok"), &outcome, opened,
				sizeof(opened)).ret, 0);
	cr_expect_str_eq(opened, tmp(buf, sizeof(buf), "secret/file"));
	close(dirfd);
}
