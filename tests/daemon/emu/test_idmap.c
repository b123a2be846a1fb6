/* SPDX-License-Identifier: MIT */
/* daemon/emu/idmap.c: id maps of a task's user namespace, cached per namespace. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* A child in a new user namespace whose maps are not written yet; waits until killed.
 * Skips when user namespaces cannot be made here. */
static pid_t child_in_userns(void)
{
	int p[2];
	char c = 0;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
		(void)!write(p[1], &c, 1);
		for (;;)
			pause();
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	if (c != 'y') {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		cr_skip_test("unshare(CLONE_NEWUSER) fails here: no user namespaces to test with");
	}
	return pid;
}

Test(idmap, an_unwritten_map_is_not_cached_and_a_written_one_is)
{
	struct sysgated d = { 0 };
	pid_t pid = child_in_userns();
	char map[64];

	/* nothing mapped yet: not even 0, and nothing may be remembered of it */
	cr_expect_eq(tid_mapped(&d, pid, 0, 0), 0);
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)getuid());
	th_write_map(pid, "setgroups", "deny");
	th_write_map(pid, "uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)getgid());
	th_write_map(pid, "gid_map", map);
	for (int i = 0; i < 2; i++) { /* a miss that fills the cache, then a hit */
		cr_expect_eq(tid_mapped(&d, pid, 0, 0), 1, "round %d", i);
		cr_expect_eq(tid_mapped(&d, pid, UINT32_MAX, 0), 1, "round %d", i);
		cr_expect_eq(tid_mapped(&d, pid, 0, UINT32_MAX), 1, "round %d", i);
		cr_expect_eq(tid_mapped(&d, pid, 1000, 0), 0, "round %d", i);
		cr_expect_eq(tid_mapped(&d, pid, 0, 65534), 0, "round %d", i);
	}
	cr_expect_not_null(d.idmap, "the written maps were cached");
	/* the daemon's own namespace is another entry, with its own map */
	cr_expect_eq(tid_mapped(&d, getpid(), 1000, 1000), 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	cr_expect_eq(tid_mapped(&d, pid, 0, 0), -ESRCH);
	idmap_free(&d);
	cr_expect_null(d.idmap);
}

Test(idmap, without_a_cache_the_maps_are_read_each_time)
{
	cr_expect_eq(tid_mapped(NULL, getpid(), 0, 0), 1);
	cr_expect_eq(tid_mapped(NULL, getpid(), UINT32_MAX, UINT32_MAX), 1);
}

/* A child in a new user namespace whose uid_map and gid_map are map. */
static pid_t child_with_map(const char *map)
{
	pid_t pid = child_in_userns();

	th_write_map(pid, "uid_map", map);
	th_write_map(pid, "gid_map", map);
	return pid;
}

Test(idmap, a_map_too_long_to_cache_leaves_the_cached_ones_intact)
{
	struct sysgated d = { 0 };
	pid_t kids[8], longer;
	char map[1024] = "";

	if (geteuid() != 0)
		cr_skip_test("writing maps of several lines needs root");
	for (int i = 0; i < 8; i++) { /* every slot taken: the next one to fill is kids[0]'s */
		kids[i] = child_with_map("5 0 1\n");
		cr_expect_eq(tid_mapped(&d, kids[i], 5, 5), 1);
	}
	for (int k = 0; k < 17; k++) /* more extents than a slot holds */
		snprintf(map + strlen(map), sizeof(map) - strlen(map), "%d %d 1\n", 100 + 2 * k,
			 100 + 2 * k);
	longer = child_with_map(map);
	cr_expect_eq(tid_mapped(&d, longer, 132, 132), 1, "the whole map is read");
	cr_expect_eq(tid_mapped(&d, longer, 101, 100), 0);
	cr_expect_eq(tid_mapped(&d, kids[0], 5, 5), 1, "the cached map of kids[0] is intact");
	cr_expect_eq(tid_mapped(&d, kids[0], 100, 100), 0);
	for (int i = 0; i < 8; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	kill(longer, SIGKILL);
	waitpid(longer, NULL, 0);
	idmap_free(&d);
}
