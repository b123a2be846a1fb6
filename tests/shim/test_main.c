/* SPDX-License-Identifier: MIT */
/*
 * shim/main.c: sysgate-run's command line, by running the built program: --help and
 * --version, every bad option (exit 125 with one message and the hint, as --help says),
 * options after the command left to it, and closed standard fds.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "config.h"
#include "helpers.h"
#include "shim.h"
#include "sysgate.h"

TestSuite(shim_main, .init = st_setup, .fini = st_teardown, .timeout = 60);

#define TRY "Try 'sysgate-run --help' for more information.\n"

/* Run the built sysgate-run with args (NULL-terminated, at most 10); its exit status. */
static int run(const char *const *args)
{
	const char *argv[12] = { st_build("shim/sysgate-run") };
	const char *const env[] = { "SYSGATE_SOCKET", "SYSGATE_POLICY_PATH", NULL };
	size_t n = 0;
	int status;

	for (; args[n] && n < 10; n++)
		argv[n + 1] = args[n];
	argv[n + 1] = NULL;
	status = st_run(argv, env);
	cr_assert(WIFEXITED(status), "killed by signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

Test(shim_main, help_names_every_option_and_exit_status)
{
	static const char *const args[] = { "--help", NULL };
	static const char *const words[] = {
		"Usage: sysgate-run [OPTION...] [--] CMD [ARG...]", "-p, --policy FILE|NAME",
		"-s, --socket PATH", "-m, --mechanism notify|trace|trap", "--embedded",
		"--log FILE|-", "--audit", "--swappable", "--learn OUT", "--learn-default ACTION",
		"--print-filter", "-v, --verbose", "-h, --help", "--version", SHIM_ETC_POLICYDIR,
		SG_POLICYDIR, SG_DEFAULT_SOCKET, "Embedded daemon:", "Signals:", "Exit status:",
		"  159  ", "  125  ", "  126  ", "  127  ",
	};

	cr_assert_eq(run(args), 0);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cr_expect(strstr(st_out, words[i]), "--help does not mention '%s'", words[i]);
	cr_expect_str_eq(st_err, "");
}

Test(shim_main, version_and_help_end_the_parsing)
{
	static const char *const version[] = { "--version", "--bogus", NULL };
	static const char *const help[] = { "-h", "-m", "nothing", NULL };

	cr_assert_eq(run(version), 0);
	cr_expect_str_eq(st_out, "sysgate-run " SG_VERSION "\n");
	cr_assert_eq(run(help), 0);
	cr_expect(strncmp(st_out, "Usage: ", 7) == 0, "%s", st_out);
	cr_expect_str_eq(st_err, "");
}

static const struct {
	const char *args[6];
	const char *msg; /* after "sysgate-run: " */
} bad[] = {
	{ { NULL }, "no command given" },
	{ { "-x", "true", NULL }, "unknown option '-x'" },
	{ { "--bogus", "true", NULL }, "unknown option '--bogus'" },
	{ { "--audit=yes", "true", NULL }, "option '--audit' takes no argument" },
	{ { "-p", NULL }, "option '-p' needs an argument" },
	{ { "--policy", NULL }, "option '--policy' needs an argument" },
	{ { "-m", NULL }, "option '-m' needs an argument" },
	{ { "-m", "ptrace", "true", NULL }, "unknown mechanism 'ptrace' (use 'notify', 'trace' or 'trap')" },
	{ { "-m", "", "true", NULL }, "unknown mechanism '' (use 'notify', 'trace' or 'trap')" },
	{ { "-p", "", "true", NULL }, "empty --policy or --log argument" },
	{ { "--log", "", "true", NULL }, "empty --policy or --log argument" },
	{ { "--learn-default", "kill", "true", NULL }, "--learn-default needs --learn" },
	{ { "--learn", "", "true", NULL }, "empty --learn argument" },
	{ { "--learn", "o.policy", "-p", "x", "true", NULL },
	  "--learn allows every call: no --policy or --audit with it" },
	{ { "--learn", "o.policy", "--audit", "true", NULL },
	  "--learn allows every call: no --policy or --audit with it" },
	{ { "--learn", "o.policy", "--learn-default", "frob", "true", NULL },
	  "invalid --learn-default 'frob': unknown action 'frob'" },
	{ { "--print-filter", "-m", "x", NULL }, "unknown mechanism 'x' (use 'notify', 'trace' or 'trap')" },
};

Test(shim_main, bad_options_exit_125_with_one_message_and_the_hint)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[512];

		cr_expect_eq(run(bad[i].args), SHIM_EXIT_FAILURE, "case %zu (%s)", i, bad[i].msg);
		snprintf(want, sizeof(want), "sysgate-run: %s\n" TRY, bad[i].msg);
		cr_expect_str_eq(st_err, want, "case %zu", i);
		cr_expect_str_eq(st_out, "", "case %zu", i);
	}
}

Test(shim_main, options_after_the_command_are_the_command_s)
{
	const char *p = st_write("p.policy", "version 1\ndefault allow\n", 0644);
	const char *const args[] = { "--print-filter", "-p", p, "echo", "--bogus", "-x", NULL };
	const char *const dashdash[] = { "-p", p, "--print-filter", "--", "-v", NULL };

	cr_assert_eq(run(args), 0, "%s", st_err);
	cr_expect(strstr(st_out, "pseudo filter code start"), "%s", st_out);
	cr_expect_str_eq(st_err, "");
	cr_assert_eq(run(dashdash), 0, "%s", st_err);
	cr_expect_str_eq(st_err, "", "-v after -- is the command, not --verbose");
}

Test(shim_main, closed_standard_fds_are_opened_on_dev_null)
{
	const char *p = st_write("p.policy", "version 1\ndefault allow\n", 0644);
	const char *sh = "exec 0<&- 1>&- 2>&-; exec \"$0\" --print-filter -p \"$1\"; exit 99";
	const char *const argv[] = { "/bin/sh", "-c", sh, st_build("shim/sysgate-run"), p, NULL };
	int status = st_run(argv, NULL);

	/* without /dev/null on fd 1, printing the filter would fail (125) */
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", (unsigned)status);
}
