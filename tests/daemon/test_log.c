/* SPDX-License-Identifier: MIT */
/*
 * log.c: which levels are written (clamped to LOG_ERR..LOG_DEBUG), what
 * log_err and log_warn return, the line they write to standard error (the
 * error's text appended for a negative r), and errno kept across them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

static struct {
	int saved_stderr;
	int fd;
	char text[4096];
} lt = { -1, -1, "" };

/* Standard error goes to a memfd until stop_capture(). */
static void start_capture(void)
{
	fflush(stderr);
	lt.fd = memfd_create("stderr", MFD_CLOEXEC);
	cr_assert_geq(lt.fd, 0);
	lt.saved_stderr = dup(STDERR_FILENO);
	cr_assert_geq(lt.saved_stderr, 0);
	cr_assert_eq(dup2(lt.fd, STDERR_FILENO), STDERR_FILENO);
}

/* What was written since start_capture() (or the last call), then capture again. */
static const char *captured(void)
{
	ssize_t n;

	fflush(stderr);
	n = pread(lt.fd, lt.text, sizeof(lt.text) - 1, 0);
	cr_assert_geq(n, 0);
	lt.text[n] = '\0';
	cr_assert_eq(ftruncate(lt.fd, 0), 0);
	cr_assert_eq(lseek(STDERR_FILENO, 0, SEEK_SET), 0);
	return lt.text;
}

static void stop_capture(void)
{
	if (lt.saved_stderr >= 0) {
		fflush(stderr);
		dup2(lt.saved_stderr, STDERR_FILENO);
		close(lt.saved_stderr);
	}
	if (lt.fd >= 0)
		close(lt.fd);
	lt.saved_stderr = lt.fd = -1;
	log_setup(LOG_INFO, false);
}

TestSuite(log, .init = start_capture, .fini = stop_capture, .timeout = 10);

Test(log, levels_are_clamped_and_filter)
{
	static const struct {
		int set, want;
	} rows[] = {
		{ LOG_EMERG, LOG_ERR }, { LOG_ERR, LOG_ERR },         { LOG_WARNING, LOG_WARNING },
		{ LOG_INFO, LOG_INFO }, { LOG_DEBUG, LOG_DEBUG },     { LOG_DEBUG + 5, LOG_DEBUG },
		{ -3, LOG_ERR },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		log_set_level(rows[i].set);
		for (int level = LOG_ERR; level <= LOG_DEBUG; level++)
			cr_expect_eq(log_enabled(level), level <= rows[i].want,
				     "level set %d: %d enabled %d", rows[i].set, level,
				     log_enabled(level));
	}
}

Test(log, err_and_warn_return_r_and_append_the_error)
{
	log_setup(LOG_DEBUG, false);
	cr_expect_eq(log_err(-ENOENT, "policy '%s': cannot read", "x.policy"), -ENOENT);
	cr_expect_str_eq(captured(), "sysgated: policy 'x.policy': cannot read: "
			 "No such file or directory\n");
	cr_expect_eq(log_warn(-EACCES, "pid %d: answer failed, ignoring", 7), -EACCES);
	cr_expect_str_eq(captured(), "sysgated: pid 7: answer failed, ignoring: "
			 "Permission denied\n");
	/* r >= 0 is returned as it is, with no error text */
	cr_expect_eq(log_warn(0, "nothing failed"), 0);
	cr_expect_str_eq(captured(), "sysgated: nothing failed\n");
	cr_expect_eq(log_err(3, "three"), 3);
	cr_expect_str_eq(captured(), "sysgated: three\n");
	log_info("session %d: started", 1);
	log_debug("free %s", "chatter");
	cr_expect_str_eq(captured(), "sysgated: session 1: started\nsysgated: free chatter\n");
}

Test(log, messages_above_the_level_are_not_written_but_still_return)
{
	log_setup(LOG_ERR, false);
	cr_expect_eq(log_warn(-EIO, "dropped"), -EIO);
	log_info("dropped");
	log_debug("dropped");
	cr_expect_str_eq(captured(), "");
	cr_expect_eq(log_err(-EIO, "kept"), -EIO);
	cr_expect_str_eq(captured(), "sysgated: kept: Input/output error\n");
	log_set_level(LOG_INFO);
	log_info("info");
	log_debug("dropped");
	cr_expect_str_eq(captured(), "sysgated: info\n");
}

Test(log, errno_is_kept)
{
	log_setup(LOG_DEBUG, false);
	errno = EAGAIN;
	log_err(-ENOMEM, "a");
	cr_expect_eq(errno, EAGAIN);
	log_warn(-EBADF, "b");
	log_info("c");
	log_debug("d");
	cr_expect_eq(errno, EAGAIN);
	log_set_level(LOG_ERR); /* not written: nothing touches errno either */
	log_warn(-EBADF, "e");
	cr_expect_eq(errno, EAGAIN);
}

Test(log, a_long_message_is_one_truncated_line)
{
	char big[3000];

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_setup(LOG_INFO, false);
	log_info("%s", big);
	captured();
	cr_expect_eq(strlen(lt.text), strlen("sysgated: ") + 1023 + 1, "%zu", strlen(lt.text));
	cr_expect_eq(strchr(lt.text, '\n'), lt.text + strlen(lt.text) - 1, "one line");
}

Test(log, syslog_mode_writes_nothing_to_stderr)
{
	log_setup(LOG_DEBUG, true);
	cr_expect_eq(log_err(-EIO, "to syslog"), -EIO);
	log_info("to syslog");
	cr_expect_str_eq(captured(), "");
	log_setup(LOG_DEBUG, false); /* back to standard error */
	log_info("back");
	cr_expect_str_eq(captured(), "sysgated: back\n");
}
