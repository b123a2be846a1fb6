/* SPDX-License-Identifier: MIT */
/* Helpers for the daemon's unit tests; see helpers.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit_record.h"
#include "helpers.h"

#define TH_CHILDREN_MAX 64
#define TH_FDS_MAX 16

static struct {
	pid_t children[TH_CHILDREN_MAX];
	size_t n_children;
	int fds[TH_FDS_MAX]; /* the test's ends of th_peer_conn() */
	size_t n_fds;
	char tmpdir[64];
	struct sysgated *d;
	char *audit_text;
} th;

void th_track_child(pid_t pid)
{
	cr_assert_lt(th.n_children, TH_CHILDREN_MAX);
	th.children[th.n_children++] = pid;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

const char *th_tmpdir(void)
{
	if (!th.tmpdir[0]) {
		snprintf(th.tmpdir, sizeof(th.tmpdir), "/tmp/sg-test-XXXXXX");
		cr_assert_not_null(mkdtemp(th.tmpdir), "mkdtemp: %s", strerror(errno));
		cr_assert_eq(chmod(th.tmpdir, 0755), 0);
	}
	return th.tmpdir;
}

void th_cleanup(void)
{
	for (size_t i = 0; i < th.n_children; i++) {
		if (th.children[i] <= 0)
			continue;
		kill(th.children[i], SIGKILL);
		waitpid(th.children[i], NULL, 0);
	}
	th.n_children = 0;
	th.d = daemon_free(th.d);
	for (size_t i = 0; i < th.n_fds; i++)
		close(th.fds[i]);
	th.n_fds = 0;
	if (th.tmpdir[0])
		nftw(th.tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	th.tmpdir[0] = '\0';
	free(th.audit_text);
	th.audit_text = NULL;
}

struct sysgated *th_daemon(void)
{
	struct sg_config cfg;
	int r;

	sysgated_config_init(&cfg);
	cfg.audit_path = NULL;
	cfg.audit_fd = memfd_create("audit", MFD_CLOEXEC);
	cfg.log_level = LOG_WARNING;
	cr_assert_geq(cfg.audit_fd, 0, "memfd_create: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	r = daemon_new(&cfg, &th.d);
	cr_assert_eq(r, 0, "daemon_new: %s", strerror(-r));
	return th.d;
}

struct sg_policy *th_policy(const char *text)
{
	struct sg_policy_error e;
	struct sg_policy *p = NULL;
	char buf[1024];
	int r = policy_parse(text, strlen(text), "test.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "policy: %s", buf);
	return p;
}

const char *th_audit_text(struct sysgated *d)
{
	off_t size;

	cr_assert_eq(audit_flush(d), 0);
	size = lseek(d->audit.fd, 0, SEEK_END);

	cr_assert_geq(size, 0);
	free(th.audit_text);
	th.audit_text = calloc(1, (size_t)size + 1);
	cr_assert_not_null(th.audit_text);
	cr_assert_eq(pread(d->audit.fd, th.audit_text, (size_t)size, 0), size);
	return th.audit_text;
}

json_object *th_audit_records(struct sysgated *d)
{
	const char *text = th_audit_text(d);
	json_object *arr = json_object_new_array();

	while (*text) {
		const char *nl = strchr(text, '\n');
		json_object *o = NULL;
		char msg[128];

		cr_assert_not_null(nl, "unterminated audit line: %s", text);
		cr_assert_eq(audit_record_parse(text, (size_t)(nl - text), &o, msg, sizeof(msg)), 0,
			     "%s: %.*s", msg, (int)(nl - text), text);
		json_object_array_add(arr, o);
		text = nl + 1;
	}
	return arr;
}

size_t th_count(json_object *recs, const char *key, const char *value)
{
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(recs); i++) {
		json_object *v;

		if (!json_object_object_get_ex(json_object_array_get_idx(recs, i), key, &v))
			continue;
		if (!value || (json_object_is_type(v, json_type_string) &&
			       strcmp(json_object_get_string(v), value) == 0))
			n++;
	}
	return n;
}

json_object *th_find(json_object *recs, const char *key, const char *value)
{
	for (size_t i = 0; i < json_object_array_length(recs); i++) {
		json_object *o = json_object_array_get_idx(recs, i), *v;

		if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), value) == 0)
			return o;
	}
	return NULL;
}

