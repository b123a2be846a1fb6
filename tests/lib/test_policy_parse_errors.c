/* SPDX-License-Identifier: MIT */
/* lib/policy_parse.c: every error it reports, with its place and caret. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_parse_test.h"

Test(policy_parse_errors, unknown_syscall)
{
	expect_error(H "opne allow\n", "t.policy:3:1: error: unknown syscall 'opne'\n"
				       "opne allow\n"
				       "^\n");
	expect_error(H "read, opne allow\n", "t.policy:3:7: error: unknown syscall 'opne'\n"
					     "read, opne allow\n"
					     "      ^\n");
}

Test(policy_parse_errors, syscall_unknown_on_every_policy_arch)
{
	/* uselib exists on x86_64 and x86 but not on x32. */
	expect_error("version 1\narch x32\ndefault allow\nuselib deny\n",
		     "t.policy:4:1: error: unknown syscall 'uselib'\n"
		     "uselib deny\n"
		     "^\n");
}

Test(policy_parse_errors, unknown_errno)
{
	expect_error(H "open deny EFOO\n", "t.policy:3:11: error: unknown errno 'EFOO'\n"
					   "open deny EFOO\n"
					   "          ^\n");
	expect_error(H "open errno eperm\n", "t.policy:3:12: error: unknown errno 'eperm'\n"
					     "open errno eperm\n"
					     "           ^\n");
}

Test(policy_parse_errors, errno_out_of_range)
{
	expect_error(H "open errno 4096\n", "t.policy:3:12: error: errno '4096' out of range (1..4095)\n"
					    "open errno 4096\n"
					    "           ^\n");
	expect_error(H "open deny 0\n", "t.policy:3:11: error: errno '0' out of range (1..4095)\n"
					"open deny 0\n"
					"          ^\n");
}

Test(policy_parse_errors, missing_errno)
{
	expect_error(H "open errno\n", "t.policy:3:11: error: missing errno after 'errno'\n"
				       "open errno\n"
				       "          ^\n");
}

Test(policy_parse_errors, invalid_number)
{
	expect_error(H "open allow if arg0 == 0x1g\n",
		     "t.policy:3:23: error: invalid number '0x1g'\n"
		     "open allow if arg0 == 0x1g\n"
		     "                      ^\n");
	expect_error(H "open allow if arg0 == 08\n", "t.policy:3:23: error: invalid number '08'\n"
						     "open allow if arg0 == 08\n"
						     "                      ^\n");
	expect_error(H "open allow if arg0 == 0x\n", "t.policy:3:23: error: invalid number '0x'\n"
						     "open allow if arg0 == 0x\n"
						     "                      ^\n");
	expect_error(H "open fake -1\n", "t.policy:3:11: error: invalid number '-1'\n"
					 "open fake -1\n"
					 "          ^\n");
}

Test(policy_parse_errors, number_overflow)
{
	expect_error(H "open allow if arg0 == 18446744073709551616\n",
		     "t.policy:3:23: error: number '18446744073709551616' does not fit in 64 bits\n"
		     "open allow if arg0 == 18446744073709551616\n"
		     "                      ^\n");
	expect_error(H "open allow if arg0 == 0x10000000000000000\n",
		     "t.policy:3:23: error: number '0x10000000000000000' does not fit in 64 bits\n"
		     "open allow if arg0 == 0x10000000000000000\n"
		     "                      ^\n");
	expect_error(H "open fake 9223372036854775808\n",
		     "t.policy:3:11: error: fake value '9223372036854775808' out of range "
		     "(0..9223372036854775807)\n"
		     "open fake 9223372036854775808\n"
		     "          ^\n");
}

Test(policy_parse_errors, unknown_action)
{
	expect_error(H "open permit\n", "t.policy:3:6: error: unknown action 'permit'\n"
					"open permit\n"
					"     ^\n");
	expect_error("version 1\ndefault reject\n", "t.policy:2:9: error: unknown action 'reject'\n"
						    "default reject\n"
						    "        ^\n");
}

