/* SPDX-License-Identifier: MIT */
/* Helpers for the sysgatectl program tests (see cli.h). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"

char cli_dir[64], cli_sock[128];
int cli_listen_fd = -1, cli_peer = -1;
pid_t cli_child = -1;
int cli_out_fd = -1, cli_err_fd = -1;
char cli_out[CLI_OUT_MAX], cli_err[CLI_OUT_MAX];
uint8_t cli_buf[SG_MSG_MAX];
static int saved_stderr = -1, captured_fd = -1;

/* Suite init: a fresh temporary directory. */
void cli_setup(void)
{
	strcpy(cli_dir, "/tmp/sg-cli-XXXXXX");
	cr_assert_not_null(mkdtemp(cli_dir));
	snprintf(cli_sock, sizeof(cli_sock), "%s/sock", cli_dir);
}

/* Suite fini: kill the child, close everything, remove every file written. */
void cli_teardown(void)
{
	DIR *d;
	struct dirent *de;

	if (cli_child > 0) {
		kill(cli_child, SIGKILL);
		waitpid(cli_child, NULL, 0);
	}
	if (cli_peer >= 0)
		close(cli_peer);
	if (cli_listen_fd >= 0)
		close(cli_listen_fd);
	cli_forget_output();
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		close(captured_fd);
		saved_stderr = captured_fd = -1;
	}
	d = opendir(cli_dir);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(cli_dir);
}

