/* SPDX-License-Identifier: MIT */
/*
 * emu/tpath.c: where a caller's relative paths start (its cwd or a directory
 * fd, handed to its helper), a path split into its directory and final name,
 * a path of the daemon's view made one inside the caller's root, the file
 * system type of a caller's mounts; and what the daemon reads of a caller
 * (helper/snap.c's tsnap_read(), which replaced tpath.c's tcred_read()).  The
 * caller is a target blocked in a routed getppid (so its root, cwd, fds and
 * credentials hold still) after it set them up.  Resolving a path is the
 * helper's now, in the caller's root: test_mknod.c shows no path leads out of
 * it; taking a caller's credentials is priv.c's (test_priv.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
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

/* A caller set up as spec says, blocked in getppid until release(). */
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

/* What fd names, in the daemon's view; closes fd. */
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

Test(tpath, what_a_caller_is_its_credentials_umask_groups_and_maps)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .umask = 027, .group = 3456, .fsuid = 1234, .fsgid = 2345 };
	struct th_target t;
	struct sg_call c;
	struct session *s = caller(d, &t, &spec, &c);
	struct tsnap snap;

	cr_assert_eq(tsnap_read(c.tid, &snap), 0);
	cr_expect_eq(snap.cr.uid[3], 1234, "fsuid");
	cr_expect_eq(snap.cr.gid[3], 2345, "fsgid");
	cr_expect_eq(snap.cr.uid[1], geteuid(), "euid");
	cr_expect_eq(snap.cr.umask, 027);
	cr_expect(snap.cr.n_groups == 1 && snap.cr.groups[0] == 3456, "%u groups",
		  snap.cr.n_groups);
	cr_expect_eq(tid_mapped(NULL, c.tid, getuid(), getgid()), 1);
	cr_expect_eq(tid_mapped(NULL, c.tid, UINT32_MAX, getgid()), 1, "-1 is always mapped");
	release(&t, s, &c);
	th_target_wait(&t);
	cr_expect_eq(tsnap_read(c.tid, &snap), -ESRCH);
}

/* split: the directory the helper opens from the start and the final name; then the
 * directory resolved from the caller's cwd as the helper does it (openat) */
static const struct {
	const char *path, *dir, *last;
	const char *parent; /* where dir resolves: in the test's directory, or absolute */
	int r;              /* of the split, or of the lookup */
} parent_rows[] = {
	{ "sub/node", "sub", "node", "sub", 0 },
	{ "node", ".", "node", "", 0 },
	{ "sub//node", "sub/", "node", "sub", 0 },
	{ "/node", "/", "node", "/", 0 },
	{ "/tmp/node", "/tmp", "node", "/tmp", 0 },
	{ "/a/b/c", "/a/b", "c", NULL, -ENOENT },
	{ "nope/node", "nope", "node", NULL, -ENOENT },
	{ "file/node", "file", "node", NULL, -ENOTDIR },
	/* a directory, never a new entry: mknod answers EEXIST, open with O_CREAT EISDIR
	 * (tpath_open_parent accepted "sub/node/" as "sub" and "node"); an empty path
	 * is refused ENOENT by the emulators before they split it */
	{ "sub/node/", NULL, NULL, NULL, -EISDIR },
	{ ".", NULL, NULL, NULL, -EISDIR },
	{ "sub/..", NULL, NULL, NULL, -EISDIR },
	{ "/", NULL, NULL, NULL, -EISDIR },
	{ "", NULL, NULL, NULL, -EISDIR },
};

