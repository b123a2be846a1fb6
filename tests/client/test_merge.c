/* SPDX-License-Identifier: MIT */
/*
 * client/merge.c: sysgatectl policy merge A B [...] [-o FILE]: the merged text on
 * standard output or written atomically, its notes on standard error, refusals, and the
 * bound on the number of inputs (called in-process).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "sysgatectl.h"

TestSuite(client_merge, .init = cli_setup, .fini = cli_teardown);

#define A_TEXT "version 1\narch x86_64\ndefault deny EPERM\nexecve, exit_group, read allow\n"
#define B_TEXT "version 1\narch x86_64\ndefault deny EPERM\nexecve, exit_group, write allow\n"

static void read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

Test(client_merge, to_standard_output_and_to_a_file)
{
	const char *a = cli_write_file("a.policy", A_TEXT), *b = cli_write_file("b.policy", B_TEXT);
	const char *out = cli_write_file("out.policy", "old content\n");
	const char *const args[] = { "policy", "merge", a, b, NULL };
	const char *const oargs[] = { "policy", "merge", "-o", out, a, b, NULL };
	const char *const check[] = { "policy", "check", "--strict", out, NULL };
	char want[1024], got[1024];
	struct stat st;

	cr_assert_eq(cli_run(args), 0, "stderr: %s", cli_err);
	snprintf(want, sizeof(want),
		 "# merged from: %s %s\nversion 1\narch x86_64\ndefault deny EPERM\n"
		 "execve allow%36s # %s:4\nexit_group allow%32s # %s:4\n"
		 "read allow%38s # %s:4\nwrite allow%37s # %s:4\n",
		 a, b, "", a, "", a, "", a, "", b);
	cr_expect_str_eq(cli_out, want);
	cr_expect_str_eq(cli_err, "");
	cli_forget_output();

	cr_assert_eq(cli_run(oargs), 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out, "");
	read_file(out, got, sizeof(got));
	cr_expect_str_eq(got, want);
	cr_assert_eq(stat(out, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0644);
	cli_forget_output();
	cr_expect_eq(cli_run(check), 0, "the merged policy does not check clean: %s", cli_err);
}

Test(client_merge, different_fake_rules_are_refused)
{
	const char *a = cli_write_file("a.policy", "version 1\ndefault deny\nmknod fake 1\n");
	const char *b = cli_write_file("b.policy", "version 1\ndefault deny\nmknod fake 2\n");
	const char *const args[] = { "policy", "merge", a, b, NULL };
	char want[512];

	cr_assert_eq(cli_run(args), 1);
	cr_expect_str_eq(cli_out, "");
	snprintf(want, sizeof(want), "%s:3: error: cannot merge 'mknod': 'mknod fake 2' (this "
		 "line) and 'mknod fake 1' (%s:3) decide it differently", b, a);
	cr_expect(strstr(cli_err, want) == cli_err, "stderr: %s", cli_err);
}

Test(client_merge, notes_say_what_is_not_carried_over)
{
	const char *a = cli_write_file("a.policy", "version 1\ndefault allow\nptrace kill\n");
	const char *b = cli_write_file("b.policy", "version 1\ndefault deny EPERM\nread allow\n");
	const char *const args[] = { "policy", "merge", a, b, NULL };
	char want[512];

	cr_assert_eq(cli_run(args), 0, "stderr: %s", cli_err);
	snprintf(want, sizeof(want), "sysgatectl: note: %s:2: 'default allow' is not carried "
		 "over: calls it decides are decided by the merged default\n", a);
	cr_expect_str_eq(cli_err, want);
	cr_expect(strstr(cli_out, "\ndefault deny EPERM\n"), "%s", cli_out);
}

Test(client_merge, an_input_that_does_not_load_stops_the_merge)
{
	const char *a = cli_write_file("a.policy", A_TEXT);
	const char *bad = cli_write_file("bad.policy", "version 1\ndefault deny\nread frob\n");
	const char *const args[] = { "policy", "merge", a, bad, NULL };
	const char *const missing[] = { "policy", "merge", "/nonexistent/m.policy", a, NULL };
	char want[256];

	cr_assert_eq(cli_run(args), 1);
	snprintf(want, sizeof(want), "%s:3:6: error: unknown action 'frob'\n", bad);
	cr_expect(strncmp(cli_err, want, strlen(want)) == 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out, "");
	cli_forget_output();
	cr_assert_eq(cli_run(missing), 1);
	cr_expect_str_eq(cli_err, "/nonexistent/m.policy: error: cannot open policy: No such file "
				  "or directory\n");
}

Test(client_merge, an_output_that_cannot_be_written_fails)
{
	const char *a = cli_write_file("a.policy", A_TEXT), *b = cli_write_file("b.policy", B_TEXT);
	const char *const args[] = { "policy", "merge", a, b, "-o", "/nonexistent/dir/out.policy",
				     NULL };

	cr_assert_eq(cli_run(args), 1);
	cr_expect(strncmp(cli_err, "sysgatectl: policy merge", 24) == 0, "%s", cli_err);
	cr_expect(strstr(cli_err, "No such file or directory"), "%s", cli_err);
	cr_expect_str_eq(cli_out, "");
}

Test(client_merge, two_to_64_inputs)
{
	static const char *files[65];
	struct ctl_config cfg = { .files = files };

	for (size_t i = 0; i < 65; i++)
		files[i] = "/nonexistent/never-opened.policy";
	cli_capture_stderr();
	for (size_t n = 0; n <= 65; n += 65) {
		cfg.n_files = n;
		cr_expect_eq(ctl_policy_merge(&cfg), -EINVAL, "%zu files", n);
		cr_expect_str_eq(cli_stderr(), "sysgatectl: policy merge: give 2 to 64 policy files\n");
	}
	cfg.n_files = 1;
	cr_expect_eq(ctl_policy_merge(&cfg), -EINVAL);
	cr_expect_str_eq(cli_stderr(), "sysgatectl: policy merge: give 2 to 64 policy files\n");
	cfg.n_files = 64;
	cr_expect_eq(ctl_policy_merge(&cfg), -ENOENT, "64 inputs are read");
	cr_expect_str_eq(cli_stderr(), "/nonexistent/never-opened.policy: error: cannot open policy: "
				       "No such file or directory\n");
}
