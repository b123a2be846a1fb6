/* SPDX-License-Identifier: MIT */
/* Tests for client/output.c (tables, times, error messages) and client/log.c's record formatter. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysgatectl.h"

static char *out;
static size_t out_size;

static FILE *mem(void)
{
	FILE *f = open_memstream(&out, &out_size);

	cr_assert_not_null(f);
	return f;
}

static void mem_done(void)
{
	free(out);
	out = NULL;
}

Test(client_output, rfc3339_times)
{
	char buf[64];

	cr_assert_str_eq(format_rfc3339(0, true, buf, sizeof(buf)), "1970-01-01T00:00:00.000000Z");
	cr_assert_str_eq(format_rfc3339(1700000000123456ull, true, buf, sizeof(buf)),
			 "2023-11-14T22:13:20.123456Z");
	cr_assert_str_eq(format_rfc3339(1700000000999999ull, false, buf, sizeof(buf)),
			 "2023-11-14T22:13:20Z");
}

Test(client_output, durations)
{
	char buf[64];

	cr_assert_str_eq(format_duration(0, buf, sizeof(buf)), "0s");
	cr_assert_str_eq(format_duration(999999, buf, sizeof(buf)), "0s");
	cr_assert_str_eq(format_duration(61000000ull, buf, sizeof(buf)), "1m 1s");
	cr_assert_str_eq(format_duration(3600000000ull, buf, sizeof(buf)), "1h 0m 0s");
	cr_assert_str_eq(format_duration(90061000000ull, buf, sizeof(buf)), "1d 1h 1m 1s");
}

Test(client_output, sanitize_replaces_control_characters)
{
	char *s = sanitize("a\nb\x1b[31m\x7f\t\xc2\x9b" "c \xc3\xa9");

	cr_assert_str_eq(s, "a?b?[31m???c \xc3\xa9");
	free(s);
}

Test(client_output, table_aligns_columns, .fini = mem_done)
{
	static const char *const h[] = { "ID", "NAME", "COUNT", "NOTE" };
	struct table *t = table_new(4, h, "rlrl");
	FILE *f = mem();

	cr_assert_not_null(t);
	cr_assert_eq(table_add(t, "%d", 7), 0);
	cr_assert_eq(table_add(t, "%s", "a"), 0);
	cr_assert_eq(table_add(t, "%d", 12345), 0);
	cr_assert_eq(table_add(t, "%s", "x"), 0);
	cr_assert_eq(table_add(t, "%d", 123), 0);
	cr_assert_eq(table_add(t, "%s", "long\nname"), 0);
	cr_assert_eq(table_add(t, "%d", 0), 0);
	cr_assert_eq(table_add(t, "%s", ""), 0);
	cr_assert_eq(table_print(t, f), 0);
	fclose(f);
	cr_assert_str_eq(out, " ID  NAME       COUNT  NOTE\n"
			      "  7  a          12345  x\n"
			      "123  long?name      0\n");
	table_free(t);
}

Test(client_output, table_refuses_an_incomplete_row, .init = cr_redirect_stderr)
{
	static const char *const h[] = { "A", "B" };
	struct table *t = table_new(2, h, "ll");
	FILE *f = fopen("/dev/null", "w");

	cr_assert_eq(table_add(t, "x"), 0);
	cr_assert_lt(table_print(t, f), 0);
	fclose(f);
	table_free(t);
	cr_assert_null(table_new(2, h, "l"));
	cr_assert_null(table_free(NULL));
}

/* The errno's text is printed once, by the helper, after the caller's context. */
Test(client_output, errors_append_the_errno_text, .init = cr_redirect_stderr)
{
	errno = EINTR;
	cr_expect_eq(ctl_err(-ENOENT, "cannot open '%s'", "x"), -ENOENT);
	cr_expect_eq(ctl_errx(-EBADMSG, "record %d: not a JSON object", 2), -EBADMSG);
	cr_expect_eq(ctl_err(0, "nothing failed"), 0);
	cr_expect_eq(ctl_err_hint(-ECONNREFUSED, " (is sysgated running?)", "cannot connect"),
		     -ECONNREFUSED);
	cr_expect_eq(errno, EINTR, "errno kept");
	fflush(stderr);
	cr_assert_stderr_eq_str("sysgatectl: cannot open 'x': No such file or directory\n"
				"sysgatectl: record 2: not a JSON object\n"
				"sysgatectl: nothing failed\n"
				"sysgatectl: cannot connect: Connection refused (is sysgated running?)\n");
}

