/* SPDX-License-Identifier: MIT */
/*
 * The trace mechanism: the daemon is the ptracer of every task of a trace
 * session.  The shim's child is seized before it loads its filter (routed
 * calls are SECCOMP_RET_TRACE); its threads and children are auto-attached
 * (TRACECLONE/FORK/VFORK).  Stops arrive as SIGCHLD in the libevent loop, and
 * waitpid(-1, __WALL | WNOHANG) drains them: a seccomp stop is decided with the
 * shared verdict and carried out in the registers (trace_regs.c), group-stops
 * are left stopped with PTRACE_LISTEN, signals are re-injected.  A tracee in a
 * ptrace stop cannot be reaped by anyone else, so its tid and tgid cannot be
 * reused while the daemon looks at it.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/queue.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "mech/mech.h"
#include "mech/trace.h"
#include "proc.h"
#include "session.h"

#define SG_TRACE_BUCKETS 256 /* a power of two */

#define SG_TRACE_OPTIONS                                                                    \
	(PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |                 \
	 PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)

/* One attached task. */
struct tracee {
	LIST_ENTRY(tracee) link;
	pid_t tid;
	struct session *s; /* NULL: a new child that stopped before its parent's event */
	bool held;         /* stopped and left stopped until its session is known */
};

LIST_HEAD(tracee_list, tracee);

struct trace_map {
	struct tracee_list buckets[SG_TRACE_BUCKETS];
	struct event *ev_sigchld;
	int sigfd; /* signalfd for SIGCHLD (blocked) */
	size_t n;
};

static struct tracee_list *bucket(struct trace_map *m, pid_t tid)
{
	return &m->buckets[(unsigned)tid & (SG_TRACE_BUCKETS - 1)];
}

static struct tracee *tracee_find(struct trace_map *m, pid_t tid)
{
	struct tracee *t;

	LIST_FOREACH(t, bucket(m, tid), link)
		if (t->tid == tid)
			return t;
	return NULL;
}

static struct tracee *tracee_add(struct trace_map *m, pid_t tid, struct session *s)
{
	struct tracee *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->tid = tid;
	t->s = s;
	if (s)
		s->n_tracees++;
	LIST_INSERT_HEAD(bucket(m, tid), t, link);
	m->n++;
	return t;
}

/* Forget t; its session ends with its last tracee. */
static void tracee_remove(struct trace_map *m, struct tracee *t, const char *why)
{
	struct session *s = t->s;

	LIST_REMOVE(t, link);
	m->n--;
	free(t);
	if (s && --s->n_tracees == 0)
		session_end(s, why);
}

/* Resume a stopped tracee; ESRCH (it was killed meanwhile) is not an error. */
static void resume(pid_t tid, enum __ptrace_request how, int sig)
{
	if (ptrace(how, tid, NULL, (void *)(long)sig) < 0 && errno != ESRCH)
		log_warn(negative_errno(), "tid %d: cannot resume, ignoring", (int)tid);
}

/* A stopped task we know nothing of: a new thread or child whose stop came before
 * its creator's event.  Its session is its thread group's or its parent's. */
static struct session *guess_session(struct trace_map *m, pid_t tid)
{
	struct proc_status st;
	struct tracee *p = NULL;

	if (proc_status_read(tid, &st) < 0)
		return NULL;
	if ((st.have & PROC_HAVE_TGID) && st.tgid != tid)
		p = tracee_find(m, st.tgid);
	else if (st.have & PROC_HAVE_PPID)
		p = tracee_find(m, st.ppid);
	return p ? p->s : NULL;
}

