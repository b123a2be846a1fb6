/* SPDX-License-Identifier: MIT */
/*
 * sysgated's life: the event loop, the listening socket (systemd's, the
 * embedding process's, or one of our own), the pidfile, signals, and a clean
 * shutdown that ends every session (their listeners closed: supervised calls
 * fail with ENOSYS from then on, fail closed) and removes what it created.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "daemon.h"
#include "emu/emu.h"
#include "helper/helper.h"
#include "log.h"
#include "mech/mech.h"
#include "sandbox/sandbox.h"

#define SD_LISTEN_FDS_START 3

/* Fill cfg with the defaults. */
void sysgated_config_init(struct sg_config *cfg)
{
	*cfg = (struct sg_config){
		.socket_path = SG_DEFAULT_SOCKET,
		.socket_mode = 0660,
		.socket_group = NULL,
		.listen_fd = -EBADF,
		.audit_path = SG_DEFAULT_AUDIT_LOG,
		.audit_fd = -EBADF,
		.pidfile = NULL,
		.exit_when_idle = false,
		.log_level = LOG_INFO,
		.config_path = SG_CONFIG_FILE,
		.sandbox = true,
	};
}

/* CLOCK_REALTIME in microseconds. */
uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* CLOCK_MONOTONIC in microseconds. */
uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Make sure the directory path is in exists: only the daemon's own one (owned's, e.g.
 * /run/sysgate for SG_DEFAULT_SOCKET) is created, with mode; any other must exist.
 * Logs why not. */
int parent_dir_prepare(const char *path, const char *owned, mode_t mode)
{
	_cleanup_free_ char *dir = strdup(path), *own = strdup(owned);
	char *slash, *own_slash;
	struct stat st;

	if (!dir || !own)
		return log_err(-ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (!slash || slash == dir) /* the working directory, or / */
		return 0;
	*slash = '\0';
	own_slash = strrchr(own, '/');
	if (own_slash)
		*own_slash = '\0';
	/* a directory created silently anywhere, as root, would hide a mistyped path */
	if (own_slash && strcmp(dir, own) == 0 && mkdir(dir, mode) < 0 && errno != EEXIST)
		return log_err(negative_errno(), "cannot create the directory '%s'", dir);
	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			return log_err(-ENOENT, "cannot use '%s': directory '%s' does not exist",
				       path, dir);
		return log_err(negative_errno(), "cannot use '%s': directory '%s'", path, dir);
	}
	if (!S_ISDIR(st.st_mode))
		return log_err(-ENOTDIR, "cannot use '%s': '%s' is not a directory", path, dir);
	return 0;
}

static int getsockopt_int(int fd, int opt, int *ret)
{
	socklen_t len = sizeof(*ret);

	if (getsockopt(fd, SOL_SOCKET, opt, ret, &len) < 0)
		return negative_errno();
	return 0;
}

/* A listening AF_UNIX SOCK_SEQPACKET socket, or an error saying what it is not. */
static int check_listener(int fd, const char *what)
{
	int domain = 0, type = 0, listening = 0;

	if (getsockopt_int(fd, SO_DOMAIN, &domain) < 0 || getsockopt_int(fd, SO_TYPE, &type) < 0 ||
	    getsockopt_int(fd, SO_ACCEPTCONN, &listening) < 0)
		return log_err(-ENOTSOCK, "cannot use %s (fd %d)", what, fd);
	if (domain != AF_UNIX || type != SOCK_SEQPACKET || !listening)
		return log_err(-EINVAL, "%s (fd %d) is not a listening AF_UNIX SOCK_SEQPACKET "
			       "socket", what, fd);
	return 0;
}

