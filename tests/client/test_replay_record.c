/* SPDX-License-Identifier: MIT */
/*
 * client/replay_record.c: one audit record checked key by key (a table of records and
 * what is wrong with each), decided again by a policy, and verdicts compared and printed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "replay.h"

#define ARGS "\"args\":[\"0x3\",\"0xFFFFffff00000000\",\"0x0\",\"0x0\",\"0x0\",\"0x1\"]"
#define REC(rest) "{\"event\":\"syscall\",\"syscall\":\"openat\",\"arch\":\"x86_64\"," \
		  "\"nr\":257," rest "}"

static struct json_object *json(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	cr_assert_not_null(o, "%s", text);
	return o;
}

Test(replay_record, a_syscall_record_is_read_whole)
{
	struct json_object *o = json(REC("\"session\":4,\"pid\":77," ARGS ",\"verdict\":\"deny\","
					 "\"errno\":13,\"errno_name\":\"EACCES\",\"audit\":true,"
					 "\"rule\":\"p:3\""));
	struct replay_record rec;
	char msg[256] = "";

	cr_assert_eq(replay_record_check(o, &rec, msg, sizeof(msg)), 1, "%s", msg);
	cr_expect_str_eq(rec.syscall, "openat");
	cr_expect_eq(rec.arch, SCMP_ARCH_X86_64);
	cr_expect_eq(rec.nr, 257);
	cr_expect_eq(rec.session, 4);
	cr_expect_eq(rec.pid, 77);
	cr_expect_eq(rec.args[0], 3);
	cr_expect_eq(rec.args[1], 0xffffffff00000000ull);
	cr_expect_eq(rec.args[5], 1);
	cr_expect_eq(rec.old.kind, SG_ACT_DENY);
	cr_expect_eq(rec.old.err, 13);
	cr_expect(rec.old.audit);
	cr_expect_str_eq(rec.old.rule, "p:3");
	json_object_put(o);
}

Test(replay_record, optional_keys_and_other_events)
{
	struct json_object *o = json(REC(ARGS ",\"verdict\":\"fake\",\"value\":9223372036854775807"));
	struct json_object *other = json("{\"event\":\"session-start\",\"session\":\"whatever\"}");
	struct replay_record rec;
	char msg[256] = "";

	cr_assert_eq(replay_record_check(o, &rec, msg, sizeof(msg)), 1, "%s", msg);
	cr_expect_eq(rec.session, 0);
	cr_expect_eq(rec.pid, 0);
	cr_expect_eq(rec.old.kind, SG_ACT_FAKE);
	cr_expect_eq(rec.old.value, INT64_MAX);
	cr_expect(!rec.old.audit);
	cr_expect_null(rec.old.rule);
	cr_expect_eq(replay_record_check(other, &rec, msg, sizeof(msg)), 0);
	json_object_put(other);
	json_object_put(o);
}

static const struct {
	const char *json;
	const char *msg;
} bad[] = {
	{ "{}", "missing key 'event'" },
	{ "{\"event\":1}", "key 'event' is not a string" },
	{ "{\"event\":\"syscall\"}", "missing key 'syscall'" },
	{ "{\"event\":\"syscall\",\"syscall\":\"x\"}", "missing key 'arch'" },
	{ "{\"event\":\"syscall\",\"syscall\":\"x\",\"arch\":\"vax\"}", "unknown arch 'vax'" },
	{ "{\"event\":\"syscall\",\"syscall\":\"x\",\"arch\":\"x86\"}", "missing key 'nr'" },
	{ "{\"event\":\"syscall\",\"syscall\":\"x\",\"arch\":\"x86\",\"nr\":\"3\"}",
	  "key 'nr' is not an integer" },
	{ "{\"event\":\"syscall\",\"syscall\":\"x\",\"arch\":\"x86\",\"nr\":-1}",
	  "key 'nr': -1 out of range (0..2147483647)" },
	{ "{\"event\":\"syscall\",\"syscall\":\"x\",\"arch\":\"x86\",\"nr\":2147483648}",
	  "key 'nr': 2147483648 out of range (0..2147483647)" },
	{ REC("\"session\":0"), "key 'session': 0 out of range (1..9223372036854775807)" },
	{ REC("\"pid\":1.5"), "key 'pid' is not an integer" },
	{ REC("\"pid\":2147483648"), "key 'pid': 2147483648 out of range (1..2147483647)" },
	{ REC("\"pid\":1"), "missing key 'args'" },
	{ REC("\"args\":\"0x1\""), "key 'args' is not an array of 6 strings" },
	{ REC("\"args\":[\"0x1\",\"0x2\",\"0x3\",\"0x4\",\"0x5\"]"),
	  "key 'args' is not an array of 6 strings" },
	{ REC("\"args\":[\"0x1\",\"2\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"]"),
	  "args[1]: expected a hex string \"0x...\", got \"2\"" },
	{ REC("\"args\":[\"0x1\",\"0x\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"]"),
	  "args[1]: expected a hex string \"0x...\", got \"0x\"" },
	{ REC("\"args\":[\"0x1\",\"0x0\",\"0x0\",\"0x0\",\"0x0\",\"0x1g\"]"),
	  "args[5]: expected a hex string \"0x...\", got \"0x1g\"" },
	{ REC("\"args\":[\"0x10000000000000000\",\"0x0\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"]"),
	  "args[0]: expected a hex string \"0x...\", got \"0x10000000000000000\"" },
	{ REC("\"args\":[1,\"0x0\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"]"),
	  "args[0]: expected a hex string \"0x...\", got 1" },
	{ REC(ARGS), "missing key 'verdict'" },
	{ REC(ARGS ",\"verdict\":\"maybe\""), "unknown verdict 'maybe'" },
	{ REC(ARGS ",\"verdict\":\"deny\""), "missing key 'errno'" },
	{ REC(ARGS ",\"verdict\":\"deny\",\"errno\":0"), "key 'errno': 0 out of range (1..4095)" },
	{ REC(ARGS ",\"verdict\":\"deny\",\"errno\":4096"), "key 'errno': 4096 out of range (1..4095)" },
	{ REC(ARGS ",\"verdict\":\"fake\""), "missing key 'value'" },
	{ REC(ARGS ",\"verdict\":\"fake\",\"value\":-1"),
	  "key 'value': -1 out of range (0..9223372036854775807)" },
	{ REC(ARGS ",\"verdict\":\"allow\",\"audit\":1"), "key 'audit' is not true or false" },
	{ REC(ARGS ",\"verdict\":\"allow\",\"rule\":3"), "key 'rule' is not a string" },
};

Test(replay_record, invalid_records_table)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = json(bad[i].json);
		struct replay_record rec;
		char msg[256] = "";

		cr_expect_eq(replay_record_check(o, &rec, msg, sizeof(msg)), -EBADMSG, "case %zu: %s",
			     i, bad[i].json);
		cr_expect_str_eq(msg, bad[i].msg, "case %zu", i);
		json_object_put(o);
	}
}

Test(replay_record, the_message_is_truncated_to_its_buffer)
{
	struct json_object *o = json("{\"event\":\"syscall\",\"syscall\":\"x\",\"arch\":\"vax\"}");
	struct replay_record rec;
	char msg[8];

	cr_expect_eq(replay_record_check(o, &rec, msg, sizeof(msg)), -EBADMSG);
	cr_expect_str_eq(msg, "unknown");
	json_object_put(o);
}

static struct sg_policy *parse(const char *text)
{
	struct sg_policy_error e = { 0 };
	struct sg_policy *p = NULL;

	cr_assert_eq(policy_parse(text, strlen(text), "p", &p, &e), 0, "%s", e.msg);
	return p;
}

Test(replay_record, decided_again_by_a_policy)
{
	struct sg_policy *p = parse("version 1\narch x86_64 x86\ndefault deny EPERM audit\n"
				    "openat deny EACCES if arg2 & 3 == 1\n"
				    "openat fake 5 log if arg2 == 2\n"
				    "openat allow log\n");
	static const struct {
		uint32_t arch;
		int nr;
		uint64_t arg2;
		enum sg_action_kind kind;
		int err;
		int64_t value;
		bool audit;
		unsigned line;
		bool def;
	} cases[] = {
		{ SCMP_ARCH_X86_64, 257, 1, SG_ACT_DENY, EACCES, 0, false, 4, false },
		{ SCMP_ARCH_X86_64, 257, 2, SG_ACT_FAKE, 0, 5, false, 5, false },
		{ SCMP_ARCH_X86_64, 257, 0, SG_ACT_ALLOW, 0, 0, false, 6, false },
		{ SCMP_ARCH_X86_64, 0, 0, SG_ACT_DENY, EPERM, 0, true, 3, true },
		{ SCMP_ARCH_X86, 295, 1, SG_ACT_DENY, EACCES, 0, false, 4, false }, /* x86 openat */
		/* an arch the policy does not cover: the filter kills */
		{ SCMP_ARCH_X32, 257, 0, SG_ACT_KILL, 0, 0, false, 0, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct replay_record rec = { .syscall = "x", .arch = cases[i].arch, .nr = cases[i].nr,
					     .args = { 0, 0, cases[i].arg2 } };
		struct replay_verdict v;
		unsigned line = 99;
		bool def = !cases[i].def;

		replay_decide(p, &rec, &v, &line, &def);
		cr_expect_eq(v.kind, cases[i].kind, "case %zu", i);
		cr_expect_eq(v.err, cases[i].err, "case %zu", i);
		cr_expect_eq(v.value, cases[i].value, "case %zu", i);
		cr_expect_eq(v.audit, cases[i].audit, "case %zu", i);
		cr_expect_eq(line, cases[i].line, "case %zu", i);
		cr_expect_eq(def, cases[i].def, "case %zu", i);
	}
	policy_free(p);
}

