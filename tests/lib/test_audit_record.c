/* SPDX-License-Identifier: MIT */
/* lib/audit_record.c: audit records read back, and what is said about a bad line. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_record.h"

static int parse(const char *text, struct json_object **ret, char *msg, size_t size)
{
	return audit_record_parse(text, strlen(text), ret, msg, size);
}

Test(audit_record, parses_one_object_with_blanks_around)
{
	static const char *const good[] = {
		"{\"event\":\"syscall\",\"nr\":257}",
		"  {\"event\":\"syscall\",\"nr\":257} \t\r\n",
		"{\"event\":\"syscall\",\"nr\":257,\"args\":[\"0x1\"],\"x\":{\"y\":null}}",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct json_object *o = NULL, *v;
		char msg[128] = "unset";

		cr_assert_eq(parse(good[i], &o, msg, sizeof(msg)), 0, "%zu: %s", i, msg);
		cr_expect_str_eq(msg, "", "%zu", i);
		cr_assert(json_object_object_get_ex(o, "nr", &v), "%zu", i);
		cr_expect_eq(json_object_get_int(v), 257, "%zu", i);
		json_object_put(o);
	}
}

Test(audit_record, says_where_a_bad_line_goes_wrong)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "", "invalid JSON at byte 1: unexpected end of the line" },
		{ "   ", "invalid JSON at byte 4: unexpected end of the line" },
		{ "{\"event\":\"syscall\"", "invalid JSON at byte 19: unexpected end of the line" },
		{ "{\"a\":\"x", "invalid JSON at byte 8: unexpected end of the line" },
		{ "{\"a\":tru}", "invalid JSON at byte 9: boolean expected" },
		{ "{\"a\" 1}", "invalid JSON at byte 6: object property name separator ':' expected" },
		{ "{\"a\":1} x", "invalid JSON at byte 9: trailing characters" },
		{ "{\"a\":1}{\"b\":2}", "invalid JSON at byte 8: trailing characters" },
		{ "[1,2]", "not a JSON object" },
		{ "\"text\"", "not a JSON object" },
		{ "1", "not a JSON object" },
		{ "null", "not a JSON object" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o = (struct json_object *)&cases; /* must stay untouched */
		char msg[128] = "unset";

		cr_expect_eq(parse(cases[i].text, &o, msg, sizeof(msg)), -EBADMSG, "'%s'",
			     cases[i].text);
		cr_expect_str_eq(msg, cases[i].msg, "'%s'", cases[i].text);
		cr_expect_eq(o, (struct json_object *)&cases, "'%s': *ret changed", cases[i].text);
	}
}

Test(audit_record, refuses_a_nul_byte_and_an_overlong_line)
{
	static const char with_nul[] = "{\"a\":\"x\0y\"}";
	struct json_object *o = NULL;
	char msg[128];
	char *big = malloc(AUDIT_LINE_MAX + 2);

	cr_expect_eq(audit_record_parse(with_nul, sizeof(with_nul) - 1, &o, msg, sizeof(msg)),
		     -EBADMSG);
	cr_expect_str_eq(msg, "NUL byte at byte 8");
	cr_assert_not_null(big);
	memset(big, ' ', AUDIT_LINE_MAX + 1);
	memcpy(big, "{}", 2);
	cr_expect_eq(audit_record_parse(big, AUDIT_LINE_MAX, &o, msg, sizeof(msg)), 0);
	json_object_put(o);
	cr_expect_eq(audit_record_parse(big, AUDIT_LINE_MAX + 1, &o, msg, sizeof(msg)), -E2BIG);
	cr_expect_str_eq(msg, "line longer than 65536 bytes");
	/* Without a message buffer the verdict is the same. */
	cr_expect_eq(audit_record_parse("[", 1, &o, NULL, 0), -EBADMSG);
	free(big);
}

/* A reader over text; the caller closes r->f and calls audit_reader_done(). */
static void reader(struct audit_reader *r, const char *text, bool whole_lines)
{
	*r = (struct audit_reader){ .whole_lines = whole_lines };
	r->f = fmemopen((char *)text, strlen(text), "r");
	cr_assert_not_null(r->f);
}

static const char three[] = "{\"n\":1}\n{\"n\":2}\n{\"n\":3}";

/* The numbers in the records read until the end, "1 2" for two; the result in *ret_r. */
static const char *read_all(struct audit_reader *r, int *ret_r)
{
	static char got[64];
	struct json_object *o, *v;
	int k;

	got[0] = '\0';
	while ((k = audit_reader_next(r, &o, NULL, 0)) > 0) {
		cr_assert(json_object_object_get_ex(o, "n", &v));
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%d", got[0] ? " " : "",
			 json_object_get_int(v));
		json_object_put(o);
	}
	*ret_r = k;
	return got;
}

Test(audit_record, reader_reads_every_line_or_only_whole_ones)
{
	struct audit_reader r;
	int k;

	reader(&r, three, false);
	cr_expect_str_eq(read_all(&r, &k), "1 2 3");
	cr_expect_eq(k, 0);
	cr_expect_eq(r.line, 3);
	fclose(r.f);
	audit_reader_done(&r);
	audit_reader_done(&r);

	/* A log being written: its last line is not there yet. */
	reader(&r, three, true);
	cr_expect_str_eq(read_all(&r, &k), "1 2");
	cr_expect_eq(k, 0);
	cr_expect_eq(r.line, 2);
	fclose(r.f);
	audit_reader_done(&r);

	reader(&r, "", true);
	cr_expect_str_eq(read_all(&r, &k), "");
	cr_expect_eq(k, 0);
	cr_expect_eq(r.line, 0);
	fclose(r.f);
	audit_reader_done(&r);
}

Test(audit_record, reader_stops_at_a_bad_line_with_its_number)
{
	struct audit_reader r;
	struct json_object *o;
	char msg[128];

	reader(&r, "{\"n\":1}\n\n{\"n\":3}\n", false);
	cr_assert_eq(audit_reader_next(&r, &o, msg, sizeof(msg)), 1);
	json_object_put(o);
	cr_expect_eq(audit_reader_next(&r, &o, msg, sizeof(msg)), -EBADMSG);
	cr_expect_eq(r.line, 2);
	cr_expect_str_eq(msg, "invalid JSON at byte 1: unexpected end of the line");
	fclose(r.f);
	audit_reader_done(&r);
}
