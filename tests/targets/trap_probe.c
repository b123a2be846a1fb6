/* SPDX-License-Identifier: MIT */
/*
 * Probes of the trap mechanism, run under sysgate-run --mechanism trap with a
 * policy that fakes getppid as 4242, denies mkdir EACCES and logs uname.
 * argv[1] picks the probe; each prints what it saw and exits 0 only when that
 * is what the probe expects.
 *   fake DIR      getppid() == 4242 (and errno is untouched)
 *   deny DIR      mkdir(DIR/d) fails EACCES, DIR/d does not exist
 *   allow DIR     uname() (routed, allowed) works
 *   threads DIR   8 threads, 200 getppid() each, all 4242
 *   fork DIR      parent and child both see 4242
 *   signal DIR    a trapped getppid() inside a SIGUSR1 handler sees 4242
 *   i386 DIR      getppid by int 0x80 (i386 nr 64) sees 4242, like the native call
 *   ownsigsys DIR installs its own SIGSYS handler: mkdir(DIR/d) is not made
 *   unreachable DIR  waits for DIR/go, then getppid() must fail (prints its errno's name)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

static int fake(void)
{
	pid_t p;

	errno = 1234;
	p = getppid();
	printf("getppid=%d errno=%d\n", (int)p, errno);
	return p == 4242 && errno == 1234 ? 0 : 1;
}

static int deny(void)
{
	char path[4096];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "%s/d", dir);
	r = mkdir(path, 0700);
	printf("mkdir=%d errno=%s\n", r, strerror(errno));
	return r < 0 && errno == EACCES && stat(path, &st) < 0 ? 0 : 1;
}

static int allow(void)
{
	struct utsname u;
	int r = uname(&u);

	printf("uname=%d sysname=%s\n", r, r == 0 ? u.sysname : "?");
	return r == 0 && strcmp(u.sysname, "Linux") == 0 ? 0 : 1;
}

static void *thread_body(void *arg)
{
	int *bad = arg;

	for (int i = 0; i < 200; i++)
		if (getppid() != 4242)
			__atomic_add_fetch(bad, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int threads(void)
{
	pthread_t t[8];
	int bad = 0;

	for (int i = 0; i < 8; i++)
		if (pthread_create(&t[i], NULL, thread_body, &bad) != 0)
			return 2;
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("threads bad=%d\n", bad);
	return bad == 0 ? 0 : 1;
}

static int forked(void)
{
	int st = 0;
	pid_t c = fork();

	if (c < 0)
		return 2;
	if (c == 0)
		_exit(getppid() == 4242 ? 0 : 1);
	if (waitpid(c, &st, 0) != c)
		return 2;
	printf("parent=%d child_status=0x%x\n", (int)getppid(), (unsigned)st);
	return getppid() == 4242 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static volatile sig_atomic_t in_handler;

static void on_usr1(int sig)
{
	(void)sig;
	in_handler = getppid();
}

static int signal_probe(void)
{
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	printf("in handler getppid=%d\n", (int)in_handler);
	return in_handler == 4242 ? 0 : 1;
}

static int i386_probe(void)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(64L) : "memory");
	printf("i386 getppid=%ld native=%d\n", r, (int)getppid());
	return r == 4242 && getppid() == 4242 ? 0 : 1;
}

static void own_sigsys(int sig)
{
	(void)sig;
}

static int ownsigsys(void)
{
	char path[4096];
	struct stat st;
	int r;

	signal(SIGSYS, own_sigsys);
	snprintf(path, sizeof(path), "%s/d", dir);
	r = mkdir(path, 0700);
	printf("mkdir=%d exists=%d\n", r, stat(path, &st) == 0);
	return stat(path, &st) < 0 ? 0 : 1; /* never made: the kernel did not run it */
}

static int unreachable(void)
{
	char path[4096];
	struct stat st;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	pid_t p;

	snprintf(path, sizeof(path), "%s/go", dir);
	for (int i = 0; i < 3000 && stat(path, &st) < 0; i++)
		nanosleep(&ts, NULL);
	errno = 0;
	p = (pid_t)syscall(SYS_getppid); /* glibc's getppid() never reports an error */
	printf("getppid=%d errno=%s\n", (int)p, errno ? strerrorname_np(errno) : "0");
	return p == -1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} probes[] = {
		{ "fake", fake }, { "deny", deny }, { "allow", allow }, { "threads", threads },
		{ "fork", forked }, { "signal", signal_probe }, { "i386", i386_probe },
		{ "ownsigsys", ownsigsys }, { "unreachable", unreachable },
	};
	int r;

	if (argc != 3)
		return 2;
	dir = argv[2];
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strcmp(argv[1], probes[i].name) == 0) {
			r = probes[i].fn();
			fflush(stdout);
			return r;
		}
	return 2;
}