static const struct {
	struct replay_verdict a, b;
	bool differ;
} differ_cases[] = {
	{ { .kind = SG_ACT_ALLOW }, { .kind = SG_ACT_ALLOW, .rule = "x" }, false },
	{ { .kind = SG_ACT_ALLOW }, { .kind = SG_ACT_DENY, .err = 1 }, true },
	{ { .kind = SG_ACT_DENY, .err = 1 }, { .kind = SG_ACT_DENY, .err = 1 }, false },
	{ { .kind = SG_ACT_DENY, .err = 1 }, { .kind = SG_ACT_DENY, .err = 13 }, true },
	{ { .kind = SG_ACT_DENY, .err = 1 }, { .kind = SG_ACT_DENY, .err = 1, .audit = true }, true },
	{ { .kind = SG_ACT_FAKE, .value = 1 }, { .kind = SG_ACT_FAKE, .value = 2 }, true },
	{ { .kind = SG_ACT_FAKE, .value = 1, .err = 2 }, { .kind = SG_ACT_FAKE, .value = 1 }, false },
	{ { .kind = SG_ACT_KILL, .value = 1 }, { .kind = SG_ACT_KILL, .value = 2 }, false },
	{ { .kind = SG_ACT_KILL }, { .kind = SG_ACT_DENY, .err = 1 }, true },
};

