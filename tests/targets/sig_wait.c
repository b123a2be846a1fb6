/* SPDX-License-Identifier: MIT */
/*
 * sig_wait READY VALUE: a SIGUSR1 handler is installed, the pid is written to
 * READY (atomically, via rename), then it waits (up to 30 s) for SIGUSR1.  Once
 * the handler has run it calls getppid (raw) and prints "usr1 handled,
 * getppid=N"; exits 0 only when N equals VALUE (a faked value), 3 on timeout.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void write_ready(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		perror("sig_wait: ready file");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	long expect, v;

	if (argc != 3) {
		fprintf(stderr, "usage: sig_wait READY VALUE\n");
		return 2;
	}
	expect = target_parse_long("sig_wait", "VALUE", argv[2]);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sig_wait: sigaction");
		return 2;
	}
	write_ready(argv[1]);
	for (int i = 0; i < 3000 && !got_usr1; i++)
		nanosleep(&ts, NULL);
	if (!got_usr1) {
		printf("no SIGUSR1\n");
		return 3;
	}
	v = syscall(SYS_getppid, 0);
	printf("usr1 handled, getppid=%ld\n", v);
	return v == expect ? 0 : 1;
}
