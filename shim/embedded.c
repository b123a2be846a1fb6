/* SPDX-License-Identifier: MIT */
/*
 * The embedded daemon: a private sysgated for one sysgate-run, when no system
 * daemon can be reached (or with --embedded).  It listens on a socket in a new
 * 0700 directory, serves this command's session and exits by itself once every
 * process under the filter has gone.  It must outlive sysgate-run while
 * supervised processes live, so it has no parent-death signal, and it runs in
 * its own session: the terminal's ^C is meant for the command, not for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>

#include "proto.h"
#include "shim.h"
#include "sysgated.h"

#define EMBEDDED_STOP_TIMEOUT_MS 2000

/* A writable runtime directory for the private one: $XDG_RUNTIME_DIR, else /tmp. */
static int make_private_dir(const char *base, char **ret_dir)
{
	_cleanup_free_ char *dir = NULL;

	if (!base || base[0] != '/' || access(base, W_OK | X_OK) < 0)
		return -ENOENT;
	if (asprintf(&dir, "%s/sysgate-run.XXXXXX", base) < 0)
		return -ENOMEM;
	if (!mkdtemp(dir)) /* mode 0700 */
		return -errno;
	*ret_dir = TAKE_PTR(dir);
	return 0;
}

/* Make the private directory and listen in it; the listening fd or -errno. */
static int listen_private(struct embedded *e)
{
	const char *bases[] = { getenv("XDG_RUNTIME_DIR"), "/tmp" };
	int r = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		r = make_private_dir(bases[i], &e->dir);
		if (r < 0)
			continue;
		if (asprintf(&e->sock_path, "%s/sock", e->dir) < 0) {
			e->sock_path = NULL;
			r = -ENOMEM;
		} else
			r = proto_listen(e->sock_path, 0600);
		if (r >= 0)
			return r;
		/* e.g. a socket path too long under $XDG_RUNTIME_DIR: try the next */
		embedded_remove(e);
	}
	return r;
}

/* In the daemon process: become a quiet background daemon and serve. */
static _Noreturn void embedded_child(struct embedded *e, int listen_fd, const struct run_opts *o,
				     const struct run_signals *s)
{
	struct sg_config cfg;
	int fd, r;

	(void)safe_close(s->fd);
	if (signals_restore(s) < 0)
		_exit(EXIT_FAILURE);
	/* Out of the terminal's process groups: no ^C, ^Z or hangup meant for the
	 * command, and no SIGTTOU when writing the audit log to the terminal. */
	(void)setsid();
	(void)prctl(PR_SET_NAME, "sysgated");
	/* Hold no reference to the command's standard input and output (a pipe
	 * reader would wait for us); standard error carries our diagnostics. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		shim_err(-errno, "embedded daemon: cannot open /dev/null");
		_exit(EXIT_FAILURE);
	}
	(void)safe_close(fd);
	/* Nor to any other fd our caller left open (ours are all O_CLOEXEC and
	 * useless here): only the listening socket stays. */
	if (listen_fd > 3)
		(void)close_range(3, (unsigned)listen_fd - 1, 0);
	(void)close_range((unsigned)listen_fd + 1, ~0U, 0);

	sysgated_config_init(&cfg);
	cfg.listen_fd = listen_fd;
	cfg.exit_when_idle = true;
	cfg.log_level = o->verbose ? LOG_INFO : LOG_WARNING;
	if (strcmp(o->log, "-") == 0) {
		/* "-" is sysgate-run's standard error, not the daemon's standard output */
		cfg.audit_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (cfg.audit_fd < 0) {
			shim_err(-errno, "embedded daemon: cannot duplicate standard error");
			_exit(EXIT_FAILURE);
		}
		cfg.audit_path = NULL;
	} else
		cfg.audit_path = o->log;
	r = sysgated_run(&cfg);
	/* Also here: sysgate-run may be gone (killed, or done waiting for us). */
	embedded_remove(e);
	_exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

/* Start a private daemon listening in a new private directory. */
int embedded_start(struct embedded *e, const struct run_opts *o, const struct run_signals *s)
{
	_cleanup_close_ int listen_fd = -EBADF;
	pid_t pid;

	listen_fd = listen_private(e);
	if (listen_fd < 0)
		return listen_fd;
	fflush(NULL); /* nothing buffered may be written twice */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		embedded_child(e, listen_fd, o, s);
	e->pid = pid;
	return 0; /* our copy of the listening socket is closed on return */
}

/* Reap the daemon if it has exited: 1, 0 while it runs, -errno. */
int embedded_reap(struct embedded *e, int *ret_status)
{
	int status;
	pid_t r;

	if (e->pid <= 0)
		return -ECHILD;
	r = waitpid(e->pid, &status, WNOHANG);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	e->pid = 0;
	if (ret_status)
		*ret_status = status;
	return 1;
}

/* Wait for the daemon to exit by itself; 1 when a forwarded signal ends the wait. */
int embedded_wait(struct embedded *e, const struct run_signals *s, int *ret_status)
{
	struct signalfd_siginfo si;
	int r;

	for (;;) {
		r = embedded_reap(e, ret_status);
		if (r != 0)
			return r < 0 ? r : 0;
		r = signals_wait(s, -1);
		if (r < 0)
			return r;
		while ((r = signals_read(s, &si)) > 0)
			if (si.ssi_signo != SIGCHLD && sigismember(&s->forward, (int)si.ssi_signo) == 1)
				return 1;
		if (r < 0)
			return r;
	}
}

/* Stop the daemon (SIGTERM, SIGKILL after a while) and reap it. */
void embedded_stop(struct embedded *e)
{
	struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

	if (e->pid <= 0)
		return;
	if (kill(e->pid, SIGTERM) < 0 && errno == ESRCH)
		goto reap;
	for (int i = 0; i < EMBEDDED_STOP_TIMEOUT_MS / 10; i++) {
		if (embedded_reap(e, NULL) != 0)
			return;
		nanosleep(&ts, NULL);
	}
	(void)kill(e->pid, SIGKILL);
reap:
	(void)waitpid(e->pid, NULL, 0);
	e->pid = 0;
}

/* Remove the socket and the private directory; accepts an unset struct. */
void embedded_remove(struct embedded *e)
{
	if (e->sock_path)
		(void)unlink(e->sock_path);
	if (e->dir)
		(void)rmdir(e->dir);
	free(e->sock_path);
	free(e->dir);
	e->sock_path = e->dir = NULL;
}
