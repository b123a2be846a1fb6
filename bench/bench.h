/* SPDX-License-Identifier: MIT */
/* sysgate-bench: the kernel's limits (raw.c, raw_trace.c), sysgate's paths (sysgate.c),
 * load and memory (load.c), the tar workload (tar.c), the tables (report.c). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define RUNS_MAX 99

/* Set by SIGINT/SIGTERM/SIGHUP: every wait gives up, everything is cleaned up. */
extern volatile sig_atomic_t bench_interrupted;

/* bench.c */

/* The median of v[0..n-1] (sorts v). */
double median(double *v, int n);

/* raw.c */

/* Mean ns per call of syscall nr over n calls, in this process. */
double time_calls(long nr, long n);
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
	const char *mechanism; /* sysgate-run --mechanism; NULL: its default (notify) */
	bool learn;         /* sysgate-run --learn DIR/POLICY.policy instead of -p */
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
/* Start sysgate-run -p DIR/POLICY.policy -- bench-target ARGS... (b->learn: --learn
 * DIR/POLICY.policy; policy NULL: bench-target ARGS... alone); NULL-terminated args. */
int sg_spawn(struct sg_bench *b, const char *policy, bool with_stdin, struct sg_proc *p,
	     const char *const *args);
/* Read p's output (up to size-1 bytes, until EOF) and reap it, before the
 * CLOCK_MONOTONIC deadline_ms; on any failure kill its process group. */
int sg_collect(struct sg_proc *p, char *buf, size_t size, long long deadline_ms);
/* Read one line of p's output before deadline_ms. */
int sg_read_line(struct sg_proc *p, char *buf, size_t size, long long deadline_ms);
/* Kill p's process group and reap it; closes its pipes. */
void sg_kill(struct sg_proc *p);
/* Run bench-target [--filter FILTER] CALL n under sysgate-run with POLICY (NULL: directly);
 * *ret_ns; the call's last result must be expect unless expect < 0. */
int sg_bench_run(struct sg_bench *b, const char *policy, const char *filter, const char *call,
		 long n, long expect, double *ret_ns);
/* CLOCK_MONOTONIC in ms. */
long long mono_ms(void);
/* VmRSS of pid in KiB, or negative errno. */
long rss_kib(pid_t pid);

/* load.c */

struct load_fig {
	int targets;
	long calls;     /* per target */
	int late;       /* targets that started > 50 ms after the common start, all runs */
	double calls_per_s;
	double p50_us, p90_us, p99_us, p999_us, max_us; /* over all calls of all targets */
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

/* daemon_limits.c */

/* The largest number of concurrent sessions of this uid, at most want; why in why. */
int bench_max_sessions(int want, char *why, size_t size);

/* tar.c */

/* Run peers-tar.sh with runs per case; *ret_md gets its markdown (or why there is none). */
int tar_run(struct sg_bench *b, int runs, char **ret_md);

/* report.c */

struct opts {
	const char *build;
	const char *out;
	int runs;
	int tar_runs;   /* 0: no tar workload */
	bool quick;
	long calls;     /* routed calls per run */
	char args[512]; /* the command line, for the report */
};

struct figures {
	double bare, allow, allow50, raw_notify, sg_quiet, sg_logged, sg_unrouted, trace, trap;
	double sg_trace, r_trace; /* sysgate trace `fake 7 quiet`; its ratio to raw ptrace */
	double sg_trap, r_trap; /* sysgate trap, `fake 7 quiet`; its ratio to the raw TRAP loop */
	double sg_learn, r_learn; /* sysgate-run --learn (every call routed, counted); / raw notify */
	bool sync, no_trace; /* no_trace: the raw trace/trap code is x86_64 only */
	int rules;
	int cheap_samples;   /* processes behind each of bare, allow, allow50, unrouted */
	/* medians of paired ratios (runs made one after the other) */
	double r_quiet, r_logged, r_allow, r_allow50, r_unrouted, r_unrouted50;
	struct load_fig load[3];
	struct mem_fig mem[5];
	int nmem;
	int mem_failed;      /* the session count that failed, 0: none */
	int mem_err;         /* its errno */
	int max_sessions;    /* the largest count measured for memory */
	char limit_why[160]; /* how max_sessions was chosen */
	char *tar_md;        /* peers-tar.sh's markdown, or NULL when not run */
	char loadavg[64];    /* /proc/loadavg when the run started */
};

/* Print every table, with the machine and the options. */
void report(FILE *out, const struct opts *o, const struct figures *f);
