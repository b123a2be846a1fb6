/* SPDX-License-Identifier: MIT */
/* daemon/emu/tmem.c: reading another task's memory, against a forked child. */
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
