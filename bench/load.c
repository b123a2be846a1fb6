/* SPDX-License-Identifier: MIT */
/*
 * Load on one daemon: k concurrent targets hammering a routed call (throughput
 * and per-call latency), and k waiting sessions (the daemon's memory).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void kill_all(struct sg_proc *p, int k)
{
	for (int i = 0; i < k; i++)
		if (p[i].pid > 0)
			sg_kill(&p[i]);
}

/* One run: k targets, m calls each, all starting at one instant. */
static int load_once(struct sg_bench *b, int k, long m, struct load_fig *f)
{
	struct sg_proc *p = calloc((size_t)k, sizeof(*p));
	char count[32], start[32], out[256];
	const char *args[] = { "getppid", count, start, NULL };
	long long t_start = 0, t_end = 0, t0;
	struct timespec now;
	double p50_sum = 0;
	int r = 0, started = 0;

	if (!p)
		return -ENOMEM;
	for (int i = 0; i < k; i++)
		p[i].out = p[i].in = -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* room for every sysgate-run to start and register before the common start */
	t0 = (long long)now.tv_sec * 1000000000 + now.tv_nsec + (300LL + 25LL * k) * 1000000;
	snprintf(count, sizeof(count), "%ld", m);
	snprintf(start, sizeof(start), "%lld", t0);
	*f = (struct load_fig){ .targets = k };
	for (; started < k && r == 0; started++)
		r = sg_spawn(b, "quiet", false, &p[started], args);
	for (int i = 0; i < started && r == 0; i++) {
		double mean, p50, p99;
		long long s, e;
		long v;

		r = sg_collect(&p[i], out, sizeof(out), mono_ms() + 120000);
		if (r < 0)
			break;
		if (sscanf(out, "%lf %lf %lf %lld %lld %ld", &mean, &p50, &p99, &s, &e, &v) != 6) {
			r = -EBADMSG;
			break;
		}
		if (v != 7) {
			fprintf(stderr, "sysgate-bench: routed getppid returned %ld, not 7\n", v);
			r = -EPROTO;
			break;
		}
		if (s > t0 + 50000000)
			fprintf(stderr, "sysgate-bench: a target started %lld ms late\n",
				(s - t0) / 1000000);
		if (i == 0 || s < t_start)
			t_start = s;
		if (e > t_end)
			t_end = e;
		f->worst_p50_us = p50 / 1e3 > f->worst_p50_us ? p50 / 1e3 : f->worst_p50_us;
		f->worst_p99_us = p99 / 1e3 > f->worst_p99_us ? p99 / 1e3 : f->worst_p99_us;
		p50_sum += p50 / 1e3;
	}
	kill_all(p, started);
	free(p);
	if (r < 0)
		return r;
	f->calls_per_s = (double)k * (double)m / ((double)(t_end - t_start) / 1e9);
	f->mean_p50_us = p50_sum / k;
	return 0;
}

/* k concurrent targets of m routed calls each; median over runs of each figure. */
int load_run(struct sg_bench *b, int k, long m, int runs, struct load_fig *f)
{
	double v[4][99];
	struct load_fig one;
	int r;

	if (runs > 99)
		runs = 99;
	for (int i = 0; i < runs; i++) {
		r = load_once(b, k, m, &one);
		if (r < 0)
			return r;
		v[0][i] = one.calls_per_s, v[1][i] = one.worst_p50_us;
		v[2][i] = one.worst_p99_us, v[3][i] = one.mean_p50_us;
	}
	*f = (struct load_fig){ .targets = k, .calls_per_s = median_of(v[0], runs),
				.worst_p50_us = median_of(v[1], runs),
				.worst_p99_us = median_of(v[2], runs),
				.mean_p50_us = median_of(v[3], runs) };
	return 0;
}

/* Daemon RSS with k waiting sessions (k = 0: idle). */
int mem_run(struct sg_bench *b, int k, struct mem_fig *f)
{
	struct sg_proc *p = calloc((size_t)(k ? k : 1), sizeof(*p));
	const char *args[] = { "wait", NULL };
	long long t0 = mono_ms(), deadline = t0 + 60000 + 100LL * k;
	char line[64];
	int r = 0, started = 0;

	if (!p)
		return -ENOMEM;
	*f = (struct mem_fig){ .sessions = k, .rss_kib = -ENODATA };
	for (int i = 0; i < k; i++)
		p[i].out = p[i].in = -1;
	for (; started < k && r == 0; started++)
		r = sg_spawn(b, "quiet", true, &p[started], args);
	/* "ready 7": the session is running and its first routed call was decided */
	for (int i = 0; i < started && r == 0; i++) {
		r = sg_read_line(&p[i], line, sizeof(line), deadline);
		if (r == 0 && strcmp(line, "ready 7\n") != 0) {
			fprintf(stderr, "sysgate-bench: waiting target said '%s'\n", line);
			r = -EPROTO;
		}
	}
	if (r == 0) {
		f->ms = mono_ms() - t0;
		usleep(200 * 1000); /* let the daemon settle */
		f->rss_kib = rss_kib(b->daemon);
	}
	for (int i = 0; i < started; i++) { /* end of file: the targets exit */
		close(p[i].in);
		p[i].in = -1;
	}
	for (int i = 0; i < started && r == 0; i++)
		r = sg_collect(&p[i], line, sizeof(line), mono_ms() + 30000);
	kill_all(p, started);
	free(p);
	if (r == 0 && f->rss_kib < 0)
		r = (int)f->rss_kib;
	return r;
}
