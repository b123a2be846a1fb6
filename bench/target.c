/* SPDX-License-Identifier: MIT */
/*
 * bench-target: the supervised program of sysgate-bench.
 *   bench-target CALL N            N raw calls; prints "MEAN_NS LAST_RESULT"
 *   bench-target CALL N START_NS FILE
 *                                  waits until CLOCK_MONOTONIC START_NS, times each call,
 *                                  writes the N latencies (int64 ns, native order) to FILE;
 *                                  prints "MEAN_NS START_NS END_NS LAST_RESULT"
 *   bench-target wait              one getppid, prints "ready RESULT", then waits for
 *                                  end of file on standard input
 *   bench-target --filter RULES CALL N
 *                                  loads an ALLOW filter of RULES (0..64) rules allowing
 *                                  other syscalls first (0: the plain ALLOW filter), then
 *                                  as CALL N
 * CALL is getppid or getpid.  The bench times the bare call and the ALLOW filters here,
 * in a freshly executed copy of the very program it times under sysgate, so that
 * nothing but the filter differs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RULES_MAX 64

/* An ALLOW filter: the arch check, then `rules` rules allowing other syscalls, compared
 * one after the other as a naive filter does, then ALLOW.  rules = 0 is the plain ALLOW
 * filter, what libseccomp makes of seccomp_init(SCMP_ACT_ALLOW). */
static int load_allow(int rules)
{
	struct sock_filter f[4 + 2 * RULES_MAX + 1];
	struct sock_fprog prog = { .filter = f };
	unsigned short n = 0;

	if (rules < 0 || rules > RULES_MAX)
		return -EINVAL;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
#if defined(__x86_64__)
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
#elif defined(__aarch64__)
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_AARCH64, 1, 0);
#else
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
#endif
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (unsigned nr = 0, k = 0; k < (unsigned)rules; nr++) {
		if (nr == SYS_getppid || nr == SYS_getpid)
			continue;
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		k++;
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = n;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int wait_eof(void)
{
	char buf[64];
	long v = syscall(SYS_getppid);

	printf("ready %ld\n", v);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

/* Write all of buf to a new file at path; 0 or negative errno. */
static int write_file(const char *path, const void *buf, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), r = 0;

	if (fd < 0)
		return -errno;
	for (size_t done = 0; done < size && r == 0;) {
		ssize_t k = write(fd, (const char *)buf + done, size - done);

		if (k < 0 && errno != EINTR)
			r = -errno;
		else if (k > 0)
			done += (size_t)k;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int latencies(long nr, long n, int64_t start, const char *path)
{
	int r;

	int64_t *lat = malloc((size_t)n * sizeof(*lat)), t0, t1, prev;
	struct timespec ts = { .tv_sec = start / 1000000000, .tv_nsec = start % 1000000000 };
	long v = 0;

	if (!lat) {
		fprintf(stderr, "bench-target: out of memory\n");
		return 1;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	t0 = prev = now_ns();
	for (long i = 0; i < n; i++) {
		int64_t t;

		v = syscall(nr);
		t = now_ns();
		lat[i] = t - prev;
		prev = t;
	}
	t1 = prev;
	r = write_file(path, lat, (size_t)n * sizeof(*lat));
	free(lat);
	if (r < 0) {
		fprintf(stderr, "bench-target: cannot write '%s': %s\n", path, strerror(-r));
		return 1;
	}
	printf("%.1f %lld %lld %ld\n", (double)(t1 - t0) / (double)n, (long long)t0,
	       (long long)t1, v);
	return 0;
}

int main(int argc, char **argv)
{
	int64_t a, b;
	long nr, n, v = 0;
	char *end;

	if (argc == 2 && strcmp(argv[1], "wait") == 0)
		return wait_eof();
	if (argc >= 3 && strcmp(argv[1], "--filter") == 0) {
		long rules = strtol(argv[2], &end, 10);
		int r = *end ? -EINVAL : load_allow((int)rules);

		if (r < 0) {
			fprintf(stderr, "bench-target: cannot load a filter of '%s' rules: %s\n",
				argv[2], strerror(-r));
			return 2;
		}
		argc -= 2, argv += 2;
	}
	if (argc < 3 || argc == 4 || argc > 5 ||
	    (strcmp(argv[1], "getppid") != 0 && strcmp(argv[1], "getpid") != 0)) {
		fprintf(stderr, "usage: bench-target [--filter RULES] getppid|getpid N [START_NS FILE] | wait\n");
		return 2;
	}
	n = strtol(argv[2], &end, 10);
	if (*end || n <= 0 || n > 100000000) {
		fprintf(stderr, "bench-target: bad count '%s'\n", argv[2]);
		return 2;
	}
	nr = strcmp(argv[1], "getppid") == 0 ? SYS_getppid : SYS_getpid;
	if (argc == 5)
		return latencies(nr, n, strtoll(argv[3], NULL, 10), argv[4]);
	syscall(nr); /* warm up */
	a = now_ns();
	for (long i = 0; i < n; i++)
		v = syscall(nr);
	b = now_ns();
	printf("%.1f %ld\n", (double)(b - a) / (double)n, v);
	return 0;
}
