/* SPDX-License-Identifier: MIT */
/*
 * The daemon's own seccomp filter: an allowlist of the system calls sysgated
 * makes once it is set up (found by tracing the whole e2e suite under every
 * mechanism and the emulators, plus what the emulation helpers it forks and
 * execs need before and after they take their caller's credentials), for the
 * native arch only.  Everything else traps (report.c): a clear line, then exit.
 * The filter is inherited by every child, across exec.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>

#include <seccomp.h>

#include "daemon.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"

#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61
#endif

/* Namespace flags clone may not carry: the daemon joins namespaces (setns), never makes one. */
#define SANDBOX_CLONE_NS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
			  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

typedef int (*rule_add_fn)(scmp_filter_ctx ctx, int nr);

static int add_each(scmp_filter_ctx ctx, int nr, unsigned arg, const uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* the kernel reads these arguments as 32-bit ints */
		int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					 SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, 0xffffffffu, v[i]));

		if (r < 0)
			return r;
	}
	return 0;
}

/* socket, socketpair: AF_UNIX only (the control socket, syslog, the helpers' pairs). */
static int add_unix(scmp_filter_ctx ctx, int nr)
{
	static const uint64_t domains[] = { AF_UNIX };

	return add_each(ctx, nr, 0, domains, ARRAY_SIZE(domains));
}

/* clone (its flags are arg0 on every arch we build for): processes, no new namespace. */
static int add_clone(scmp_filter_ctx ctx, int nr)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				SCMP_A0(SCMP_CMP_MASKED_EQ, SANDBOX_CLONE_NS, 0));
}

/* ioctl: the seccomp listener's requests, a pidfd's ids (proc.c), and isatty(). */
static int add_ioctl(scmp_filter_ctx ctx, int nr)
{
	static const uint64_t requests[] = {
		SECCOMP_IOCTL_NOTIF_RECV, SECCOMP_IOCTL_NOTIF_SEND, SECCOMP_IOCTL_NOTIF_ID_VALID,
		SECCOMP_IOCTL_NOTIF_ADDFD, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SG_PIDFD_GET_INFO, TCGETS,
	};

	return add_each(ctx, nr, 1, requests, ARRAY_SIZE(requests));
}

/* prctl: what helpers use to take their caller's capabilities and to die with the daemon. */
static int add_prctl(scmp_filter_ctx ctx, int nr)
{
	static const uint64_t options[] = {
		PR_SET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_GET_KEEPCAPS,
		PR_SET_KEEPCAPS, PR_SET_NAME, PR_GET_NAME, PR_CAPBSET_READ, PR_CAPBSET_DROP,
		PR_GET_SECUREBITS, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_CAP_AMBIENT,
		PR_SET_PTRACER, /* LeakSanitizer at exit, in sanitizer builds */
	};

	return add_each(ctx, nr, 0, options, ARRAY_SIZE(options));
}

/* setns: a helper joins its caller's mount, user and pid namespaces, each by name. */
static int add_setns(scmp_filter_ctx ctx, int nr)
{
	static const uint64_t types[] = { CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID };

	return add_each(ctx, nr, 1, types, ARRAY_SIZE(types));
}

/* prlimit64: its own limits only (the loader of an exec'd helper reads them, a sanitizer
 * runtime lowers RLIMIT_CORE), never another process's. */
static int add_prlimit(scmp_filter_ctx ctx, int nr)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, 0, 0));
}

