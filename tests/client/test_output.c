/* SPDX-License-Identifier: MIT */
/* client/output.c: tables, label/value lines, times, durations, counters and error messages. */
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
