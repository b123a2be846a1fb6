/* SPDX-License-Identifier: MIT */
/*
 * shim/embedded.c, called in-process: the private sysgated started for one command — its
 * 0700 directory under $XDG_RUNTIME_DIR or /tmp, what it keeps open, its own session —
 * and reaping, waiting, stopping and removing it.  When sysgate-run falls back to it, and
 * -s: tests/e2e/test_embedded.c and shim/run_daemon.c's test_run_daemon.c.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "shim.h"

static struct run_signals sig = { .fd = -EBADF };
static struct embedded emb;
static struct run_opts opts;

static void setup(void)
{
	st_setup();
	setenv("XDG_RUNTIME_DIR", st_dir(), 1);
	opts = (struct run_opts){ .log = st_path("audit.log") };
	cr_assert_eq(signals_setup(&sig), 0);
}

static void teardown(void)
{
	embedded_stop(&emb);
	embedded_remove(&emb);
	signals_done(&sig);
	st_teardown();
}

TestSuite(shim_embedded, .init = setup, .fini = teardown, .timeout = 30);

/* Connect to the private daemon and say HELLO as a client: it serves. */
static void expect_serving(void)
{
	int fd = proto_connect(emb.sock_path);
	struct sg_msg m;

	cr_assert_geq(fd, 0, "connect: %s", strerror(-fd));
	st_send(fd, proto_encode_hello(st_pkt, sizeof(st_pkt), SG_ROLE_CLIENT));
	st_expect(fd, SG_MSG_ACK, &m);
	close(fd);
}

Test(shim_embedded, listens_in_a_new_private_directory)
{
	struct stat st;
	char want[256];

	cr_assert_eq(embedded_start(&emb, &opts, &sig), 0);
	cr_expect_gt(emb.pid, 0);
	snprintf(want, sizeof(want), "%s/sysgate-run.", st_dir());
	cr_expect_eq(strncmp(emb.dir, want, strlen(want)), 0, "%s", emb.dir);
	snprintf(want, sizeof(want), "%s/sock", emb.dir);
	cr_expect_str_eq(emb.sock_path, want);
	cr_assert_eq(stat(emb.dir, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0700);
	cr_assert_eq(stat(emb.sock_path, &st), 0);
	cr_expect(S_ISSOCK(st.st_mode));
	expect_serving();
	cr_expect_eq(embedded_reap(&emb, NULL), 0, "it runs");
}

/* The targets of the daemon's open fds that are this file. */
static int open_in_daemon(const char *file)
{
	char path[64], fd_path[600], link[512];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)emb.pid);
	d = opendir(path);
	cr_assert_not_null(d);
	while ((de = readdir(d))) {
		ssize_t len;

		snprintf(fd_path, sizeof(fd_path), "%s/%s", path, de->d_name);
		len = readlink(fd_path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		n += strcmp(link, file) == 0;
	}
	closedir(d);
	return n;
}

Test(shim_embedded, runs_in_its_own_session_holding_none_of_our_fds)
{
	const char *file = st_write("marker", "", 0644);
	int marker = open(file, O_RDONLY); /* not close-on-exec: a child gets it */
	char path[64], link[256], comm[32] = "";
	ssize_t n;
	FILE *f;

	cr_assert_geq(marker, 0);
	cr_assert_eq(embedded_start(&emb, &opts, &sig), 0);
	expect_serving(); /* past its setup */
	cr_expect_eq(getsid(emb.pid), emb.pid, "out of the terminal's process groups");
	snprintf(path, sizeof(path), "/proc/%d/fd/1", (int)emb.pid);
	n = readlink(path, link, sizeof(link) - 1);
	cr_assert_gt(n, 0);
	link[n] = '\0';
	cr_expect_str_eq(link, "/dev/null", "no reference to the command's standard output");
	cr_expect_eq(open_in_daemon(file), 0, "our fd %d is open in the daemon", marker);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)emb.pid);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_expect_not_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	cr_expect_str_eq(comm, "sysgated\n");
	close(marker);
}

Test(shim_embedded, an_unusable_runtime_directory_falls_back_to_tmp)
{
	static const char *const bases[] = { "relative/dir", "/nonexistent/run" };
	char longbase[200];

	for (size_t i = 0; i < 2; i++) {
		setenv("XDG_RUNTIME_DIR", bases[i], 1);
		cr_assert_eq(embedded_start(&emb, &opts, &sig), 0, "%s", bases[i]);
		cr_expect_eq(strncmp(emb.dir, "/tmp/sysgate-run.", 17), 0, "%s", emb.dir);
		embedded_stop(&emb);
		embedded_remove(&emb);
	}
	/* a socket path too long under it: the directory made there goes again */
	snprintf(longbase, sizeof(longbase), "%s/%0120d", st_dir(), 0);
	cr_assert_eq(mkdir(longbase, 0700), 0);
	setenv("XDG_RUNTIME_DIR", longbase, 1);
	cr_assert_eq(embedded_start(&emb, &opts, &sig), 0);
	cr_expect_eq(strncmp(emb.dir, "/tmp/sysgate-run.", 17), 0, "%s", emb.dir);
	cr_expect_eq(rmdir(longbase), 0, "left something in '%s'", longbase);
	expect_serving();
}

Test(shim_embedded, stop_and_remove_leave_nothing)
{
	char *dir;
	struct stat st;

	cr_assert_eq(embedded_start(&emb, &opts, &sig), 0);
	dir = strdup(emb.dir);
	embedded_stop(&emb);
	cr_expect_eq(emb.pid, 0);
	embedded_remove(&emb);
	cr_expect_null(emb.dir);
	cr_expect_null(emb.sock_path);
	cr_expect_neq(stat(dir, &st), 0, "'%s' still there", dir);
	free(dir);
	/* and on an unset struct */
	cr_expect_eq(embedded_reap(&emb, NULL), -ECHILD);
	embedded_stop(&emb);
	embedded_remove(&emb);
}

Test(shim_embedded, a_forwarded_signal_ends_the_wait_not_the_daemon)
{
	int status = -1;

	cr_assert_eq(embedded_start(&emb, &opts, &sig), 0);
	cr_assert_eq(kill(getpid(), SIGUSR1), 0); /* blocked: read from the signalfd */
	cr_expect_eq(embedded_wait(&emb, &sig, &status), 1);
	cr_expect_eq(embedded_reap(&emb, NULL), 0, "the daemon goes on");
	expect_serving();
}

Test(shim_embedded, the_wait_ends_when_the_daemon_exits)
{
	int status = -1;
	pid_t pid;

	cr_assert_eq(embedded_start(&emb, &opts, &sig), 0);
	pid = emb.pid;
	expect_serving();
	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_expect_eq(embedded_wait(&emb, &sig, &status), 0);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", (unsigned)status);
	cr_expect_eq(emb.pid, 0);
	cr_expect_eq(kill(pid, 0), -1, "reaped");
}
