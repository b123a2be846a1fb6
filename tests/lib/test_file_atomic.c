/* SPDX-License-Identifier: MIT */
/* lib/file_atomic.c: a file replaced whole, or left as it was. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_atomic.h"

static char dir[] = "/tmp/sg-file-atomic-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(file_atomic, .init = setup, .fini = teardown);

static const char *in_dir(const char *name)
{
	static char buf[4][256];
	static unsigned i;
	char *p = buf[i++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(in_dir(name), "we");

	cr_assert_not_null(f);
	cr_assert_eq(fputs(text, f) >= 0, true);
	cr_assert_eq(fclose(f), 0);
}

/* The file's contents (static buffer), "(none)" when it cannot be read. */
static const char *contents(const char *name)
{
	static char buf[8192];
	FILE *f = fopen(in_dir(name), "re");
	size_t n;

	if (!f)
		return "(none)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The directory's entries, sorted and space-separated: a temporary file shows up here. */
static const char *entries(void)
{
	static char buf[1024];
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);

	cr_assert_geq(n, 0);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") != 0 && strcmp(list[i]->d_name, "..") != 0) {
			strncat(buf, buf[0] ? " " : "", sizeof(buf) - strlen(buf) - 1);
			strncat(buf, list[i]->d_name, sizeof(buf) - strlen(buf) - 1);
		}
		free(list[i]);
	}
	free(list);
	return buf;
}

static mode_t mode_of(const char *name)
{
	struct stat st;

	cr_assert_eq(stat(in_dir(name), &st), 0);
	return st.st_mode & 07777;
}

Test(file_atomic, writes_a_new_file_with_the_mode_less_the_umask)
{
	umask(022);
	cr_assert_eq(file_write_atomic(in_dir("f"), "abc\n", 4, 0644), 0);
	cr_expect_str_eq(contents("f"), "abc\n");
	cr_expect_eq(mode_of("f"), 0644);
	umask(077);
	cr_assert_eq(file_write_atomic(in_dir("g"), "", 0, 0644), 0);
	cr_expect_str_eq(contents("g"), "");
	cr_expect_eq(mode_of("g"), 0600);
	cr_expect_str_eq(entries(), "f g");
}

/* A hard link to the old file keeps the old contents: the file was replaced, not rewritten. */
Test(file_atomic, replaces_the_file_and_leaves_the_old_inode_alone)
{
	put("f", "old contents, longer than the new\n");
	cr_assert_eq(link(in_dir("f"), in_dir("old")), 0);
	cr_assert_eq(file_write_atomic(in_dir("f"), "new\n", 4, 0644), 0);
	cr_expect_str_eq(contents("f"), "new\n");
	cr_expect_str_eq(contents("old"), "old contents, longer than the new\n");
	cr_expect_str_eq(entries(), "f old");
}

/* A write that fails half way (the file size limit) leaves the original file and nothing else. */
Test(file_atomic, a_failed_write_leaves_the_original_and_no_temporary_file)
{
	struct rlimit lim = { .rlim_cur = 16, .rlim_max = RLIM_INFINITY };
	char big[4096];

	put("f", "original\n");
	memset(big, 'x', sizeof(big));
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_expect_eq(file_write_atomic(in_dir("f"), big, sizeof(big), 0644), -EFBIG);
	lim.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_expect_str_eq(contents("f"), "original\n");
	cr_expect_str_eq(entries(), "f");
}

/* A failed rename (a directory is in the way) removes the temporary file. */
Test(file_atomic, a_failed_rename_leaves_no_temporary_file)
{
	struct stat st;

	cr_assert_eq(mkdir(in_dir("d"), 0755), 0);
	cr_expect_eq(file_write_atomic(in_dir("d"), "x", 1, 0644), -EISDIR);
	cr_expect_eq(stat(in_dir("d"), &st), 0);
	cr_expect(S_ISDIR(st.st_mode));
	cr_expect_str_eq(entries(), "d");
}

Test(file_atomic, refuses_what_it_cannot_write)
{
	cr_expect_eq(file_write_atomic(in_dir("no/f"), "x", 1, 0644), -ENOENT);
	cr_expect_eq(file_write_atomic("", "x", 1, 0644), -EINVAL);
	cr_expect_eq(file_write_atomic(NULL, "x", 1, 0644), -EINVAL);
	cr_expect_eq(file_write_atomic(in_dir("f"), NULL, 1, 0644), -EINVAL);
	cr_expect_str_eq(entries(), "");
}
