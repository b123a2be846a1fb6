/* SPDX-License-Identifier: MIT */
/*
 * swap_open ALLOWED DENIED N: open the path in a shared buffer N times while a
 * second thread keeps swapping the buffer between ALLOWED and DENIED (the
 * pointer-swap attack on a daemon that checks a path and then lets the kernel
 * reread it).  Every open that succeeds is read back: content that is not
 * ALLOWED's is a leak.  Prints "opened=A denied=D leaked=L"; exits 0 only when
 * nothing leaked and both outcomes happened (the swap really raced).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "target.h"

static char buf[4096];
static const char *paths[2];
static atomic_bool stop;

static void *swapper(void *arg)
{
	unsigned i = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		/* Byte by byte too, so the daemon may read a torn mix of both. */
		strcpy(buf, paths[i++ & 1]);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	char want[256] = { 0 }, got[256];
	long n, opened = 0, denied = 0, leaked = 0;
	pthread_t t;
	ssize_t k;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: swap_open ALLOWED DENIED N\n");
		return 2;
	}
	paths[0] = argv[1];
	paths[1] = argv[2];
	n = atol(argv[3]);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || read(fd, want, sizeof(want) - 1) < 0)
		return 2;
	close(fd);
	strcpy(buf, argv[1]);
	if (pthread_create(&t, NULL, swapper, NULL) != 0)
		return 2;
	for (long i = 0; i < n; i++) {
		fd = open(buf, O_RDONLY);
		if (fd < 0) {
			denied++;
			continue;
		}
		opened++;
		memset(got, 0, sizeof(got));
		k = read(fd, got, sizeof(got) - 1);
		if (k < 0 || strcmp(got, want) != 0)
			leaked++;
		close(fd);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("opened=%ld denied=%ld leaked=%ld\n", opened, denied, leaked);
	fflush(stdout);
	return leaked == 0 && opened > 0 && denied > 0 ? 0 : 1;
}
