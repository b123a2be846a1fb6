/* SPDX-License-Identifier: MIT */
/*
 * swap_xattr FILE N: setxattr(FILE, name) N times while a second thread keeps
 * swapping the name between "trusted.sg" (which a policy fakes) and "user.sg"
 * (which it must never let the kernel set).  Prints "ok=A failed=F set=S";
 * exits 0 only when user.sg never got set and both outcomes happened.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/xattr.h>

#include "target.h"

static char name[32] = "trusted.sg";
static atomic_bool stop;

static void *swapper(void *arg)
{
	unsigned i = 0;

	(void)arg;
	while (!atomic_load(&stop))
		strcpy(name, i++ & 1 ? "user.sg" : "trusted.sg");
	return NULL;
}

int main(int argc, char **argv)
{
	long n, ok = 0, failed = 0;
	char v[8];
	bool set;
	pthread_t t;

	if (argc != 3) {
		fprintf(stderr, "usage: swap_xattr FILE N\n");
		return 2;
	}
	n = atol(argv[2]);
	if (pthread_create(&t, NULL, swapper, NULL) != 0)
		return 2;
	for (long i = 0; i < n; i++) {
		if (setxattr(argv[1], name, "v", 1, 0) == 0)
			ok++;
		else
			failed++;
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	set = getxattr(argv[1], "user.sg", v, sizeof(v)) >= 0;
	printf("ok=%ld failed=%ld set=%d\n", ok, failed, set);
	fflush(stdout);
	return !set && ok > 0 && failed > 0 ? 0 : 1;
}
