/* SPDX-License-Identifier: MIT */
/* daemon/emu/priv.c: the privileged device-node step checks every argument itself. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
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

static int mk(const char *name, mode_t mode, unsigned maj, unsigned min, const char *list)
{
	return priv_mknod(getpid(), &me.cr, dirfd, name, mode, makedev(maj, min), list);
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
	cr_expect_eq(priv_dev_allowed("", S_IFCHR, makedev(5, 0)), true);
	cr_expect_eq(priv_dev_allowed("10:200 1:3", S_IFCHR, makedev(10, 200)), true);
}

Test(priv, the_directory_must_be_one)
{
	int f = openat(dirfd, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

	cr_assert_geq(f, 0);
	cr_expect_eq(priv_mknod(getpid(), &me.cr, f, "null", S_IFCHR | 0666, makedev(1, 3), ""),
		     -ENOTDIR);
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
