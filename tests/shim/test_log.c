/* SPDX-License-Identifier: MIT */
/* shim/log.c: sysgate-run's diagnostics, one line each, the errno's text once, -v only. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "shim.h"

static void setup(void)
{
	st_setup();
	st_capture_stderr();
}

TestSuite(shim_log, .init = setup, .fini = st_teardown);

Test(shim_log, errors_append_the_errno_text_and_return_it)
{
	errno = EINTR;
	cr_expect_eq(shim_err(-ENOENT, "policy '%s'", "x"), -ENOENT);
	cr_expect_eq(shim_err(0, "no command given"), 0);
	cr_expect_eq(shim_err(5, "a positive r is no errno: %d", 5), 5);
	cr_expect_eq(errno, EINTR, "errno kept");
	cr_expect_str_eq(st_stderr(), "sysgate-run: policy 'x': No such file or directory\n"
				      "sysgate-run: no command given\n"
				      "sysgate-run: a positive r is no errno: 5\n");
}

Test(shim_log, info_only_with_verbose)
{
	shim_info("hidden %d", 1);
	cr_expect_str_eq(st_stderr(), "");
	shim_log_verbose(true);
	errno = EAGAIN;
	shim_info("using the daemon at '%s'", "/s");
	cr_expect_eq(errno, EAGAIN);
	cr_expect_str_eq(st_stderr(), "sysgate-run: using the daemon at '/s'\n");
	shim_log_verbose(false);
	shim_info("hidden again");
	cr_expect_str_eq(st_stderr(), "");
}

Test(shim_log, a_long_message_is_cut_not_overrun)
{
	static char big[6000];
	const char *got;

	memset(big, 'a', sizeof(big) - 1);
	shim_err(-EIO, "%s", big);
	got = st_stderr();
	cr_expect_eq(strlen(got), strlen("sysgate-run: ") + 4095 + strlen(": Input/output error\n"));
	cr_expect(strstr(got, "aaaa: Input/output error\n"), "the errno's text survives the cut");
}
