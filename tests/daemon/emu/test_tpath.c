/* SPDX-License-Identifier: MIT */
/*
 * emu/tpath.c: paths, credentials and umask as a caller sees them.  The caller
 * is a target blocked in a routed getppid (so its root, cwd, fds and
 * credentials hold still) after it set them up; paths resolve under its root,
 * never out of it; the daemon takes its credentials for file access and gives
 * them back.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

TestSuite(tpath, .fini = th_cleanup, .timeout = 30);

static const char *tmp(char *buf, size_t size, const char *path)
{
	snprintf(buf, size, "%s/%s", th_tmpdir(), path);
	return buf;
}

/* A caller set up as spec says, blocked in getppid until th_emu_finish(). */
static struct session *caller(struct sysgated *d, struct th_target *t, struct th_callspec *spec,
			      struct sg_call *c)
{
	spec->nr = __NR_getppid;
	return th_emu_start(d, t, spec, "version 1\ndefault allow\n", c);
}

static void release(struct th_target *t, struct session *s, const struct sg_call *c)
{
	struct emu_ctx ctx = th_emu_ctx(s, c, false);

	ctx.kind = SG_ACT_ALLOW;
	th_emu_finish(t, &ctx, 0);
}

/* What fd names, in the daemon's view. */
static const char *fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

Test(tpath, credentials_and_umask_of_a_caller)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .umask = 027, .fsuid = 1234, .fsgid = 2345 };
	struct th_target t;
	struct sg_call c;
	struct session *s = caller(d, &t, &spec, &c);
	struct tcred cred;

	cr_assert_eq(tcred_read(c.tid, &cred), 0);
	cr_expect_eq(cred.fsuid, 1234);
	cr_expect_eq(cred.fsgid, 2345);
	cr_expect_eq(cred.umask, 027);
	release(&t, s, &c);
	th_target_wait(&t);
	cr_expect_eq(tcred_read(c.tid, &cred), -ESRCH);
}

Test(tpath, the_parent_of_a_relative_path_is_in_the_callers_cwd)
{
	static const struct {
		const char *path, *parent, *last;
		int r;
	} rows[] = {
		{ "sub/node", "sub", "node", 0 },       { "node", "", "node", 0 },
		{ "sub/node/", "sub", "node", 0 },      { "sub//node", "sub", "node", 0 },
		{ "nope/node", NULL, NULL, -ENOENT },  { "file/node", NULL, NULL, -ENOTDIR },
		{ ".", NULL, NULL, -EEXIST },          { "sub/..", NULL, NULL, -EEXIST },
		{ "/", NULL, NULL, -EEXIST },          { "", NULL, NULL, -ENOENT },
	};
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .cwd = th_tmpdir() };
	char buf[PATH_MAX], want[PATH_MAX], last[NAME_MAX + 1];
	struct th_target t;
	struct sg_call c;
	struct session *s;
	int fd;

	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "sub"), 0755), 0);
	fd = open(tmp(buf, sizeof(buf), "file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	s = caller(d, &t, &spec, &c);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		last[0] = '\0';
		fd = tpath_open_parent(c.tid, AT_FDCWD, rows[i].path, last, sizeof(last));
		if (rows[i].r < 0) {
			cr_expect_eq(fd, rows[i].r, "'%s': %d", rows[i].path, fd);
			continue;
		}
		cr_assert_geq(fd, 0, "'%s': %s", rows[i].path, strerror(-fd));
		snprintf(want, sizeof(want), "%s%s%s", th_tmpdir(), rows[i].parent[0] ? "/" : "",
			 rows[i].parent);
		cr_expect_str_eq(fd_path(fd, buf, sizeof(buf)), want, "'%s'", rows[i].path);
		cr_expect_str_eq(last, rows[i].last, "'%s'", rows[i].path);
	}
	release(&t, s, &c);
}

Test(tpath, a_last_component_longer_than_a_name_is_refused)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .cwd = th_tmpdir() };
	char name[NAME_MAX + 2], last[NAME_MAX + 1];
	struct th_target t;
	struct sg_call c;
	struct session *s = caller(d, &t, &spec, &c);

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_expect_eq(tpath_open_parent(c.tid, AT_FDCWD, name, last, sizeof(last)), -ENAMETOOLONG);
	name[NAME_MAX] = '\0'; /* NAME_MAX bytes fit */
	cr_expect_geq(tpath_open_parent(c.tid, AT_FDCWD, name, last, sizeof(last)), 0);
	cr_expect_eq(tpath_open_parent(c.tid, AT_FDCWD, name, last, 8), -ENAMETOOLONG,
		     "larger than the caller's buffer");
	release(&t, s, &c);
}