/* In the child: route nrs[] on the native arch with ret (SECCOMP_RET_USER_NOTIF: to a new
 * listener, returned; SECCOMP_RET_TRACE: to the tracer), allow the rest. */
static int install_filter(const int *nrs, size_t n, uint32_t ret)
{
	struct sock_filter f[4 + 2 * 16 + 1];
	struct sock_fprog prog;
	size_t k = 0;

	if (n > 16)
		return -1;
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++) {
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[i], 0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    ret == SECCOMP_RET_USER_NOTIF ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
}

static int send_fd(int sock, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	char byte = 'L';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c;

	memset(&control, 0, sizeof(control));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct cmsghdr *c;
	int fd;

	if (poll(&p, 1, TH_TIMEOUT_MS) != 1 || recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Fork a child routing nrs[] with ret (see install_filter): a notify child hands its
 * listener over, a traced one waits until the test process is its tracer. */
static void start_child(struct th_target *t, const int *nrs, size_t n, uint32_t ret,
			th_body body)
{
	bool notify = ret == SECCOMP_RET_USER_NOTIF;
	int sv[2], fd;
	pid_t pid;
	char go;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!notify && read(sv[1], &go, 1) != 1)
			_exit(99);
		fd = install_filter(nrs, n, ret);
		/* The listener goes out before any routed call: sendmsg is not routed. */
		if (fd < 0 || (notify && send_fd(sv[1], fd) < 0))
			_exit(99);
		if (notify)
			close(fd);
		body(sv[1]);
		_exit(0);
	}
	th_track_child(pid);
	close(sv[1]);
	t->pid = pid;
	t->sock = sv[0];
	t->listener = notify ? recv_fd(sv[0]) : -EBADF;
	if (notify) {
		cr_assert_geq(t->listener, 0, "no listener from the target");
		return;
	}
	cr_assert_eq(ptrace(PTRACE_SEIZE, pid, NULL,
			    (void *)(long)(PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL)), 0,
		     "PTRACE_SEIZE: %s", strerror(errno));
	cr_assert_eq(write(t->sock, "G", 1), 1);
}

void th_target_start(struct th_target *t, const int *nrs, size_t n, th_body body)
{
	start_child(t, nrs, n, SECCOMP_RET_USER_NOTIF, body);
}

void th_target_read(struct th_target *t, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = t->sock, .events = POLLIN };
		ssize_t k;

		cr_assert_eq(poll(&p, 1, TH_TIMEOUT_MS), 1, "target %d sent nothing", (int)t->pid);
		k = read(t->sock, (char *)buf + got, len - got);
		cr_assert_gt(k, 0, "target %d closed its socket", (int)t->pid);
		got += (size_t)k;
	}
}

/* waitpid() for pid's next change of state, bounded; a reaped child is forgotten. */
static int wait_change(pid_t pid, int options)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int status = 0;

	for (int i = 0; i < TH_TIMEOUT_MS / 5; i++) {
		pid_t r = waitpid(pid, &status, options | WNOHANG);

		if (r == pid) {
			for (size_t k = 0; k < th.n_children && !WIFSTOPPED(status); k++)
				if (th.children[k] == pid)
					th.children[k] = 0;
			return status;
		}
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("child %d did not change state", (int)pid);
	return -1;
}

int th_target_wait(struct th_target *t)
{
	return wait_change(t->pid, 0);
}

void th_tracee_start(struct th_target *t, const int *nrs, size_t n, th_body body)
{
	start_child(t, nrs, n, SECCOMP_RET_TRACE, body);
}

int th_tracee_stop(struct th_target *t)
{
	return wait_change(t->pid, __WALL);
}

struct session *th_session(struct sysgated *d, struct th_target *t, const char *policy)
{
	int fd = t->listener;

	t->listener = -EBADF; /* the session owns it */
	return th_session_mech(d, SG_MECH_NOTIFY, fd, t->pid, policy);
}

