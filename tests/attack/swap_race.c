/* SPDX-License-Identifier: MIT */
/*
 * swap_race MODE ARGS... N: race a swap against an emulator that reads the
 * caller's memory or resolves its paths (issue 13).  Two threads make the call
 * N times each while two others keep flipping what it names between a permitted
 * and a denied value, as fast as they can:
 *   open-path ALLOWED DENIED N      open(buf): the path buffer flips (whole
 *                                   strings and byte by byte: torn mixes too)
 *   open-symlink LINK ALLOWED DENIED N      open(LINK): LINK's target flips
 *   open-dirlink LINK ADIR DDIR NAME N      open(LINK/NAME): a directory
 *                                   component (LINK -> ADIR or DDIR) flips
 *   open-dirfd ADIR PARENT NAME N   openat(D, NAME): D is dup2'd between ADIR's
 *                                   fd and PARENT's (ADIR/NAME is permitted,
 *                                   PARENT/NAME denied)
 *   openat2 ALLOWED DENIED N        openat2(buf, &how): the path and the struct
 *                                   open_how flip
 *   mknod-path ALLOWED DENIED N     mknod(buf, c 1:3): the path buffer flips
 *   mknod-dirlink LINK ADIR DDIR NAME N     mknod(LINK/NAME): LINK flips
 *   xattr FILE N                    set{,l,f}xattr(FILE, name): the name flips
 *                                   between trusted.sg (faked) and user.sg
 * An open that succeeds is read back: content other than the permitted file's is
 * a leak; so is a node left in the denied place or a user.sg set on FILE.
 * Prints "done=D refused=R other=O leaked=L" (refused: EACCES, or ENOTSUP for a
 * name); exits 0 when it ran to the end, 2 on bad usage.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "attack.h"

#define WORKERS 2
#define FLIPPERS 2

enum mode { OPEN_PATH, OPEN_SYMLINK, OPEN_DIRLINK, OPEN_DIRFD, OPENAT2, MKNOD_PATH,
	    MKNOD_DIRLINK, XATTR };

static const struct {
	const char *name;
	int nargs; /* before N */
} modes[] = {
	[OPEN_PATH] = { "open-path", 2 },       [OPEN_SYMLINK] = { "open-symlink", 3 },
	[OPEN_DIRLINK] = { "open-dirlink", 4 }, [OPEN_DIRFD] = { "open-dirfd", 3 },
	[OPENAT2] = { "openat2", 2 },           [MKNOD_PATH] = { "mknod-path", 2 },
	[MKNOD_DIRLINK] = { "mknod-dirlink", 4 }, [XATTR] = { "xattr", 1 },
};

static struct {
	enum mode mode;
	const char *arg[4];
	const char *good, *bad;  /* the two values flipped (paths, link targets) */
	char target[PATH_MAX];   /* the path the workers name, when it is fixed */
	char want[256];          /* the permitted file's content */
	char good_node[PATH_MAX], bad_node[PATH_MAX]; /* mknod: where a node may and may not be */
	int fd_good, fd_bad, dirfd; /* open-dirfd */
	long n;
} race;

static char buf[PATH_MAX]; /* the flipped path or name */
static struct open_how how;
static atomic_bool stop;
static atomic_long n_done, n_refused, n_other, n_leaked;

/* Copy s into buf, whole or byte by byte (so a reader may see a torn mix). */
static void put(const char *s, bool bytewise)
{
	size_t i = 0;

	if (!bytewise) {
		strcpy(buf, s);
		return;
	}
	do
		((volatile char *)buf)[i] = s[i];
	while (s[i++]);
}

/* Point link at target, atomically (symlink beside it, rename over it). */
static void relink(const char *link, const char *target, unsigned who)
{
	char tmp[PATH_MAX + 16];

	snprintf(tmp, sizeof(tmp), "%s.%u", link, who);
	(void)unlink(tmp);
	if (symlink(target, tmp) == 0)
		(void)rename(tmp, link);
}