Test(tpath, a_relative_path_may_start_at_the_callers_directory_fd)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .cwd = "/" };
	char buf[PATH_MAX], last[NAME_MAX + 1];
	struct th_target t;
	struct sg_call c;
	struct session *s;
	int dirfd, p[2], fd;

	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "at"), 0755), 0);
	dirfd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* the caller has them too */
	cr_assert_geq(dirfd, 0);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	s = caller(d, &t, &spec, &c);
	fd = tpath_open_parent(c.tid, dirfd, "node", last, sizeof(last));
	cr_assert_geq(fd, 0, "%s", strerror(-fd));
	cr_expect_str_eq(fd_path(fd, buf, sizeof(buf)), tmp(last, sizeof(last), "at"));
	cr_expect_eq(tpath_open_parent(c.tid, p[0], "node", last, sizeof(last)), -ENOTDIR);
	cr_expect_eq(tpath_open_parent(c.tid, 1000, "node", last, sizeof(last)), -EBADF);
	cr_expect_eq(tpath_open_parent(c.tid, -5, "node", last, sizeof(last)), -EBADF);
	/* an absolute path ignores the fd */
	fd = tpath_open_parent(c.tid, p[0], "/tmp/node", last, sizeof(last));
	cr_assert_geq(fd, 0, "%s", strerror(-fd));
	cr_expect_str_eq(fd_path(fd, buf, sizeof(buf)), "/tmp");
	release(&t, s, &c);
	close(dirfd);
	close(p[0]);
	close(p[1]);
}

Test(tpath, paths_resolve_under_the_callers_root)
{
	static const struct {
		const char *path, *parent; /* parent: in the caller's root */
	} rows[] = {
		{ "/in/node", "/in" },         { "node", "/in" },
		{ "../../../node", "" },       { "/out/node", "" }, /* out -> / */
		{ "/up/node", "" },            /* up -> ../.. */
	};
	struct sysgated *d = th_daemon();
	char root[256], buf[PATH_MAX], want[PATH_MAX], last[NAME_MAX + 1];
	struct th_callspec spec = { .root = tmp(root, sizeof(root), "root"), .cwd = "/in" };
	struct th_target t;
	struct sg_call c;
	struct session *s;
	int fd;

	cr_assert_eq(mkdir(root, 0755), 0);
	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "root/in"), 0755), 0);
	cr_assert_eq(symlink("/", tmp(buf, sizeof(buf), "root/out")), 0);
	cr_assert_eq(symlink("../..", tmp(buf, sizeof(buf), "root/up")), 0);
	s = caller(d, &t, &spec, &c);
	cr_assert_eq(tpath_start_inside_root(c.tid, AT_FDCWD, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "/in");
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		fd = tpath_open_parent(c.tid, AT_FDCWD, rows[i].path, last, sizeof(last));
		cr_assert_geq(fd, 0, "'%s': %s", rows[i].path, strerror(-fd));
		snprintf(want, sizeof(want), "%s%s", root, rows[i].parent);
		cr_expect_str_eq(fd_path(fd, buf, sizeof(buf)), want, "'%s' left the root",
				 rows[i].path);
	}
	/* the daemon's view of a path, made the caller's */
	snprintf(buf, sizeof(buf), "%s/in/x", root);
	cr_expect_eq(tpath_strip_root(c.tid, buf), 0);
	cr_expect_str_eq(buf, "/in/x");
	snprintf(buf, sizeof(buf), "%s", root);
	cr_expect_eq(tpath_strip_root(c.tid, buf), 0);
	cr_expect_str_eq(buf, "/");
	snprintf(buf, sizeof(buf), "%sx/in", root); /* a sibling with the root as prefix */
	cr_expect_eq(tpath_strip_root(c.tid, buf), -ENOENT);
	snprintf(buf, sizeof(buf), "/etc");
	cr_expect_eq(tpath_strip_root(c.tid, buf), -ENOENT);
	release(&t, s, &c);
	th_target_wait(&t);
	cr_expect_eq(tpath_strip_root(c.tid, buf), -ESRCH);
}

