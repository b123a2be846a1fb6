/* SPDX-License-Identifier: MIT */
/*
 * kill_self SIG: die by signal SIG (default disposition, unblocked), for
 * exit-status propagation.  Says so and exits 1 if it survives.
 */
#include <signal.h>
#include <unistd.h>

#include "target.h"

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t set;
	int sig;

	if (argc != 2) {
		fprintf(stderr, "usage: kill_self SIG\n");
		return 2;
	}
	sig = (int)target_parse_long("kill_self", "SIG", argv[1]);
	sigemptyset(&set);
	sigaddset(&set, sig);
	/* SIGKILL and SIGSTOP have no disposition to reset */
	if ((sig != SIGKILL && sig != SIGSTOP && sigaction(sig, &sa, NULL) < 0) ||
	    sigprocmask(SIG_UNBLOCK, &set, NULL) < 0) {
		perror("kill_self: setup");
		return 2;
	}
	raise(sig);
	printf("kill_self: survived signal %d\n", sig);
	return 1;
}
