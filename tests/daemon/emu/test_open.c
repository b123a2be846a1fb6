/* SPDX-License-Identifier: MIT */
/*
 * emu/open.c against real notifications: the session's helper (a real
 * sysgate-helper) opens the file as the caller would, the daemon checks it and
 * injects it, or refuses EACCES when the file opened lies under a denied
 * prefix, whatever the path string says; the loop runs until the job answers
 * the call.  A table of paths, flags and prefixes gives the outcome, the errno
 * or the file the caller's new fd names (and how it is open); then creation,
 * truncation, the caller's credentials, root and directory fds.
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

/* The test's directory: ok/file, ok/fifo, secret/file, secretive/file, private (root's
 * 0600), link -> secret/file. */
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
	cr_assert_eq(mkfifo(tmp(buf, sizeof(buf), "ok/fifo"), 0644), 0);
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

/* What an emulated open came to. */
struct opened {
	int r;               /* the emulator's: EMU_QUEUED (the helper had it) or -errno */
	struct th_call res;  /* what the call returned in the target */
	const char *outcome; /* the record's; "(none)": the emulator failed the call itself */
	char path[PATH_MAX]; /* what the target's new fd names, "" without one */
	unsigned fd_flags;   /* its flags (fdinfo) */
};

/* The flags of the target's fd (fdinfo "flags:" in octal). */
static unsigned fd_flags(pid_t pid, int fd)
{
	char path[64], text[256], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	n = proc_read(path, text, sizeof(text));
	cr_assert_gt(n, 0);
	p = strstr(text, "flags:");
	cr_assert_not_null(p);
	return (unsigned)strtoul(p + 6, NULL, 8);
}

/* Emulate the call spec describes under policy, through the session's helper. */
static void open_call(struct sysgated *d, struct th_callspec *spec, const char *policy,
		      struct opened *o)
{
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct emu_ctx ctx;
	char link[64];
	ssize_t n;

	spec->hold = true;
	s = th_emu_start(d, &t, spec, policy, &c);
	ctx = th_emu_ctx(s, &c, true);
	o->r = emu_open(&ctx);
	o->res = th_emu_finish(&t, &ctx, o->r);
	o->outcome = o->r == EMU_QUEUED ? ctx.outcome : "(none)";
	o->path[0] = '\0';
	o->fd_flags = 0;
	if (o->res.ret >= 0) {
		snprintf(link, sizeof(link), "/proc/%d/fd/%ld", (int)t.pid, o->res.ret);
		n = readlink(link, o->path, sizeof(o->path) - 1);
		cr_assert_gt(n, 0, "%s: %s", link, strerror(errno));
		o->path[n] = '\0';
		o->fd_flags = fd_flags(t.pid, (int)o->res.ret);
	}
	session_free(s);
}

static const struct row {
	const char *name;
	long nr;
	const char *path; /* relative to the caller's cwd, the test's directory, or absolute */
	bool absolute;    /* pass it as the test's directory/path */
	int flags;
	uid_t fsuid;
	const char *deny; /* relative to the test's directory */
	/* expected */
	const char *outcome; /* "(none)": the emulator fails the call before the helper has it */
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
	/* the helper opens: its failures come with the job's answer, recorded "denied" (they
	 * were the emulator's own when the daemon opened files itself) */
	{ "a missing file", __NR_openat, "ok/missing", false, O_RDONLY, 0, "secret", "denied",
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
	  O_CREAT | O_EXCL | O_WRONLY, 0, "secret", "denied", EEXIST, NULL },
	/* ADDFD cannot pass an O_PATH file: a checked regular file or directory is reopened
	 * read-only by the helper (the caller's own right to read it; see run_row) */
	{ "O_PATH of a file: reopened read-only", __NR_openat, "ok/file", false, O_PATH, 0,
	  "secret", "opened", 0, "ok/file" },
	{ "O_PATH of a directory: reopened read-only", __NR_openat, "ok", false,
	  O_PATH | O_DIRECTORY, 0, "secret", "opened", 0, "ok" },
	{ "O_PATH under a prefix is refused", __NR_openat, "secret/file", false, O_PATH, 0,
	  "secret", "denied", EACCES, NULL },
	{ "O_PATH of a FIFO is not supported", __NR_openat, "ok/fifo", false, O_PATH, 0, "secret",
	  "unsupported", EOPNOTSUPP, NULL },
	/* the helper's /proc/self is the helper: a magic link would name its fds, not the
	 * caller's, so it is refused ELOOP (RESOLVE_NO_MAGICLINKS) */
	{ "a /proc magic link is refused", __NR_openat, "/proc/self/fd/0", false, O_RDONLY, 0,
	  "secret", "denied", ELOOP, NULL },
	{ "/dev/stdin is one too", __NR_open, "/dev/stdin", false, O_RDONLY, 0, "secret", "denied",
	  ELOOP, NULL },
};

