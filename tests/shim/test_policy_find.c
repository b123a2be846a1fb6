/* SPDX-License-Identifier: MIT */
/*
 * shim/policy_find.c: a --policy argument as a file or a NAME looked up in
 * $SYSGATE_POLICY_PATH, then the fixed directories; and what the message says when
 * a NAME is not found.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "config.h"
#include "helpers.h"
#include "shim.h"

#define NONE "sg-test-no-such-policy"

static void setup(void)
{
	st_setup();
	unsetenv("SYSGATE_POLICY_PATH");
}

TestSuite(shim_policy_find, .init = setup, .fini = st_teardown);

static int find(const char *arg, char **ret)
{
	*ret = NULL;
	return policy_find(arg, ret);
}

Test(shim_policy_find, file_arguments_are_taken_as_they_are)
{
	static const char *const files[] = { "a/b", "./x", "/etc/none", "x.policy", ".policy",
					     "dir/", "/" };
	char *p;

	setenv("SYSGATE_POLICY_PATH", "/nonexistent", 1);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		cr_expect_eq(find(files[i], &p), 0, "'%s'", files[i]);
		cr_expect_str_eq(p, files[i], "a file argument is not looked up, nor checked");
		free(p);
	}
}

Test(shim_policy_find, names_are_looked_up_in_the_path_in_order)
{
	char env[1024], *p;

	mkdir(st_path("one"), 0755);
	mkdir(st_path("two"), 0755);
	st_write("one/both.policy", "", 0644);
	st_write("two/both.policy", "", 0644);
	st_write("two/second.policy", "", 0644);
	snprintf(env, sizeof(env), "%s::%s:%s", st_path("missing"), st_path("one"), st_path("two"));
	setenv("SYSGATE_POLICY_PATH", env, 1);
	cr_expect_eq(find("both", &p), 0);
	cr_expect_str_eq(p, st_path("one/both.policy"));
	free(p);
	cr_expect_eq(find("second", &p), 0);
	cr_expect_str_eq(p, st_path("two/second.policy"));
	free(p);
	cr_expect_eq(find("second.policy", &p), 0, "a file, not the name 'second'");
	cr_expect_str_eq(p, "second.policy");
	free(p);
	cr_expect_eq(find("", &p), -ENOENT, "an empty name");
	cr_expect_null(p);
	cr_expect_eq(find(NONE, &p), -ENOENT, "not in the path, not in the fixed directories");
	cr_expect_null(p);
}

Test(shim_policy_find, the_shipped_default_by_name)
{
	const char *src = getenv("SG_SOURCE_ROOT");
	char env[1024], want[1024], *p;

	if (!src)
		st_skip("SG_SOURCE_ROOT not set: run through meson test");
	snprintf(env, sizeof(env), "%s/policies", src);
	setenv("SYSGATE_POLICY_PATH", env, 1);
	snprintf(want, sizeof(want), "%s/policies/default.policy", src);
	cr_expect_eq(find("default", &p), 0);
	cr_expect_str_eq(p, want);
	free(p);
}

Test(shim_policy_find, not_found_says_where_it_looked_and_what_would_find_it)
{
	char *s = policy_find_describe(NONE);

	cr_expect_str_eq(s, "not found in " SHIM_ETC_POLICYDIR ", " SG_POLICYDIR ": name its "
			 "directory in SYSGATE_POLICY_PATH or give a path (./" NONE ".policy)");
	free(s);
	setenv("SYSGATE_POLICY_PATH", "/a:/b", 1);
	s = policy_find_describe(NONE);
	cr_expect_str_eq(s, "not found in $SYSGATE_POLICY_PATH (/a:/b), " SHIM_ETC_POLICYDIR ", "
			 SG_POLICYDIR ": name its directory in SYSGATE_POLICY_PATH or give a path "
			 "(./" NONE ".policy)");
	free(s);
}

/* The built sysgate-run knows it runs from its build tree, and names the source tree's
 * policies; this test program is not sysgate-run, so it does not. */
Test(shim_policy_find, from_the_build_tree_the_source_policies_are_named)
{
	const char *const argv[] = { st_build("shim/sysgate-run"), "-p", NONE, "--", "/bin/true",
				     NULL };
	const char *const env[] = { "SYSGATE_POLICY_PATH", NULL };
	char *s = policy_find_describe(NONE);
	int status;

	cr_expect_null(strstr(s, "build tree"), "%s", s);
	free(s);
	status = st_run(argv, env);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == SHIM_EXIT_FAILURE, "status 0x%x",
		  (unsigned)status);
	cr_expect(strstr(st_err, "; from this build tree, the shipped policies are in '"
			 SG_SOURCE_POLICYDIR "'"), "%s", st_err);
}
