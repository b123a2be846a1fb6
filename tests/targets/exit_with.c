/* SPDX-License-Identifier: MIT */
/* exit_with N: exit with status N (for exit-status propagation). */
#include "target.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: exit_with N\n");
		return 2;
	}
	return (int)target_parse_long("exit_with", "N", argv[1]);
}
