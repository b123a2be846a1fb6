/* SPDX-License-Identifier: MIT */
/* sysgate-bench: the kernel's limits (raw.c), sysgate's paths (sysgate.c), load (load.c). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* Set by SIGINT/SIGTERM/SIGHUP: every wait gives up, everything is cleaned up. */
extern volatile sig_atomic_t bench_interrupted;

/* raw.c */

/* Mean ns per call of syscall nr over n calls, in this process. */
double time_calls(long nr, long n);
/* getppid under a filter of 50 rules allowing other syscalls and a default ALLOW. */
int raw_allow(long n, double *ret_ns);
/* getppid routed by USER_NOTIF, answered by a dedicated process; *ret_sync says
 * whether SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP was accepted. */
int raw_notify(long n, double *ret_ns, bool *ret_sync);

/* raw_trace.c */

/* getppid under SCMP_ACT_TRACE, faked by a ptrace tracer; x86_64 only (-EOPNOTSUPP). */
int raw_trace(long n, double *ret_ns);
/* getppid under SCMP_ACT_TRAP, the SIGSYS handler asking a peer over a socket. */
int raw_trap(long n, double *ret_ns);

/* sysgate.c */

struct sg_bench {
	const char *build;  /* the meson build directory */
	char dir[64];       /* private temporary directory */
	pid_t daemon;       /* sysgated's pid (and process group), 0 when not running */
};

/* A sysgate-run in its own process group, its standard output (and input) piped. */
struct sg_proc {
	pid_t pid;
	int out; /* read end of its standard output */
	int in;  /* write end of its standard input, or -1 */
};

/* Start sysgated on a socket in a new temporary directory; 0 or negative errno. */
int sg_bench_start(struct sg_bench *b);
/* Stop the daemon (bounded wait, then SIGKILL), remove the directory. */
void sg_bench_stop(struct sg_bench *b);
/* Write the policy text to DIR/NAME.policy. */
int sg_bench_policy(struct sg_bench *b, const char *name, const char *text);
/* Start sysgate-run -p DIR/POLICY.policy -- bench-target ARGS...; NULL-terminated args. */
int sg_spawn(struct sg_bench *b, const char *policy, bool with_stdin, struct sg_proc *p,
	     const char *const *args);
/* Read p's output (up to size-1 bytes, until EOF) and reap it, before the
 * CLOCK_MONOTONIC deadline_ms; on any failure kill its process group. */
int sg_collect(struct sg_proc *p, char *buf, size_t size, long long deadline_ms);
/* Read one line of p's output before deadline_ms. */
int sg_read_line(struct sg_proc *p, char *buf, size_t size, long long deadline_ms);
/* Kill p's process group and reap it; closes its pipes. */
void sg_kill(struct sg_proc *p);
/* Run bench-target CALL n under sysgate-run with POLICY; *ret_ns, checks the result. */
int sg_bench_run(struct sg_bench *b, const char *policy, const char *call, long n,
		 long expect, double *ret_ns);
/* CLOCK_MONOTONIC in ms. */
long long mono_ms(void);
/* VmRSS of pid in KiB, or negative errno. */
long rss_kib(pid_t pid);

/* load.c */

struct load_fig {
	int targets;
	double calls_per_s, worst_p50_us, worst_p99_us, mean_p50_us;
};

struct mem_fig {
	int sessions;   /* 0: idle */
	long rss_kib;   /* negative errno when not measured */
	long long ms;   /* time to set up the sessions */
	bool after_load; /* idle, measured after the load runs */
};

/* k concurrent targets of m routed calls each; median over runs of each figure. */
int load_run(struct sg_bench *b, int k, long m, int runs, struct load_fig *f);
/* Daemon RSS with k waiting sessions (k = 0: idle). */
int mem_run(struct sg_bench *b, int k, struct mem_fig *f);