Test(tpath, a_relative_path_starts_in_the_callers_cwd_at_its_directory)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .cwd = th_tmpdir() };
	char buf[PATH_MAX], path[PATH_MAX], want[PATH_MAX], last[NAME_MAX + 1];
	struct th_target t;
	struct sg_call c;
	struct session *s;
	int fd, start, r;

	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "sub"), 0755), 0);
	fd = open(tmp(buf, sizeof(buf), "file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	s = caller(d, &t, &spec, &c);
	start = tpath_start_fd(c.tid, AT_FDCWD);
	cr_assert_geq(start, 0, "%s", strerror(-start));
	cr_expect_str_eq(fd_path(fcntl(start, F_DUPFD_CLOEXEC, 0), buf, sizeof(buf)), th_tmpdir());
	for (size_t i = 0; i < ARRAY_SIZE(parent_rows); i++) {
		snprintf(path, sizeof(path), "%s", parent_rows[i].path);
		r = tpath_split(path, last, sizeof(last));
		if (!parent_rows[i].dir) {
			cr_expect_eq(r, parent_rows[i].r, "'%s': %d", parent_rows[i].path, r);
			continue;
		}
		cr_assert_eq(r, 0, "'%s': %s", parent_rows[i].path, strerror(-r));
		cr_expect_str_eq(path, parent_rows[i].dir, "'%s'", parent_rows[i].path);
		cr_expect_str_eq(last, parent_rows[i].last, "'%s'", parent_rows[i].path);
		fd = openat(start, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (!parent_rows[i].parent) {
			cr_expect(fd < 0 && -errno == parent_rows[i].r, "'%s': %s", parent_rows[i].path,
				  strerror(errno));
			continue;
		}
		cr_assert_geq(fd, 0, "'%s': %s", parent_rows[i].path, strerror(errno));
		if (parent_rows[i].parent[0] == '/')
			snprintf(want, sizeof(want), "%s", parent_rows[i].parent);
		else
			snprintf(want, sizeof(want), "%s%s%s", th_tmpdir(),
				 parent_rows[i].parent[0] ? "/" : "", parent_rows[i].parent);
		cr_expect_str_eq(fd_path(fd, buf, sizeof(buf)), want, "'%s'", parent_rows[i].path);
	}
	close(start);
	release(&t, s, &c);
}

Test(tpath, a_last_component_longer_than_a_name_is_refused)
{
	char name[NAME_MAX + 2], path[NAME_MAX + 8], last[NAME_MAX + 1];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(path, sizeof(path), "%s", name);
	cr_expect_eq(tpath_split(path, last, sizeof(last)), -ENAMETOOLONG);
	snprintf(path, sizeof(path), "sub/%s", name);
	cr_expect_eq(tpath_split(path, last, sizeof(last)), -ENAMETOOLONG);
	name[NAME_MAX] = '\0'; /* NAME_MAX bytes fit */
	snprintf(path, sizeof(path), "%s", name);
	cr_expect_eq(tpath_split(path, last, sizeof(last)), 0);
	cr_expect_eq(strlen(last), NAME_MAX);
	snprintf(path, sizeof(path), "%s", name);
	cr_expect_eq(tpath_split(path, last, 8), -ENAMETOOLONG, "larger than the caller's buffer");
}

Test(tpath, a_relative_path_may_start_at_the_callers_directory_fd)
{
	struct sysgated *d = th_daemon();
	struct th_callspec spec = { .cwd = "/" };
	char buf[PATH_MAX], want[PATH_MAX];
	struct th_target t;
	struct sg_call c;
	struct session *s;
	int dirfd, p[2], fd, start;

	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "at"), 0755), 0);
	dirfd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* the caller has them too */
	cr_assert_geq(dirfd, 0);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	s = caller(d, &t, &spec, &c);
	fd = tpath_start_fd(c.tid, dirfd);
	cr_assert_geq(fd, 0, "%s", strerror(-fd));
	cr_expect_str_eq(fd_path(fd, buf, sizeof(buf)), tmp(want, sizeof(want), "at"));
	/* not a directory: the start is the pipe, and a lookup from it fails as the caller's
	 * would (tpath_open_parent said ENOTDIR itself) */
	start = tpath_start_fd(c.tid, p[0]);
	cr_assert_geq(start, 0, "%s", strerror(-start));
	errno = 0;
	cr_expect(openat(start, "node", O_PATH | O_CLOEXEC) < 0 && errno == ENOTDIR, "%s",
		  strerror(errno));
	/* an absolute path ignores where it starts */
	fd = openat(start, "/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	cr_expect_str_eq(fd_path(fd, buf, sizeof(buf)), "/tmp");
	close(start);
	cr_expect_eq(tpath_start_fd(c.tid, 1000), -EBADF, "a dirfd the caller does not have");
	cr_expect_eq(tpath_start_fd(c.tid, -5), -EBADF);
	release(&t, s, &c);
	close(dirfd);
	close(p[0]);
	close(p[1]);
}

