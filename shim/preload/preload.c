/* SPDX-License-Identifier: MIT */
/*
 * libsysgate-preload.so's constructor: read what sysgate-run handed over
 * (socket path, memfds with the exported filter and the policy text), connect
 * and register a trap session for this very process, install the SIGSYS
 * handler, then the filter with the trampoline exemption in front.  Once the
 * filter is in, nothing can take it out: when anything before it fails, the
 * process is not started unsupervised — it exits 125 (fail closed).  When the
 * daemon alone is unreachable the filter still goes in, and every trapped call
 * fails with ENOSYS.
 */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"
#include "proto.h"

#define SG_PRELOAD_EXIT 125

static _Noreturn void fail(const char *what, int r)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "libsysgate-preload: %s: %s\n", what, strerror(-r));

	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg));
	_exit(SG_PRELOAD_EXIT);
}

/* An fd number from the environment, checked to be an open regular file or memfd. */
static int env_fd(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long fd;
	struct stat st;

	if (!v || !*v)
		return -ENOENT;
	errno = 0;
	fd = strtol(v, &end, 10);
	if (errno || *end || fd < 0 || fd > INT_MAX)
		return -EINVAL;
	if (fstat((int)fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > SG_STR_MAX)
		return -EINVAL;
	return (int)fd;
}

/* A decimal number from the environment, in [min, max]: *ret is def when it is unset;
 * -EINVAL when it is malformed or out of range. */
static int env_number(const char *name, long def, long min, long max, long *ret)
{
	const char *v = getenv(name);
	char *end;
	long n;

	*ret = def;
	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || !*v || *end || n < min || n > max)
		return -EINVAL;
	*ret = n;
	return 0;
}

/* The REGISTER flags sysgate-run hands over: audit and swappable only. */
static int env_flags(uint32_t *ret)
{
	const long known = SG_REG_AUDIT | SG_REG_SWAPPABLE;
	long f;

	if (env_number(SG_TRAP_ENV_FLAGS, 0, 0, known, &f) < 0 || (f & ~known))
		return -EINVAL;
	*ret = (uint32_t)f;
	return 0;
}

/* The errno for trapped calls while no daemon answers: ENOSYS unless the policy set one. */
static int env_unreachable(int *ret)
{
	long e;

	if (env_number(SG_TRAP_ENV_UNREACHABLE, ENOSYS, 1, 4095, &e) < 0)
		return -EINVAL;
	*ret = (int)e;
	return 0;
}

/* The whole content of a handed-over fd (read from offset 0, left open for exec'd children). */
static int slurp(const char *env, char **ret, size_t *ret_len)
{
	int fd = env_fd(env);
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		free(buf);
		return n < 0 ? -errno : -EIO;
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = (size_t)n;
	return 0;
}

static int install_filter(const char *bpf, size_t len)
{
	struct sock_filter *joined = NULL;
	struct sock_fprog prog;
	size_t n = 0;
	int r;

	if (len % sizeof(struct sock_filter) != 0)
		return -EINVAL;
	r = trap_filter_join((const struct sock_filter *)(const void *)bpf,
			     len / sizeof(struct sock_filter), sg_sys64_ret, sg_sys32_ret, &joined,
			     &n);
	if (r < 0)
		return r;
	prog.len = (unsigned short)n;
	prog.filter = joined;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
		r = -errno;
	free(joined);
	return r;
}

/* Whether this process already runs under a seccomp filter (an exec under our own). */
static bool already_filtered(void)
{
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
}

__attribute__((constructor)) static void sg_preload_init(void)
{
	const char *path = getenv(SG_TRAP_ENV_SOCKET), *name = getenv(SG_TRAP_ENV_POLICY_NAME);
	char *bpf = NULL, *text = NULL;
	size_t bpf_len = 0, text_len = 0;
	bool inherited = already_filtered();
	uint32_t flags;
	int r, unreachable;

	if (!path && !getenv(SG_TRAP_ENV_FILTER_FD))
		return; /* not started by sysgate-run --mechanism trap: nothing to do */
	if (!path || !*path)
		fail(SG_TRAP_ENV_SOCKET, -EINVAL);
	if (env_flags(&flags) < 0)
		fail(SG_TRAP_ENV_FLAGS, -EINVAL);
	if (env_unreachable(&unreachable) < 0)
		fail(SG_TRAP_ENV_UNREACHABLE, -EINVAL);
	r = slurp(SG_TRAP_ENV_POLICY_FD, &text, &text_len);
	if (r < 0)
		fail("the policy handed over", r);
	if (!inherited) {
		r = slurp(SG_TRAP_ENV_FILTER_FD, &bpf, &bpf_len);
		if (r < 0)
			fail("the filter handed over", r);
	}
	r = trap_tramp_map();
	if (r < 0)
		fail("cannot map the trampoline at its fixed address", r);
	r = trap_handler_init(path, name ? name : "", flags, text, text_len, unreachable);
	if (r < 0)
		fail("handler state", r);
	r = trap_handler_connect();
	if (r < 0) { /* fail closed: the filter goes in, trapped calls get ENOSYS */
		char msg[160];
		int n = snprintf(msg, sizeof(msg), "libsysgate-preload: no daemon session (%s): "
				 "trapped calls fail with %s\n", strerror(-r),
				 strerrorname_np(unreachable) ? strerrorname_np(unreachable)
							       : "the policy's errno");

		if (n > 0)
			(void)!write(STDERR_FILENO, msg, strnlen(msg, sizeof(msg)));
	}
	r = trap_handler_install();
	if (r < 0)
		fail("cannot install the SIGSYS handler", r);
	if (!inherited) {
		r = install_filter(bpf, bpf_len);
		if (r < 0)
			fail("cannot install the filter", r);
	}
	free(bpf); /* text stays: a forked child registers with it */
}
