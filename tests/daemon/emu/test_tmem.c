/* SPDX-License-Identifier: MIT */
/* daemon/emu/tmem.c and daemon/emu/tpath.c, against a forked child. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"

static char text[PATH_MAX + 64];

/* A child with the parent's memory image, stopped until killed. */
static pid_t child(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		umask(027);
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

Test(tmem, reads_a_string_of_another_task)
{
	char buf[64];
	pid_t pid;

	strcpy(text, "/etc/hostname");
	pid = child();
	strcpy(text, "changed after the fork");
	cr_expect_eq(tmem_read_string(pid, (uint64_t)(uintptr_t)text, buf, sizeof(buf)), 13);
	cr_expect_str_eq(buf, "/etc/hostname");
	reap(pid);
}

Test(tmem, bad_pointers_and_long_strings_fail)
{
	char buf[PATH_MAX];
	pid_t pid;

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	pid = child();
	cr_expect_eq(tmem_read_string(pid, 0, buf, sizeof(buf)), -EFAULT);
	cr_expect_eq(tmem_read_string(pid, 8, buf, sizeof(buf)), -EFAULT);
	cr_expect_eq(tmem_read_string(pid, (uint64_t)(uintptr_t)text, buf, sizeof(buf)),
		     -ENAMETOOLONG);
	cr_expect_eq(tmem_read(pid, UINT64_MAX - 4, buf, 16), -EFAULT);
	reap(pid);
}

Test(tmem, a_string_that_ends_before_an_unmapped_page_is_read)
{
	long page = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char buf[PATH_MAX];
	pid_t pid;

	cr_assert_neq(m, MAP_FAILED);
	cr_assert_eq(munmap(m + page, (size_t)page), 0);
	memcpy(m + page - 4, "abc", 4);
	m[0] = 'x';
	pid = child();
	cr_expect_eq(tmem_read_string(pid, (uint64_t)(uintptr_t)(m + page - 4), buf, sizeof(buf)),
		     3);
	cr_expect_str_eq(buf, "abc");
	/* No NUL before the hole: -EFAULT, not a string glued from garbage. */
	memset(m, 'y', (size_t)page);
	reap(pid);
	pid = child();
	cr_expect_eq(tmem_read_string(pid, (uint64_t)(uintptr_t)(m + page - 100), buf, sizeof(buf)),
		     -EFAULT);
	reap(pid);
	munmap(m, (size_t)page);
}

Test(tmem, a_dead_task_is_gone)
{
	char buf[16];
	pid_t pid = child();

	reap(pid);
	cr_expect_eq(tmem_read_string(pid, (uint64_t)(uintptr_t)text, buf, sizeof(buf)), -ESRCH);
}

Test(tpath, credentials_and_maps_of_a_task)
{
	struct tsnap snap;
	pid_t pid = child();

	usleep(20000); /* let the child set its umask */
	cr_assert_eq(tsnap_read(pid, &snap), 0);
	cr_expect_eq(snap.cr.uid[3], getuid());
	cr_expect_eq(snap.cr.gid[3], getgid());
	cr_expect_eq(snap.cr.umask, 027);
	cr_expect_eq(tid_mapped(NULL, pid, getuid(), getgid()), 1);
	cr_expect_eq(tid_mapped(NULL, pid, UINT32_MAX, getgid()), 1);
	reap(pid);
}

Test(tpath, a_relative_path_starts_at_the_task_cwd_or_dirfd)
{
	char tmpl[] = "/tmp/sg-tpath-XXXXXX", link[PATH_MAX], fdpath[64];
	ssize_t n = -1;
	pid_t pid;
	int fd, r_bad;

	cr_assert_not_null(mkdtemp(tmpl));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (chdir(tmpl) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	usleep(20000);
	fd = tpath_start_fd(pid, AT_FDCWD);
	if (fd >= 0) {
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		n = readlink(fdpath, link, sizeof(link) - 1);
		close(fd);
	}
	r_bad = tpath_start_fd(pid, 999);
	reap(pid); /* before any assertion: nothing is left behind when one fails */
	rmdir(tmpl);
	cr_assert_geq(fd, 0, "%s", strerror(-fd));
	cr_assert_gt(n, 0);
	link[n] = '\0';
	cr_expect_str_eq(link, tmpl);
	cr_expect_eq(r_bad, -EBADF, "a dirfd the task does not have");
	cr_expect_eq(tpath_start_fd(pid, -5), -EBADF);
}

Test(tpath, split_gives_the_directory_and_the_final_name)
{
	const struct {
		const char *in, *dir, *last;
		int r;
	} cases[] = {
		{ "sub/node", "sub", "node", 0 }, { "node", ".", "node", 0 },
		{ "/node", "/", "node", 0 },      { "/a/b/c", "/a/b", "c", 0 },
		{ ".", NULL, NULL, -EISDIR },      { "dir/", NULL, NULL, -EISDIR },
		{ "a/..", NULL, NULL, -EISDIR },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX], last[NAME_MAX + 1];

		strcpy(path, cases[i].in);
		cr_expect_eq(tpath_split(path, last, sizeof(last)), cases[i].r, "%s", cases[i].in);
		if (cases[i].r == 0) {
			cr_expect_str_eq(path, cases[i].dir, "%s", cases[i].in);
			cr_expect_str_eq(last, cases[i].last, "%s", cases[i].in);
		}
	}
}