Test(tpath, a_cwd_outside_the_callers_root_is_as_if_gone)
{
	struct sysgated *d = th_daemon();
	char root[256], buf[PATH_MAX], last[NAME_MAX + 1];
	struct th_callspec spec = { .root = tmp(root, sizeof(root), "root") }; /* no chdir */
	struct th_target t;
	struct sg_call c;
	struct session *s;

	cr_assert_eq(mkdir(root, 0755), 0);
	s = caller(d, &t, &spec, &c);
	cr_expect_eq(tpath_start_inside_root(c.tid, AT_FDCWD, buf, sizeof(buf)), -ENOENT);
	cr_expect_eq(tpath_open_parent(c.tid, AT_FDCWD, "node", last, sizeof(last)), -ENOENT);
	cr_expect_geq(tpath_open_parent(c.tid, AT_FDCWD, "/node", last, sizeof(last)), 0,
		      "an absolute path still resolves");
	release(&t, s, &c);
}

/* The calling thread's fsuid (setfsuid with an invalid id only reads it). */
static uid_t fsuid_now(void)
{
	return (uid_t)setfsuid((uid_t)-1);
}

Test(tpath, the_daemon_takes_a_callers_credentials_and_gives_them_back)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .umask = 077, .group = 3456, .fsuid = 1234, .fsgid = 2345 };
	struct tcred_saved st = { 0 };
	gid_t before[SG_GROUPS_MAX], after[SG_GROUPS_MAX];
	int n = getgroups(SG_GROUPS_MAX, before), fd, err;
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct tcred cred;
	struct stat sb;
	char buf[PATH_MAX];

	if (geteuid() != 0)
		cr_skip_test("only a root daemon changes credentials");
	tmp(buf, sizeof(buf), "made-as-caller"); /* the directory is made as the daemon */
	s = caller(d, &t, &spec, &c);
	cr_assert_eq(tcred_read(c.tid, &cred), 0);
	umask(022);
	cr_assert_eq(tcred_become(c.tid, &cred, &st), 0);
	cr_expect(st.switched);
	cr_expect_eq(fsuid_now(), 1234);
	cr_expect(getgroups(SG_GROUPS_MAX, after) == 1 && after[0] == 3456, "the caller's groups");
	fd = open(buf, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
	err = errno;
	tcred_restore(&st);
	cr_expect(fd < 0 && err == EACCES, "a 0755 root directory is not the caller's to write");
	if (fd >= 0)
		close(fd);
	cr_expect_eq(fsuid_now(), 0);
	cr_expect_eq(umask(022), 022, "the daemon's umask is back");
	cr_assert_eq(getgroups(SG_GROUPS_MAX, after), n);
	cr_expect_arr_eq(after, before, (size_t)n * sizeof(gid_t), "the daemon's groups are back");
	cr_assert_eq(chmod(th_tmpdir(), 0777), 0);
	cr_assert_eq(tcred_become(c.tid, &cred, &st), 0);
	fd = open(buf, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
	tcred_restore(&st);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	close(fd);
	cr_assert_eq(stat(buf, &sb), 0);
	cr_expect(sb.st_uid == 1234 && sb.st_gid == 2345, "owner %u:%u", sb.st_uid, sb.st_gid);
	cr_expect_eq(sb.st_mode & 0777, 0600, "the caller's umask 077");
	release(&t, s, &c);
}

Test(tpath, a_root_caller_only_lends_its_umask)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .umask = 0 };
	struct tcred_saved st = { 0 };
	struct th_target t;
	struct sg_call c;
	struct session *s;
	struct tcred cred;

	if (geteuid() != 0)
		cr_skip_test("a root caller needs a root daemon");
	s = caller(d, &t, &spec, &c);
	cr_assert_eq(tcred_read(c.tid, &cred), 0);
	umask(022);
	cr_assert_eq(tcred_become(c.tid, &cred, &st), 0);
	cr_expect(!st.switched);
	cr_expect_eq(umask(0), 0, "the caller's umask");
	tcred_restore(&st);
	cr_expect_eq(umask(022), 022);
	release(&t, s, &c);
}
