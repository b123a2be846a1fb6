/* SPDX-License-Identifier: MIT */
/*
 * threads N M VALUE [STEP]: N threads, started together, each make M raw
 * getppid calls with arg0 = the thread's index i and check that every call
 * returns VALUE + i * STEP (the value a policy fakes for that index).  Prints
 * what it saw; exits 0 only when every call returned its thread's value.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "target.h"

struct worker {
	pthread_t thread;
	long index, calls, expect;
	long wrong, first_wrong_call, first_wrong_value;
	int first_wrong_errno;
};

static pthread_barrier_t start_barrier;

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(&start_barrier);
	for (long j = 0; j < w->calls; j++) {
		long r;

		errno = 0;
		r = syscall(SYS_getppid, w->index);
		if (r != w->expect) {
			if (w->wrong++ == 0) {
				w->first_wrong_call = j;
				w->first_wrong_value = r;
				w->first_wrong_errno = errno;
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n, m, value, step = 0, wrong = 0;
	struct worker *w;
	int r;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: threads N M VALUE [STEP]\n");
		return 2;
	}
	n = target_parse_long("threads", "N", argv[1]);
	m = target_parse_long("threads", "M", argv[2]);
	value = target_parse_long("threads", "VALUE", argv[3]);
	if (argc == 5)
		step = target_parse_long("threads", "STEP", argv[4]);
	if (n < 1 || n > 256 || m < 0) {
		fprintf(stderr, "threads: N must be 1..256 and M >= 0\n");
		return 2;
	}
	w = calloc((size_t)n, sizeof(*w));
	if (!w || pthread_barrier_init(&start_barrier, NULL, (unsigned)n) != 0) {
		perror("threads: setup");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		w[i].index = i;
		w[i].calls = m;
		w[i].expect = value + i * step;
		r = pthread_create(&w[i].thread, NULL, worker_run, &w[i]);
		if (r != 0) {
			fprintf(stderr, "threads: pthread_create: %s\n", strerror(r));
			return 2;
		}
	}
	for (long i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].wrong) {
			char buf[16];

			printf("thread %ld: %ld of %ld calls wrong; first at call %ld: got %ld "
			       "(errno %s), expected %ld\n",
			       i, w[i].wrong, m, w[i].first_wrong_call, w[i].first_wrong_value,
			       target_errno_name(w[i].first_wrong_errno, buf, sizeof(buf)),
			       w[i].expect);
		}
		wrong += w[i].wrong;
	}
	printf("threads: %ld x %ld calls, %ld wrong\n", n, m, wrong);
	free(w);
	return wrong == 0 ? 0 : 1;
}
