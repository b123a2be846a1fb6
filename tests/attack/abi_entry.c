/* SPDX-License-Identifier: MIT */
/*
 * abi_entry DIR: make a FIFO in DIR through every other door of a 64-bit x86
 * process, as a target would to get past a native `mknod, mknodat` rule:
 *   i386-mknod     int 0x80, i386 mknod (14)
 *   i386-mknodat   int 0x80, i386 mknodat (297)
 *   x32-mknod      syscall, nr 133 | __X32_SYSCALL_BIT
 *   x32-mknodat    syscall, nr 259 | __X32_SYSCALL_BIT
 *   x32-ni         syscall, an x32-only number (512 | __X32_SYSCALL_BIT)
 *   native-as-i386 int 0x80 with the native mknod number (133: i386 fchdir)
 * Each is tried ROUNDS times (default 20), each in a child of its own, since a
 * bad arch may kill the process; prints "NAME=ok", "NAME=-1 errno=E" or
 * "NAME=killed SIG" once per door (the first outcome, then "NAME=mixed" if a
 * later round differed).  The FIFO of a door is DIR/NAME.  Exits 0 when it ran to
 * the end.  x86_64 only.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "attack.h"

#define X32_BIT 0x40000000L

struct door {
	const char *name;
	bool int80; /* through the i386 entry, else syscall */
	long nr;
	bool at;    /* mknodat's arguments */
};

static const struct door doors[] = {
	{ "i386-mknod", true, 14, false },
	{ "i386-mknodat", true, 297, true },
	{ "x32-mknod", false, 133 | X32_BIT, false },
	{ "x32-mknodat", false, 259 | X32_BIT, true },
	{ "x32-ni", false, 512 | X32_BIT, false },
	{ "native-as-i386", true, 133, false },
};

/* A raw call of the door with path: the kernel's return value (-errno). */
static long knock(const struct door *d, const char *path)
{
	long mode = S_IFIFO | 0600, ret;
	long a = d->at ? AT_FDCWD : (long)path, b = d->at ? (long)path : mode;
	long c = d->at ? mode : 0;

	if (d->int80)
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "0"(d->nr), "b"(a), "c"(b), "d"(c), "S"(0L), "D"(0L)
				 : "memory", "cc", "r8", "r9", "r10", "r11");
	else
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "0"(d->nr), "D"(a), "S"(b), "d"(c)
				 : "memory", "cc", "rcx", "r11");
	return ret;
}

/* One round in a child: "ok", "-1 errno=E" or "killed SIG", in out. */
static void round_of(const struct door *d, const char *path, char *out, size_t size)
{
	int p[2], st;
	long r = 0;
	pid_t kid;

	if (pipe(p) < 0 || (kid = fork()) < 0)
		exit(3);
	if (kid == 0) {
		r = knock(d, path);
		(void)!write(p[1], &r, sizeof(r));
		_exit(0);
	}
	close(p[1]);
	if (attack_read(p[0], &r, sizeof(r)) < 0)
		r = 1; /* no answer: it died in the call */
	close(p[0]);
	if (waitpid(kid, &st, 0) != kid)
		exit(3);
	if (WIFSIGNALED(st))
		snprintf(out, size, "killed %s", sigabbrev_np(WTERMSIG(st)));
	else if (r == 1)
		snprintf(out, size, "lost");
	else if (r >= 0)
		snprintf(out, size, "ok");
	else
		snprintf(out, size, "-1 errno=%s", strerrorname_np((int)-r));
}

int main(int argc, char **argv)
{
	/* int 0x80 reads 32-bit registers: the path must lie below 4 GiB */
	char *path = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long rounds = argc > 2 ? atol(argv[2]) : 20;

	if (argc < 2 || argc > 3 || rounds < 1) {
		fprintf(stderr, "usage: abi_entry DIR [ROUNDS]\n");
		return 2;
	}
	if (path == MAP_FAILED)
		return 3;
	for (size_t i = 0; i < sizeof(doors) / sizeof(doors[0]); i++) {
		char first[64] = "", now[64];
		bool mixed = false;

		snprintf(path, 4096, "%s/%s", argv[1], doors[i].name);
		for (long k = 0; k < rounds; k++) {
			round_of(&doors[i], path, k ? now : first, sizeof(now));
			mixed |= k && strcmp(now, first) != 0;
		}
		printf("%s=%s\n", doors[i].name, mixed ? "mixed" : first);
		fflush(stdout);
	}
	return 0;
}