/* systemd socket activation: 1 when a socket was passed to us, 0 when none. */
static int socket_from_systemd(struct sysgated *d)
{
	const char *e_pid = getenv("LISTEN_PID"), *e_fds = getenv("LISTEN_FDS");
	long pid, n;
	char *end;
	int r;

	if (!e_pid || !e_fds)
		return 0;
	errno = 0;
	pid = strtol(e_pid, &end, 10);
	if (errno || *end || pid != (long)getpid())
		return 0;
	n = strtol(e_fds, &end, 10);
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (*end || n < 1)
		return 0;
	r = check_listener(SD_LISTEN_FDS_START, "the socket from systemd");
	if (r < 0)
		return r;
	for (long i = 1; i < n && i < 1024; i++) {
		log_warn(0, "ignoring extra socket fd %ld from systemd", SD_LISTEN_FDS_START + i);
		safe_close(SD_LISTEN_FDS_START + (int)i);
	}
	if (fcntl(SD_LISTEN_FDS_START, F_SETFD, FD_CLOEXEC) < 0)
		return log_err(negative_errno(), "cannot set close-on-exec on the systemd socket");
	d->listen_fd = SD_LISTEN_FDS_START;
	log_info("using the socket passed by systemd");
	return 1;
}

/* chown the socket to its group: the configured one must exist, "sysgate" may not. */
static int socket_set_group(const char *path, const char *name)
{
	const char *group = name ? name : SG_SOCKET_GROUP;
	struct group grp, *res = NULL;
	char buf[16384];
	int r;

	r = getgrnam_r(group, &grp, buf, sizeof(buf), &res);
	if (r != 0 || !res) {
		if (!name) {
			log_debug("no group '%s', the socket keeps its group", group);
			return 0;
		}
		return log_err(r > 0 ? -r : -ENOENT, "socket group '%s' not found", group);
	}
	if (chown(path, (uid_t)-1, grp.gr_gid) < 0) {
		if (!name)
			return log_warn(negative_errno(), "cannot give '%s' to group '%s', ignoring",
					path, group);
		return log_err(negative_errno(), "cannot give '%s' to group '%s'", path, group);
	}
	return 0;
}

/* Listen on the configured path (its directory exists, or is our own), group set. */
static int socket_create(struct sysgated *d)
{
	const char *path = d->cfg.socket_path ? d->cfg.socket_path : SG_DEFAULT_SOCKET;
	struct stat st;
	int fd, r;

	r = parent_dir_prepare(path, SG_DEFAULT_SOCKET, 0755);
	if (r < 0)
		return r;
	fd = proto_listen(path, d->cfg.socket_mode);
	if (fd < 0)
		return log_err(fd, "cannot listen on '%s'", path);
	d->listen_fd = fd;
	if (lstat(path, &st) < 0) {
		r = negative_errno();
		(void)unlink(path);
		return log_err(r, "cannot stat '%s'", path);
	}
	d->socket_dev = st.st_dev;
	d->socket_ino = st.st_ino;
	d->socket_created = strdup(path);
	if (!d->socket_created) {
		(void)unlink(path);
		return log_err(-ENOMEM, "out of memory");
	}
	r = socket_set_group(path, d->cfg.socket_group);
	if (r < 0)
		return r;
	log_info("listening on '%s'", path);
	return 0;
}

static int socket_setup(struct sysgated *d)
{
	int r = socket_from_systemd(d);

	if (r != 0)
		return r < 0 ? r : 0;
	if (d->listen_fd >= 0)
		return check_listener(d->listen_fd, "the given socket");
	return socket_create(d);
}

/* Write the pidfile atomically (a reader never sees it empty): a temporary file renamed. */
static int pidfile_write(struct sysgated *d)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	char buf[32];
	int n, r;

	if (!d->cfg.pidfile)
		return 0;
	if (asprintf(&tmp, "%s.XXXXXX", d->cfg.pidfile) < 0) {
		tmp = NULL;
		return log_err(-ENOMEM, "out of memory");
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_err(negative_errno(), "cannot write the pidfile '%s'", d->cfg.pidfile);
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (fchmod(fd, 0644) < 0 || write(fd, buf, (size_t)n) != n ||
	    rename(tmp, d->cfg.pidfile) < 0) {
		r = negative_errno();
		(void)unlink(tmp);
		return log_err(r, "cannot write the pidfile '%s'", d->cfg.pidfile);
	}
	d->pidfile_created = strdup(d->cfg.pidfile);
	if (!d->pidfile_created)
		return log_err(-ENOMEM, "out of memory");
	return 0;
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sysgated *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		(void)audit_reopen(d);
		return;
	}
	log_info("received SIG%s, shutting down", sigabbrev_np((int)sig));
	event_base_loopbreak(d->base);
}

