/* SPDX-License-Identifier: MIT */
/*
 * forker N M VALUE [STEP]: fork N children at once; child i makes M raw getppid
 * calls with arg0 = i and checks each returns VALUE + i * STEP.  The parent
 * collects every child's status, prints them, and exits 0 only when all
 * children exited 0.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "target.h"

static int child_run(long index, long calls, long expect)
{
	long wrong = 0;

	for (long j = 0; j < calls; j++) {
		long r = syscall(SYS_getppid, index);

		if (r != expect && wrong++ == 0)
			printf("child %ld: call %ld got %ld (errno %d), expected %ld\n", index, j, r,
			       errno, expect);
	}
	fflush(stdout);
	return wrong == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	long n, m, value, step = 0, failed = 0;
	int go[2];
	pid_t *pids;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: forker N M VALUE [STEP]\n");
		return 2;
	}
	n = target_parse_long("forker", "N", argv[1]);
	m = target_parse_long("forker", "M", argv[2]);
	value = target_parse_long("forker", "VALUE", argv[3]);
	if (argc == 5)
		step = target_parse_long("forker", "STEP", argv[4]);
	if (n < 1 || n > 256 || m < 0) {
		fprintf(stderr, "forker: N must be 1..256 and M >= 0\n");
		return 2;
	}
	pids = calloc((size_t)n, sizeof(*pids));
	/* The children wait on this pipe so they all start calling together. */
	if (!pids || pipe(go) < 0) {
		perror("forker: setup");
		return 2;
	}
	fflush(stdout);
	for (long i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("forker: fork");
			return 2;
		}
		if (pids[i] == 0) {
			char c;

			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				_exit(2);
			_exit(child_run(i, m, value + i * step));
		}
	}
	close(go[0]);
	close(go[1]); /* EOF: go */
	for (long i = 0; i < n; i++) {
		int st;

		if (waitpid(pids[i], &st, 0) < 0) {
			perror("forker: waitpid");
			return 2;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			continue;
		failed++;
		if (WIFEXITED(st))
			printf("child %ld exited %d\n", i, WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			printf("child %ld killed by signal %d\n", i, WTERMSIG(st));
	}
	printf("forker: %ld children x %ld calls, %ld failed\n", n, m, failed);
	free(pids);
	return failed == 0 ? 0 : 1;
}
