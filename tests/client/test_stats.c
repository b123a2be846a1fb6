/* SPDX-License-Identifier: MIT */
/*
 * client/stats.c: sysgatectl stats against a scripted peer (table and JSON), and the
 * display names of a STAT row's arch and syscall as a table.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cli.h"
#include "sysgatectl.h"

TestSuite(client_stats, .init = cli_setup, .fini = cli_teardown);

static const struct sg_msg_stat a = { .session_id = 3, .counts = { 5, 1, 0, 0, 0, 2 },
				      .arch = 0xc000003eu, .nr = 257 };
static const struct sg_msg_stat b = { .session_id = 3, .counts = { 0, 0, 4, 0, 0, 0 },
				      .arch = 0x40000003u, .nr = 14 };
static const struct sg_msg_stat x32 = { .session_id = 10, .counts = { 1, 0, 0, 0, 0, 0 },
					.arch = 0xc000003eu, .nr = 0x40000000 | 1 };

/* Run stats with args; the peer checks the session asked for and sends the rows. */
static int run_stats(const char *const *args, uint64_t session,
		     const struct sg_msg_stat *const *rows)
{
	cli_start(args);
	cr_assert_eq(cli_expect(SG_MSG_STATS_REQ).u.stats_req.session_id, session);
	for (; *rows; rows++)
		cli_reply(proto_encode_stat(cli_buf, sizeof(cli_buf), *rows));
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	return cli_finish();
}

Test(client_stats, table_of_one_session)
{
	static const char *const args[] = { "stats", "--session", "3", NULL };
	const struct sg_msg_stat *rows[] = { &a, &b, NULL };

	cr_assert_eq(run_stats(args, 3, rows), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out,
		"SESSION  ARCH    SYSCALL  ALLOW  DENY  FAKE  KILL  EMULATE  AUDIT\n"
		"      3  x86_64  openat       5     1     0     0        0      2\n"
		"      3  x86     mknod        0     0     4     0        0      0\n");
}

Test(client_stats, x32_rows_and_every_session)
{
	static const char *const args[] = { "stats", NULL };
	const struct sg_msg_stat *rows[] = { &x32, NULL };

	cr_assert_eq(run_stats(args, 0, rows), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out,
		"SESSION  ARCH  SYSCALL  ALLOW  DENY  FAKE  KILL  EMULATE  AUDIT\n"
		"     10  x32   write        1     0     0     0        0      0\n");
}

Test(client_stats, json_array)
{
	static const char *const args[] = { "stats", "--json", NULL };
	const struct sg_msg_stat *rows[] = { &b, &x32, NULL };

	cr_assert_eq(run_stats(args, 0, rows), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out_json(),
			 "[{\"session\":3,\"arch\":\"x86\",\"syscall\":\"mknod\",\"nr\":14,"
			 "\"counts\":{\"allow\":0,\"deny\":0,\"fake\":4,\"kill\":0,"
			 "\"emulate\":0,\"audit\":0}},"
			 "{\"session\":10,\"arch\":\"x32\",\"syscall\":\"write\",\"nr\":1073741825,"
			 "\"counts\":{\"allow\":1,\"deny\":0,\"fake\":0,\"kill\":0,"
			 "\"emulate\":0,\"audit\":0}}]");
}

Test(client_stats, no_rows_is_an_empty_array)
{
	static const char *const args[] = { "--json", "stats", "--session", "9", NULL };
	const struct sg_msg_stat *rows[] = { NULL };

	cr_assert_eq(run_stats(args, 9, rows), 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out_json(), "[]");
}

static const struct {
	uint32_t arch;
	int32_t nr;
	const char *arch_name, *name;
} name_cases[] = {
	{ 0xc000003eu /* AUDIT_ARCH_X86_64 */, 257, "x86_64", "openat" },
	{ 0xc000003eu, 0, "x86_64", "read" },
	{ 0x40000003u /* AUDIT_ARCH_I386 */, 5, "x86", "open" },
	{ 0x40000003u, 102, "x86", "socketcall" },
	{ 0xc000003eu, 0x40000000 | 257, "x32", "openat" },
	{ 0xc000003eu, 0x40000000 | 512, "x32", "rt_sigaction" },
	{ 0x1234, 7, "0x00001234", "nr_7" },
	/* an arch sysgate does not cover: the number, and libseccomp's name for the call */
	{ 0xc00000b7u /* AUDIT_ARCH_AARCH64 */, 0, "0xc00000b7", "io_setup" },
	{ 0xc000003eu, 4000, "x86_64", "nr_4000" },
	/* a negative number has every high bit set, the x32 one too: still x86_64 */
	{ 0xc000003eu, -1, "x86_64", "nr_-1" },
};

Test(client_stats, row_names_table)
{
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		char abuf[16], name[64];
		const char *arch = NULL;

		stat_names(name_cases[i].arch, name_cases[i].nr, &arch, abuf, sizeof(abuf), name,
			   sizeof(name));
		cr_expect_str_eq(arch, name_cases[i].arch_name, "case %zu: %s", i, arch);
		cr_expect_str_eq(name, name_cases[i].name, "case %zu: %s", i, name);
	}
}