/* The allowlist; add NULL: allowed whatever the arguments. */
static const struct {
	const char *name;
	rule_add_fn add;
} allowed[] = {
	/* memory */
	{ "brk", NULL }, { "mmap", NULL }, { "munmap", NULL }, { "mremap", NULL },
	{ "mprotect", NULL }, { "madvise", NULL },
	/* descriptors */
	{ "read", NULL }, { "pread64", NULL }, { "write", NULL }, { "lseek", NULL },
	{ "close", NULL }, { "close_range", NULL }, { "dup2", NULL }, { "dup3", NULL },
	{ "fcntl", NULL }, { "ftruncate", NULL }, { "memfd_create", NULL },
	{ "pipe2", NULL }, /* a helper for another pid namespace: its maker's pid comes back */
	{ "ioctl", add_ioctl },
	/* files: the audit log, /proc, and the targets' files the emulators reach */
	{ "openat", NULL }, { "openat2", NULL }, { "newfstatat", NULL }, { "readlink", NULL },
	{ "statx", NULL }, /* a caller's root, with its mount id (helper/snap.c) */
	{ "readlinkat", NULL }, { "getdents64", NULL }, { "access", NULL },
	{ "faccessat", NULL }, { "faccessat2", NULL }, { "mkdir", NULL }, { "mkdirat", NULL },
	{ "mknodat", NULL }, { "unlink", NULL }, { "unlinkat", NULL }, { "rmdir", NULL },
	{ "fchownat", NULL }, { "umask", NULL }, { "fchdir", NULL }, { "chroot", NULL },
	{ "chdir", NULL }, /* a helper starts at the top of its caller's root */
	/* credentials: emulators act with their caller's, helpers become it */
	{ "getuid", NULL }, { "geteuid", NULL }, { "getgid", NULL }, { "getegid", NULL },
	{ "getresuid", NULL }, { "getresgid", NULL }, { "getgroups", NULL },
	{ "setgroups", NULL }, { "setresuid", NULL }, { "setresgid", NULL },
	{ "setfsuid", NULL }, { "setfsgid", NULL }, { "capget", NULL }, { "capset", NULL },
	{ "prctl", add_prctl }, { "setns", add_setns },
	/* processes: the targets (pidfds, memory, ptrace) and the daemon's own children */
	{ "getpid", NULL }, { "exit", NULL }, { "exit_group", NULL }, { "wait4", NULL },
	{ "waitid", NULL }, { "kill", NULL }, { "tgkill", NULL }, { "pidfd_open", NULL },
	{ "pidfd_send_signal", NULL }, { "process_vm_readv", NULL }, { "ptrace", NULL },
	{ "clone", add_clone }, { "execveat", NULL }, { "seccomp", NULL },
	{ "prlimit64", add_prlimit },
	/* the C library and the loader (of an exec'd helper too) */
	{ "set_tid_address", NULL }, { "set_robust_list", NULL }, { "rseq", NULL },
	{ "arch_prctl", NULL }, { "getrandom", NULL }, { "futex", NULL },
	{ "restart_syscall", NULL },
	/* signals and time */
	{ "rt_sigaction", NULL }, { "rt_sigprocmask", NULL }, { "rt_sigreturn", NULL },
	{ "signalfd4", NULL }, { "nanosleep", NULL }, { "clock_nanosleep", NULL },
	{ "clock_gettime", NULL }, { "gettimeofday", NULL },
	/* the event loop */
	{ "epoll_create1", NULL }, { "epoll_ctl", NULL }, { "epoll_wait", NULL },
	{ "epoll_pwait", NULL }, { "poll", NULL }, { "ppoll", NULL },
	/* sockets: the control socket, syslog, the helpers' socketpairs */
	{ "socket", add_unix }, { "socketpair", add_unix }, { "accept4", NULL },
	{ "connect", NULL }, { "sendmsg", NULL }, { "recvmsg", NULL }, { "sendto", NULL },
	{ "getsockopt", NULL },
	/* sanitizer runtimes (ASan at exit, LeakSanitizer's tracer): legacy forms of the
	 * calls above and a few of their own; nothing the rest could not already do */
	{ "open", NULL }, { "getdents", NULL }, { "gettid", NULL }, { "getppid", NULL },
	{ "sched_yield", NULL }, { "sigaltstack", NULL },
};

/* The i-th system call the filter allows; see sandbox.h. */
const char *sandbox_allowed(size_t i)
{
	return i < ARRAY_SIZE(allowed) ? allowed[i].name : NULL;
}

static int filter_build(scmp_filter_ctx ctx)
{
	int r;

	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	if (r < 0)
		return r;
	/* Root keeps CAP_SYS_ADMIN: then no_new_privs is not needed, and it would be
	 * inherited by every helper, which must hold exactly its caller's credentials. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, !sandbox_cap_effective(CAP_SYS_ADMIN));
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i].name);

		if (nr == __NR_SCMP_ERROR)
			return -EINVAL;
		r = allowed[i].add ? allowed[i].add(ctx, nr)
				   : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			return r;
	}
	/* clone3's flags are in memory, out of the filter's reach: glibc falls back to clone */
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

/* Install the allowlist filter on this process and its future children; see sandbox.h. */
int sandbox_filter_install(bool use_syslog)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	r = sandbox_report_setup(use_syslog);
	if (r < 0)
		return r;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return -ENOMEM;
	r = filter_build(ctx);
	if (r < 0)
		return r;
	return seccomp_load(ctx);
}

/* Drop capabilities, then install the filter, logging once; see sandbox.h. */
int sandbox_apply(bool use_syslog)
{
	char kept[256] = "";
	size_t n = 0;
	int dropped, r;

	dropped = sandbox_caps_drop();
	if (dropped < 0)
		return log_err(dropped, "sandbox: cannot drop capabilities");
	r = sandbox_filter_install(use_syslog);
	if (r < 0)
		return log_err(r, "sandbox: cannot install the system call filter");
	for (size_t i = 0; dropped && sandbox_cap_kept_name(i) && n + 24 < sizeof(kept); i++) {
		const char *name = sandbox_cap_kept_name(i) + strlen("CAP_");

		kept[n++] = ' ';
		while (*name)
			kept[n++] = (char)tolower((unsigned char)*name++);
		kept[n] = '\0';
	}
	log_info("sandbox: %zu system calls allowed; %s%s", ARRAY_SIZE(allowed),
		 dropped ? "capabilities kept:" : "no capabilities held", kept);
	return 0;
}