Test(tpath, paths_of_the_daemons_view_are_made_the_callers)
{
	struct sysgated *d = th_daemon();
	char root[256], buf[PATH_MAX];
	struct th_callspec spec = { .root = tmp(root, sizeof(root), "root"), .cwd = "/in" };
	struct th_target t;
	struct sg_call c;
	struct session *s;
	int fd;

	cr_assert_eq(mkdir(root, 0755), 0);
	cr_assert_eq(mkdir(tmp(buf, sizeof(buf), "root/in"), 0755), 0);
	s = caller(d, &t, &spec, &c);
	/* the caller's cwd as it sees it (tpath_start_inside_root's "/in") */
	fd = tpath_start_fd(c.tid, AT_FDCWD);
	cr_assert_geq(fd, 0, "%s", strerror(-fd));
	fd_path(fd, buf, sizeof(buf));
	cr_expect_eq(tpath_strip_root(c.tid, buf), 0);
	cr_expect_str_eq(buf, "/in");
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

Test(tpath, a_cwd_outside_the_callers_root_is_where_its_paths_start_but_not_in_it)
{
	/* The kernel resolves a relative path from the cwd even outside the root, and so does
	 * the helper from the start it is given (tpath_start_inside_root refused it ENOENT);
	 * such a place cannot be named in the caller's root: the open emulator refuses what
	 * lies there (prefix.c, EXDEV). */
	struct sysgated *d = th_daemon();
	char root[256], buf[PATH_MAX], cwd[PATH_MAX];
	struct th_callspec spec = { .root = tmp(root, sizeof(root), "root") }; /* no chdir */
	struct th_target t;
	struct sg_call c;
	struct session *s;
	int fd;

	cr_assert_eq(mkdir(root, 0755), 0);
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	s = caller(d, &t, &spec, &c);
	fd = tpath_start_fd(c.tid, AT_FDCWD);
	cr_assert_geq(fd, 0, "%s", strerror(-fd));
	cr_expect_str_eq(fd_path(fd, buf, sizeof(buf)), cwd, "the cwd it inherited");
	cr_expect_eq(tpath_strip_root(c.tid, buf), -ENOENT);
	release(&t, s, &c);
}

/* The mount id of path. */
static uint64_t mount_of(const char *path)
{
	struct statx stx;

	cr_assert_eq(statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx), 0);
	cr_assert(stx.stx_mask & STATX_MNT_ID, "no mount ids here");
	return stx.stx_mnt_id;
}

Test(tpath, the_file_system_type_of_a_callers_mount)
{
	struct sysgated *d = th_daemon();
	char root[256], type[64], mine[64];
	struct th_callspec spec = { .cwd = "/" };
	struct th_target t, tr;
	struct sg_call c, cr;
	struct session *s, *sr;
	uint64_t mnt = mount_of(th_tmpdir());

	cr_assert_eq(tpath_mount_type(getpid(), mnt, mine, sizeof(mine)), 0);
	s = caller(d, &t, &spec, &c);
	cr_expect_eq(tpath_mount_type(c.tid, mnt, type, sizeof(type)), 0);
	cr_expect_str_eq(type, mine);
	cr_expect_eq(tpath_mount_type(c.tid, UINT64_MAX, type, sizeof(type)), -ENOENT);
	/* a caller's mountinfo lists only the mounts under its root: not the one its chroot
	 * directory is on, whose own root is above it (priv.c then asks the daemon's) */
	spec = (struct th_callspec){ .root = tmp(root, sizeof(root), "root"), .cwd = "/" };
	cr_assert_eq(mkdir(root, 0755), 0);
	sr = caller(d, &tr, &spec, &cr);
	cr_expect_eq(tpath_mount_type(cr.tid, mnt, type, sizeof(type)), -ENOENT);
	release(&tr, sr, &cr);
	release(&t, s, &c);
	th_target_wait(&t);
	cr_expect_eq(tpath_mount_type(c.tid, mnt, type, sizeof(type)), -ESRCH);
}
