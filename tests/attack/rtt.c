/* SPDX-License-Identifier: MIT */
/*
 * rtt SECONDS INTERVAL_US VALUE: the latency another session sees.  Every
 * INTERVAL_US for SECONDS, one getppid (which the policy routes and fakes VALUE),
 * timed from before the call to after it.  Prints "calls=N wrong=W p50=A p99=B
 * max=C" (microseconds; wrong: answers other than VALUE); exits 0 when it ran to
 * the end, 2 on bad usage.
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

#include "attack.h"

#define MAX_SAMPLES 200000

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static int by_value(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static long us[MAX_SAMPLES];
	long seconds, interval, value, end, wrong = 0;
	size_t n = 0;

	if (argc != 4 || (seconds = atol(argv[1])) <= 0 || (interval = atol(argv[2])) < 0) {
		fprintf(stderr, "usage: rtt SECONDS INTERVAL_US VALUE\n");
		return 2;
	}
	value = atol(argv[3]);
	end = now_us() + seconds * 1000000L;
	while (n < MAX_SAMPLES && now_us() < end) {
		long t = now_us(), r = syscall(SYS_getppid);

		us[n++] = now_us() - t;
		wrong += r != value;
		if (interval)
			usleep((useconds_t)interval);
	}
	if (n == 0)
		return 3;
	qsort(us, n, sizeof(us[0]), by_value);
	printf("calls=%zu wrong=%ld p50=%ld p99=%ld max=%ld\n", n, wrong, us[n / 2],
	       us[n * 99 / 100], us[n - 1]);
	return 0;
}
