/* SPDX-License-Identifier: MIT */
/*
 * bench-target: the supervised program of sysgate-bench.
 *   bench-target CALL N            N raw calls; prints "MEAN_NS LAST_RESULT"
 *   bench-target CALL N START_NS   waits until CLOCK_MONOTONIC START_NS, times each
 *                                  call; prints "MEAN_NS P50_NS P99_NS START_NS END_NS LAST"
 *   bench-target wait              one getppid, prints "ready RESULT", then waits for
 *                                  end of file on standard input
 * CALL is getppid or getpid.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int wait_eof(void)
{
	char buf[64];
	long v = syscall(SYS_getppid);

	printf("ready %ld\n", v);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static int latencies(long nr, long n, int64_t start)
{
	int64_t *lat = malloc((size_t)n * sizeof(*lat)), t0, t1, prev;
	struct timespec ts = { .tv_sec = start / 1000000000, .tv_nsec = start % 1000000000 };
	long v = 0;

	if (!lat) {
		fprintf(stderr, "bench-target: out of memory\n");
		return 1;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	t0 = prev = now_ns();
	for (long i = 0; i < n; i++) {
		int64_t t;

		v = syscall(nr);
		t = now_ns();
		lat[i] = t - prev;
		prev = t;
	}
	t1 = prev;
	qsort(lat, (size_t)n, sizeof(*lat), cmp_i64);
	printf("%.1f %lld %lld %lld %lld %ld\n", (double)(t1 - t0) / (double)n,
	       (long long)lat[n / 2], (long long)lat[n - 1 - n / 100], (long long)t0,
	       (long long)t1, v);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	int64_t a, b;
	long nr, n, v = 0;
	char *end;

	if (argc == 2 && strcmp(argv[1], "wait") == 0)
		return wait_eof();
	if (argc < 3 || argc > 4 ||
	    (strcmp(argv[1], "getppid") != 0 && strcmp(argv[1], "getpid") != 0)) {
		fprintf(stderr, "usage: bench-target getppid|getpid N [START_NS] | wait\n");
		return 2;
	}
	n = strtol(argv[2], &end, 10);
	if (*end || n <= 0) {
		fprintf(stderr, "bench-target: bad count '%s'\n", argv[2]);
		return 2;
	}
	nr = strcmp(argv[1], "getppid") == 0 ? SYS_getppid : SYS_getpid;
	if (argc == 4)
		return latencies(nr, n, strtoll(argv[3], NULL, 10));
	syscall(nr); /* warm up */
	a = now_ns();
	for (long i = 0; i < n; i++)
		v = syscall(nr);
	b = now_ns();
	printf("%.1f %ld\n", (double)(b - a) / (double)n, v);
	return 0;
}
