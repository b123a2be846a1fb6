/* SPDX-License-Identifier: MIT */
/*
 * sysgate-bench: what supervision costs the supervised program, measured in one
 * run beside the kernel's own limits, as medians and ratios (these machines are
 * noisy; absolute times vary, ratios measured together hold better).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "macro.h"

#define RUNS_MAX 99

/* Syscalls a realistic policy refuses in the kernel (quiet), for the unrouted case. */
static const char *const refused[] = {
	"acct", "add_key", "adjtimex", "bpf", "chroot", "clock_adjtime", "clock_settime",
	"delete_module", "finit_module", "init_module", "fanotify_init", "io_uring_setup",
	"ioperm", "iopl", "kcmp", "kexec_load", "keyctl", "mount", "move_pages",
	"name_to_handle_at", "open_by_handle_at", "perf_event_open", "personality",
	"pivot_root", "process_vm_readv", "process_vm_writev", "ptrace", "quotactl", "reboot",
	"request_key", "setdomainname", "sethostname", "setns", "settimeofday", "swapon",
	"swapoff", "syslog", "umount2", "unshare", "userfaultfd", "vhangup", "mbind",
	"migrate_pages", "set_mempolicy", "get_mempolicy", "pkey_alloc", "pkey_free",
	"pkey_mprotect", "fsopen", "fsmount", "open_tree", "move_mount",
};

volatile sig_atomic_t bench_interrupted;

struct opts {
	const char *build;
	const char *out;
	int runs;
	bool quick;
	long calls; /* routed calls per run */
	char args[256]; /* the options, for the report */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: sysgate-bench [--build-root DIR] [--quick] [--runs N] [--calls N] [--out FILE]\n\n"
		   "Measure, in one run, the kernel's own cost of each interception path and\n"
		   "sysgate's, throughput and latency under load, and the daemon's memory; print\n"
		   "markdown tables of medians and ratios. Needs root or unprivileged seccomp,\n"
		   "and the programs of a meson build directory.\n\n"
		   "  --build-root DIR  the meson build directory (default: two levels above\n"
		   "                    this program)\n"
		   "  --quick           fewer runs, calls and sessions (a smoke run)\n"
		   "  --runs N          runs per figure, the median is shown (default 5)\n"
		   "  --calls N         routed calls per run (default 20000; 10x for unrouted)\n"
		   "  --out FILE        also write the tables to FILE\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "build-root", required_argument, NULL, 'b' }, { "runs", required_argument, NULL, 'r' },
		{ "calls", required_argument, NULL, 'c' },      { "out", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' },            { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char self[PATH_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
		switch (c) {
		case 'b': o->build = optarg; break;
		case 'r': o->runs = atoi(optarg); break;
		case 'c': o->calls = atol(optarg); break;
		case 'o': o->out = optarg; break;
		case 'q': o->quick = true, o->runs = 3, o->calls = 5000; break;
		case 'h': usage(stdout); exit(EXIT_SUCCESS);
		default: usage(stderr); return -EINVAL;
		}
	}
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(o->args);

		snprintf(o->args + n, sizeof(o->args) - n, " %s", argv[i]);
	}
	if (optind != argc || o->runs < 1 || o->runs > RUNS_MAX || o->calls < 100) {
		usage(stderr);
		return -EINVAL;
	}
	if (!o->build) { /* this program is <build>/bench/sysgate-bench */
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *s;

		if (n <= 0)
			return -errno;
		self[n] = '\0';
		for (int i = 0; i < 2 && (s = strrchr(self, '/')); i++)
			*s = '\0';
		o->build = self;
	}
	return 0;
}

/* A realistic policy: refusals settled in the kernel, a few routed rules; getppid unnamed. */
static char *policy_50(int *ret_rules)
{
	size_t size = 4096;
	char *p = malloc(size);
	size_t n;

	if (!p)
		return NULL;
	n = (size_t)snprintf(p, size, "version 1\ndefault allow\n"
				      "mknod, mknodat fake 0 log\nunlink, unlinkat deny EPERM\n");
	for (size_t i = 0; i < ARRAY_SIZE(refused) && n < size; i++)
		n += (size_t)snprintf(p + n, size - n, "%s deny EPERM quiet\n", refused[i]);
	*ret_rules = (int)ARRAY_SIZE(refused) + 4;
	return n < size ? p : (free(p), NULL);
}