Test(replay_record, verdicts_differ_in_what_the_program_sees)
{
	for (size_t i = 0; i < sizeof(differ_cases) / sizeof(differ_cases[0]); i++) {
		cr_expect_eq(replay_verdict_differs(&differ_cases[i].a, &differ_cases[i].b),
			     differ_cases[i].differ, "case %zu", i);
		cr_expect_eq(replay_verdict_differs(&differ_cases[i].b, &differ_cases[i].a),
			     differ_cases[i].differ, "case %zu swapped", i);
	}
}

Test(replay_record, verdicts_printed_table)
{
	static const struct {
		struct replay_verdict v;
		const char *text;
	} cases[] = {
		{ { .kind = SG_ACT_ALLOW }, "allow" },
		{ { .kind = SG_ACT_DENY, .err = EACCES }, "deny EACCES" },
		{ { .kind = SG_ACT_DENY, .err = 4000 }, "deny 4000" },
		{ { .kind = SG_ACT_DENY, .err = 1, .audit = true }, "deny EPERM (audit)" },
		{ { .kind = SG_ACT_DENY, .err = 4000, .audit = true }, "deny 4000 (audit)" },
		{ { .kind = SG_ACT_FAKE, .value = 3 }, "fake 3" },
		{ { .kind = SG_ACT_FAKE, .value = 0, .audit = true }, "fake 0 (audit)" },
		{ { .kind = SG_ACT_KILL, .audit = true }, "kill (audit)" },
		{ { .kind = SG_ACT_EMULATE }, "emulate" },
		{ { .kind = SG_ACT_MAX }, "?" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_str_eq(replay_verdict_format(&cases[i].v, buf, sizeof(buf)), cases[i].text,
				 "case %zu", i);
}