/* PTRACE_EVENT_CLONE/FORK/VFORK: the new task belongs to the creator's session. */
static void adopt_child(struct trace_map *m, struct tracee *parent)
{
	unsigned long msg = 0;
	struct tracee *c;
	pid_t tid;

	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, NULL, &msg) < 0) {
		log_warn(negative_errno(), "tid %d: cannot read the new task, ignoring",
			 (int)parent->tid);
		return;
	}
	tid = (pid_t)msg;
	c = tracee_find(m, tid);
	if (!c) {
		siginfo_t si;

		/* Not known: its first stop is still to come, or it was seen, ran and was
		 * reaped while its creator's event waited (waitpid may report other tasks
		 * first).  Only a task still ours to wait for may be counted, or the
		 * session would wait for it forever. */
		if (waitid(P_PID, (id_t)tid, &si, WEXITED | WSTOPPED | WNOHANG | WNOWAIT | __WALL) < 0 &&
		    errno == ECHILD) {
			log_debug("tid %d: gone before its creator's event", (int)tid);
			return;
		}
		if (!tracee_add(m, tid, parent->s)) { /* fail closed: it runs unsupervised otherwise */
			log_err(-ENOMEM, "tid %d: cannot track the new task, killing it", (int)tid);
			(void)kill(tid, SIGKILL);
		}
		return;
	}
	if (!c->s) {
		c->s = parent->s;
		parent->s->n_tracees++;
	}
	if (c->held) {
		c->held = false;
		resume(tid, PTRACE_CONT, 0);
	}
}

/* PTRACE_EVENT_EXEC: a non-leader thread that called execve now has the leader's
 * tid; its old tid is gone without an exit report. */
static void exec_event(struct trace_map *m, struct tracee *t)
{
	unsigned long former = 0;
	struct tracee *old;

	if (ptrace(PTRACE_GETEVENTMSG, t->tid, NULL, &former) == 0 && (pid_t)former != t->tid &&
	    (old = tracee_find(m, (pid_t)former)))
		tracee_remove(m, old, "exec");
}

/* A ptrace stop of a task we know. */
static void stopped(struct trace_map *m, struct tracee *t, int status)
{
	int sig = WSTOPSIG(status), event = (unsigned)status >> 16;

	switch (event) {
	case PTRACE_EVENT_SECCOMP:
		trace_seccomp_stop(t->s, t->tid);
		return;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		adopt_child(m, t);
		resume(t->tid, PTRACE_CONT, 0);
		return;
	case PTRACE_EVENT_EXEC:
		exec_event(m, t);
		resume(t->tid, PTRACE_CONT, 0);
		return;
	case PTRACE_EVENT_STOP:
		/* Group-stop of a seized task: stay stopped, but let SIGCONT wake it. */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			resume(t->tid, PTRACE_LISTEN, 0);
		else /* the first stop of an auto-attached task, or the end of a group-stop */
			resume(t->tid, PTRACE_CONT, 0);
		return;
	case 0: /* signal-delivery stop: deliver it */
		resume(t->tid, PTRACE_CONT, sig);
		return;
	default:
		resume(t->tid, PTRACE_CONT, 0);
		return;
	}
}

/* One wait status of tid. */
static void handle_status(struct sysgated *d, pid_t tid, int status)
{
	struct trace_map *m = d->trace;
	struct tracee *t = tracee_find(m, tid);

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (t)
			tracee_remove(m, t, "no traced task left");
		else
			log_debug("tid %d: untracked child exited, ignoring", (int)tid);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!t) {
		struct session *s = guess_session(m, tid);

		t = tracee_add(m, tid, s);
		if (!t) {
			log_err(-ENOMEM, "tid %d: cannot track the new task, killing it", (int)tid);
			(void)kill(tid, SIGKILL);
			return;
		}
		if (!s) { /* its creator's event will say whose it is */
			t->held = true;
			return;
		}
	}
	if (!t->s) {
		t->held = true;
		return;
	}
	stopped(m, t, status);
}

/* SIGCHLD (read from a signalfd): drain every pending stop and exit. */
static void sigchld_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sysgated *d = arg;
	struct signalfd_siginfo si[16];
	int status;
	pid_t tid;

	(void)what;
	/* SIGCHLD is a standard signal: one is pending at most, and one read takes it
	 * (coalesced anyway: waitpid tells all) */
	(void)!read(fd, si, sizeof(si));
	for (;;) {
		tid = waitpid(-1, &status, __WALL | WNOHANG);
		if (tid < 0 && errno == EINTR)
			continue;
		if (tid <= 0)
			break;
		handle_status(d, tid, status);
	}
	if (tid < 0 && errno != ECHILD)
		log_warn(negative_errno(), "waitpid failed, ignoring");
}