static void flip(unsigned who, unsigned long i)
{
	const char *v = i & 1 ? race.bad : race.good;

	switch (race.mode) {
	case OPEN_SYMLINK:
	case OPEN_DIRLINK:
	case MKNOD_DIRLINK:
		relink(race.arg[0], v, who);
		break;
	case OPEN_DIRFD:
		(void)dup2(i & 1 ? race.fd_bad : race.fd_good, race.dirfd);
		break;
	case OPENAT2:
		how.flags = i & 1 ? O_RDONLY : O_RDONLY | O_NOFOLLOW;
		how.resolve = i & 2 ? RESOLVE_NO_MAGICLINKS : 0;
		put(v, i & 2);
		break;
	default:
		put(v, i & 2);
		break;
	}
}

static void *flipper(void *arg)
{
	unsigned who = (unsigned)(uintptr_t)arg;

	for (unsigned long i = who; !atomic_load(&stop); i++)
		flip(who, i);
	return NULL;
}

/* An opened file: the permitted one's content, or a leak. */
static void check_opened(int fd)
{
	char got[256] = { 0 };

	if (read(fd, got, sizeof(got) - 1) < 0 || strcmp(got, race.want) != 0)
		atomic_fetch_add(&n_leaked, 1);
	close(fd);
}

static long attempt_open(void)
{
	switch (race.mode) {
	case OPEN_PATH:
		return open(buf, O_RDONLY | O_CLOEXEC);
	case OPEN_DIRFD:
		return openat(race.dirfd, race.arg[2], O_RDONLY | O_CLOEXEC);
	case OPENAT2:
		return syscall(SYS_openat2, AT_FDCWD, buf, &how, sizeof(how));
	default:
		return open(race.target, O_RDONLY | O_CLOEXEC);
	}
}

/* One call of the race; counts its outcome. */
static void attempt(unsigned long i)
{
	long r;

	if (race.mode == XATTR) {
		r = i % 3 == 0 ? setxattr(race.arg[0], buf, "v", 1, 0)
		    : i % 3 == 1 ? lsetxattr(race.arg[0], buf, "v", 1, 0)
				 : fsetxattr(race.fd_good, buf, "v", 1, 0);
	} else if (race.mode == MKNOD_PATH || race.mode == MKNOD_DIRLINK) {
		r = mknod(race.mode == MKNOD_PATH ? buf : race.target, S_IFCHR | 0600,
			  makedev(1, 3));
		if (r == 0) /* make room for the next one where it belongs */
			(void)unlink(race.good_node);
	} else {
		r = attempt_open();
		if (r >= 0)
			check_opened((int)r);
	}
	if (r >= 0)
		atomic_fetch_add(&n_done, 1);
	else if (errno == EACCES || (race.mode == XATTR && errno == ENOTSUP))
		atomic_fetch_add(&n_refused, 1);
	else
		atomic_fetch_add(&n_other, 1);
}

static void *worker(void *arg)
{
	(void)arg;
	for (long i = 0; i < race.n; i++)
		attempt((unsigned long)i);
	return NULL;
}

/* Read the permitted file's content into race.want. */
static int read_want(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0)
		return -1;
	k = read(fd, race.want, sizeof(race.want) - 1);
	close(fd);
	return k < 0 ? -1 : 0;
}

