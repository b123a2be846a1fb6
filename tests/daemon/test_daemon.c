/* SPDX-License-Identifier: MIT */
/*
 * daemon.c: sysgated_run() in a forked child, as sysgate-run's embedded mode
 * and as the system daemon run it: leaving when the last session has ended,
 * a clean SIGTERM that removes the socket and the pidfile it created, and the
 * directories it may create (its own) or must find.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(daemon, .fini = th_cleanup, .timeout = 60);

static struct {
	char dir[64], sock[96], pidfile[96];
} dt;

static void daemon_cleanup(void)
{
	if (dt.sock[0])
		unlink(dt.sock);
	if (dt.pidfile[0])
		unlink(dt.pidfile);
	if (dt.dir[0]) {
		char path[128];

		/* what the directory tests make, or must not */
		snprintf(path, sizeof(path), "%s/own", dt.dir);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/file", dt.dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/missing", dt.dir);
		rmdir(path);
		rmdir(dt.dir);
	}
	th_cleanup();
}

static void make_dir(void)
{
	snprintf(dt.dir, sizeof(dt.dir), "/tmp/sg-daemon-XXXXXX");
	cr_assert_not_null(mkdtemp(dt.dir));
	snprintf(dt.sock, sizeof(dt.sock), "%s/sock", dt.dir);
	snprintf(dt.pidfile, sizeof(dt.pidfile), "%s/pid", dt.dir);
}

/* Wait (bounded) for a child; its wait status, or -1 on timeout. */
static int wait_child(pid_t pid)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int status;

	for (int i = 0; i < TH_TIMEOUT_MS / 5; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static pid_t run_daemon(const struct sg_config *cfg)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(sysgated_run(cfg) < 0 ? 1 : 0);
	th_track_child(pid);
	return pid;
}

Test(daemon, embedded_daemon_leaves_when_its_last_session_ends, .fini = daemon_cleanup)
{
	static const int route[] = { __NR_getppid };
	static const char policy[] = "version 1\ndefault allow\ngetppid fake 31\n";
	struct sg_config cfg;
	struct th_target t;
	struct th_call c;
	struct sg_msg m;
	const char *reason;
	uint8_t *buf = malloc(SG_MSG_MAX);
	int audit = memfd_create("audit", MFD_CLOEXEC), sock, status;
	char text[4096];
	ssize_t n;
	pid_t d;

	cr_assert_not_null(buf);
	make_dir();
	sysgated_config_init(&cfg);
	cfg.listen_fd = proto_listen(dt.sock, 0600);
	cr_assert_geq(cfg.listen_fd, 0);
	cfg.audit_fd = audit;
	cfg.audit_path = NULL;
	cfg.exit_when_idle = true;
	cfg.log_level = LOG_WARNING;
	d = run_daemon(&cfg);
	close(cfg.listen_fd);

	/* the test process is the shim: the target is its child */
	th_target_start(&t, route, 1, th_body_getppid);
	sock = proto_connect(dt.sock);
	cr_assert_geq(sock, 0);
	n = proto_encode_hello(buf, SG_MSG_MAX, SG_ROLE_SHIM);
	cr_assert_eq(proto_call(sock, buf, (size_t)n, NULL, 0, buf, SG_MSG_MAX, &m, &reason), 0);
	n = proto_encode_register(buf, SG_MSG_MAX, t.pid, SG_MECH_NOTIFY, "emb.policy", policy,
				  strlen(policy));
	cr_assert_eq(proto_call(sock, buf, (size_t)n, &t.listener, 1, buf, SG_MSG_MAX, &m, &reason),
		     0, "register: %s", reason ? reason : "");
	cr_assert_eq(m.type, SG_MSG_ACK);
	cr_expect_eq(m.u.ack.value, 1);
	close(t.listener);
	t.listener = -EBADF;

	th_target_read(&t, &c, sizeof(c));
	cr_expect_eq(c.ret, 31);
	th_target_wait(&t);
	/* the target is gone: the session ends and the daemon with it, the client still open */
	status = wait_child(d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "daemon status 0x%x", status);
	n = pread(audit, text, sizeof(text) - 1, 0);
	cr_assert_gt(n, 0);
	text[n] = '\0';
	cr_expect(strstr(text, "\"event\":\"session-start\""), "%s", text);
	cr_expect(strstr(text, "\"verdict\":\"fake\""), "%s", text);
	cr_expect(strstr(text, "\"event\":\"session-end\""), "%s", text);
	close(sock);
	close(audit);
	free(buf);
}

