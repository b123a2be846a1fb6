/* SPDX-License-Identifier: MIT */
/*
 * flood SECONDS THREADS VALUE: one session's flood of routed calls.  THREADS
 * threads (made first, then released together) call getppid, which the policy
 * routes and fakes VALUE, as fast as they can for SECONDS.  Prints "threads=T
 * calls=N wrong=W" (T: the threads that could be made); exits 0 when it ran to the
 * end, 2 on bad usage.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

#include "attack.h"

static long value;
static atomic_bool go, stop;
static atomic_long calls, wrong;

static void *flooder(void *arg)
{
	long n = 0, w = 0;

	(void)arg;
	while (!atomic_load(&go))
		sched_yield();
	while (!atomic_load(&stop)) {
		w += syscall(SYS_getppid) != value;
		n++;
	}
	atomic_fetch_add(&calls, n);
	atomic_fetch_add(&wrong, w);
	return NULL;
}

int main(int argc, char **argv)
{
	long seconds, want;
	pthread_attr_t attr;
	pthread_t *t;
	long made = 0;

	if (argc != 4 || (seconds = atol(argv[1])) <= 0 || (want = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: flood SECONDS THREADS VALUE\n");
		return 2;
	}
	value = atol(argv[3]);
	t = calloc((size_t)want, sizeof(*t));
	if (!t || pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, 64 * 1024))
		return 3;
	while (made < want && pthread_create(&t[made], &attr, flooder, NULL) == 0)
		made++;
	atomic_store(&go, true);
	sleep((unsigned)seconds);
	atomic_store(&stop, true);
	for (long i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	printf("threads=%ld calls=%ld wrong=%ld\n", made, atomic_load(&calls), atomic_load(&wrong));
	free(t);
	return 0;
}