static int open_dir(const char *path)
{
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Set up race from the mode's arguments; -1 when the permitted side does not work. */
static int setup(void)
{
	const char **a = race.arg;
	bool two = race.mode == OPEN_PATH || race.mode == OPENAT2 || race.mode == MKNOD_PATH;

	race.good = a[two ? 0 : 1]; /* ALLOWED DENIED, or LINK ALLOWED DENIED */
	race.bad = a[two ? 1 : 2];
	if (race.mode == OPEN_SYMLINK || race.mode == OPEN_DIRLINK || race.mode == MKNOD_DIRLINK)
		relink(a[0], race.good, 99);
	switch (race.mode) {
	case OPEN_PATH:
	case OPENAT2:
		put(race.good, false);
		return read_want(race.good);
	case OPEN_SYMLINK:
		snprintf(race.target, sizeof(race.target), "%s", a[0]);
		return read_want(race.good);
	case OPEN_DIRLINK:
		snprintf(race.target, sizeof(race.target), "%s/%s", a[0], a[3]);
		snprintf(race.good_node, sizeof(race.good_node), "%s/%s", race.good, a[3]);
		return read_want(race.good_node);
	case OPEN_DIRFD:
		snprintf(race.good_node, sizeof(race.good_node), "%s/%s", a[0], a[2]);
		race.fd_good = open_dir(a[0]);
		race.fd_bad = open_dir(a[1]);
		race.dirfd = dup(race.fd_good);
		if (race.fd_good < 0 || race.fd_bad < 0 || race.dirfd < 0)
			return -1;
		return read_want(race.good_node);
	case MKNOD_PATH:
		put(race.good, false);
		snprintf(race.good_node, sizeof(race.good_node), "%s", race.good);
		snprintf(race.bad_node, sizeof(race.bad_node), "%s", race.bad);
		return 0;
	case MKNOD_DIRLINK:
		snprintf(race.target, sizeof(race.target), "%s/%s", a[0], a[3]);
		snprintf(race.good_node, sizeof(race.good_node), "%s/%s", race.good, a[3]);
		snprintf(race.bad_node, sizeof(race.bad_node), "%s/%s", race.bad, a[3]);
		return 0;
	case XATTR:
		race.good = "trusted.sg";
		race.bad = "user.sg";
		put(race.good, false);
		race.fd_good = open(a[0], O_RDONLY | O_CLOEXEC);
		return race.fd_good < 0 ? -1 : 0;
	}
	return -1;
}

/* What the race left behind that must not be: a node in the denied place, user.sg. */
static void check_left(void)
{
	struct stat st;
	char v[8];

	if ((race.mode == MKNOD_PATH || race.mode == MKNOD_DIRLINK) &&
	    lstat(race.bad_node, &st) == 0)
		atomic_fetch_add(&n_leaked, 1);
	if (race.mode == XATTR && lgetxattr(race.arg[0], "user.sg", v, sizeof(v)) >= 0)
		atomic_fetch_add(&n_leaked, 1);
}

static int parse(int argc, char **argv)
{
	for (size_t m = 0; argc >= 2 && m < sizeof(modes) / sizeof(modes[0]); m++) {
		if (strcmp(argv[1], modes[m].name) != 0 || argc != modes[m].nargs + 3)
			continue;
		race.mode = (enum mode)m;
		for (int i = 0; i < modes[m].nargs; i++)
			race.arg[i] = argv[2 + i];
		race.n = atol(argv[argc - 1]);
		return race.n > 0 ? 0 : -1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	pthread_t w[WORKERS], f[FLIPPERS];

	if (parse(argc, argv) < 0) {
		fprintf(stderr, "usage: swap_race MODE ARGS... N (see the source)\n");
		return 2;
	}
	if (setup() < 0) {
		fprintf(stderr, "swap_race: the permitted side fails: %s\n", strerror(errno));
		return 3;
	}
	for (unsigned i = 0; i < FLIPPERS; i++)
		if (pthread_create(&f[i], NULL, flipper, (void *)(uintptr_t)i) != 0)
			return 3;
	for (unsigned i = 0; i < WORKERS; i++)
		if (pthread_create(&w[i], NULL, worker, NULL) != 0)
			return 3;
	for (unsigned i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	atomic_store(&stop, true);
	for (unsigned i = 0; i < FLIPPERS; i++)
		pthread_join(f[i], NULL);
	check_left();
	printf("done=%ld refused=%ld other=%ld leaked=%ld\n", atomic_load(&n_done),
	       atomic_load(&n_refused), atomic_load(&n_other), atomic_load(&n_leaked));
	fflush(stdout);
	return 0;
}