Test(policy_parse_errors, missing_action)
{
	expect_error(H "open\n", "t.policy:3:5: error: missing action after 'open'\n"
				 "open\n"
				 "    ^\n");
	expect_error(H "open, close   # comment\n",
		     "t.policy:3:12: error: missing action after 'close'\n"
		     "open, close   # comment\n"
		     "           ^\n");
	expect_error("version 1\ndefault\n", "t.policy:2:8: error: missing action after 'default'\n"
					     "default\n"
					     "       ^\n");
}

Test(policy_parse_errors, missing_syscall_name)
{
	expect_error(H "open, allow\n", "t.policy:3:7: error: unknown syscall 'allow'\n"
					"open, allow\n"
					"      ^\n");
	expect_error(H "open,\n", "t.policy:3:6: error: missing syscall name after ','\n"
				  "open,\n"
				  "     ^\n");
	expect_error(H "open, , close allow\n",
		     "t.policy:3:7: error: missing syscall name after ','\n"
		     "open, , close allow\n"
		     "      ^\n");
}

Test(policy_parse_errors, emulate_needs_a_valid_name)
{
	expect_error(H "mknod emulate\n", "t.policy:3:14: error: missing emulator name after 'emulate'\n"
					  "mknod emulate\n"
					  "             ^\n");
	expect_error(H "mknod emulate a/b\n", "t.policy:3:15: error: invalid emulator name 'a/b'\n"
					      "mknod emulate a/b\n"
					      "              ^\n");
}

Test(policy_parse_errors, missing_version_header)
{
	expect_error("", "t.policy: error: missing 'version' header\n");
	expect_error("# nothing\n\n", "t.policy: error: missing 'version' header\n");
}

Test(policy_parse_errors, directive_before_version)
{
	expect_error("# x\ndefault allow\nversion 1\n",
		     "t.policy:2:1: error: expected 'version' header before 'default'\n"
		     "default allow\n"
		     "^\n");
	expect_error("  open allow\n", "t.policy:1:3: error: expected 'version' header before 'open'\n"
				       "  open allow\n"
				       "  ^\n");
}

Test(policy_parse_errors, duplicate_version_header)
{
	expect_error("version 1\ndefault allow\nversion 1\n",
		     "t.policy:3:1: error: duplicate 'version' header (first on line 1)\n"
		     "version 1\n"
		     "^\n");
}

Test(policy_parse_errors, unsupported_version)
{
	expect_error("version 2\n", "t.policy:1:9: error: unsupported version '2' (supported: 1)\n"
				    "version 2\n"
				    "        ^\n");
	expect_error("version\n", "t.policy:1:8: error: missing version number after 'version'\n"
				  "version\n"
				  "       ^\n");
	expect_error("version one\n", "t.policy:1:9: error: invalid number 'one'\n"
				      "version one\n"
				      "        ^\n");
}

Test(policy_parse_errors, missing_default)
{
	expect_error("version 1\nopen allow\n", "t.policy: error: missing 'default' directive\n");
}

Test(policy_parse_errors, duplicate_default)
{
	expect_error(H "open allow\ndefault kill\n",
		     "t.policy:4:1: error: duplicate 'default' directive (first on line 2)\n"
		     "default kill\n"
		     "^\n");
}

Test(policy_parse_errors, duplicate_arch_directive)
{
	expect_error("version 1\narch x86_64\narch x86\ndefault allow\n",
		     "t.policy:3:1: error: duplicate 'arch' directive (first on line 2)\n"
		     "arch x86\n"
		     "^\n");
	expect_error("version 1\narch x86 i386\n", "t.policy:2:10: error: duplicate arch 'i386'\n"
						   "arch x86 i386\n"
						   "         ^\n");
}

Test(policy_parse_errors, unknown_arch)
{
	expect_error("version 1\narch x86_64 arm64\n", "t.policy:2:13: error: unknown arch 'arm64'\n"
						       "arch x86_64 arm64\n"
						       "            ^\n");
	expect_error("version 1\narch\n", "t.policy:2:5: error: missing arch name after 'arch'\n"
					  "arch\n"
					  "    ^\n");
}

