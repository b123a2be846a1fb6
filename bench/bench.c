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
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "macro.h"

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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n-1] (sorts v). */
double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: sysgate-bench [--build-root DIR] [--quick] [--runs N] [--calls N]\n"
		   "                     [--tar-runs N | --no-tar] [--out FILE]\n\n"
		   "Measure, in one run, the kernel's own cost of each interception path and\n"
		   "sysgate's, throughput and latency under load, the daemon's memory, and a tar\n"
		   "workload beside fakeroot, proot and strace; print markdown tables of medians\n"
		   "and ratios on standard output (progress on standard error). Starts its own\n"
		   "sysgated on a temporary socket. Needs the programs of a meson build directory;\n"
		   "the tar workload needs root, unshare -Ur and bench/deps.sh's packages.\n\n"
		   "  --build-root DIR  the meson build directory (default: two levels above\n"
		   "                    this program)\n"
		   "  --quick           3 runs, 5000 calls, up to 256 sessions, 1 tar run\n"
		   "  --runs N          runs per figure, the median is shown (default 5)\n"
		   "  --calls N         routed calls per run (default 20000; 10x for unrouted)\n"
		   "  --tar-runs N      runs per tar case (default: --runs)\n"
		   "  --no-tar          skip the tar workload\n"
		   "  --out FILE        also write the tables to FILE (e.g. bench/RESULTS.md)\n"
		   "  -h, --help        this text\n\n"
		   "Exit status: 0 when the run completed (the tables say what could not be\n"
		   "measured, and why), 1 when a measurement failed (everything it started is\n"
		   "cleaned up), 2 on bad usage.\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "build-root", required_argument, NULL, 'b' }, { "runs", required_argument, NULL, 'r' },
		{ "calls", required_argument, NULL, 'c' },      { "out", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' },            { "help", no_argument, NULL, 'h' },
		{ "tar-runs", required_argument, NULL, 't' },   { "no-tar", no_argument, NULL, 'n' },
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
		case 't': o->tar_runs = atoi(optarg); break;
		case 'n': o->tar_runs = 0; break;
		case 'h': usage(stdout); exit(EXIT_SUCCESS);
		default: usage(stderr); return -EINVAL;
		}
	}
	for (int i = 0; i < argc; i++) { /* the command line as given, for the report */
		size_t n = strlen(o->args);

		snprintf(o->args + n, sizeof(o->args) - n, "%s%s", i ? " " : "", argv[i]);
	}
	if (o->tar_runs < 0)
		o->tar_runs = o->quick ? 1 : o->runs;
	if (optind != argc || o->runs < 1 || o->runs > RUNS_MAX || o->calls < 100 ||
	    o->calls > 10000000 || o->tar_runs > RUNS_MAX) {
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

/* The median of a[i] / b[i]. */
static double median_ratio(const double *a, const double *b, int n)
{
	double q[RUNS_MAX * 4];

	for (int i = 0; i < n; i++)
		q[i] = a[i] / b[i];
	return median(q, n);
}

/* Samples per run of the cheap paths: a few ns apart, and each process lands a little
 * faster or slower as a whole (its layout), so they need more processes than the rest. */
#define CHEAP_SAMPLES 3

/* The cheap paths, each timed in a freshly executed bench-target: bare, under the plain
 * ALLOW filter, under 50 linear rules, and unrouted under sysgate's 56-rule policy. */
static int measure_cheap(struct sg_bench *b, long n, int k,
			 double v[4][RUNS_MAX * CHEAP_SAMPLES])
{
	int r;

	for (int j = k * CHEAP_SAMPLES; j < (k + 1) * CHEAP_SAMPLES; j++)
		if ((r = sg_bench_run(b, NULL, NULL, "getppid", n, -1, &v[0][j])) < 0 ||
		    (r = sg_bench_run(b, NULL, "0", "getppid", n, -1, &v[1][j])) < 0 ||
		    (r = sg_bench_run(b, NULL, "50", "getppid", n, -1, &v[2][j])) < 0 ||
		    (r = sg_bench_run(b, "rules50", NULL, "getppid", n, -1, &v[3][j])) < 0)
			return r;
	return 0;
}

/* The medians and ratios of the runs measure_paths() made. */
static void summarize_paths(int runs, double v[8][RUNS_MAX],
			    double c[4][RUNS_MAX * CHEAP_SAMPLES], struct figures *f)
{
	if (!f->no_trace) {
		f->trace = median(v[3], runs);
		f->trap = median(v[4], runs);
		f->sg_trace = median(v[5], runs);
		f->r_trace = median_ratio(v[5], v[3], runs);
		f->sg_trap = median(v[6], runs);
		f->r_trap = median_ratio(v[6], v[4], runs);
	}
	/* ratios of runs made one right after the other: this machine's speed shifts in
	 * phases of a second or so, more than the few per cent compared here */
	f->r_quiet = median_ratio(v[1], v[0], runs);
	f->r_logged = median_ratio(v[2], v[0], runs);
	f->r_learn = median_ratio(v[7], v[0], runs);
	f->sg_learn = median(v[7], runs);
	f->r_allow = median_ratio(c[1], c[0], runs * CHEAP_SAMPLES);
	f->r_allow50 = median_ratio(c[2], c[1], runs * CHEAP_SAMPLES);
	f->r_unrouted = median_ratio(c[3], c[1], runs * CHEAP_SAMPLES);
	f->r_unrouted50 = median_ratio(c[3], c[2], runs * CHEAP_SAMPLES);
	f->raw_notify = median(v[0], runs);
	f->sg_quiet = median(v[1], runs);
	f->sg_logged = median(v[2], runs);
	f->cheap_samples = runs * CHEAP_SAMPLES;
	f->bare = median(c[0], f->cheap_samples);
	f->allow = median(c[1], f->cheap_samples);
	f->allow50 = median(c[2], f->cheap_samples);
	f->sg_unrouted = median(c[3], f->cheap_samples);
}

/* Each figure the median of its runs; the kinds interleaved so drift hits all alike. */
static int measure_paths(const struct opts *o, struct sg_bench *b, struct figures *f)
{
	double v[8][RUNS_MAX], c[4][RUNS_MAX * CHEAP_SAMPLES];
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
		if ((r = measure_cheap(b, unrouted, i, c)) < 0 ||
		    (r = raw_notify(o->calls, &v[0][i], &f->sync)) < 0 ||
		    (r = sg_bench_run(b, "quiet", NULL, "getppid", o->calls, 7, &v[1][i])) < 0 ||
		    (r = sg_bench_run(b, "logged", NULL, "getppid", o->calls / 10, 7, &v[2][i])) < 0)
			return r;
		b->learn = true; /* learning allows getppid: its real result */
		r = sg_bench_run(b, "learnt", NULL, "getppid", o->calls, -1, &v[7][i]);
		b->learn = false;
		if (r < 0)
			return r;
		if ((r = raw_trace(o->calls, &v[3][i])) == -EOPNOTSUPP ||
		    (r == 0 && (r = raw_trap(o->calls, &v[4][i])) == -EOPNOTSUPP))
			f->no_trace = true;
		else if (r < 0)
			return r;
		if (!f->no_trace) { /* each right after the raw loop it is compared with */
			b->mechanism = "trace";
			r = sg_bench_run(b, "quiet", NULL, "getppid", o->calls, 7, &v[5][i]);
			b->mechanism = "trap";
			if (r == 0)
				r = sg_bench_run(b, "quiet", NULL, "getppid", o->calls, 7, &v[6][i]);
			b->mechanism = NULL;
			if (r < 0)
				return r;
		}
		if (bench_interrupted)
			return -EINTR;
	}
	summarize_paths(o->runs, v, c, f);
	return 0;
}