static void idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sysgated *d = arg;

	(void)fd;
	(void)what;
	if (!d->had_session) {
		log_info("no session within %d s, exiting", SG_IDLE_TIMEOUT_SEC);
		event_base_loopbreak(d->base);
	}
}

/* exit_when_idle: leave the loop when the last session has gone. */
void daemon_check_idle(struct sysgated *d)
{
	if (d->cfg.exit_when_idle && d->had_session && d->n_sessions == 0 && d->n_learnt == 0 &&
	    d->base) {
		log_info("last session ended, exiting");
		event_base_loopbreak(d->base);
	}
}

static int events_setup(struct sysgated *d)
{
	struct timeval idle = { SG_IDLE_TIMEOUT_SEC, 0 };

	d->ev_sigterm = evsignal_new(d->base, SIGTERM, signal_cb, d);
	d->ev_sigint = evsignal_new(d->base, SIGINT, signal_cb, d);
	d->ev_sighup = evsignal_new(d->base, SIGHUP, signal_cb, d);
	if (!d->ev_sigterm || !d->ev_sigint || !d->ev_sighup || event_add(d->ev_sigterm, NULL) < 0 ||
	    event_add(d->ev_sigint, NULL) < 0 || event_add(d->ev_sighup, NULL) < 0)
		return log_err(-ENOMEM, "cannot watch signals");
	if (d->cfg.exit_when_idle) {
		d->ev_idle = evtimer_new(d->base, idle_cb, d);
		if (!d->ev_idle || event_add(d->ev_idle, &idle) < 0)
			return log_err(-ENOMEM, "cannot arm the idle timer");
	}
	return 0;
}

/* The administrator's bounds on the emulators; a bad file stops the daemon, with where. */
static int bounds_read(struct sysgated *d)
{
	struct sg_policy_error e = { 0 };
	char msg[1024];
	int r;

	if (!d->cfg.config_path) {
		bounds_default(&d->bounds);
		return 0;
	}
	r = bounds_load(d->cfg.config_path, !d->cfg.config_required, &d->bounds, &e);
	if (r < 0) {
		policy_error_format(&e, msg, sizeof(msg));
		msg[strcspn(msg, "\n")] = '\0';
		log_err(0, "%s", msg);
		return r;
	}
	return 0;
}

/* Set up the loop, the audit log and the notify sizes; no socket yet.  The
 * daemon owns cfg->listen_fd and cfg->audit_fd from here on, even on failure. */
int daemon_new(const struct sg_config *cfg, struct sysgated **ret)
{
	struct sysgated *d = calloc(1, sizeof(*d));
	int r;

	if (!d) {
		safe_close(cfg->listen_fd);
		safe_close(cfg->audit_fd);
		return log_err(-ENOMEM, "out of memory");
	}
	d->cfg = *cfg;
	d->listen_fd = cfg->listen_fd >= 0 ? cfg->listen_fd : -EBADF;
	d->audit.fd = -EBADF;
	TAILQ_INIT(&d->conns);
	TAILQ_INIT(&d->dead_conns);
	TAILQ_INIT(&d->sessions);
	d->start_mono_usec = mono_usec();
	d->native_arch = seccomp_arch_native();
	log_set_level(cfg->log_level);

	r = bounds_read(d);
	if (r < 0)
		goto fail;
	r = audit_open(d);
	if (r < 0)
		goto fail;
	d->buf = malloc(SG_MSG_MAX);
	d->obuf = malloc(SG_MSG_MAX);
	d->base = event_base_new();
	if (!d->buf || !d->obuf || !d->base) {
		r = log_err(-ENOMEM, "cannot set up the event loop");
		goto fail;
	}
	r = wakeup_start(d);
	if (r < 0)
		goto fail;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &d->sizes) < 0) {
		r = log_err(negative_errno(), "this kernel has no seccomp user notification");
		goto fail;
	}
	*ret = d;
	return 0;
