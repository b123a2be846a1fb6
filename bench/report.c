/* SPDX-License-Identifier: MIT */
/*
 * The tables of sysgate-bench: every figure from this run, each target of issue 6
 * beside the figure it is judged on, and what could not be measured said so.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

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
	fprintf(out, "| path (getppid) | ns per call | ratio (median of paired runs) | target |\n"
		     "|---|---:|---|---|\n");
	fprintf(out, "| bare syscall | %.0f | | |\n", f->bare);
	fprintf(out, "| plain ALLOW filter (arch check, ALLOW) | %.0f | %.2f x bare | |\n",
		f->allow, f->r_allow);
	fprintf(out, "| ALLOW filter of 50 linear rules not matching getppid | %.0f | %.2f x plain ALLOW | |\n",
		f->allow50, f->r_allow50);
	fprintf(out, "| raw USER_NOTIF round trip, %s | %.0f | %.1f x bare | |\n",
		f->sync ? "SYNC_WAKE_UP on" :
			  "**SYNC_WAKE_UP refused by this kernel: plain wake-up**",
		f->raw_notify, f->raw_notify / f->bare);
	if (f->no_trace)
		fprintf(out, "| raw ptrace TRACE loop; raw TRAP + socket | not measured: the bench's raw code is x86_64 only | | |\n");
	else {
		fprintf(out, "| raw ptrace TRACE loop (tracer skips the call, sets 7) | %.0f | %.1f x bare | |\n",
			f->trace, f->trace / f->bare);
		fprintf(out, "| raw TRAP + socket round trip (SIGSYS handler asks a peer) | %.0f | %.1f x bare | |\n",
			f->trap, f->trap / f->bare);
	}
	fprintf(out, "| sysgate notify, `fake 7 quiet` (routed, not recorded) | %.0f | %.2f x raw notify | <= 1.25: %s |\n",
		f->sg_quiet, f->r_quiet, met(f->r_quiet <= 1.25));
	fprintf(out, "| sysgate notify, `fake 7` (routed and recorded in the audit log) | %.0f | %.2f x raw notify | |\n",
		f->sg_logged, f->r_logged);
	fprintf(out, "| sysgate notify, `sysgate-run --learn` (every call routed, counted, allowed) | %.0f | %.2f x raw notify | |\n",
		f->sg_learn, f->r_learn);
	if (f->no_trace)
		fprintf(out, "| sysgate trace | not measured: the bench's raw ptrace loop is x86_64 only | | <= 1.25 x raw ptrace: not measured |\n");
	else
		fprintf(out, "| sysgate trace, `fake 7 quiet` (routed, not recorded) | %.0f | %.2f x raw ptrace | <= 1.25: %s |\n",
			f->sg_trace, f->r_trace, met(f->r_trace <= 1.25));
	if (f->no_trace)
		fprintf(out, "| sysgate trap | not measured: x86_64 only | | <= 1.25 x raw TRAP: not measured |\n");
	else
		fprintf(out, "| sysgate trap, `fake 7 quiet` (SIGSYS in the process, asks sysgated) | %.0f | %.2f x raw TRAP | <= 1.25: %s |\n",
			f->sg_trap, f->r_trap, met(f->r_trap <= 1.25));
	fprintf(out, "| unrouted under sysgate, %d-rule policy | %.0f | %.2f x plain ALLOW (%.2f x the 50 linear rules) | <= 1.05 x plain ALLOW: %s |\n",
		f->rules, f->sg_unrouted, f->r_unrouted, f->r_unrouted50, met(f->r_unrouted <= 1.05));
}

static void report_load(FILE *out, const struct opts *o, const struct figures *f)
{
	int late = 0;

	fprintf(out, "\nThroughput: K concurrent sysgate-run targets, each making a fixed count of "
		     "routed `getppid fake 7 quiet` calls from one common start, timing each call "
		     "(clock_gettime) and writing its latencies to a file; calls/s = all calls / "
		     "(last end - first start); percentiles over all calls of all targets; each "
		     "figure the median of %d runs.\n\n", o->runs);
	fprintf(out, "| targets | calls each | decided notifications/s | p50 us | p90 us | p99 us | p99.9 us | max us | target |\n"
		     "|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (int i = 0; i < 3; i++) {
		const struct load_fig *l = &f->load[i];
		char goal[96] = "";

		if (l->targets == 1)
			snprintf(goal, sizeof(goal), "p99 <= 25 us: %s", met(l->p99_us <= 25));
		else if (l->targets == 64)
			snprintf(goal, sizeof(goal), ">= 150k/s: %s; p99 <= 500 us: %s",
				 met(l->calls_per_s >= 150000), met(l->p99_us <= 500));
		fprintf(out, "| %d | %ld | %.0f | %.1f | %.1f | %.1f | %.1f | %.0f | %s |\n",
			l->targets, l->calls, l->calls_per_s, l->p50_us, l->p90_us, l->p99_us,
			l->p999_us, l->max_us, goal);
		late += l->late;
	}
	if (late)
		fprintf(out, "\n%d target runs started more than 50 ms after the common start "
			     "(their calls still count; calls/s runs from the first start).\n", late);
}

static void report_mem(FILE *out, const struct figures *f)
{
	long idle = f->mem[0].rss_kib, prev_rss = 0;
	int prev_k = 0;

	fprintf(out, "\nMemory: sysgated VmRSS (/proc/PID/status) with K concurrent sessions, each a "
		     "waiting bench-target whose first routed call was answered; after the load runs "
		     "above. Largest K allowed: %d (%s).\n\n", f->max_sessions, f->limit_why);
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
	if (f->mem_failed)
		fprintf(out, "| %d | **failed: %s** | | | | |\n", f->mem_failed, strerror(f->mem_err));
	if (f->nmem >= 4) {
		const struct mem_fig *a = &f->mem[f->nmem - 2], *z = &f->mem[f->nmem - 1];
		double slope = (double)(z->rss_kib - a->rss_kib) / (z->sessions - a->sessions);

		fprintf(out, "\nPer-session increment (slope %d -> %d sessions): %.1f KiB; <= 4 KiB: %s.\n",
			a->sessions, z->sessions, slope, met(slope <= 4));
	}
	if (f->nmem < 5 || f->mem[f->nmem - 1].sessions < 1000)
		fprintf(out, "\n1000 sessions: not measured in this run (%s).\n",
			f->mem_failed ? "it failed" : f->max_sessions < 1000 ? "the limits above" :
			"--quick");
}

static void report_tar(FILE *out, const struct opts *o, const struct figures *f)
{
	fprintf(out, "\n## Workload: tar -xf with device nodes inside `unshare -Ur` (bench/peers-tar.sh)\n\n");
	if (!f->tar_md)
		fprintf(out, "Not measured in this run (%s).\n", o->tar_runs ? "no output" : "--no-tar");
	else
		fputs(f->tar_md, out);
}

/* Print every table, with the machine and the options. */
void report(FILE *out, const struct opts *o, const struct figures *f)
{
	struct utsname u;
	char cpu[256], date[64];
	time_t t = time(NULL);

	uname(&u);
	cpu_model(cpu, sizeof(cpu));
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&t));
	fprintf(out, "# sysgate-bench\n\nRun: `%s`.\n\n", o->args);
	fprintf(out, "Machine: %ld cpus (nproc), CPU model '%s'; kernel (uname -r) %s; %s; "
		     "load average before the run %s.\n\n"
		     "Median of %d runs (of %d processes for the bare call, the ALLOW filters and the "
		     "unrouted call); %ld routed calls per run (recorded: %ld), %ld unrouted.%s\n\n",
		sysconf(_SC_NPROCESSORS_ONLN), cpu, u.release, date, f->loadavg, o->runs,
		f->cheap_samples, o->calls, o->calls / 10, o->calls * 10,
		o->quick ? " **--quick run.**" : "");
	fprintf(out, "## Round trip per call\n\n");
	report_paths(out, f);
	fprintf(out, "\n## Load\n");
	report_load(out, o, f);
	report_mem(out, f);
	report_tar(out, o, f);
	fprintf(out, "\n## Notes\n\nEvery figure is measured in this run, nothing is copied from "
		     "elsewhere. The limits are the bench's own code talking to the kernel (the "
		     "method of ../shared/bench-ref/limits.c). The bare call, the ALLOW filters (raw "
		     "BPF loaded by bench-target itself) and the unrouted call are timed in freshly "
		     "executed copies of one program, bench-target, so that only the filter differs. "
		     "In the raw round trips a dedicated process poll()s then RECV/SENDs (or "
		     "read/writes); each fakes getppid = 7, and every faked result is checked. "
		     "Latency is what each target sees per call, so with more targets than cpus it "
		     "includes the target's own waits for a cpu, not only the daemon's queue. "
		     "sysgate trace and trap are each run right after the raw loop they are compared "
		     "with; on this kind of machine those two raw loops move by 2x from run to run, "
		     "so their ratios do too.\n");
}