/* Daemon memory: idle after the load, then with more and more waiting sessions. */
static int measure_mem(const struct opts *o, struct sg_bench *b, struct figures *f)
{
	int counts[3] = { 64, 256, 0 }, r;

	f->max_sessions = bench_max_sessions(1000, f->limit_why, sizeof(f->limit_why));
	counts[2] = o->quick ? 256 : f->max_sessions;
	if ((r = mem_run(b, 0, &f->mem[f->nmem])) < 0)
		return r;
	f->mem[f->nmem++].after_load = true;
	for (int i = 0, last = 0; i < 3; i++) {
		int k = counts[i] < f->max_sessions ? counts[i] : f->max_sessions;

		if (k <= last)
			continue;
		fprintf(stderr, "sysgate-bench: memory, %d sessions\n", k);
		r = mem_run(b, k, &f->mem[f->nmem]);
		if (r == -EINTR)
			return r;
		if (r < 0) { /* a result too: shown in the table, the rest goes on */
			fprintf(stderr, "sysgate-bench: %d sessions failed: %s\n", k, strerror(-r));
			f->mem_failed = k, f->mem_err = -r;
			break;
		}
		f->nmem++;
		last = k;
	}
	return 0;
}

static int measure(const struct opts *o, struct sg_bench *b, struct figures *f)
{
	static const int targets[3] = { 1, 8, 64 };
	int r = mem_run(b, 0, &f->mem[f->nmem++]); /* a fresh daemon */

	if (r == 0)
		r = measure_paths(o, b, f);
	for (int i = 0; i < 3 && r == 0; i++) {
		long m = targets[i] == 64 ? o->calls / 4 : o->calls;

		fprintf(stderr, "sysgate-bench: throughput, %d targets\n", targets[i]);
		r = load_run(b, targets[i], m, o->runs, &f->load[i]);
	}
	if (r == 0)
		r = measure_mem(o, b, f);
	if (r == 0 && o->tar_runs > 0) { /* last: its records would weigh on the memory */
		fprintf(stderr, "sysgate-bench: tar workload, %d runs per case\n", o->tar_runs);
		r = tar_run(b, o->tar_runs, &f->tar_md);
	}
	return r;
}

