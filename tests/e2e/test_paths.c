/* SPDX-License-Identifier: MIT */
/*
 * Where sysgated may put its socket and its audit log: in a directory that
 * exists, or in its own runtime directory, which it creates.  A path in a
 * missing directory elsewhere is refused with the reason, and nothing is made.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

TestSuite(paths, .init = sg_setup, .fini = sg_teardown, .timeout = 60);

/* r failed with exit 1, saying that dir, where path was to go, does not exist. */
static void expect_refused(const struct sg_result *r, const char *path, const char *dir)
{
	const char *why = sg_strf("cannot use '%s': directory '%s' does not exist", path, dir);
	struct stat st;

	cr_expect(sg_exited(r, 1), "%s: %s\n%s", r->cmd, sg_status_str(r->status), r->err);
	cr_expect(strstr(r->err, why), "no \"%s\" in:\n%s", why, r->err);
	cr_expect(lstat(dir, &st) < 0 && errno == ENOENT, "'%s' was created", dir);
}

Test(paths, socket_in_a_missing_directory_is_refused)
{
	const char *dir = sg_strf("%s/missing/run", sg_dir());
	const char *sock = sg_strf("%s/sock", dir);
	const char *argv[] = { sg_daemon_path(), "--socket", sock, "--log",
			       sg_strf("%s/audit.log", sg_dir()), NULL };

	/* daemonizing: the error is seen before standard error goes */
	expect_refused(sg_run(argv, NULL), sock, dir);
}

Test(paths, log_in_a_missing_directory_is_refused)
{
	const char *dir = sg_strf("%s/missing/log", sg_dir());
	const char *log = sg_strf("%s/audit.log", dir);
	const char *sock = sg_strf("%s/sock", sg_dir());
	const char *argv[] = { sg_daemon_path(), "--foreground", "--socket", sock, "--log", log,
			       NULL };
	struct stat st;

	expect_refused(sg_run(argv, NULL), log, dir);
	cr_expect(lstat(sock, &st) < 0 && errno == ENOENT, "a socket was left at '%s'", sock);
}