Test(policy_parse_errors, arch_after_rules)
{
	expect_error(H "open allow\narch x86_64\n",
		     "t.policy:4:1: error: 'arch' must come before the first rule (line 3)\n"
		     "arch x86_64\n"
		     "^\n");
}

Test(policy_parse_errors, bad_argument_index)
{
	expect_error(H "open allow if arg6 == 1\n",
		     "t.policy:3:15: error: invalid argument index 'arg6' (arg0..arg5)\n"
		     "open allow if arg6 == 1\n"
		     "              ^\n");
	expect_error(H "open allow if flags == 1\n",
		     "t.policy:3:15: error: expected 'argN', got 'flags'\n"
		     "open allow if flags == 1\n"
		     "              ^\n");
	expect_error(H "open allow if\n", "t.policy:3:14: error: missing condition after 'if'\n"
					  "open allow if\n"
					  "             ^\n");
	expect_error(H "open allow if arg0 == 1 and\n",
		     "t.policy:3:28: error: missing condition after 'and'\n"
		     "open allow if arg0 == 1 and\n"
		     "                           ^\n");
}

Test(policy_parse_errors, bad_operator)
{
	expect_error(H "open allow if arg0 =< 1\n", "t.policy:3:20: error: invalid operator '=<'\n"
						    "open allow if arg0 =< 1\n"
						    "                   ^\n");
	expect_error(H "open allow if arg0 = 1\n", "t.policy:3:20: error: invalid operator '='\n"
						   "open allow if arg0 = 1\n"
						   "                   ^\n");
	expect_error(H "open allow if arg0 eq 1\n", "t.policy:3:20: error: invalid operator 'eq'\n"
						    "open allow if arg0 eq 1\n"
						    "                   ^\n");
	expect_error(H "open allow if arg0\n", "t.policy:3:19: error: missing operator after 'arg0'\n"
					       "open allow if arg0\n"
					       "                  ^\n");
	expect_error(H "open allow if arg0 ==\n", "t.policy:3:22: error: missing number after '=='\n"
						  "open allow if arg0 ==\n"
						  "                     ^\n");
	expect_error(H "open allow if arg1 & 3 != 1\n",
		     "t.policy:3:24: error: expected '==' after mask, got '!='\n"
		     "open allow if arg1 & 3 != 1\n"
		     "                       ^\n");
	expect_error(H "open allow if arg1 & 3\n", "t.policy:3:23: error: missing '==' after mask '3'\n"
						   "open allow if arg1 & 3\n"
						   "                      ^\n");
	expect_error(H "open allow if arg1 &\n", "t.policy:3:21: error: missing mask after '&'\n"
						 "open allow if arg1 &\n"
						 "                    ^\n");
}

Test(policy_parse_errors, too_many_conditions)
{
	const char *line = "open allow if arg0 == 0 and arg1 == 1 and arg2 == 2 and arg3 == 3 and "
			   "arg4 == 4 and arg5 == 5 and arg0 != 9";
	char text[512], expected[1024];

	/* The seventh condition starts at column 15 + 6 * 14 = 99. */
	snprintf(text, sizeof(text), H "%s\n", line);
	snprintf(expected, sizeof(expected),
		 "t.policy:3:99: error: too many conditions (max 6)\n%s\n%*s^\n", line, 98, "");
	expect_error(text, expected);
}

