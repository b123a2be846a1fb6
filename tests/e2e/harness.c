/* SPDX-License-Identifier: MIT */
/* The e2e harness: temporary directory, daemon lifecycle, running commands, cleanup. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_int.h"

struct sg_harness sg_h = { .daemon = -1 };

static void *track(void *p)
{
	cr_assert_not_null(p, "out of memory");
	if (sg_h.n_allocs == sg_h.cap_allocs) {
		size_t cap = sg_h.cap_allocs ? 2 * sg_h.cap_allocs : 64;
		void **a = realloc(sg_h.allocs, cap * sizeof(*a));

		cr_assert_not_null(a, "out of memory");
		sg_h.allocs = a;
		sg_h.cap_allocs = cap;
	}
	sg_h.allocs[sg_h.n_allocs++] = p;
	return p;
}

void *sg_track(void *p)
{
	return track(p);
}

char *sg_strf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert_geq(r, 0, "out of memory");
	return track(s);
}

int64_t sg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sg_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const char *sg_dir(void)
{
	return sg_h.dir;
}

const char *sg_sock(void)
{
	return sg_h.sock;
}

const char *sg_audit_path(void)
{
	return sg_h.audit;
}

pid_t sg_daemon_pid(void)
{
	return sg_h.daemon;
}

const char *sg_bin(const char *rel)
{
	const char *root = getenv("SG_BUILD_ROOT");
	char *p;

	cr_assert_not_null(root, "SG_BUILD_ROOT is not set (run the tests through meson test)");
	p = sg_strf("%s/%s", root, rel);
	cr_assert_eq(access(p, X_OK), 0, "%s is not built: %s", p, strerror(errno));
	return p;
}

const char *sg_target(const char *name)
{
	return sg_bin(sg_strf("tests/targets/%s", name));
}

const char *sg_run_path(void)
{
	return sg_bin("shim/sysgate-run");
}

const char *sg_ctl_path(void)
{
	return sg_bin("client/sysgatectl");
}

const char *sg_daemon_path(void)
{
	return sg_bin("daemon/sysgated");
}

char *sg_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	size_t len = 0, cap = 8192, n;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	cr_assert_not_null(buf, "out of memory");
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap *= 2);

			cr_assert_not_null(nb, "out of memory");
			buf = nb;
		}
	}
	fclose(f);
	buf[len] = '\0';
	return track(buf);
}

const char *sg_write_file(const char *name, const char *text, mode_t mode)
{
	char *path = sg_strf("%s/%s", sg_h.dir, name);
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	cr_assert_geq(fd, 0, "cannot create %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, len), (ssize_t)len, "cannot write %s", path);
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

const char *sg_policy(const char *name, const char *text)
{
	return sg_write_file(sg_strf("%s.policy", name), text, 0644);
}

const char *sg_open_rule_policy(void)
{
	cr_assert_eq(mkdir(sg_strf("%s/pub", sg_h.dir), 0755), 0);
	cr_assert_eq(mkdir(sg_strf("%s/secret", sg_h.dir), 0755), 0);
	sg_write_file("pub/x", "public\n", 0644);
	sg_write_file("secret/x", "secret\n", 0644);
	return sg_policy("open", sg_strf("version 1\ndefault allow\n"
					 "open, openat emulate open %s/secret\n", sg_h.dir));
}

void sg_run_alone(const char *name)
{
	const char *root = getenv("SG_BUILD_ROOT");
	int fd;

	cr_assert_not_null(root, "SG_BUILD_ROOT is not set");
	fd = open(sg_strf("%s/tests/%s.lock", root, name), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	cr_assert(fd >= 0 && flock(fd, LOCK_EX) == 0, "%s.lock: %s", name, strerror(errno));
}

void sg_wait_file(const char *path)
{
	int64_t end = sg_now_ms() + SG_WAIT_MS;

	while (access(path, F_OK) < 0) {
		cr_assert_lt(sg_now_ms(), end, "%s did not appear within %d ms", path, SG_WAIT_MS);
		sg_sleep_ms(5);
	}
}

const char *sg_daemon_stderr(void)
{
	char *s;

	if (!sg_h.daemon_err)
		return "(no daemon started by the harness)\n";
	s = sg_read_file(sg_h.daemon_err);
	return s ? s : "(unreadable)\n";
}

static bool can_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* A fixture failed: criterion runs no .fini after a failed .init, so clean up first. */
static void __attribute__((noreturn, format(printf, 1, 2))) setup_fail(const char *fmt, ...)
{
	static char msg[16384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sg_teardown();
	cr_assert_fail("%s", msg);
	abort();
}

void sg_skip(const char *reason)
{
	static char msg[1024];

	snprintf(msg, sizeof(msg), "%s", reason);
	sg_teardown();
	cr_skip_test("%s", msg);
	abort();
}

void sg_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	/* criterion runs a suite's .init and then the test's own: set up once */
	if (sg_h.dir)
		return;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		setup_fail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	sg_h.daemon = -1;
	sg_h.dir = sg_strf("%s/sysgate-e2e.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(sg_h.dir)) {
		sg_h.dir = NULL;
		setup_fail("mkdtemp: %s", strerror(errno));
	}
	/* a non-root test user must reach the socket */
	if (chmod(sg_h.dir, 0711) < 0)
		setup_fail("chmod %s: %s", sg_h.dir, strerror(errno));
	sg_h.sock = sg_strf("%s/sock", sg_h.dir);
	sg_h.audit = sg_strf("%s/audit.log", sg_h.dir);
}

