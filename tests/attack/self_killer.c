/* SPDX-License-Identifier: MIT */
/*
 * self_killer SECONDS AT_ONCE [FILE]: targets dying mid-decision, over and over.
 * For SECONDS, AT_ONCE children at a time, each a process whose three threads
 * make routed calls without pause (getppid, which the policy fakes 7;
 * getpriority(PRIO_PROCESS, 0), faked 5; with FILE, open it and read it back:
 * an emulated open) and which dies after a random 0-2 ms, by turns:
 *   0  kill(getpid(), SIGKILL)
 *   1  exit_group from a thread while the others are in their calls
 *   2  a call the policy kills (getpriority(PRIO_PROCESS, 999))
 *   3  SIGKILL from the parent
 * Prints "children=N wrong=W" (W: answers other than the policy's, seen before
 * dying); exits 0 when it ran to the end, 2 on bad usage.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "attack.h"

#define THREADS 3

static atomic_long *wrong; /* shared with the children */
static const char *file;
static char want[64];

static void *caller(void *arg)
{
	long kind = (long)arg;
	char got[64];

	for (;;) {
		long r;

		if (kind == 0) {
			r = syscall(SYS_getppid) != 7;
		} else if (kind == 1) {
			r = syscall(SYS_getpriority, PRIO_PROCESS, 0) != 5;
		} else {
			int fd = open(file, O_RDONLY | O_CLOEXEC);

			memset(got, 0, sizeof(got));
			r = fd < 0 || read(fd, got, sizeof(got) - 1) < 0 || strcmp(got, want) != 0;
			if (fd >= 0)
				close(fd);
		}
		if (r)
			atomic_fetch_add(wrong, 1);
	}
	return NULL;
}

static void random_pause(void)
{
	struct timespec ts = { 0, (rand() % 2000) * 1000L };

	nanosleep(&ts, NULL);
}

static void __attribute__((noreturn)) child(int how)
{
	pthread_t t;

	/* one routed call before the threads: under trap it registers this process while
	 * it has one thread (tests/attack/test_forked_threads.c says why) */
	if (syscall(SYS_getppid) != 7)
		atomic_fetch_add(wrong, 1);
	for (long k = 0; k < THREADS; k++)
		if ((k < 2 || file) && pthread_create(&t, NULL, caller, (void *)k) != 0)
			_exit(3);
	random_pause();
	if (how == 0)
		kill(getpid(), SIGKILL);
	else if (how == 1)
		syscall(SYS_exit_group, 0);
	else if (how == 2)
		syscall(SYS_getpriority, PRIO_PROCESS, 999);
	if (how == 3)
		pause(); /* the parent's SIGKILL */
	_exit(4); /* not dead: the parent counts it */
}

static pid_t spawn(int how)
{
	pid_t pid = fork();

	if (pid == 0) {
		srand((unsigned)getpid());
		child(how);
	}
	if (pid > 0 && how == 3) {
		random_pause();
		kill(pid, SIGKILL);
	}
	return pid;
}

static int read_want(void)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t k = fd < 0 ? -1 : read(fd, want, sizeof(want) - 1);

	if (fd >= 0)
		close(fd);
	return k < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	long seconds, at_once, n = 0, alive = 0;
	time_t end;

	if (argc < 3 || argc > 4 || (seconds = atol(argv[1])) <= 0 ||
	    (at_once = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: self_killer SECONDS AT_ONCE [FILE]\n");
		return 2;
	}
	file = argc == 4 ? argv[3] : NULL;
	wrong = mmap(NULL, sizeof(*wrong), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	if (wrong == MAP_FAILED || (file && read_want() < 0))
		return 3;
	fflush(stdout);
	end = time(NULL) + seconds;
	while (time(NULL) < end || alive > 0) {
		while (alive < at_once && time(NULL) < end) {
			if (spawn((int)(n % 4)) < 0)
				return 3;
			n++;
			alive++;
		}
		if (wait(NULL) > 0)
			alive--;
	}
	printf("children=%ld wrong=%ld\n", n, atomic_load(wrong));
	return 0;
}