Test(client_output, kv_aligns_values, .fini = mem_done)
{
	static const char *const labels[] = { "pid", "records written" };
	static const char *const values[] = { "12", "3" };
	FILE *f = mem();

	cr_assert_eq(kv_print(f, 2, labels, values), 0);
	fclose(f);
	cr_assert_str_eq(out, "pid:             12\nrecords written: 3\n");
}

Test(client_output, counts_json_has_every_counter)
{
	static const uint64_t c[SG_NCOUNTS] = { 1, 2, 3, 4, 5, 6 };
	struct json_object *o = counts_to_json(c);

	cr_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			 "{\"allow\":1,\"deny\":2,\"fake\":3,\"kill\":4,\"emulate\":5,\"audit\":6}");
	json_object_put(o);
	cr_assert_str_eq(count_name(SG_COUNT_EMULATE), "emulate");
	cr_assert_str_eq(count_name(SG_NCOUNTS), "?");
}

Test(client_output, session_json_from_a_decoded_message)
{
	static uint8_t buf[512];
	struct sg_msg_session s = { .id = 3, .started_usec = 1700000000000001ull,
				    .counts = { 9, 8, 7, 6, 5, 4 }, .target_pid = 77, .uid = 1000,
				    .gid = 100, .mechanism = SG_MECH_NOTIFY,
				    .state = SG_SESSION_RUNNING };
	ssize_t n = proto_encode_session(buf, sizeof(buf), &s, "strict");
	struct sg_msg m;
	struct json_object *o;

	cr_assert_gt(n, 0);
	cr_assert_eq(proto_decode(buf, (size_t)n, NULL, 0, &m, NULL), 0);
	o = session_to_json(&m);
	cr_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			 "{\"id\":3,\"pid\":77,\"uid\":1000,\"gid\":100,\"mechanism\":\"notify\","
			 "\"mode\":\"enforce\",\"routes_all\":false,\"state\":\"running\",\"policy\":\"strict\","
			 "\"started\":\"2023-11-14T22:13:20.000001Z\",\"counts\":{\"allow\":9,"
			 "\"deny\":8,\"fake\":7,\"kill\":6,\"emulate\":5,\"audit\":4}}");
	json_object_put(o);
}

struct record_case {
	const char *json;
	const char *line;
};

