/* SPDX-License-Identifier: MIT */
/* Helpers for the unit tests of sysgate-run and its preload library (see helpers.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

char st_out[ST_OUT_MAX], st_err[ST_OUT_MAX];
uint8_t st_pkt[SG_MSG_MAX];
static char dir[64];
static pid_t child = -1;
static int saved_stderr = -1, captured_fd = -1;
static int out_fd = -1, err_fd = -1; /* the running program's stdout, stderr */

void st_setup(void)
{
	strcpy(dir, "/tmp/sg-shim-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path); /* and go on with the rest */
	return 0;
}

void st_teardown(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	out_fd = err_fd = -1;
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		close(captured_fd);
		saved_stderr = captured_fd = -1;
	}
	if (dir[0])
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}

void st_skip(const char *reason)
{
	st_teardown();
	cr_skip_test("%s", reason);
	abort(); /* not reached */
}

const char *st_dir(void)
{
	return dir;
}

const char *st_path(const char *name)
{
	static char paths[16][256];
	static unsigned next;
	char *p = paths[next++ % 16];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

const char *st_write(const char *name, const char *text, mode_t mode)
{
	const char *p = st_path(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	cr_assert_geq(fd, 0, "%s: %s", p, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
	return p;
}

const char *st_build(const char *rel)
{
	static char path[16][512];
	static unsigned next;
	const char *root = getenv("SG_BUILD_ROOT");
	char *p = path[next++ % 16];

	if (!root)
		st_skip("SG_BUILD_ROOT not set: run through meson test");
	snprintf(p, sizeof(path[0]), "%s/%s", root, rel);
	return p;
}

static void read_all(int fd, char *dst, size_t size)
{
	ssize_t n = pread(fd, dst, size - 1, 0);

	cr_assert_geq(n, 0);
	dst[n] = '\0';
}

void st_spawn(const char *const *argv, const char *const *env)
{
	out_fd = memfd_create("out", MFD_CLOEXEC);
	err_fd = memfd_create("err", MFD_CLOEXEC);
	cr_assert(out_fd >= 0 && err_fd >= 0);
	fflush(NULL);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		for (; env && *env; env++) {
			const char *eq = strchr(*env, '=');

			if (eq) {
				char key[256];

				snprintf(key, sizeof(key), "%.*s", (int)(eq - *env), *env);
				setenv(key, eq + 1, 1);
			} else
				unsetenv(*env);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
}

pid_t st_child(void)
{
	return child;
}

int st_wait(void)
{
	int status = 0;

	for (int waited = 0;; waited += 10) {
		pid_t p = waitpid(child, &status, WNOHANG);

		cr_assert_geq(p, 0);
		if (p == child)
			break;
		if (waited >= ST_TIMEOUT_MS) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			child = -1;
			cr_assert_fail("the program did not exit in time");
		}
		usleep(10000);
	}
	child = -1;
	read_all(out_fd, st_out, sizeof(st_out));
	read_all(err_fd, st_err, sizeof(st_err));
	close(out_fd);
	close(err_fd);
	out_fd = err_fd = -1;
	return status;
}

int st_run(const char *const *argv, const char *const *env)
{
	st_spawn(argv, env);
	return st_wait();
}

void st_capture_stderr(void)
{
	fflush(stderr);
	captured_fd = memfd_create("stderr", MFD_CLOEXEC);
	cr_assert_geq(captured_fd, 0);
	saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	cr_assert_geq(saved_stderr, 0);
	cr_assert_geq(dup2(captured_fd, STDERR_FILENO), 0);
}

const char *st_stderr(void)
{
	fflush(stderr);
	read_all(captured_fd, st_err, sizeof(st_err));
	/* fd 2 shares the offset: start over for the next call */
	cr_assert_eq(ftruncate(captured_fd, 0), 0);
	lseek(captured_fd, 0, SEEK_SET);
	return st_err;
}

void st_expect(int sock, uint16_t type, struct sg_msg *ret)
{
	static uint8_t buf[SG_MSG_MAX];
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds = 0;
	const char *reason = NULL;
	ssize_t n;

	cr_assert_eq(poll(&p, 1, ST_TIMEOUT_MS), 1, "no %s message", proto_type_name(type));
	n = proto_recv(sock, buf, sizeof(buf), fds, &n_fds);
	cr_assert_gt(n, 0, "recv: %zd", n);
	cr_assert_eq(proto_decode(buf, (size_t)n, fds, n_fds, ret, &reason), 0, "bad message: %s",
		     reason);
	cr_assert_eq(ret->type, type, "got %s, want %s", proto_type_name(ret->type),
		     proto_type_name(type));
}

void st_send(int sock, ssize_t len)
{
	cr_assert_gt(len, 0);
	cr_assert_eq(proto_send(sock, st_pkt, (size_t)len, NULL, 0), 0);
}
