/* SPDX-License-Identifier: MIT */
/*
 * One seccomp stop of the trace mechanism: the call is read with
 * PTRACE_GET_SYSCALL_INFO (arch, nr, args and ip as the kernel's seccomp_data
 * has them, so an i386 call of a 64-bit task reads right), decided with the
 * shared verdict and carried out: allow resumes the call; deny and fake skip it
 * (the syscall number register becomes -1) and set the return register, through
 * the NT_PRSTATUS regset in the layout of the tracee (64-bit or i386); kill
 * sends SIGKILL to the thread group through a pidfd.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "mech/trace.h"
#include "proc.h"
#include "verdict.h"

/* struct user_regs_struct of an i386 task, as NT_PRSTATUS gives it to a 64-bit tracer. */
struct regs_i386 {
	uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
	uint32_t ds, es, fs, gs, orig_eax, eip, cs, eflags, esp, ss;
};

_Static_assert(sizeof(struct regs_i386) == 68, "i386 user_regs_struct is 17 words");

/* Skip the call tid stopped in and make it return ret (-errno or a value). */
static int skip_call(pid_t tid, int64_t ret)
{
#if defined(__x86_64__)
	union {
		struct user_regs_struct r64;
		struct regs_i386 r32;
	} regs;
	struct iovec iov = { .iov_base = &regs, .iov_len = sizeof(regs) };

	memset(&regs, 0, sizeof(regs));
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return negative_errno();
	if (iov.iov_len == sizeof(regs.r64)) {
		regs.r64.orig_rax = (unsigned long long)-1;
		regs.r64.rax = (unsigned long long)ret;
	} else if (iov.iov_len == sizeof(regs.r32)) {
		regs.r32.orig_eax = (uint32_t)-1;
		regs.r32.eax = (uint32_t)ret;
	} else
		return -EPROTO;
	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return negative_errno();
	return 0;
#else
	(void)tid;
	(void)ret;
	return -EOPNOTSUPP;
#endif
}

/* The call of tid's seccomp stop. */
static int read_call(pid_t tid, struct sg_call *c)
{
	struct __ptrace_syscall_info info;
	long n;

	memset(&info, 0, sizeof(info));
	n = ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info);
	if (n < 0)
		return negative_errno();
	if (info.op != PTRACE_SYSCALL_INFO_SECCOMP)
		return -EPROTO;
	memset(c, 0, sizeof(*c));
	c->arch = info.arch;
	c->nr = (int32_t)info.seccomp.nr;
	memcpy(c->args, info.seccomp.args, sizeof(c->args));
	c->ip = info.instruction_pointer;
	c->tid = tid;
	return 0;
}

/* SIGKILL tid's whole process.  tid is in a ptrace stop and not reaped, so its
 * thread group (and the tgid naming it) cannot be gone and reused meanwhile. */
static int kill_group(const struct session *s, pid_t tid, const struct task_meta *m)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct proc_status st;
	pid_t tgid = m->have_status ? m->tgid : 0;
	int r;

	if (tgid <= 0) {
		r = proc_status_read(tid, &st);
		if (r < 0)
			return r;
		if (!(st.have & PROC_HAVE_TGID))
			return -EIO;
		tgid = st.tgid;
	}
	pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return negative_errno();
	conn_tell_killed(s, tgid);
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
		return negative_errno();
	return 0;
}

/* Carry v out on tid; 0, -ESRCH when the task was killed meanwhile, other -errno. */
static int carry_out(const struct session *s, pid_t tid, struct verdict *v)
{
	int r;

	switch (v->kind) {
	case SG_ACT_ALLOW:
		break;
	case SG_ACT_KILL:
		r = kill_group(s, tid, &v->meta);
		if (r >= 0)
			return 0; /* it dies in its stop: no resume */
		log_err(r, "tid %d: cannot kill, denying its call", (int)tid);
		verdict_kill_failed(v);
		r = skip_call(tid, -(int64_t)v->err);
		if (r < 0)
			return r;
		break;
	case SG_ACT_DENY:
		r = skip_call(tid, -(int64_t)v->err);
		if (r < 0)
			return r;
		break;
	case SG_ACT_FAKE:
		r = skip_call(tid, v->value);
		if (r < 0)
			return r;
		break;
	default:
		return -EPROTO;
	}
	if (ptrace(PTRACE_CONT, tid, NULL, NULL) < 0)
		return negative_errno();
	return 0;
}

/* Decide and answer one seccomp stop; see trace.h. */
void trace_seccomp_stop(struct session *s, pid_t tid)
{
	bool starting = session_state(s) == SG_SESSION_STARTING;
	struct verdict v;
	struct sg_call c;
	int r;

	s->state = SG_SESSION_RUNNING;
	r = read_call(tid, &c);
	if (r == -ESRCH)
		return;
	if (r < 0) { /* cannot say what it is: cannot allow it either */
		log_err(r, "session %" PRIu64 ": tid %d: cannot read the call, killing it", s->id,
			(int)tid);
		(void)kill(tid, SIGKILL);
		return;
	}
	verdict_decide(s, &c, starting, &v);
	r = carry_out(s, tid, &v);
	if (r == -ESRCH) { /* killed while stopped: the call never completes */
		log_debug("session %" PRIu64 ": tid %d left before the answer", s->id, (int)tid);
		return;
	}
	if (r < 0) { /* the verdict cannot be carried out: fail closed */
		log_err(r, "session %" PRIu64 ": tid %d: cannot answer its call, killing it",
			s->id, (int)tid);
		(void)kill(tid, SIGKILL);
		return;
	}
	verdict_done(s, &c, &v);
}