/* Soft RLIMIT_NOFILE up to the hard one: 1000 sessions hold thousands of fds
 * (sysgated, started from here, inherits it). */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The first three fields of /proc/loadavg: how busy the machine was before the run. */
static void read_loadavg(char *buf, size_t size)
{
	FILE *f = fopen("/proc/loadavg", "re");
	double a, b, c;

	if (f && fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
		snprintf(buf, size, "%.2f %.2f %.2f", a, b, c);
	else
		snprintf(buf, size, "unknown");
	if (f)
		fclose(f);
}

/* Whether FILE's directory is writable (errno set when not). */
static int out_dir_writable(const char *file)
{
	char dir[PATH_MAX];
	char *s;

	snprintf(dir, sizeof(dir), "%s", file);
	s = strrchr(dir, '/');
	if (!s)
		snprintf(dir, sizeof(dir), ".");
	else if (s == dir)
		s[1] = '\0';
	else
		*s = '\0';
	return access(dir, W_OK);
}

static void on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

int main(int argc, char **argv)
{
	static const char *const progs[] = { "daemon/sysgated", "shim/sysgate-run",
					     "bench/bench-target", "bench/peers-tar.sh" };
	struct opts o = { .runs = 5, .calls = 20000, .tar_runs = -1 };
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
	raise_nofile();
	b.build = o.build;
	if (o.out && out_dir_writable(o.out) < 0) {
		fprintf(stderr, "sysgate-bench: cannot write '%s': %s\n", o.out, strerror(errno));
		return EXIT_FAILURE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", o.build, progs[i]);
		if (access(path, i < 3 ? X_OK : R_OK) < 0 && (i < 3 || o.tar_runs > 0)) {
			fprintf(stderr, "sysgate-bench: cannot run '%s' (build it, or give --build-root): %s\n",
				path, strerror(errno));
			return EXIT_FAILURE;
		}
	}
	read_loadavg(f->loadavg, sizeof(f->loadavg));
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
	if (r < 0) {
		free(f->tar_md);
		return EXIT_FAILURE;
	}
	report(stdout, &o, f);
	if (o.out) {
		FILE *out = fopen(o.out, "we");

		if (out)
			report(out, &o, f);
		if (!out || fclose(out) != 0) {
			fprintf(stderr, "sysgate-bench: cannot write '%s': %s\n", o.out, strerror(errno));
			r = -EIO;
		}
	}
	free(f->tar_md);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