Test(policy_parse_errors, trailing_garbage)
{
	expect_error("version 1 x\n", "t.policy:1:11: error: unexpected 'x'\n"
				      "version 1 x\n"
				      "          ^\n");
	expect_error(H "open allow please\n", "t.policy:3:12: error: unexpected 'please'\n"
					      "open allow please\n"
					      "           ^\n");
	expect_error(H "open deny EPERM if arg0 == 1 foo\n",
		     "t.policy:3:30: error: unexpected 'foo'\n"
		     "open deny EPERM if arg0 == 1 foo\n"
		     "                             ^\n");
	expect_error(H "open allow if arg0 == 1 if arg1 == 2\n",
		     "t.policy:3:25: error: unexpected 'if': join conditions with 'and'\n"
		     "open allow if arg0 == 1 if arg1 == 2\n"
		     "                        ^\n");
	expect_error(H "open allow log if arg0 == 1 quiet if arg1 == 2\n",
		     "t.policy:3:35: error: unexpected 'if': join conditions with 'and'\n"
		     "open allow log if arg0 == 1 quiet if arg1 == 2\n"
		     "                                  ^\n");
	expect_error("version 1\ndefault allow if arg0 == 1\n",
		     "t.policy:2:15: error: conditions are not allowed on 'default'\n"
		     "default allow if arg0 == 1\n"
		     "              ^\n");
	expect_error("version 1\narch x86_64, x86\n", "t.policy:2:12: error: unexpected ','\n"
						      "arch x86_64, x86\n"
						      "           ^\n");
	expect_error(H "== allow\n", "t.policy:3:1: error: unexpected '=='\n"
				     "== allow\n"
				     "^\n");
}

Test(policy_parse_errors, contradicting_modifiers)
{
	expect_error(H "open deny quiet log\n", "t.policy:3:17: error: 'log' contradicts 'quiet'\n"
						"open deny quiet log\n"
						"                ^\n");
	expect_error(H "open kill audit quiet\n",
		     "t.policy:3:17: error: 'quiet' contradicts 'audit'\n"
		     "open kill audit quiet\n"
		     "                ^\n");
	expect_error(H "open allow audit\n", "t.policy:3:12: error: 'audit' cannot be used with 'allow'\n"
					     "open allow audit\n"
					     "           ^\n");
	expect_error(H "open emulate x audit\n",
		     "t.policy:3:16: error: 'audit' cannot be used with 'emulate'\n"
		     "open emulate x audit\n"
		     "               ^\n");
	expect_error(H "open deny log log\n", "t.policy:3:15: error: duplicate modifier 'log'\n"
					      "open deny log log\n"
					      "              ^\n");
	expect_error("version 1\ndefault allow audit\n",
		     "t.policy:2:15: error: 'audit' cannot be used with 'allow'\n"
		     "default allow audit\n"
		     "              ^\n");
}

Test(policy_parse_errors, caret_keeps_tabs)
{
	expect_error(H "\topen,\tclose allow if arg9 == 1\n",
		     "t.policy:3:23: error: invalid argument index 'arg9' (arg0..arg5)\n"
		     "\topen,\tclose allow if arg9 == 1\n"
		     "\t     \t               ^\n");
}

Test(policy_parse_errors, text_too_large)
{
	size_t len = SG_POLICY_TEXT_MAX + 1;
	char *text = malloc(len);

	cr_assert_not_null(text);
	memset(text, '#', len);
	memcpy(text, H, strlen(H));
	expect_error_len(text, len, -EFBIG,
			 "t.policy: error: policy text too large (65537 bytes, max 65536)\n");
	/* Exactly the limit is fine. */
	len = SG_POLICY_TEXT_MAX;
	{
		struct sg_policy *p = NULL;

		cr_assert_eq(policy_parse(text, len, "t.policy", &p, NULL), 0);
		policy_free(p);
	}
	free(text);
}

Test(policy_parse_errors, too_many_rules)
{
	size_t n = SG_POLICY_RULES_MAX + 1, size = strlen(H) + n * 11 + 1, off;
	char *text = malloc(size), expected[256];

	cr_assert_not_null(text);
	off = (size_t)sprintf(text, "%s", H);
	for (size_t i = 0; i < n; i++)
		off += (size_t)sprintf(text + off, "read allow\n");
	snprintf(expected, sizeof(expected),
		 "t.policy:%zu:1: error: too many rules (max 4096)\nread allow\n^\n", n + 2);
	expect_error(text, expected);
	free(text);
}

Test(policy_parse_errors, nul_byte)
{
	static const char text[] = H "open\0 allow\n";

	expect_error_len(text, sizeof(text) - 1, -EINVAL,
			 "t.policy:3:5: error: NUL byte in policy text\n"
			 "open\n"
			 "    ^\n");
}
