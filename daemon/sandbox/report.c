/* SPDX-License-Identifier: MIT */
/*
 * What a call outside the daemon's filter leaves behind: the filter traps it
 * (SIGSYS), and the handler writes one line naming the call to standard error
 * and, once the daemon logs to syslog, to a socket on /dev/log opened for this,
 * then exits with EXIT_FAILURE.  Only async-signal-safe calls run in the
 * handler, so the syscall names are learnt from libseccomp beforehand.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <seccomp.h>

#include "macro.h"
#include "sandbox.h"

#define REPORT_NR_MAX 1024  /* syscall numbers named (x86_64 is below 500) */
#define REPORT_NAME_MAX 32  /* longest known name is 23 */
#define REPORT_SYSLOG_PATH "/dev/log"

/*
 * The handler cannot be handed a context: what it reads is written once by
 * sandbox_report_setup(), before the filter exists, and never changed after.
 */
static struct {
	uint32_t arch;  /* the daemon's own AUDIT_ARCH_* */
	int syslog_fd;  /* a datagram socket connected to /dev/log, or -EBADF */
	char names[REPORT_NR_MAX][REPORT_NAME_MAX]; /* by number; "" when unknown */
} report = { .syslog_fd = -EBADF };

static void put_str(char *buf, size_t size, size_t *n, const char *s)
{
	while (*s && *n + 1 < size)
		buf[(*n)++] = *s++;
	buf[*n] = '\0';
}

static void put_num(char *buf, size_t size, size_t *n, unsigned long v, unsigned base)
{
	char digits[24];
	size_t i = sizeof(digits) - 1;

	digits[i] = '\0';
	do
		digits[--i] = "0123456789abcdef"[v % base];
	while ((v /= base) && i > 0);
	put_str(buf, size, n, digits + i);
}

/* The report of a refused call, without a newline, into buf; see sandbox.h. */
size_t sandbox_report_format(char *buf, size_t size, pid_t pid, int nr, uint32_t arch)
{
	size_t n = 0;

	if (size == 0)
		return 0;
	put_str(buf, size, &n, "sandbox: pid ");
	put_num(buf, size, &n, (unsigned long)pid, 10);
	put_str(buf, size, &n, ": system call ");
	if (arch == report.arch && nr >= 0 && nr < REPORT_NR_MAX && report.names[nr][0]) {
		put_str(buf, size, &n, "'");
		put_str(buf, size, &n, report.names[nr]);
		put_str(buf, size, &n, "' (");
		put_num(buf, size, &n, (unsigned long)nr, 10);
		put_str(buf, size, &n, ")");
	} else {
		put_num(buf, size, &n, (unsigned long)(unsigned)nr, 10);
	}
	if (arch != report.arch) {
		put_str(buf, size, &n, " of arch 0x");
		put_num(buf, size, &n, arch, 16);
		put_str(buf, size, &n, " (not the daemon's)");
	}
	put_str(buf, size, &n, " is not allowed, exiting");
	return n;
}

static void sigsys_handler(int sig, siginfo_t *si, void *ucontext)
{
	char line[256], msg[320];
	pid_t pid = getpid();
	size_t m = 0;

	(void)sig;
	(void)ucontext;
	(void)sandbox_report_format(line, sizeof(line), pid, si->si_syscall, si->si_arch);
	if (report.syslog_fd >= 0) {
		/* <LOG_DAEMON|LOG_CRIT>sysgated[PID]: line, as syslog(3) would send it */
		put_str(msg, sizeof(msg), &m, "<");
		put_num(msg, sizeof(msg), &m, LOG_DAEMON | LOG_CRIT, 10);
		put_str(msg, sizeof(msg), &m, ">sysgated[");
		put_num(msg, sizeof(msg), &m, (unsigned long)pid, 10);
		put_str(msg, sizeof(msg), &m, "]: ");
		put_str(msg, sizeof(msg), &m, line);
		(void)!send(report.syslog_fd, msg, m, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	m = 0;
	put_str(msg, sizeof(msg), &m, "sysgated: ");
	put_str(msg, sizeof(msg), &m, line);
	put_str(msg, sizeof(msg), &m, "\n");
	(void)!write(STDERR_FILENO, msg, m);
	/* not _exit(): a sanitizer's wrapper of it may make calls the filter refuses */
	syscall(SYS_exit_group, EXIT_FAILURE);
}

/* A datagram socket connected to syslog's, or -EBADF when there is none. */
static int syslog_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = REPORT_SYSLOG_PATH };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -EBADF;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return safe_close(fd);
	return fd;
}

/* Set up the SIGSYS handler; see sandbox.h. */
int sandbox_report_setup(bool use_syslog)
{
	struct sigaction sa = { .sa_sigaction = sigsys_handler, .sa_flags = SA_SIGINFO };

	report.arch = seccomp_arch_native();
	for (int nr = 0; nr < REPORT_NR_MAX; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		report.names[nr][0] = '\0';
		if (name && strlen(name) < REPORT_NAME_MAX)
			strcpy(report.names[nr], name);
		free(name);
	}
	report.syslog_fd = safe_close(report.syslog_fd);
	if (use_syslog)
		report.syslog_fd = syslog_open();
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return negative_errno();
	return 0;
}
