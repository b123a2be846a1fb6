/* SPDX-License-Identifier: MIT */
/*
 * dier DELAY_US [THREADS]: THREADS threads (default 4) loop raw getppid calls
 * (routed to the daemon by the test's policy) while the main thread sends
 * SIGKILL to its own process after DELAY_US microseconds, so the process most
 * likely dies with a call pending in the daemon.  It is expected to die; if it
 * survives it says so and exits 1.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

static void *loop_calls(void *arg)
{
	(void)arg;
	for (;;)
		syscall(SYS_getppid, 0);
	return NULL;
}

int main(int argc, char **argv)
{
	long delay, n = 4;
	struct timespec ts;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: dier DELAY_US [THREADS]\n");
		return 2;
	}
	delay = target_parse_long("dier", "DELAY_US", argv[1]);
	if (argc == 3)
		n = target_parse_long("dier", "THREADS", argv[2]);
	if (delay < 0 || n < 1 || n > 64) {
		fprintf(stderr, "dier: bad arguments\n");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, loop_calls, NULL) != 0) {
			fprintf(stderr, "dier: pthread_create failed\n");
			return 2;
		}
	}
	ts.tv_sec = delay / 1000000;
	ts.tv_nsec = (delay % 1000000) * 1000;
	nanosleep(&ts, NULL);
	kill(getpid(), SIGKILL);
	sleep(5);
	printf("dier: survived SIGKILL\n");
	fflush(stdout);
	_exit(1);
}
