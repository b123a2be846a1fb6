/* SPDX-License-Identifier: MIT */
/* daemon/emu/priv.c: the privileged device-node step checks every argument itself. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"

static char dir[] = "/tmp/sg-priv-XXXXXX";
static int dirfd = -1;
static struct tsnap me;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dirfd, 0);
	cr_assert_eq(tsnap_read(getpid(), &me), 0);
}

static void teardown(void)
{
	char path[PATH_MAX];

	for (const char *const *n = (const char *const[]){ "null", "kmsg", "f", NULL }; *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *n);
		unlink(path);
	}
	rmdir(dir);
	close(dirfd);
}

TestSuite(priv, .init = setup, .fini = teardown);

static struct emu_bounds defaults(void)
{
	struct emu_bounds b;

	bounds_default(&b);
	return b;
}

static int mk(const char *name, mode_t mode, unsigned maj, unsigned min, const char *list)
{
	struct emu_bounds b = defaults();

	return priv_mknod(getpid(), &me.cr, dirfd, name, mode, makedev(maj, min), list, &b, true);
}

Test(priv, names_must_be_one_plain_component)
{
	const char *bad[] = { "", ".", "..", "a/b", "/null", "../null" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(mk(bad[i], S_IFCHR | 0666, 1, 3, ""), -EINVAL, "'%s'", bad[i]);
}

Test(priv, only_allowlisted_character_devices)
{
	cr_expect_eq(mk("null", S_IFBLK | 0600, 1, 3, ""), -EPERM, "a block device");
	cr_expect_eq(mk("null", S_IFIFO | 0600, 0, 0, ""), -EPERM, "a FIFO is the helper's");
	cr_expect_eq(mk("kmsg", S_IFCHR | 0600, 1, 11, ""), -EPERM, "1:11 is not on the default list");
	cr_expect_eq(mk("kmsg", S_IFCHR | 0600, 1, 3, "1:11"), -EPERM, "the rule's list replaces it");
	cr_expect_eq(mk("tun", S_IFCHR | 0600, 10, 200, "10:200"), -EPERM,
		     "bounded: the rule's list stays within the administrator's");
}

Test(priv, the_administrator_s_list_is_the_default_and_the_bound)
{
	struct emu_bounds b = defaults();

	cr_expect(priv_dev_allowed(&b, true, "", S_IFCHR, makedev(5, 0)));
	cr_expect(priv_dev_allowed(&b, true, "", S_IFCHR, makedev(0, 0)), "the whiteout");
	cr_expect(!priv_dev_allowed(&b, true, "10:200 1:3", S_IFCHR, makedev(10, 200)));
	cr_expect(priv_dev_allowed(&b, false, "10:200 1:3", S_IFCHR, makedev(10, 200)),
		  "root's session: the rule's list alone");
	cr_expect(!priv_dev_allowed(&b, false, "", S_IFCHR, makedev(10, 200)));
	b.n_devs = 0;
	cr_expect(!priv_dev_allowed(&b, false, "", S_IFCHR, makedev(1, 3)), "an empty list");
}

Test(priv, the_directory_must_be_one)
{
	int f = openat(dirfd, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

	cr_assert_geq(f, 0);
	struct emu_bounds b = defaults();

	cr_expect_eq(priv_mknod(getpid(), &me.cr, f, "null", S_IFCHR | 0666, makedev(1, 3), "", &b,
				true), -ENOTDIR);
	close(f);
}

Test(priv, makes_the_node_as_the_caller_with_its_umask)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	if (geteuid() != 0)
		cr_skip_test("making device nodes needs root");
	me.cr.umask = 027;
	r = mk("null", S_IFCHR | 0666, 1, 3, "");
	cr_assert_eq(r, 0, "%s", strerror(-r));
	snprintf(path, sizeof(path), "%s/null", dir);
	cr_assert_eq(lstat(path, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	cr_expect_eq(st.st_mode & 07777, 0640);
	cr_expect_eq(mk("null", S_IFCHR | 0666, 1, 3, ""), -EEXIST);
}

/* The daemon's credentials as they are now, umask included. */
static void now(struct tsnap *ret)
{
	mode_t old = umask(0);

	umask(old);
	cr_assert_eq(tsnap_read(getpid(), ret), 0);
	ret->cr.umask = old;
}

static void expect_back(const struct tsnap *before)
{
	struct tsnap after;

	now(&after);
	cr_expect(creds_equal(&before->cr, &after.cr), "the daemon's ids, groups or capabilities");
	cr_expect_eq(after.cr.umask, before->cr.umask, "the daemon's umask");
	cr_expect_eq(setfsuid((uid_t)-1), (int)before->cr.uid[3], "the daemon's fsuid");
}

Test(priv, the_daemon_takes_the_callers_fs_credentials_and_gives_them_back)
{
	/* what tcred_become() and tcred_restore() did for every emulator, priv.c does for its
	 * one step: the caller's fsuid, fsgid, groups and umask, then the daemon's again */
	struct helper_creds cr = me.cr;
	struct emu_bounds b = defaults();
	char path[PATH_MAX];
	struct tsnap before;
	struct stat st;
	int r;

	if (geteuid() != 0)
		cr_skip_test("taking another caller's credentials needs root");
	cr.uid[3] = 1234;
	cr.gid[3] = 2345;
	cr.groups[0] = 3456;
	cr.n_groups = 1;
	cr.umask = 077;
	umask(022);
	now(&before);
	r = priv_mknod(getpid(), &cr, dirfd, "null", S_IFCHR | 0666, makedev(1, 3), "", &b, true);
	cr_expect_eq(r, -EACCES, "a 0700 directory of root's is not the caller's to write: %d", r);
	expect_back(&before);
	cr_assert_eq(chown(dir, 0, 3456), 0);
	cr_assert_eq(chmod(dir, 0770), 0); /* the caller's group may write */
	r = priv_mknod(getpid(), &cr, dirfd, "null", S_IFCHR | 0666, makedev(1, 3), "", &b, true);
	cr_expect_eq(r, 0, "%s", strerror(-r));
	expect_back(&before);
	snprintf(path, sizeof(path), "%s/null", dir);
	cr_assert_eq(lstat(path, &st), 0);
	cr_expect(st.st_uid == 1234 && st.st_gid == 2345, "owner %u:%u", st.st_uid, st.st_gid);
	cr_expect_eq(st.st_mode & 07777, 0600, "the caller's umask 077");
}

Test(priv, a_root_caller_has_no_dac_override_either)
{
	/* CAP_MKNOD is the only capability the step keeps: a root caller is held to the
	 * directory's permission like any (tcred_become() left a root caller's credentials,
	 * the daemon's, alone and lent it only its umask) */
	struct emu_bounds b = defaults();
	struct tsnap before;
	int r;

	if (geteuid() != 0)
		cr_skip_test("a root caller needs a root daemon");
	cr_assert_eq(chown(dir, 1234, 1234), 0);
	cr_assert_eq(chmod(dir, 0755), 0);
	me.cr.umask = 0;
	now(&before);
	r = priv_mknod(getpid(), &me.cr, dirfd, "null", S_IFCHR | 0666, makedev(1, 3), "", &b, true);
	cr_expect_eq(r, -EACCES, "%d", r);
	expect_back(&before);
}
