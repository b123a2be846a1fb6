/* SPDX-License-Identifier: MIT */
/*
 * attack_open_opath FILE DIR: what programs do with O_PATH under `emulate
 * open`: an O_PATH fd of FILE that fstat reads, and an O_PATH fd of DIR from
 * which openat opens FILE's name (FILE must be in DIR).  Not an attack but a
 * breakage the emulator had (EBADF).  Prints what happened; exits 0 when all
 * worked, 1 otherwise, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char copy[4096];
	struct stat a, b;
	int f, d, g;

	if (argc != 3)
		return 2;
	snprintf(copy, sizeof(copy), "%s", argv[1]);
	f = open(argv[1], O_PATH | O_CLOEXEC);
	d = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f < 0 || d < 0) {
		printf("opath=-1 errno=%s\n", strerrorname_np(errno));
		return 1;
	}
	g = openat(d, basename(copy), O_RDONLY | O_CLOEXEC);
	if (fstat(f, &a) < 0 || g < 0 || fstat(g, &b) < 0) {
		printf("use=-1 errno=%s\n", strerrorname_np(errno));
		return 1;
	}
	printf("opath=ok same=%d\n", a.st_ino == b.st_ino);
	return a.st_ino == b.st_ino ? 0 : 1;
}