static int wait_pidfd(int pidfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r;
}

void sg_setup_daemon(void)
{
	sg_setup_daemon_config("");
}

void sg_setup_daemon_config(const char *config)
{
	const char *root = getenv("SG_BUILD_ROOT");
	const char *argv[14];
	char *path;
	int64_t end;
	size_t n = 0;
	pid_t pid;

	sg_setup();
	if (sg_h.daemon > 0)
		return;
	if (!root)
		setup_fail("SG_BUILD_ROOT is not set (run the tests through meson test)");
	path = sg_strf("%s/daemon/sysgated", root);
	if (access(path, X_OK) < 0)
		setup_fail("%s is not built: %s", path, strerror(errno));
	sg_h.daemon_err = sg_strf("%s/daemon.err", sg_h.dir);
	argv[n++] = path;
	argv[n++] = "--foreground";
	argv[n++] = "--socket";
	argv[n++] = sg_h.sock;
	argv[n++] = "--socket-mode";
	argv[n++] = "0666";
	argv[n++] = "--log";
	argv[n++] = sg_h.audit;
	argv[n++] = "--config"; /* the machine's own configuration plays no part */
	argv[n++] = sg_write_file("sysgated.conf", config, 0644);
	if (getenv("SG_E2E_VERBOSE"))
		argv[n++] = "-v";
	argv[n] = NULL;

	pid = sg_fork_exec(argv, NULL, sg_strf("%s/daemon.out", sg_h.dir), sg_h.daemon_err,
			   false, NULL);
	sg_h.daemon = pid;
	sg_h.daemon_pidfd = pidfd_open(pid, 0);
	if (sg_h.daemon_pidfd < 0)
		setup_fail("pidfd_open: %s", strerror(errno));

	end = sg_now_ms() + SG_WAIT_MS;
	while (!can_connect(sg_h.sock)) {
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid) {
			sg_h.daemon = -1;
			close(sg_h.daemon_pidfd);
			setup_fail("sysgated exited (%s) before accepting on %s:\n%s",
				   sg_status_str(st), sg_h.sock, sg_daemon_stderr());
		}
		if (sg_now_ms() >= end)
			setup_fail("sysgated did not accept on %s within %d ms:\n%s", sg_h.sock,
				   SG_WAIT_MS, sg_daemon_stderr());
		sg_sleep_ms(5);
	}
}

/* The daemon's fds as "N -> TARGET" lines (harness-owned); *ret_n how many. */
static const char *daemon_fd_list(size_t *ret_n)
{
	const char *dir = sg_strf("/proc/%d/fd", (int)sg_h.daemon);
	char *list = sg_strf("%s", "");
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		char target[256] = "?";

		if (de->d_name[0] == '.')
			continue;
		(void)!readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		list = sg_strf("%s%s -> %s\n", list, de->d_name, target);
		n++;
	}
	closedir(d);
	*ret_n = n;
	return list;
}

size_t sg_daemon_fds(void)
{
	size_t n;

	daemon_fd_list(&n);
	return n;
}

size_t sg_daemon_fds_settled(void)
{
	int64_t end = sg_now_ms() + SG_WAIT_MS;
	size_t n = sg_daemon_fds(), prev;

	do {
		prev = n;
		sg_sleep_ms(200);
		n = sg_daemon_fds();
	} while (n != prev && sg_now_ms() < end);
	return n;
}

void sg_expect_daemon_fds(size_t before)
{
	int64_t end = sg_now_ms() + SG_WAIT_MS;
	const char *list;
	size_t n;

	for (;;) {
		list = daemon_fd_list(&n);
		if (n == before || sg_now_ms() >= end)
			break;
		sg_sleep_ms(10);
	}
	cr_expect_eq(n, before, "the daemon had %zu fds before, %zu now:\n%s", before, n, list);
}