static const struct record_case records[] = {
	{ "{\"time\":\"2026-11-23T03:10:00.123456Z\",\"event\":\"syscall\",\"session\":1,"
	  "\"mechanism\":\"notify\",\"pid\":42,\"tid\":43,\"comm\":\"cat\",\"exe\":\"/bin/cat\","
	  "\"uid\":0,\"gid\":0,\"arch\":\"x86_64\",\"syscall\":\"openat\",\"nr\":257,"
	  "\"args\":[\"0xffffff9c\",\"0x7ffd0000\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"],"
	  "\"verdict\":\"deny\",\"errno\":13,\"errno_name\":\"EACCES\",\"rule\":\"p.policy:4\"}",
	  "2026-11-23T03:10:00.123456Z session 1 pid 42 (cat) "
	  "openat(0xffffff9c, 0x7ffd0000, 0x0, 0x0, 0x0, 0x0) = deny EACCES rule p.policy:4" },
	{ "{\"time\":\"T\",\"event\":\"syscall\",\"session\":2,\"pid\":5,\"comm\":\"x\","
	  "\"syscall\":\"mknod\",\"args\":[\"0x1\"],\"verdict\":\"fake\",\"value\":0,"
	  "\"rule\":\"q:9\"}",
	  "T session 2 pid 5 (x) mknod(0x1) = fake 0 rule q:9" },
	{ "{\"time\":\"T\",\"event\":\"syscall\",\"session\":2,\"pid\":5,\"comm\":\"x\","
	  "\"syscall\":\"ptrace\",\"args\":[],\"verdict\":\"allow\",\"rule\":\"q:1\","
	  "\"default\":true,\"audit\":true}",
	  "T session 2 pid 5 (x) ptrace() = allow rule q:1 (default) audit" },
	{ "{\"event\":\"syscall\",\"errno\":1}", "- ?() errno 1" },
	{ "{\"time\":\"T\",\"nr\":257,\"verdict\":\"kill\"}", "T nr_257() = kill" },
	{ "{\"time\":\"T\",\"pid\":1,\"comm\":\"evil\\u001b[2J\\n\",\"syscall\":\"read\"}",
	  "T pid 1 (evil?[2J?) read()" },
	{ "{\"time\":\"T\",\"event\":\"session-start\",\"session\":3,\"pid\":10,\"uid\":0,"
	  "\"gid\":0,\"policy\":\"default\",\"mechanism\":\"notify\"}",
	  "T session-start session 3 pid=10 uid=0 gid=0 policy=default mechanism=notify" },
	{ "{\"time\":\"T\",\"event\":\"refused\",\"peer_pid\":9,\"peer_uid\":1000,"
	  "\"request\":\"session\",\"reason\":\"not your session\",\"empty\":\"\","
	  "\"x\":[1,2]}",
	  "T refused peer_pid=9 peer_uid=1000 request=session reason='not your session' "
	  "empty='' x=[1,2]" },
	{ "{\"time\":\"T\",\"event\":\"session-end\",\"session\":3,\"allow\":5}\n",
	  "T session-end session 3 allow=5" },
	{ "not json\x1b", "not json?" },
	{ "[1,2]", "[1,2]" },
	{ "{\"a\":1} {\"b\":2}", "{\"a\":1} {\"b\":2}" },
	{ "{\"a\":", "{\"a\":" },
};

Test(client_output, formats_audit_records)
{
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		char *line = log_format_record(records[i].json, strlen(records[i].json));

		cr_assert_not_null(line);
		cr_expect_str_eq(line, records[i].line, "record %zu:\n got '%s'\nwant '%s'", i, line,
				 records[i].line);
		free(line);
	}
}

Test(client_output, stat_row_names_per_arch)
{
	char abuf[16], name[64];
	const char *arch;

	stat_names(0xc000003eu /* AUDIT_ARCH_X86_64 */, 257, &arch, abuf, sizeof(abuf), name,
		   sizeof(name));
	cr_assert_str_eq(arch, "x86_64");
	cr_assert_str_eq(name, "openat");
	stat_names(0x40000003u /* AUDIT_ARCH_I386 */, 5, &arch, abuf, sizeof(abuf), name,
		   sizeof(name));
	cr_assert_str_eq(arch, "x86");
	cr_assert_str_eq(name, "open");
	stat_names(0xc000003eu, 0x40000000 | 257, &arch, abuf, sizeof(abuf), name, sizeof(name));
	cr_assert_str_eq(arch, "x32");
	cr_assert_str_eq(name, "openat");
	stat_names(0x1234, 7, &arch, abuf, sizeof(abuf), name, sizeof(name));
	cr_assert_str_eq(arch, "0x00001234");
	cr_assert_str_eq(name, "nr_7");
	stat_names(0xc000003eu, 4000, &arch, abuf, sizeof(abuf), name, sizeof(name));
	cr_assert_str_eq(name, "nr_4000");
}
