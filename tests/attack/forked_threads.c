/* SPDX-License-Identifier: MIT */
/*
 * forked_threads DIR CHILDREN: threads of a new process racing their first
 * routed calls (DESIGN.md invariant 1).  CHILDREN times, a child is forked whose
 * six threads, released together, each make 20 calls of one kind:
 *   mknodat(DIR/fN.T.I, FIFO)   the policy denies it EACCES
 *   getppid                     the policy fakes 7
 *   getpriority(PRIO_PROCESS, 0)  the policy allows it (routed: `allow log`)
 * A call answered with another call's verdict is crossed; an allow that reached
 * a denied mknodat makes its FIFO.  Prints "children=N crossed=X made=M
 * unanswered=U" (made: the FIFOs in DIR; unanswered: ENOSYS, no verdict); exits 0
 * when it ran to the end, 2 on bad usage.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "attack.h"

#define THREADS 6
#define CALLS 20

struct counts {
	atomic_long crossed, unanswered;
};

static struct counts *counts; /* shared with the children */
static atomic_bool go;
static const char *dir;
static long prio; /* getpriority's raw answer, as the kernel gives it */

/* One call of kind k; whether it got its own verdict (else counted). */
static void call(long k, int i)
{
	char path[4096];
	long r, want;

	if (k == 0) {
		snprintf(path, sizeof(path), "%s/f%d.%d", dir, (int)gettid(), i);
		r = syscall(SYS_mknodat, AT_FDCWD, path, S_IFIFO | 0600, 0);
		want = -EACCES;
	} else if (k == 1) {
		r = syscall(SYS_getppid);
		want = 7;
	} else {
		r = syscall(SYS_getpriority, PRIO_PROCESS, 0);
		want = prio;
	}
	if (r < 0)
		r = -errno;
	if (r == -ENOSYS)
		atomic_fetch_add(&counts->unanswered, 1);
	else if (r != want)
		atomic_fetch_add(&counts->crossed, 1);
}

static void *caller(void *arg)
{
	long k = (long)arg;

	while (!atomic_load(&go))
		;
	for (int i = 0; i < CALLS; i++)
		call(k, i);
	return NULL;
}

static void __attribute__((noreturn)) child(void)
{
	pthread_t t[THREADS];

	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, caller, (void *)(i % 3)) != 0)
			_exit(3);
	atomic_store(&go, true);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

static long count_made(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	long n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	long children;

	if (argc != 3 || (children = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: forked_threads DIR CHILDREN\n");
		return 2;
	}
	dir = argv[1];
	counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (counts == MAP_FAILED)
		return 3;
	prio = syscall(SYS_getpriority, PRIO_PROCESS, 0);
	for (long n = 0; n < children; n++) {
		pid_t pid = fork();

		if (pid < 0)
			return 3;
		if (pid == 0)
			child();
		if (waitpid(pid, NULL, 0) != pid)
			return 3;
	}
	printf("children=%ld crossed=%ld made=%ld unanswered=%ld\n", children,
	       atomic_load(&counts->crossed), count_made(), atomic_load(&counts->unanswered));
	return 0;
}