void sg_assert_daemon_alive(void)
{
	int st;

	cr_assert_gt(sg_h.daemon, 0, "no daemon");
	if (waitpid(sg_h.daemon, &st, WNOHANG) == sg_h.daemon) {
		sg_h.daemon = -1;
		close(sg_h.daemon_pidfd);
		cr_assert_fail("sysgated died: %s\n%s", sg_status_str(st), sg_daemon_stderr());
	}
	cr_assert(can_connect(sg_h.sock), "sysgated no longer accepts on %s", sg_h.sock);
}

int sg_daemon_stop(void)
{
	int st = 0;

	if (sg_h.daemon <= 0)
		return -1;
	kill(sg_h.daemon, SIGTERM);
	if (wait_pidfd(sg_h.daemon_pidfd, SG_WAIT_MS) == 0) {
		fprintf(stderr, "e2e: sysgated ignored SIGTERM for %d ms, killing it\n", SG_WAIT_MS);
		kill(sg_h.daemon, SIGKILL);
	}
	while (waitpid(sg_h.daemon, &st, 0) < 0 && errno == EINTR)
		;
	close(sg_h.daemon_pidfd);
	sg_h.daemon = -1;
	return st;
}

void sg_daemon_kill(void)
{
	cr_assert_gt(sg_h.daemon, 0, "no daemon");
	kill(sg_h.daemon, SIGKILL);
	while (waitpid(sg_h.daemon, NULL, 0) < 0 && errno == EINTR)
		;
	close(sg_h.daemon_pidfd);
	sg_h.daemon = -1;
}

/* Every child of this process (a subreaper: orphans of our commands land here). */
static size_t list_children(pid_t *pids, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		char path[300], buf[512], *p;
		int ppid;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* comm may contain spaces and parentheses: the state follows the last ')' */
		if (!p || !(p = strrchr(buf, ')')))
			continue;
		if (sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == getpid())
			pids[n++] = atoi(de->d_name);
	}
	closedir(d);
	return n;
}

static const char *describe_pid(pid_t pid)
{
	char *s = sg_read_file(sg_strf("/proc/%d/cmdline", (int)pid));

	if (!s)
		return "?";
	/* cmdline is NUL-separated; show argv[0] */
	return s;
}

void sg_assert_no_leftovers(int grace_ms)
{
	int64_t end = sg_now_ms() + grace_ms;
	pid_t pids[64];
	size_t n;

	for (;;) {
		size_t live = 0;

		/* reap zombies: they are gone already */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		n = list_children(pids, 64);
		for (size_t i = 0; i < n; i++)
			if (pids[i] != sg_h.daemon)
				pids[live++] = pids[i];
		if (live == 0)
			return;
		if (sg_now_ms() >= end) {
			char *msg = sg_strf("%zu process(es) left running:", live);

			for (size_t i = 0; i < live; i++)
				msg = sg_strf("%s %d (%s)", msg, (int)pids[i], describe_pid(pids[i]));
			cr_assert_fail("%s", msg);
		}
		sg_sleep_ms(10);
	}
}

static void kill_leftovers(void)
{
	int64_t end = sg_now_ms() + SG_WAIT_MS;
	pid_t pids[64];
	size_t n;

	while ((n = list_children(pids, 64)) > 0 && sg_now_ms() < end) {
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		sg_sleep_ms(5);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void sg_teardown(void)
{
	for (size_t i = 0; i < sg_h.n_procs; i++) {
		struct sg_proc *p = sg_h.procs[i];

		if (p->stdin_fd >= 0)
			close(p->stdin_fd);
		if (!p->done) {
			kill(-p->pid, SIGKILL);
			waitpid(p->pid, NULL, 0);
		}
		free(p);
	}
	free(sg_h.procs);
	if (sg_h.daemon > 0) {
		int st;

		/* a daemon that died under a test is a failure the test may not have seen */
		if (waitpid(sg_h.daemon, &st, WNOHANG) == sg_h.daemon) {
			fprintf(stderr, "e2e: sysgated had died during the test: %s\n",
				sg_status_str(st));
			close(sg_h.daemon_pidfd);
			sg_h.daemon = -1;
		} else {
			sg_daemon_stop();
		}
	}
	kill_leftovers();
	sg_json_free_all();
	if (sg_h.dir) {
		if (getenv("SG_E2E_KEEP"))
			fprintf(stderr, "e2e: keeping %s\n", sg_h.dir);
		else
			nftw(sg_h.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	for (size_t i = 0; i < sg_h.n_allocs; i++)
		free(sg_h.allocs[i]);
	free(sg_h.allocs);
	memset(&sg_h, 0, sizeof(sg_h));
	sg_h.daemon = -1;
}