static void run_row(struct sysgated *d, const struct row *row)
{
	struct th_callspec spec = { .nr = row->nr, .cwd = th_tmpdir(), .umask = 022,
				    .fsuid = row->fsuid, .fsgid = row->fsuid };
	char policy[1024], want[PATH_MAX];
	unsigned at = row->nr == __NR_openat;
	struct opened o;
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
	open_call(d, &spec, policy, &o);
	cr_expect_eq(o.r, strcmp(row->outcome, "(none)") == 0 ? -row->err : EMU_QUEUED,
		     "%s: the emulator returned %d", row->name, o.r);
	cr_expect_str_eq(o.outcome, row->outcome, "%s", row->name);
	cr_expect_eq(o.res.err, row->err, "%s: errno %d", row->name, o.res.err);
	if (!row->opened) {
		cr_expect_eq(o.res.ret, -1, "%s: got fd %ld", row->name, o.res.ret);
		if (row->flags & O_CREAT && !(row->flags & O_EXCL))
			cr_expect(stat(tmp(want, sizeof(want), row->path), &st) < 0, "%s: made",
				  row->name);
		return;
	}
	cr_expect_geq(o.res.ret, 0, "%s", row->name);
	cr_expect_str_eq(o.path, tmp(want, sizeof(want), row->opened), "%s", row->name);
	if (row->flags & O_PATH)
		cr_expect((o.fd_flags & (O_ACCMODE | O_PATH)) == O_RDONLY, "%s: flags 0%o",
			  row->name, o.fd_flags);
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
	struct opened o;

	make_tree();
	spec.args[0] = (uint64_t)(uintptr_t)path_buf;
	spec.args[1] = O_WRONLY | O_TRUNC;
	snprintf(path_buf, sizeof(path_buf), "secret/file");
	open_call(d, &spec, open_policy("secret"), &o);
	cr_expect_eq(o.res.err, EACCES);
	cr_expect_eq(size_of("secret/file"), 6, "a refused file is not truncated");
	snprintf(path_buf, sizeof(path_buf), "ok/file");
	open_call(d, &spec, open_policy("secret"), &o);
	cr_expect_geq(o.res.ret, 0);
	cr_expect_eq(size_of("ok/file"), 0, "an allowed one is");
	spec.args[1] = O_RDONLY | O_TRUNC; /* O_TRUNC is for writers */
	snprintf(path_buf, sizeof(path_buf), "secretive/file");
	open_call(d, &spec, open_policy("secret"), &o);
	cr_expect_geq(o.res.ret, 0);
	cr_expect_eq(size_of("secretive/file"), 9);
}

Test(emu_open, a_created_file_is_the_callers_with_its_umask)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_openat, .cwd = th_tmpdir(), .umask = 027,
				    .fsuid = 1234, .fsgid = 2345 };
	char buf[PATH_MAX];
	struct opened o;
	struct stat st;

	if (geteuid() != 0)
		cr_skip_test("a root daemon acts as another caller");
	make_tree();
	snprintf(path_buf, sizeof(path_buf), "ok/mine");
	spec.args[0] = (uint64_t)(int64_t)AT_FDCWD;
	spec.args[1] = (uint64_t)(uintptr_t)path_buf;
	spec.args[2] = O_CREAT | O_WRONLY | O_CLOEXEC;
	spec.args[3] = 0666;
	open_call(d, &spec, open_policy("secret"), &o);
	cr_expect_geq(o.res.ret, 0);
	cr_expect_str_eq(o.outcome, "opened");
	cr_assert_eq(stat(tmp(buf, sizeof(buf), "ok/mine"), &st), 0);
	cr_expect(st.st_uid == 1234 && st.st_gid == 2345, "owner %u:%u", st.st_uid, st.st_gid);
	cr_expect_eq(st.st_mode & 07777, 0640);
	/* where the caller may not create: the kernel says no, as the caller */
	snprintf(path_buf, sizeof(path_buf), "secretive/mine");
	open_call(d, &spec, open_policy("secret"), &o);
	cr_expect_eq(o.res.err, EACCES);
	cr_expect(stat(tmp(buf, sizeof(buf), "secretive/mine"), &st) < 0);
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
		cr_assert_eq(emu_open(&ctx), EMU_QUEUED);
		res = th_emu_finish(&t, &ctx, EMU_QUEUED);
		cr_assert_geq(res.ret, 0);
		/* the job injected it with ADDFD_FLAG_SEND: the fd the record names is the call's
		 * result, no answer of the test's */
		cr_expect_str_eq(ctx.outcome, "opened");
		cr_expect_eq(ctx.value, res.ret);
		snprintf(want, sizeof(want), "0%o", (unsigned)spec.args[1]);
		cr_expect_str_eq(th_decoded(&ctx, "flags"), want);
		cr_expect_str_eq(th_decoded(&ctx, "path"), "ok/file");
		cr_expect_eq((fd_flags(t.pid, (int)res.ret) & O_CLOEXEC) != 0, i == 1, "case %d", i);
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
		cr_expect_eq(r, EMU_QUEUED, "%s: %d", path_buf, r);
		th_emu_finish(&t, &ctx, r);
		cr_expect_str_eq(ctx.outcome, i == 0 ? "opened" : "denied", "%s", path_buf);
		cr_expect_str_eq(th_decoded(&ctx, "opened") ? th_decoded(&ctx, "opened") : "(none)",
				 i == 0 ? "/file" : "/secret/file", "%s", path_buf);
		session_free(s);
	}
}

Test(emu_open, openat_starts_at_the_callers_directory_fd)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .nr = __NR_openat, .cwd = "/" };
	char buf[PATH_MAX];
	struct opened o;
	int dirfd;

	make_tree();
	dirfd = open(tmp(buf, sizeof(buf), "secret"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dirfd, 0);
	snprintf(path_buf, sizeof(path_buf), "file");
	spec.args[0] = (uint64_t)dirfd;
	spec.args[1] = (uint64_t)(uintptr_t)path_buf;
	spec.args[2] = O_RDONLY;
	open_call(d, &spec, open_policy("secret"), &o);
	cr_expect_eq(o.res.err, EACCES);
	open_call(d, &spec, open_policy("ok"), &o);
	cr_expect_geq(o.res.ret, 0);
	cr_expect_str_eq(o.path, tmp(buf, sizeof(buf), "secret/file"));
	close(dirfd);
}
