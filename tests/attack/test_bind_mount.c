/*
 * SPDX-License-Identifier: MIT
 *
 * Bind mounts against `emulate open PREFIX` (issue 13): in a mount namespace of
 * its own (unshare -m, made by the test), a target binds DIR/secret on DIR/mnt,
 * DIR/secret/x on DIR/pub/x, and DIR on DIR/mnt, and opens the denied file
 * through each.  The rule compares the directories above what was opened (device
 * and inode) with the denied ones, so a bind of the denied directory or of one above
 * it is refused whatever its path says.  A bind of the single file is, like a hard
 * link, the same inode under directories the rule allows: it is read, the documented
 * limit (README, "What is not there yet"), asserted as it is so that a fix shows.
 * Emulation is notify's: under trace and trap this skips.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define UNSHARE "/usr/bin/unshare"

TestSuite(bind_mount, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

Test(bind_mount, a_bind_mount_of_a_denied_directory_does_not_get_around_an_open_rule_one_of_the_file_does)
{
	const char *pol, *mnt = sg_strf("%s/mnt", sg_dir());
	struct sg_result *r;

	sg_require_mechanism("notify", "emulation is notify's: trace and trap sessions refuse "
				       "emulate rules (tests/e2e/test_emulate.c)");
	if (geteuid() != 0 || access(UNSHARE, X_OK) != 0)
		sg_skip("needs root and unshare(1) for a mount namespace");
	pol = sg_open_rule_policy();
	cr_assert_eq(mkdir(mnt, 0755), 0);
	r = sg_run((const char *[]){ UNSHARE, "-m", sg_run_path(), "-s", sg_sock(), "-p", pol,
				     "--", sg_bin("tests/attack/open_via"), "bind", sg_dir(), mnt,
				     NULL },
		   NULL);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "bind-dir=-1 errno=EACCES\n"
				 "bind-file=ok secret\n" /* the limit: the file's own bind */
				 "bind-parent=-1 errno=EACCES\n",
			 "%s\ngot:\n%s\nstderr:\n%s", r->cmd, r->out, r->err);
}