fail:
	if (d->audit.fd < 0 && cfg->audit_fd >= 0) /* not handed to audit.c yet */
		safe_close(cfg->audit_fd);
	daemon_free(d);
	return r;
}

static void event_freep(struct event **ev)
{
	if (*ev)
		event_free(*ev);
	*ev = NULL;
}

/* Unlink the socket we created, unless someone replaced it since. */
static void socket_remove(struct sysgated *d)
{
	struct stat st;

	if (!d->socket_created)
		return;
	if (lstat(d->socket_created, &st) == 0 &&
	    (st.st_dev != d->socket_dev || st.st_ino != d->socket_ino))
		log_info("'%s' is no longer our socket, leaving it", d->socket_created);
	else if (unlink(d->socket_created) < 0 && errno != ENOENT)
		log_warn(negative_errno(), "cannot remove '%s', ignoring", d->socket_created);
	free(d->socket_created);
	d->socket_created = NULL;
}

/* End every session, close every connection and file; accepts NULL, returns NULL. */
struct sysgated *daemon_free(struct sysgated *d)
{
	struct session *s;

	if (!d)
		return NULL;
	while ((s = TAILQ_FIRST(&d->sessions)))
		session_end(s, "daemon shutting down");
	trace_done(d);
	helper_graves_free(d);
	idmap_free(d);
	control_stop(d);
	socket_remove(d);
	d->listen_fd = safe_close(d->listen_fd);
	if (d->pidfile_created) {
		if (unlink(d->pidfile_created) < 0 && errno != ENOENT)
			log_warn(negative_errno(), "cannot remove '%s', ignoring", d->pidfile_created);
		free(d->pidfile_created);
	}
	audit_close(d);
	event_freep(&d->ev_sigterm);
	event_freep(&d->ev_sigint);
	event_freep(&d->ev_sighup);
	event_freep(&d->ev_idle);
	wakeup_stop(d);
	if (d->base)
		event_base_free(d->base);
	free(d->buf);
	free(d->obuf);
	free(d);
	return NULL;
}

/* Daemonized and ready: diagnostics move from standard error to syslog. */
static void detach(struct sysgated *d)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	log_setup(d->cfg.log_level, true);
	if (null >= 0) {
		(void)dup2(null, STDERR_FILENO);
		safe_close(null);
	}
}

/* The whole daemon: sysgated_run() with a readiness pipe (daemonized: a byte once it
 * accepts, and diagnostics move to syslog). */
int daemon_run(const struct sg_config *cfg, int ready_fd)
{
	struct sysgated *d = NULL;
	int r;

	(void)signal(SIGPIPE, SIG_IGN); /* a closed audit pipe is an error, not a death */
	r = daemon_new(cfg, &d);
	if (r < 0) {
		safe_close(ready_fd);
		return r;
	}
	r = socket_setup(d);
	if (r >= 0)
		r = control_start(d);
	if (r >= 0)
		r = events_setup(d);
	if (r >= 0)
		r = pidfile_write(d);
	if (r >= 0 && d->cfg.sandbox) /* all is open: from here on, only what the loop needs */
		r = sandbox_apply(ready_fd >= 0);
	if (r >= 0 && ready_fd >= 0)
		detach(d);
	if (r >= 0 && ready_fd >= 0)
		(void)!write(ready_fd, "1", 1);
	safe_close(ready_fd);
	if (r >= 0) {
		log_debug("ready, pid %d", (int)getpid());
		if (event_base_dispatch(d->base) < 0)
			r = log_err(-EIO, "the event loop failed");
	}
	daemon_free(d);
	return r;
}

/* Run the daemon until SIGTERM/SIGINT (or idle, in embedded mode). */
int sysgated_run(const struct sg_config *cfg)
{
	return daemon_run(cfg, -EBADF);
}