struct figures {
	double bare, allow, raw_notify, sg_quiet, sg_logged, sg_unrouted, trace, trap;
	bool sync, no_trace; /* no_trace: the raw trace/trap code is x86_64 only */
	int rules;
	struct load_fig load[3];
	struct mem_fig mem[5];
	int nmem;
};

/* Each figure the median of o->runs runs; the kinds interleaved so drift hits all alike. */
static int measure_paths(const struct opts *o, struct sg_bench *b, struct figures *f)
{
	double v[8][RUNS_MAX];
	_cleanup_free_ char *p50 = policy_50(&f->rules);
	long unrouted = o->calls * 10;
	int r;

	if (!p50)
		return -ENOMEM;
	if ((r = sg_bench_policy(b, "quiet", "version 1\ndefault allow\ngetppid fake 7 quiet\n")) < 0 ||
	    (r = sg_bench_policy(b, "logged", "version 1\ndefault allow\ngetppid fake 7\n")) < 0 ||
	    (r = sg_bench_policy(b, "rules50", p50)) < 0)
		return r;
	for (int i = 0; i < o->runs; i++) {
		fprintf(stderr, "sysgate-bench: paths, run %d of %d\n", i + 1, o->runs);
		v[0][i] = time_calls(SYS_getppid, unrouted);
		if ((r = raw_allow(unrouted, &v[1][i])) < 0 ||
		    (r = raw_notify(o->calls, &v[2][i], &f->sync)) < 0 ||
		    (r = sg_bench_run(b, "quiet", "getppid", o->calls, 7, &v[3][i])) < 0 ||
		    (r = sg_bench_run(b, "logged", "getppid", o->calls / 10, 7, &v[4][i])) < 0 ||
		    (r = sg_bench_run(b, "rules50", "getppid", unrouted, -1, &v[5][i])) < 0)
			return r;
		if ((r = raw_trace(o->calls, &v[6][i])) == -EOPNOTSUPP ||
		    (r == 0 && (r = raw_trap(o->calls, &v[7][i])) == -EOPNOTSUPP))
			f->no_trace = true;
		else if (r < 0)
			return r;
		if (bench_interrupted)
			return -EINTR;
	}
	if (!f->no_trace) {
		f->trace = median(v[6], o->runs);
		f->trap = median(v[7], o->runs);
	}
	f->bare = median(v[0], o->runs);
	f->allow = median(v[1], o->runs);
	f->raw_notify = median(v[2], o->runs);
	f->sg_quiet = median(v[3], o->runs);
	f->sg_logged = median(v[4], o->runs);
	f->sg_unrouted = median(v[5], o->runs);
	return 0;
}

static int measure(const struct opts *o, struct sg_bench *b, struct figures *f)
{
	static const int targets[3] = { 1, 8, 64 };
	const int sessions[3] = { 64, 256, o->quick ? 0 : 1000 };
	int r = mem_run(b, 0, &f->mem[f->nmem++]); /* a fresh daemon */

	if (r == 0)
		r = measure_paths(o, b, f);

	for (int i = 0; i < 3 && r == 0; i++) {
		long m = targets[i] == 64 ? o->calls / 4 : o->calls;

		fprintf(stderr, "sysgate-bench: throughput, %d targets\n", targets[i]);
		r = load_run(b, targets[i], m, o->runs, &f->load[i]);
	}
	if (r == 0 && (r = mem_run(b, 0, &f->mem[f->nmem])) == 0)
		f->mem[f->nmem++].after_load = true;
	for (int i = 0; i < 3 && r == 0 && sessions[i]; i++) {
		fprintf(stderr, "sysgate-bench: memory, %d sessions\n", sessions[i]);
		r = mem_run(b, sessions[i], &f->mem[f->nmem]);
		if (r == 0)
			f->nmem++;
		else if (i > 0) { /* the larger counts are a bonus: report, keep the rest */
			fprintf(stderr, "sysgate-bench: %d sessions failed: %s\n", sessions[i],
				strerror(-r));
			r = 0;
			break;
		}
	}
	return r;
}

static void cpu_model(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];

	snprintf(buf, size, "unknown");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
			snprintf(buf, size, "%s", strchr(line, ':') + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
}

static const char *met(bool ok)
{
	return ok ? "met" : "**not met**";
}