struct session *th_session_mech(struct sysgated *d, enum sg_mechanism mech, int fd,
				pid_t target, const char *policy)
{
	struct session *s = NULL;
	int r = session_new(d, mech, fd, -EBADF, th_policy(policy), target, getpid(), getuid(),
			    getgid(), &s);

	cr_assert_eq(r, 0, "session_new: %s", strerror(-r));
	session_announce(s); /* as REGISTER does once a session is set up: session-start */
	return s;
}

void th_body_exec(int sock)
{
	(void)sock;
	execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
	_exit(98);
}

void th_body_wait(int sock)
{
	char c;

	(void)!read(sock, &c, 1);
}

struct conn th_peer(struct sysgated *d)
{
	struct conn c;

	memset(&c, 0, sizeof(c));
	c.d = d;
	c.fd = -EBADF;
	c.pidfd = -EBADF;
	c.pid = getpid();
	c.uid = getuid();
	c.gid = getgid();
	return c;
}

int64_t th_jint(json_object *o, const char *key)
{
	json_object *v;

	cr_assert(json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int),
		  "no integer '%s' in %s", key, json_object_to_json_string(o));
	return json_object_get_int64(v);
}

const char *th_jstr(json_object *o, const char *key)
{
	json_object *v;

	cr_assert(json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string),
		  "no string '%s' in %s", key, json_object_to_json_string(o));
	return json_object_get_string(v);
}

bool th_jhas(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

struct conn *th_peer_conn(struct sysgated *d, int *ret_fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	int sv[2];

	cr_assert_not_null(c);
	cr_assert_lt(th.n_fds, TH_FDS_MAX);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	*c = th_peer(d);
	c->fd = sv[0];
	STAILQ_INIT(&c->queue);
	TAILQ_INSERT_TAIL(&d->conns, c, entry);
	d->n_conns++;
	th.fds[th.n_fds++] = sv[1];
	*ret_fd = sv[1];
	return c;
}

int th_recv(int fd, uint8_t *buf, struct sg_msg *m)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int fds[SG_MSG_FDS_MAX];
	const char *reason = NULL;
	size_t n_fds = 0;
	ssize_t n;

	cr_assert_eq(poll(&p, 1, TH_TIMEOUT_MS), 1, "nothing to receive on fd %d", fd);
	n = proto_recv(fd, buf, SG_MSG_MAX, fds, &n_fds);
	cr_assert_geq(n, 0, "recv: %s", strerror((int)-n));
	if (n == 0)
		return 0;
	cr_assert_eq(proto_decode(buf, (size_t)n, fds, n_fds, m, &reason), 0, "%s", reason);
	return 1;
}

void th_body_getppid(int sock)
{
	struct th_call c;

	errno = 0;
	c.ret = syscall(SYS_getppid);
	c.err = errno;
	(void)!write(sock, &c, sizeof(c));
}

void th_expect_syscall_record(struct sysgated *d, const char *verdict, const char *what)
{
	json_object *recs = th_audit_records(d);

	cr_expect_eq(th_count(recs, "event", "syscall"), verdict ? 1 : 0, "%s: %s", what,
		     th_audit_text(d));
	if (verdict && th_find(recs, "event", "syscall"))
		cr_expect_str_eq(th_jstr(th_find(recs, "event", "syscall"), "verdict"), verdict,
				 "%s", what);
	json_object_put(recs);
	th_audit_reset(d);
}

void th_audit_reset(struct sysgated *d)
{
	cr_assert_eq(audit_flush(d), 0);
	cr_assert_eq(ftruncate(d->audit.fd, 0), 0);
	cr_assert_eq(lseek(d->audit.fd, 0, SEEK_SET), 0);
}

json_object *th_expect_killed(struct sysgated *d, struct th_target *t, const struct session *s)
{
	int status = th_target_wait(t);
	json_object *recs, *rec;

	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status 0x%x", status);
	cr_expect_eq(s->counts[SG_COUNT_KILL], 1);
	recs = th_audit_records(d);
	rec = th_find(recs, "event", "syscall");
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect_str_eq(th_jstr(rec, "verdict"), "kill");
	cr_expect_str_eq(th_jstr(rec, "mechanism"), proto_mechanism_name(s->mech));
	cr_expect_eq(th_jint(rec, "pid"), t->pid, "pid is the thread group");
	json_object_get(rec);
	json_object_put(recs);
	return rec;
}
