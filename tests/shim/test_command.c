/* SPDX-License-Identifier: MIT */
/* shim/command.c: finding the command as execvp would, and the argv of a script without '#!'. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "shim.h"

TestSuite(shim_command, .init = st_setup, .fini = st_teardown);

/* command_find(cmd): 0 and the path, or the error (no path). */
static int find(const char *cmd, char **ret)
{
	*ret = NULL;
	return command_find(cmd, ret);
}

Test(shim_command, a_path_is_checked_not_searched)
{
	const char *x = st_write("x", "#!/bin/sh\n", 0755), *nx = st_write("nx", "", 0644);
	char *p;

	mkdir(st_path("d"), 0755);
	cr_expect_eq(find(x, &p), 0);
	cr_expect_str_eq(p, x);
	free(p);
	cr_expect_eq(find(nx, &p), -EACCES, "not executable, even for root");
	cr_expect_null(p);
	cr_expect_eq(find(st_path("d"), &p), -EACCES, "a directory");
	cr_expect_eq(find(st_path("missing"), &p), -ENOENT);
	cr_expect_eq(find(st_path("x/y"), &p), -ENOTDIR);
	cr_expect_eq(find("/dev/null", &p), -EACCES, "a device");
	cr_expect_eq(find("", &p), -ENOENT);
}

Test(shim_command, path_is_searched_in_order)
{
	char path[512], *p;

	mkdir(st_path("a"), 0755);
	mkdir(st_path("b"), 0755);
	st_write("a/tool", "", 0644);  /* found first, not executable: execvp goes on */
	st_write("b/tool", "", 0755);
	st_write("b/only", "", 0755);
	st_write("a/only", "", 0755);
	st_write("a/plain", "", 0644);
	snprintf(path, sizeof(path), "%s:%s:%s", st_path("missing"), st_path("a"), st_path("b"));
	setenv("PATH", path, 1);
	cr_expect_eq(find("tool", &p), 0);
	cr_expect_str_eq(p, st_path("b/tool"));
	free(p);
	cr_expect_eq(find("only", &p), 0);
	cr_expect_str_eq(p, st_path("a/only"));
	free(p);
	cr_expect_eq(find("plain", &p), -EACCES, "found, never executable: EACCES");
	cr_expect_eq(find("nothere", &p), -ENOENT);
	/* a file where a directory should be is skipped */
	snprintf(path, sizeof(path), "%s:%s", st_path("a/plain"), st_path("b"));
	setenv("PATH", path, 1);
	cr_expect_eq(find("only", &p), 0);
	cr_expect_str_eq(p, st_path("b/only"));
	free(p);
}

Test(shim_command, an_empty_path_element_is_the_current_directory)
{
	char *p;

	st_write("here", "", 0755);
	cr_assert_eq(chdir(st_dir()), 0);
	setenv("PATH", "/nonexistent::/nonexistent2", 1);
	cr_expect_eq(find("here", &p), 0);
	cr_expect_str_eq(p, "here");
	free(p);
	setenv("PATH", "", 1);
	cr_expect_eq(find("here", &p), 0, "PATH='' is the current directory alone");
	free(p);
}

Test(shim_command, unset_path_is_the_default_path)
{
	char *p;

	unsetenv("PATH");
	cr_expect_eq(find("sh", &p), 0);
	cr_expect(p && (strcmp(p, "/bin/sh") == 0 || strcmp(p, "/usr/bin/sh") == 0), "%s", p);
	free(p);
}

Test(shim_command, a_script_without_hashbang_runs_under_sh)
{
	char *argv[] = { "script", "a", "b c", NULL }, *one[] = { "s", NULL };
	char path[] = "/x/script";
	char **v = command_sh_argv(path, argv);

	cr_assert_not_null(v);
	cr_expect_str_eq(v[0], "/bin/sh");
	cr_expect_eq(v[1], path, "the path is borrowed");
	cr_expect_eq(v[2], argv[1]);
	cr_expect_eq(v[3], argv[2]);
	cr_expect_null(v[4]);
	free(v);
	v = command_sh_argv(path, one);
	cr_assert_not_null(v);
	cr_expect_str_eq(v[0], "/bin/sh");
	cr_expect_eq(v[1], path);
	cr_expect_null(v[2]);
	free(v);
}