static void report_paths(FILE *out, const struct figures *f)
{
	double q = f->sg_quiet / f->raw_notify, u = f->sg_unrouted / f->allow;

	fprintf(out, "| path (getppid) | ns per call | ratio | target |\n|---|---:|---|---|\n");
	fprintf(out, "| bare syscall | %.0f | | |\n", f->bare);
	fprintf(out, "| plain ALLOW filter (50 rules allowing other calls, default ALLOW) | %.0f | %.2f x bare | |\n",
		f->allow, f->allow / f->bare);
	fprintf(out, "| raw USER_NOTIF round trip, SYNC_WAKE_UP %s | %.0f | %.1f x bare | |\n",
		f->sync ? "on" : "**refused by this kernel** (plain wake-up)", f->raw_notify,
		f->raw_notify / f->bare);
	if (f->no_trace)
		fprintf(out, "| raw ptrace TRACE loop; raw TRAP + socket | not measured: the bench's raw code is x86_64 only | | |\n");
	else {
		fprintf(out, "| raw ptrace TRACE loop (tracer skips the call, sets 7) | %.0f | %.1f x bare | |\n",
			f->trace, f->trace / f->bare);
		fprintf(out, "| raw TRAP + socket round trip (SIGSYS handler asks a peer) | %.0f | %.1f x bare | |\n",
			f->trap, f->trap / f->bare);
	}
	fprintf(out, "| sysgate notify, `fake 7 quiet` (routed, not recorded) | %.0f | %.2f x raw notify | <= 1.25: %s |\n",
		f->sg_quiet, q, met(q <= 1.25));
	fprintf(out, "| sysgate notify, `fake 7` (recorded in the audit log) | %.0f | %.2f x raw notify | |\n",
		f->sg_logged, f->sg_logged / f->raw_notify);
	fprintf(out, "| sysgate trace | not available (issue 4) | | <= 1.25 x raw ptrace: not measured |\n");
	fprintf(out, "| sysgate trap | not available (issue 4) | | <= 1.25 x raw TRAP: not measured |\n");
	fprintf(out, "| unrouted under sysgate, %d-rule policy | %.0f | %.2f x plain ALLOW | <= 1.05: %s |\n",
		f->rules, f->sg_unrouted, u, met(u <= 1.05));
}

static void report_load(FILE *out, const struct opts *o, const struct figures *f)
{
	fprintf(out, "\nThroughput: concurrent sysgate-run targets, each making routed `getppid fake 7 quiet` "
		     "calls from one common start; calls/s = all calls / (last end - first start); "
		     "latency = per call, per target, median of %d runs.\n\n", o->runs);
	fprintf(out, "| targets | calls each | decided notifications/s | mean p50 us | worst p50 us | worst p99 us | target |\n"
		     "|---:|---:|---:|---:|---:|---:|---|\n");
	for (int i = 0; i < 3; i++) {
		const struct load_fig *l = &f->load[i];
		char goal[96] = "";

		if (l->targets == 1)
			snprintf(goal, sizeof(goal), "p99 <= 25 us: %s", met(l->worst_p99_us <= 25));
		else if (l->targets == 64)
			snprintf(goal, sizeof(goal), ">= 150k/s: %s; p99 <= 500 us: %s",
				 met(l->calls_per_s >= 150000), met(l->worst_p99_us <= 500));
		fprintf(out, "| %d | %ld | %.0f | %.1f | %.1f | %.1f | %s |\n", l->targets,
			l->targets == 64 ? o->calls / 4 : o->calls, l->calls_per_s, l->mean_p50_us,
			l->worst_p50_us, l->worst_p99_us, goal);
	}
}

