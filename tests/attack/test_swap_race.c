/*
 * SPDX-License-Identifier: MIT
 *
 * Swaps against the emulators that read a target's memory or resolve its paths
 * (issue 13, invariant 2): while two threads make the call thousands of times,
 * two others flip what it names between a permitted and a denied value: the path
 * buffer (torn mixes too), a symlink's target, a directory component, the dirfd,
 * openat2's struct, the xattr name.  Each race must have gone both ways (some
 * calls permitted, some refused) and nothing denied ever happened: no denied file
 * was opened, no node made where the caller may not create, no unfaked xattr
 * name set.  Emulation is notify's: under trace and trap these skip.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"

#define ROUNDS "4000" /* calls per racing thread; two threads race */

TestSuite(swap_race, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 120);

struct counts {
	long done, refused, other, leaked;
};

static void need_notify(void)
{
	sg_require_mechanism("notify", "emulation is notify's: trace and trap sessions refuse "
				       "emulate rules (tests/e2e/test_emulate.c)");
}

/* swap_race ARGS under policy (as nobody when o says so); its counts. */
static struct counts race(const char *policy, const struct sg_opts *o, const char *const *args)
{
	const char *argv[16];
	struct sg_result *r;
	struct counts c = { -1, -1, -1, -1 };
	size_t n = 0;

	for (const char *const *a = sg_shim_argv(policy, sg_bin("tests/attack/swap_race"), NULL);
	     *a; a++)
		argv[n++] = *a;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	r = sg_run(argv, o);
	sg_assert_exit(r, 0);
	cr_assert_eq(sscanf(r->out, "done=%ld refused=%ld other=%ld leaked=%ld", &c.done,
			    &c.refused, &c.other, &c.leaked), 4, "%s: %s", r->cmd, r->out);
	return c;
}

/* Nothing leaked, and the race went both ways. */
static void expect_held(struct counts c, const char *what)
{
	cr_expect_eq(c.leaked, 0, "%s: %ld leaked (done %ld, refused %ld)", what, c.leaked, c.done,
		     c.refused);
	cr_expect_gt(c.done, 0, "%s: never permitted: the race did not race", what);
	cr_expect_gt(c.refused, 0, "%s: never refused: the race did not race", what);
}

/* sg_open_rule_policy(), and DIR/pub/secret/x "public" for the dirfd race. */
static const char *open_policy(void)
{
	const char *pol = sg_open_rule_policy();

	cr_assert_eq(mkdir(sg_strf("%s/pub/secret", sg_dir()), 0755), 0);
	sg_write_file("pub/secret/x", "public\n", 0644);
	return pol;
}

static const char *in_dir(const char *rel)
{
	return sg_strf("%s/%s", sg_dir(), rel);
}

/* An open race under open_policy(): held. */
static void open_race(const char *what, const char *const *args)
{
	need_notify();
	expect_held(race(open_policy(), NULL, args), what);
}

Test(swap_race, open_path_buffer_flipped_to_a_denied_file)
{
	open_race("path buffer", (const char *[]){ "open-path", in_dir("pub/x"),
						   in_dir("secret/x"), ROUNDS, NULL });
}

Test(swap_race, open_symlink_retargeted_to_a_denied_file)
{
	open_race("symlink target", (const char *[]){ "open-symlink", in_dir("link"),
						      in_dir("pub/x"), in_dir("secret/x"), ROUNDS,
						      NULL });
}

Test(swap_race, open_directory_component_retargeted_to_a_denied_directory)
{
	open_race("directory component", (const char *[]){ "open-dirlink", in_dir("dlink"),
							   in_dir("pub"), in_dir("secret"), "x",
							   ROUNDS, NULL });
}

/* openat(D, "secret/x"): D flips between DIR/pub (DIR/pub/secret/x is permitted) and
 * DIR (DIR/secret/x is not). */
Test(swap_race, open_dirfd_flipped_to_the_denied_directory_s_parent)
{
	open_race("dirfd", (const char *[]){ "open-dirfd", in_dir("pub"), sg_dir(), "secret/x",
					     ROUNDS, NULL });
}

/* openat2 keeps its struct open_how in memory: refused ENOSYS under an open rule, every
 * time, whatever the flipping thread puts there. */
Test(swap_race, openat2_struct_and_path_flipped)
{
	const char *pol;
	struct counts c;

	need_notify();
	pol = open_policy();
	c = race(pol, NULL, (const char *[]){ "openat2", in_dir("pub/x"), in_dir("secret/x"),
					      ROUNDS, NULL });
	cr_expect(c.done == 0 && c.refused == 0 && c.leaked == 0 && c.other == 8000,
		  "openat2: done %ld refused %ld other %ld leaked %ld", c.done, c.refused,
		  c.other, c.leaked);
	cr_expect_not_null(sg_audit_wait("event", "syscall", "syscall", "openat2", "errno_name",
					 "ENOSYS", NULL), "%s", sg_jtext(sg_audit()));
}

/* DIR/mk-pub (everyone may create) and DIR/mk-ro (root's 0755): the mknod emulator, root,
 * makes nodes for a caller (nobody) only where the caller may create. */
static const char *mknod_setup(void)
{
	const char *pub = in_dir("mk-pub");

	if (geteuid() != 0)
		sg_skip("running the target as nobody needs root");
	cr_assert_eq(mkdir(pub, 0777), 0);
	cr_assert_eq(chmod(pub, 0777), 0);
	cr_assert_eq(mkdir(in_dir("mk-ro"), 0755), 0);
	return sg_policy("mknod", "version 1\ndefault allow\nmknod, mknodat emulate mknod\n");
}

/* A mknod race of nobody's under mknod_setup(): held, and nothing in mk-ro. */
static void mknod_race(const char *what, const char *const *args)
{
	const struct sg_opts nobody = { .as_nobody = true };

	need_notify();
	expect_held(race(mknod_setup(), &nobody, args), what);
	cr_expect_neq(access(in_dir("mk-ro/null"), F_OK), 0, "a node was made in mk-ro");
}

Test(swap_race, mknod_path_buffer_flipped_to_where_the_caller_may_not_create)
{
	mknod_race("mknod path buffer", (const char *[]){ "mknod-path", in_dir("mk-pub/null"),
							  in_dir("mk-ro/null"), ROUNDS, NULL });
}

Test(swap_race, mknod_directory_component_retargeted_to_where_the_caller_may_not_create)
{
	mknod_race("mknod directory component",
		   (const char *[]){ "mknod-dirlink", in_dir("mk-pub/lnk"), in_dir("mk-pub"),
				     in_dir("mk-ro"), "null", ROUNDS, NULL });
}

Test(swap_race, xattr_name_flipped_to_an_unfaked_name)
{
	const char *f = sg_write_file("xf", "x\n", 0644), *pol;
	char v[8];

	need_notify();
	if (setxattr(f, "user.probe", "v", 1, 0) < 0)
		sg_skip("the test directory's file system has no user xattrs");
	cr_assert_eq(removexattr(f, "user.probe"), 0);
	pol = sg_policy("xattr", "version 1\ndefault allow\n"
				 "setxattr, lsetxattr, fsetxattr emulate xattr\n");
	expect_held(race(pol, NULL, (const char *[]){ "xattr", f, ROUNDS, NULL }), "xattr name");
	cr_expect_lt(getxattr(f, "user.sg", v, sizeof(v)), 0, "user.sg was set on %s", f);
}