static int map_init(struct sysgated *d)
{
	struct trace_map *m;
	sigset_t mask;
	int r;

	if (d->trace)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < SG_TRACE_BUCKETS; i++)
		LIST_INIT(&m->buckets[i]);
	/* A signalfd rather than libevent's signal pipe: one read per wake-up instead of
	 * a handler, a write and a read (a traced call is two of these round trips). */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (m->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		r = negative_errno();
		free(m);
		return r;
	}
	m->ev_sigchld = event_new(d->base, m->sigfd, EV_READ | EV_PERSIST, sigchld_cb, d);
	if (!m->ev_sigchld || event_add(m->ev_sigchld, NULL) < 0) {
		if (m->ev_sigchld)
			event_free(m->ev_sigchld);
		safe_close(m->sigfd);
		free(m);
		return -ENOMEM;
	}
	d->trace = m;
	return 0;
}

/* Why PTRACE_SEIZE of pid failed with r, for the shim's user. */
static void attach_failed(pid_t pid, int r, char *reason, size_t size)
{
	char path[64], status[4096], yama[16] = "";
	unsigned long tracer = 0;
	const char *p;

	if (r != -EPERM) {
		snprintf(reason, size, "cannot trace pid %d: %s", (int)pid, strerror(-r));
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (proc_read(path, status, sizeof(status)) > 0 && (p = strstr(status, "\nTracerPid:")))
		tracer = strtoul(p + 11, NULL, 10);
	if (tracer) {
		snprintf(reason, size, "cannot trace pid %d: it is already traced by pid %lu (a "
			 "debugger or strace?); use --mechanism notify", (int)pid, tracer);
		return;
	}
	if (proc_read("/proc/sys/kernel/yama/ptrace_scope", yama, sizeof(yama)) > 0)
		yama[strcspn(yama, "\n")] = '\0';
	snprintf(reason, size, "the daemon may not trace pid %d (%s): it needs CAP_SYS_PTRACE or "
		 "the same uid%s%s%s; use --mechanism notify", (int)pid, strerror(-r),
		 yama[0] ? ", and Yama ptrace_scope is " : "", yama,
		 yama[0] ? " (0 lets a same-uid daemon attach)" : "");
}

/* PTRACE_SEIZE pid with the trace options; see daemon.h. */
int trace_attach(struct sysgated *d, pid_t pid, char *reason, size_t reason_size)
{
	int r = map_init(d);

	if (r < 0) {
		snprintf(reason, reason_size, "cannot watch traced tasks: %s", strerror(-r));
		return r;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)SG_TRACE_OPTIONS) == 0)
		return 0;
	r = negative_errno();
	attach_failed(pid, r, reason, reason_size);
	return r;
}

/* pid belongs to s from now on; see daemon.h. */
int trace_track(struct session *s, pid_t pid)
{
	struct tracee *t = tracee_find(s->d->trace, pid);

	if (t) { /* stale: cannot happen while pid is alive and ours */
		t->s = s;
		s->n_tracees++;
		return 0;
	}
	return tracee_add(s->d->trace, pid, s) ? 0 : -ENOMEM;
}

/* s is being freed: kill its tracees and forget them; see daemon.h. */
void trace_session_gone(struct session *s)
{
	struct trace_map *m = s->d->trace;
	struct tracee *t, *next;

	if (!m)
		return;
	for (size_t i = 0; i < SG_TRACE_BUCKETS && s->n_tracees > 0; i++)
		for (t = LIST_FIRST(&m->buckets[i]); t; t = next) {
			next = LIST_NEXT(t, link);
			if (t->s != s)
				continue;
			/* Not reaped yet, so the tid is still this task. */
			(void)kill(t->tid, SIGKILL);
			LIST_REMOVE(t, link);
			m->n--;
			s->n_tracees--;
			free(t);
		}
}

/* Free the tracee map and its event; see daemon.h. */
void trace_done(struct sysgated *d)
{
	struct trace_map *m = d->trace;
	struct tracee *t;

	if (!m)
		return;
	for (size_t i = 0; i < SG_TRACE_BUCKETS; i++)
		while ((t = LIST_FIRST(&m->buckets[i]))) {
			LIST_REMOVE(t, link);
			free(t);
		}
	event_free(m->ev_sigchld);
	safe_close(m->sigfd);
	free(m);
	d->trace = NULL;
}