static void report_mem(FILE *out, const struct figures *f)
{
	long idle = f->mem[0].rss_kib, prev_rss = 0;
	int prev_k = 0;

	fprintf(out, "\nMemory: sysgated VmRSS with K concurrent sessions, each a waiting bench-target "
		     "whose first routed call was answered (after the load runs above).\n\n");
	fprintf(out, "| sessions | VmRSS KiB | KiB per session over fresh idle | KiB per session, slope from previous row | set-up ms | target (8 MiB + 4 KiB/session) |\n"
		     "|---:|---:|---:|---:|---:|---|\n");
	for (int i = 0; i < f->nmem; i++) {
		const struct mem_fig *m = &f->mem[i];
		long goal = 8192 + 4L * m->sessions;

		if (m->sessions == 0)
			fprintf(out, "| 0 (idle, %s) | %ld | | | | <= %ld KiB: %s |\n",
				m->after_load ? "after the load runs" : "fresh daemon", m->rss_kib, goal,
				met(m->rss_kib <= goal));
		else
			fprintf(out, "| %d | %ld | %.1f | %.1f | %lld | <= %ld KiB: %s |\n", m->sessions,
				m->rss_kib, (double)(m->rss_kib - idle) / m->sessions,
				(double)(m->rss_kib - prev_rss) / (m->sessions - prev_k), m->ms, goal,
				met(m->rss_kib <= goal));
		prev_rss = m->rss_kib, prev_k = m->sessions;
	}
	if (f->nmem >= 4) {
		const struct mem_fig *a = &f->mem[f->nmem - 2], *z = &f->mem[f->nmem - 1];
		double slope = (double)(z->rss_kib - a->rss_kib) / (z->sessions - a->sessions);

		fprintf(out, "\nPer-session increment (slope %d -> %d sessions): %.1f KiB; <= 4 KiB: %s.\n",
			a->sessions, z->sessions, slope, met(slope <= 4));
	}
	if (f->nmem < 5)
		fprintf(out, "\n1000 sessions: not measured in this run (--quick, or it failed: "
			     "see the run's standard error).\n");
}

static void report(FILE *out, const struct opts *o, const struct figures *f)
{
	struct utsname u;
	char cpu[256], date[64];
	time_t t = time(NULL);

	uname(&u);
	cpu_model(cpu, sizeof(cpu));
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&t));
	fprintf(out, "# sysgate-bench\n\nRun: `build/bench/sysgate-bench%s`.\n\n", o->args);
	fprintf(out, "Machine: %ld cpus (nproc), CPU model '%s'; kernel (uname -r) %s; %s.\n\n"
		     "Median of %d runs; %ld routed calls per run (recorded: %ld), %ld unrouted.%s\n\n",
		sysconf(_SC_NPROCESSORS_ONLN), cpu, u.release, date, o->runs, o->calls,
		o->calls / 10, o->calls * 10, o->quick ? " **--quick run.**" : "");
	report_paths(out, f);
	report_load(out, o, f);
	report_mem(out, f);
	fprintf(out, "\nNotes: every figure is measured in this run, nothing is copied from elsewhere. "
		     "Latency is what each target sees per call (clock_gettime around each call), so "
		     "with more targets than cpus it includes the target's own waits for a cpu, not "
		     "only the daemon's queue. The raw loops poll() then RECV/SEND (or read/write) "
		     "on a dedicated process, as ../shared/bench-ref/limits.c does. Not measured here: "
		     "the tar-with-devices workload against fakeroot, proot and strace (issue 6, item 4).\n");
}

static void on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

int main(int argc, char **argv)
{
	static const char *const progs[] = { "daemon/sysgated", "shim/sysgate-run",
					     "bench/bench-target" };
	struct opts o = { .runs = 5, .calls = 20000 };
	struct sg_bench b = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	_cleanup_free_ struct figures *f = calloc(1, sizeof(*f));
	int r;

	if (!f || parse_opts(argc, argv, &o) < 0)
		return 2;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	b.build = o.build;
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", o.build, progs[i]);
		if (access(path, X_OK) < 0) {
			fprintf(stderr, "sysgate-bench: cannot run '%s' (build it, or give --build-root): %s\n",
				path, strerror(errno));
			return EXIT_FAILURE;
		}
	}
	r = sg_bench_start(&b);
	if (r < 0)
		fprintf(stderr, "sysgate-bench: cannot start %s/daemon/sysgated: %s\n", o.build,
			strerror(-r));
	else {
		r = measure(&o, &b, f);
		if (r < 0)
			fprintf(stderr, "sysgate-bench: a measurement failed: %s\n", strerror(-r));
	}
	sg_bench_stop(&b);
	if (r < 0)
		return EXIT_FAILURE;
	report(stdout, &o, f);
	if (o.out) {
		FILE *out = fopen(o.out, "we");

		if (!out) {
			fprintf(stderr, "sysgate-bench: cannot write '%s': %s\n", o.out, strerror(errno));
			return EXIT_FAILURE;
		}
		report(out, &o, f);
		if (fclose(out) != 0)
			return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
