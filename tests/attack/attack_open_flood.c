/* SPDX-License-Identifier: MIT */
/*
 * attack_open_flood FIFO N: N threads open FIFO for reading at once under
 * `emulate open`.  With no writer the first keeps the session's helper busy
 * and the others queue behind it: a bounded queue answers the ones beyond its
 * bound EAGAIN instead of growing.  Prints "ok=A eagain=E other=O" once every
 * open has returned (a writer must come for the queued ones); exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *fifo;
static atomic_int ok, eagain, other;

static void *opener(void *arg)
{
	int fd = open(fifo, O_RDONLY | O_CLOEXEC);

	(void)arg;
	if (fd >= 0) {
		atomic_fetch_add(&ok, 1);
		close(fd);
	} else if (errno == EAGAIN) {
		atomic_fetch_add(&eagain, 1);
	} else {
		atomic_fetch_add(&other, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[512];
	long n;

	if (argc != 3)
		return 2;
	fifo = argv[1];
	n = strtol(argv[2], NULL, 10);
	if (n < 1 || n > 512)
		return 2;
	for (long i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, opener, NULL) != 0)
			return 2;
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("ok=%d eagain=%d other=%d\n", atomic_load(&ok), atomic_load(&eagain),
	       atomic_load(&other));
	return 0;
}