/* Start sysgatectl with args (NULL-terminated); SYSGATE_SOCKET set to env_sock or unset. */
void cli_spawn(const char *env_sock, const char *const *args)
{
	const char *root = getenv("SG_BUILD_ROOT");
	char exe[512];
	const char *argv[16] = { "sysgatectl" };
	size_t n = 1;

	if (!root) {
		cli_teardown(); /* a skipped test gets no fini */
		cr_skip_test("SG_BUILD_ROOT not set: run through meson test");
	}
	snprintf(exe, sizeof(exe), "%s/client/sysgatectl", root);
	for (; args[n - 1] && n < 15; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	cli_out_fd = memfd_create("out", MFD_CLOEXEC);
	cli_err_fd = memfd_create("err", MFD_CLOEXEC);
	cr_assert_geq(cli_out_fd, 0);
	cr_assert_geq(cli_err_fd, 0);
	cli_child = fork();
	cr_assert_geq(cli_child, 0);
	if (cli_child == 0) {
		dup2(cli_out_fd, STDOUT_FILENO);
		dup2(cli_err_fd, STDERR_FILENO);
		if (env_sock)
			setenv("SYSGATE_SOCKET", env_sock, 1);
		else
			unsetenv("SYSGATE_SOCKET");
		execv(exe, (char *const *)argv);
		_exit(127);
	}
}

static void read_all(int fd, char *dst, size_t size)
{
	ssize_t n = pread(fd, dst, size - 1, 0);

	cr_assert_geq(n, 0);
	dst[n] = '\0';
}

/* Wait for the child (killing it after the timeout) and collect its output. */
int cli_finish(void)
{
	int status = 0;

	for (int waited = 0;; waited += 10) {
		pid_t p = waitpid(cli_child, &status, WNOHANG);

		cr_assert_geq(p, 0);
		if (p == cli_child)
			break;
		if (waited >= CLI_TIMEOUT_MS) {
			kill(cli_child, SIGKILL);
			waitpid(cli_child, NULL, 0);
			cli_child = -1;
			cr_assert_fail("sysgatectl did not exit in time");
		}
		usleep(10000);
	}
	cli_child = -1;
	read_all(cli_out_fd, cli_out, sizeof(cli_out));
	read_all(cli_err_fd, cli_err, sizeof(cli_err));
	cr_assert(WIFEXITED(status), "sysgatectl died by signal %d; stderr: %s",
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0, cli_err);
	return WEXITSTATUS(status);
}

/* Close the captured output of a finished child. */
void cli_forget_output(void)
{
	if (cli_out_fd >= 0)
		close(cli_out_fd);
	if (cli_err_fd >= 0)
		close(cli_err_fd);
	cli_out_fd = cli_err_fd = -1;
}

/* Run sysgatectl without SYSGATE_SOCKET; its exit status. */
int cli_run(const char *const *args)
{
	cli_spawn(NULL, args);
	return cli_finish();
}

/* Listen on cli_sock. */
void cli_listen(void)
{
	cli_listen_fd = proto_listen(cli_sock, 0600);
	cr_assert_geq(cli_listen_fd, 0, "listen: %s", strerror(-cli_listen_fd));
}

/* Accept the child's connection (bounded wait). */
void cli_accept(void)
{
	struct pollfd p = { .fd = cli_listen_fd, .events = POLLIN };

	cr_assert_eq(poll(&p, 1, CLI_TIMEOUT_MS), 1, "sysgatectl did not connect");
	cli_peer = accept4(cli_listen_fd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(cli_peer, 0);
}

/* Receive the next request, which must be of the given type. */
struct sg_msg cli_expect(uint16_t type)
{
	struct pollfd p = { .fd = cli_peer, .events = POLLIN };
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds;
	struct sg_msg m;
	const char *reason = NULL;
	ssize_t n;

	cr_assert_eq(poll(&p, 1, CLI_TIMEOUT_MS), 1, "no %s request", proto_type_name(type));
	n = proto_recv(cli_peer, cli_buf, sizeof(cli_buf), fds, &n_fds);
	cr_assert_gt(n, 0, "recv: %zd", n);
	cr_assert_eq(proto_decode(cli_buf, (size_t)n, fds, n_fds, &m, &reason), 0, "bad request: %s",
		     reason);
	cr_assert_eq(m.type, type, "got %s, want %s", proto_type_name(m.type),
		     proto_type_name(type));
	return m;
}

/* Send one reply packet from cli_buf. */
void cli_reply(ssize_t len)
{
	cr_assert_gt(len, 0);
	cr_assert_eq(proto_send(cli_peer, cli_buf, (size_t)len, NULL, 0), 0);
}

/* Accept the client and check that it says HELLO as a client first. */
void cli_handshake(void)
{
	cli_accept();
	cr_assert_eq(cli_expect(SG_MSG_HELLO).u.hello.role, SG_ROLE_CLIENT);
	cli_reply(proto_encode_ack(cli_buf, sizeof(cli_buf), 0));
}

/* Listen (once), end the previous run's connection and output, start sysgatectl against
 * cli_sock and shake hands. */
void cli_start(const char *const *args)
{
	if (cli_listen_fd < 0)
		cli_listen();
	if (cli_peer >= 0)
		close(cli_peer);
	cli_peer = -1;
	cli_forget_output();
	cli_spawn(cli_sock, args);
	cli_handshake();
}

/* Wait until the child's stdout holds s. */
void cli_wait_output(const char *s)
{
	for (int waited = 0; waited < CLI_TIMEOUT_MS; waited += 10) {
		read_all(cli_out_fd, cli_out, sizeof(cli_out));
		if (strstr(cli_out, s))
			return;
		usleep(10000);
	}
	cr_assert_fail("output never showed '%s'; got '%s'", s, cli_out);
}

/* Write cli_dir/NAME. */
const char *cli_write_file(const char *name, const char *text)
{
	/* One slot per file name, so a path stays valid while other files are written. */
	static char paths[8][160];
	char want[160], *p = NULL;
	FILE *f;

	snprintf(want, sizeof(want), "%s/%s", cli_dir, name);
	for (size_t i = 0; i < 8 && !p; i++)
		if (paths[i][0] == '\0' || strcmp(paths[i], want) == 0)
			p = paths[i];
	cr_assert_not_null(p, "more than 8 file names");
	strcpy(p, want);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

const char *cli_write_policy(const char *text)
{
	return cli_write_file("p.policy", text);
}

/* Our own standard error into a memfd, until the suite's fini. */
void cli_capture_stderr(void)
{
	fflush(stderr);
	captured_fd = memfd_create("stderr", MFD_CLOEXEC);
	cr_assert_geq(captured_fd, 0);
	saved_stderr = dup(STDERR_FILENO);
	cr_assert_geq(saved_stderr, 0);
	cr_assert_geq(dup2(captured_fd, STDERR_FILENO), 0);
}

/* What was written to our standard error since the last call (in cli_err). */
const char *cli_stderr(void)
{
	fflush(stderr);
	read_all(captured_fd, cli_err, sizeof(cli_err));
	/* fd 2 shares the offset: start over for the next call */
	cr_assert_eq(ftruncate(captured_fd, 0), 0);
	lseek(captured_fd, 0, SEEK_SET);
	return cli_err;
}

/* The child's stdout, one JSON document, printed again plain (keys in their order). */
const char *cli_out_json(void)
{
	static char plain[CLI_OUT_MAX];
	struct json_object *o = json_tokener_parse(cli_out);

	cr_assert_not_null(o, "not JSON: %s", cli_out);
	snprintf(plain, sizeof(plain), "%s", json_object_to_json_string_ext(o,
		 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return plain;
}