Test(daemon, sigterm_removes_the_socket_and_the_pidfile, .fini = daemon_cleanup)
{
	struct sg_config cfg;
	struct stat st;
	char pidtext[32] = "";
	int status, fd;
	pid_t d;

	make_dir();
	sysgated_config_init(&cfg);
	cfg.socket_path = dt.sock;
	cfg.socket_mode = 0600;
	cfg.pidfile = dt.pidfile;
	cfg.audit_path = "/dev/null";
	cfg.log_level = LOG_WARNING;
	d = run_daemon(&cfg);
	for (int i = 0; i < TH_TIMEOUT_MS && access(dt.pidfile, F_OK) < 0; i++)
		usleep(1000);
	cr_assert_eq(lstat(dt.sock, &st), 0, "no socket at %s", dt.sock);
	cr_expect(S_ISSOCK(st.st_mode));
	cr_expect_eq(st.st_mode & 0777, 0600);
	fd = open(dt.pidfile, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_gt(read(fd, pidtext, sizeof(pidtext) - 1), 0);
	close(fd);
	cr_expect_eq(strtol(pidtext, NULL, 10), d);
	fd = proto_connect(dt.sock);
	cr_expect_geq(fd, 0, "not accepting");
	close(fd);

	kill(d, SIGTERM);
	status = wait_child(d);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	cr_expect(lstat(dt.sock, &st) < 0 && errno == ENOENT, "socket left behind");
	cr_expect(lstat(dt.pidfile, &st) < 0 && errno == ENOENT, "pidfile left behind");
}

Test(daemon, a_given_fd_that_is_not_a_listening_socket_is_refused, .fini = daemon_cleanup)
{
	struct sg_config cfg;
	int p[2], status;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	sysgated_config_init(&cfg);
	cfg.listen_fd = p[0];
	cfg.audit_path = "/dev/null";
	cfg.log_level = LOG_EMERG;
	status = wait_child(run_daemon(&cfg));
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status 0x%x", status);
	close(p[0]);
	close(p[1]);
}

Test(daemon, only_the_owned_directory_is_created, .fini = daemon_cleanup)
{
	char own[96], missing[96], file[96], here[96];
	char owned[128], in_own[128], in_missing[128], in_file[128];
	struct stat st;

	make_dir();
	snprintf(own, sizeof(own), "%s/own", dt.dir);
	snprintf(owned, sizeof(owned), "%s/default.sock", own);
	snprintf(in_own, sizeof(in_own), "%s/other.sock", own);
	snprintf(missing, sizeof(missing), "%s/missing", dt.dir);
	snprintf(in_missing, sizeof(in_missing), "%s/sub/x.sock", missing);
	snprintf(file, sizeof(file), "%s/file", dt.dir);
	snprintf(in_file, sizeof(in_file), "%s/x.sock", file);
	snprintf(here, sizeof(here), "%s/x.sock", dt.dir);
	cr_assert_eq(close(open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);

	cr_expect_eq(parent_dir_prepare(in_missing, owned, 0755), -ENOENT);
	cr_expect(lstat(missing, &st) < 0 && errno == ENOENT, "'%s' was created", missing);
	cr_expect_eq(parent_dir_prepare(in_file, owned, 0755), -ENOTDIR);
	cr_expect_eq(parent_dir_prepare(here, owned, 0755), 0);
	/* the directory of the default path is the daemon's: made on demand, with its mode */
	cr_expect_eq(parent_dir_prepare(in_own, owned, 0750), 0);
	cr_assert_eq(lstat(own, &st), 0, "'%s' was not created", own);
	cr_expect(S_ISDIR(st.st_mode));
	cr_expect_eq(st.st_mode & 0777, 0750);
	cr_expect_eq(parent_dir_prepare(owned, owned, 0750), 0, "an existing one is fine");
}

Test(daemon, a_socket_in_a_missing_directory_is_refused, .fini = daemon_cleanup)
{
	char missing[128], sock[160];
	struct sg_config cfg;
	struct stat st;
	int status;

	make_dir();
	snprintf(missing, sizeof(missing), "%s/missing", dt.dir);
	snprintf(sock, sizeof(sock), "%s/run/sock", missing);
	sysgated_config_init(&cfg);
	cfg.socket_path = sock;
	cfg.audit_path = "/dev/null";
	cfg.log_level = LOG_EMERG;
	status = wait_child(run_daemon(&cfg));
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status 0x%x", status);
	cr_expect(lstat(missing, &st) < 0 && errno == ENOENT, "'%s' was created", missing);
}

Test(daemon, an_audit_log_in_a_missing_directory_is_refused, .fini = daemon_cleanup)
{
	char missing[128], log[160];
	struct sysgated *d = NULL;
	struct sg_config cfg;
	struct stat st;

	make_dir();
	snprintf(missing, sizeof(missing), "%s/missing", dt.dir);
	snprintf(log, sizeof(log), "%s/log/audit.log", missing);
	sysgated_config_init(&cfg);
	cfg.audit_path = log;
	cfg.log_level = LOG_EMERG;
	cr_expect_eq(daemon_new(&cfg, &d), -ENOENT);
	cr_expect_null(d);
	cr_expect(lstat(missing, &st) < 0 && errno == ENOENT, "'%s' was created", missing);
}
