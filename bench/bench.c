/* SPDX-License-Identifier: MIT */
/*
 * sysgate-bench: what supervision costs the supervised program, measured in one
 * run beside the kernel's own limits, as medians and ratios (these machines are
 * noisy; absolute times vary, ratios measured together hold better).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
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

struct opts {
	const char *build;
	const char *out;
	int runs;
	long calls; /* routed calls per run */
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
	fprintf(f, "Usage: sysgate-bench [--build-root DIR] [--runs N] [--calls N] [--out FILE]\n\n"
		   "Measure, in one run, the kernel's own cost of each interception path and\n"
		   "sysgate's, and print a markdown table of medians and ratios. Needs root\n"
		   "or unprivileged seccomp, and the programs of a meson build directory.\n\n"
		   "  --build-root DIR  the meson build directory (default: two levels above\n"
		   "                    this program)\n"
		   "  --runs N          runs per figure, the median is shown (default 5)\n"
		   "  --calls N         routed calls per run (default 20000; 10x for unrouted)\n"
		   "  --out FILE        also write the table to FILE\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "build-root", required_argument, NULL, 'b' }, { "runs", required_argument, NULL, 'r' },
		{ "calls", required_argument, NULL, 'c' },      { "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },             { 0 },
	};
	static char self[PATH_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
		switch (c) {
		case 'b': o->build = optarg; break;
		case 'r': o->runs = atoi(optarg); break;
		case 'c': o->calls = atol(optarg); break;
		case 'o': o->out = optarg; break;
		case 'h': usage(stdout); exit(EXIT_SUCCESS);
		default: usage(stderr); return -EINVAL;
		}
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

static char *policy_50(void)
{
	size_t size = 4096;
	char *p = malloc(size);
	size_t n;

	if (!p)
		return NULL;
	n = (size_t)snprintf(p, size, "version 1\ndefault allow\ngetppid fake 7 quiet\n");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]) && n < size; i++)
		n += (size_t)snprintf(p + n, size - n, "%s deny EPERM quiet\n", refused[i]);
	return p;
}

struct figures {
	double bare, allow, raw_notify, sg_quiet, sg_logged, sg_unrouted;
	bool sync;
};

/* Each figure the median of o->runs runs; the kinds interleaved so drift hits all alike. */
static int measure(const struct opts *o, struct sg_bench *b, struct figures *f)
{
	double v[6][RUNS_MAX];
	_cleanup_free_ char *p50 = policy_50();
	long unrouted = o->calls * 10;
	int r;

	if (!p50)
		return -ENOMEM;
	for (int i = 0; i < o->runs; i++) {
		fprintf(stderr, "sysgate-bench: run %d of %d\n", i + 1, o->runs);
		v[0][i] = time_calls(SYS_getpid, unrouted);
		if ((r = raw_allow(unrouted, &v[1][i])) < 0 ||
		    (r = raw_notify(o->calls, &v[2][i], &f->sync)) < 0)
			return r;
		if ((r = sg_bench_run(b, "version 1\ndefault allow\ngetppid fake 7 quiet\n",
				      "getppid", o->calls, &v[3][i])) < 0 ||
		    (r = sg_bench_run(b, "version 1\ndefault allow\ngetppid fake 7\n", "getppid",
				      o->calls / 10, &v[4][i])) < 0 ||
		    (r = sg_bench_run(b, p50, "getpid", unrouted, &v[5][i])) < 0)
			return r;
	}
	f->bare = median(v[0], o->runs);
	f->allow = median(v[1], o->runs);
	f->raw_notify = median(v[2], o->runs);
	f->sg_quiet = median(v[3], o->runs);
	f->sg_logged = median(v[4], o->runs);
	f->sg_unrouted = median(v[5], o->runs);
	return 0;
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

static void report(FILE *out, const struct opts *o, const struct figures *f)
{
	struct utsname u;
	char cpu[256];

	uname(&u);
	cpu_model(cpu, sizeof(cpu));
	fprintf(out, "# sysgate-bench\n\nkernel %s, %ld cpus, %s; median of %d runs; %ld routed "
		     "calls per run (recorded: %ld), %ld unrouted\n\n",
		u.release, sysconf(_SC_NPROCESSORS_ONLN), cpu, o->runs, o->calls, o->calls / 10,
		o->calls * 10);
	fprintf(out, "| path | ns per call | ratio |\n|---|---:|---|\n");
	fprintf(out, "| bare getpid | %.0f | |\n", f->bare);
	fprintf(out, "| getpid, plain ALLOW filter | %.0f | %.2f x bare |\n", f->allow, f->allow / f->bare);
	fprintf(out, "| getppid, raw USER_NOTIF round trip (SYNC_WAKE_UP %s) | %.0f | %.1f x bare getpid |\n",
		f->sync ? "on" : "refused by this kernel", f->raw_notify, f->raw_notify / f->bare);
	fprintf(out, "| getppid, sysgate notify, `fake 7 quiet` | %.0f | **%.2f x raw notify** (target <= 1.25) |\n",
		f->sg_quiet, f->sg_quiet / f->raw_notify);
	fprintf(out, "| getppid, sysgate notify, `fake 7` (recorded) | %.0f | %.2f x raw notify |\n",
		f->sg_logged, f->sg_logged / f->raw_notify);
	fprintf(out, "| getpid unrouted under sysgate, %zu-rule policy | %.0f | **%.2f x plain ALLOW** (target <= 1.05) |\n",
		sizeof(refused) / sizeof(refused[0]) + 1, f->sg_unrouted, f->sg_unrouted / f->allow);
	fprintf(out, "| raw ptrace TRACE loop; sysgate trace | not measured yet | the trace mechanism is issue 4 |\n");
	fprintf(out, "| raw TRAP + socket; sysgate trap | not measured yet | the trap mechanism is issue 4 |\n");
}

int main(int argc, char **argv)
{
	struct opts o = { .runs = 5, .calls = 20000 };
	struct sg_bench b = { 0 };
	struct figures f = { 0 };
	int r;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	b.build = o.build;
	r = sg_bench_start(&b);
	if (r < 0)
		fprintf(stderr, "sysgate-bench: cannot start %s/daemon/sysgated: %s\n", o.build,
			strerror(-r));
	else {
		r = measure(&o, &b, &f);
		if (r < 0)
			fprintf(stderr, "sysgate-bench: a measurement failed: %s\n", strerror(-r));
	}
	sg_bench_stop(&b);
	if (r < 0)
		return EXIT_FAILURE;
	report(stdout, &o, &f);
	if (o.out) {
		FILE *out = fopen(o.out, "we");

		if (!out) {
			fprintf(stderr, "sysgate-bench: cannot write '%s': %s\n", o.out, strerror(errno));
			return EXIT_FAILURE;
		}
		report(out, &o, &f);
		if (fclose(out) != 0)
			return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
