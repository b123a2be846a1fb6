/* SPDX-License-Identifier: MIT */
/*
 * Load on one daemon: k concurrent targets hammering a routed call (throughput
 * and per-call latency), and k waiting sessions (the daemon's memory).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static void kill_all(struct sg_proc *p, int k)
{
	for (int i = 0; i < k; i++)
		if (p[i].pid > 0)
			sg_kill(&p[i]);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Append the m latencies target i wrote to lat + i * m; the file is removed. */
static int read_latencies(struct sg_bench *b, int i, long m, int64_t *lat)
{
	char path[128];
	size_t want = (size_t)m * sizeof(*lat), got = 0;
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/lat.%d", b->dir, i);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < want) {
		ssize_t k = read(fd, (char *)(lat + (size_t)i * (size_t)m) + got, want - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : -EBADMSG;
			break;
		}
		got += (size_t)k;
	}
	close(fd);
	unlink(path);
	return r;
}

static void unlink_latencies(struct sg_bench *b, int k)
{
	char path[128];

	for (int i = 0; i < k; i++) {
		snprintf(path, sizeof(path), "%s/lat.%d", b->dir, i);
		unlink(path);
	}
}

/* Percentiles of all k * m calls, in us. */
static void distribution(int64_t *lat, size_t n, struct load_fig *f)
{
	qsort(lat, n, sizeof(*lat), cmp_i64);
	f->p50_us = (double)lat[n / 2] / 1e3;
	f->p90_us = (double)lat[n - 1 - n / 10] / 1e3;
	f->p99_us = (double)lat[n - 1 - n / 100] / 1e3;
	f->p999_us = (double)lat[n - 1 - n / 1000] / 1e3;
	f->max_us = (double)lat[n - 1] / 1e3;
}

/* Reap target i, check its summary and its latencies; widen [*t_start, *t_end]. */
static int collect_one(struct sg_bench *b, struct sg_proc *p, int i, long m, long long t0,
		       int64_t *lat, long long *t_start, long long *t_end, int *late)
{
	char out[256];
	long long s, e;
	double mean;
	long v;
	int r = sg_collect(p, out, sizeof(out), mono_ms() + 120000 + m / 10);

	if (r < 0)
		return r;
	if (sscanf(out, "%lf %lld %lld %ld", &mean, &s, &e, &v) != 4)
		return -EBADMSG;
	if (v != 7) {
		fprintf(stderr, "sysgate-bench: routed getppid returned %ld, not 7\n", v);
		return -EPROTO;
	}
	if (s > t0 + 50000000)
		(*late)++;
	if (i == 0 || s < *t_start)
		*t_start = s;
	if (e > *t_end)
		*t_end = e;
	return read_latencies(b, i, m, lat);
}

/* One run: k targets, m calls each, all starting at one instant. */
static int load_once(struct sg_bench *b, int k, long m, struct load_fig *f)
{
	struct sg_proc *p = calloc((size_t)k, sizeof(*p));
	int64_t *lat = malloc((size_t)k * (size_t)m * sizeof(*lat));
	char count[32], start[32], file[128];
	const char *args[] = { "getppid", count, start, file, NULL };
	long long t_start = 0, t_end = 0, t0;
	int r = 0, started = 0;

	if (!p || !lat) {
		free(p), free(lat);
		return -ENOMEM;
	}
	for (int i = 0; i < k; i++)
		p[i].out = p[i].in = -1;
	/* room for every sysgate-run to start and register before the common start */
	t0 = mono_ms() * 1000000 + (300LL + 25LL * k) * 1000000;
	snprintf(count, sizeof(count), "%ld", m);
	snprintf(start, sizeof(start), "%lld", t0);
	*f = (struct load_fig){ .targets = k, .calls = m };
	for (; started < k && r == 0; started++) {
		snprintf(file, sizeof(file), "%s/lat.%d", b->dir, started);
		r = sg_spawn(b, "quiet", false, &p[started], args);
	}
	for (int i = 0; i < started && r == 0; i++)
		r = collect_one(b, &p[i], i, m, t0, lat, &t_start, &t_end, &f->late);
	kill_all(p, started);
	unlink_latencies(b, started);
	free(p);
	if (r == 0) {
		f->calls_per_s = (double)k * (double)m / ((double)(t_end - t_start) / 1e9);
		distribution(lat, (size_t)k * (size_t)m, f);
	}
	free(lat);
	return r;
}

/* k concurrent targets of m routed calls each; median over runs of each figure. */
int load_run(struct sg_bench *b, int k, long m, int runs, struct load_fig *f)
{
	double v[6][RUNS_MAX];
	struct load_fig one;
	int r, late = 0;

	if (runs > RUNS_MAX)
		runs = RUNS_MAX;
	for (int i = 0; i < runs; i++) {
		r = load_once(b, k, m, &one);
		if (r < 0)
			return r;
		v[0][i] = one.calls_per_s, v[1][i] = one.p50_us, v[2][i] = one.p90_us;
		v[3][i] = one.p99_us, v[4][i] = one.p999_us, v[5][i] = one.max_us;
		late += one.late;
	}
	*f = (struct load_fig){ .targets = k, .calls = m, .late = late,
				.calls_per_s = median(v[0], runs), .p50_us = median(v[1], runs),
				.p90_us = median(v[2], runs), .p99_us = median(v[3], runs),
				.p999_us = median(v[4], runs), .max_us = median(v[5], runs) };
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
