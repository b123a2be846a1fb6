/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_parse.c: the directives, lines and files of the policy language, its error
 * messages with the caret, and the shipped policies.  The pieces of a rule (lexer,
 * actions, conditions, modifiers) are lib/policy_rule.c's: test_policy_rule.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define H "version 1\ndefault allow\n"

static struct sg_policy *parse_ok(const char *text)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char buf[1024];
	int r = policy_parse(text, strlen(text), "t.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "policy_parse failed (%d):\n%s", r, buf);
	cr_assert_not_null(p);
	return p;
}

/* Parse text (len bytes) expecting failure r and exactly the formatted error. */
static void expect_error_len(const char *text, size_t len, int r_expected, const char *expected)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char buf[1024];
	int r = policy_parse(text, len, "t.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, r_expected, "policy_parse returned %d, want %d; error:\n%s", r, r_expected,
		     buf);
	cr_assert_null(p);
	cr_assert_str_eq(buf, expected);
}

static void expect_error(const char *text, const char *expected)
{
	expect_error_len(text, strlen(text), -EINVAL, expected);
}

Test(policy_parse, unknown_syscall)
{
	expect_error(H "opne allow\n", "t.policy:3:1: error: unknown syscall 'opne'\n"
				       "opne allow\n"
				       "^\n");
	expect_error(H "read, opne allow\n", "t.policy:3:7: error: unknown syscall 'opne'\n"
					     "read, opne allow\n"
					     "      ^\n");
}

Test(policy_parse, syscall_unknown_on_every_policy_arch)
{
	/* uselib exists on x86_64 and x86 but not on x32. */
	expect_error("version 1\narch x32\ndefault allow\nuselib deny\n",
		     "t.policy:4:1: error: unknown syscall 'uselib'\n"
		     "uselib deny\n"
		     "^\n");
}

Test(policy_parse, missing_action)
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

Test(policy_parse, missing_syscall_name)
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

Test(policy_parse, missing_version_header)
{
	expect_error("", "t.policy: error: missing 'version' header\n");
	expect_error("# nothing\n\n", "t.policy: error: missing 'version' header\n");
}

Test(policy_parse, directive_before_version)
{
	expect_error("# x\ndefault allow\nversion 1\n",
		     "t.policy:2:1: error: expected 'version' header before 'default'\n"
		     "default allow\n"
		     "^\n");
	expect_error("  open allow\n", "t.policy:1:3: error: expected 'version' header before 'open'\n"
				       "  open allow\n"
				       "  ^\n");
}

Test(policy_parse, duplicate_version_header)
{
	expect_error("version 1\ndefault allow\nversion 1\n",
		     "t.policy:3:1: error: duplicate 'version' header (first on line 1)\n"
		     "version 1\n"
		     "^\n");
}

Test(policy_parse, unsupported_version)
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

Test(policy_parse, missing_default)
{
	expect_error("version 1\nopen allow\n", "t.policy: error: missing 'default' directive\n");
}

Test(policy_parse, duplicate_default)
{
	expect_error(H "open allow\ndefault kill\n",
		     "t.policy:4:1: error: duplicate 'default' directive (first on line 2)\n"
		     "default kill\n"
		     "^\n");
}

Test(policy_parse, duplicate_arch_directive)
{
	expect_error("version 1\narch x86_64\narch x86\ndefault allow\n",
		     "t.policy:3:1: error: duplicate 'arch' directive (first on line 2)\n"
		     "arch x86\n"
		     "^\n");
	expect_error("version 1\narch x86 i386\n", "t.policy:2:10: error: duplicate arch 'i386'\n"
						   "arch x86 i386\n"
						   "         ^\n");
}

Test(policy_parse, unknown_arch)
{
	expect_error("version 1\narch x86_64 arm64\n", "t.policy:2:13: error: unknown arch 'arm64'\n"
						       "arch x86_64 arm64\n"
						       "            ^\n");
	expect_error("version 1\narch\n", "t.policy:2:5: error: missing arch name after 'arch'\n"
					  "arch\n"
					  "    ^\n");
}

Test(policy_parse, arch_after_rules)
{
	expect_error(H "open allow\narch x86_64\n",
		     "t.policy:4:1: error: 'arch' must come before the first rule (line 3)\n"
		     "arch x86_64\n"
		     "^\n");
}

Test(policy_parse, trailing_garbage)
{
	expect_error("version 1 x\n", "t.policy:1:11: error: unexpected 'x'\n"
				      "version 1 x\n"
				      "          ^\n");
	expect_error("version 1\narch x86_64, x86\n", "t.policy:2:12: error: unexpected ','\n"
						      "arch x86_64, x86\n"
						      "           ^\n");
	expect_error(H "== allow\n", "t.policy:3:1: error: unexpected '=='\n"
				     "== allow\n"
				     "^\n");
}

Test(policy_parse, caret_keeps_tabs)
{
	expect_error(H "\topen,\tclose allow if arg9 == 1\n",
		     "t.policy:3:23: error: invalid argument index 'arg9' (arg0..arg5)\n"
		     "\topen,\tclose allow if arg9 == 1\n"
		     "\t     \t               ^\n");
}

Test(policy_parse, text_too_large)
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

Test(policy_parse, too_many_rules)
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

Test(policy_parse, nul_byte)
{
	static const char text[] = H "open\0 allow\n";

	expect_error_len(text, sizeof(text) - 1, -EINVAL,
			 "t.policy:3:5: error: NUL byte in policy text\n"
			 "open\n"
			 "    ^\n");
}

Test(policy_parse, trailing_nul_terminator_is_not_text)
{
	static const char text[] = H "open allow\n";
	struct sg_policy *a = NULL, *b = NULL;

	cr_assert_eq(policy_parse(text, sizeof(text), "t", &a, NULL), 0);
	cr_assert_eq(policy_parse(text, sizeof(text) - 1, "t", &b, NULL), 0);
	cr_assert_eq(a->hash, b->hash);
	policy_free(a);
	policy_free(b);
}

Test(policy_parse, seed_errno_default)
{
	struct sg_policy *p = parse_ok("version 1\n"
				       "default errno 5\n"
				       "close, dup, write, exit allow\n");
	static const char *names[] = { "close", "dup", "write", "exit" };
	static const unsigned cols[] = { 1, 8, 13, 20 };

	cr_assert_eq(p->version, 1);
	cr_assert_eq(p->def.kind, SG_ACT_DENY);
	cr_assert_eq(p->def.err, 5);
	cr_assert_eq(p->def_line, 2);
	cr_assert_eq(p->n_written, 4);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_str_eq(p->rules[i].name, names[i]);
		cr_assert_eq(p->rules[i].line, 3);
		cr_assert_eq(p->rules[i].col, cols[i]);
		cr_assert_eq(p->rules[i].action.kind, SG_ACT_ALLOW);
		cr_assert_eq(p->rules[i].n_conds, 0);
	}
	/* x86_64, x86, x32 numbers of close. */
	cr_assert_eq(p->rules[0].nr[0], 3);
	cr_assert_eq(p->rules[0].nr[1], 6);
	cr_assert_eq(p->rules[0].nr[2], 0x40000003);
	policy_free(p);
}

Test(policy_parse, seed_kill_default_with_conditions)
{
	struct sg_policy *p = parse_ok("version 1\n"
				       "default kill\n"
				       "rt_sigreturn, exit, read, write allow\n"
				       "dup2 allow if arg0 == 1 and arg1 == 2\n");
	const struct sg_rule *r;

	cr_assert_eq(p->def.kind, SG_ACT_KILL);
	cr_assert_eq(p->n_written, 5);
	r = &p->rules[4];
	cr_assert_str_eq(r->name, "dup2");
	cr_assert_eq(r->line, 4);
	cr_assert_eq(r->n_conds, 2);
	cr_assert_eq(r->conds[0].arg, 0);
	cr_assert_eq(r->conds[0].op, SG_CMP_EQ);
	cr_assert_eq(r->conds[0].value, 1);
	cr_assert_eq(r->conds[1].arg, 1);
	cr_assert_eq(r->conds[1].value, 2);
	policy_free(p);
}

Test(policy_parse, default_arches_and_arch_directive)
{
	struct sg_policy *p = parse_ok(H);

	cr_assert_eq(p->n_arches, 3);
	cr_assert_eq(p->arches[0], SCMP_ARCH_X86_64);
	cr_assert_eq(p->arches[1], SCMP_ARCH_X86);
	cr_assert_eq(p->arches[2], SCMP_ARCH_X32);
	policy_free(p);

	p = parse_ok("version 1\narch i386 x86_64\ndefault allow\nopen deny\n");
	cr_assert_eq(p->n_arches, 2);
	cr_assert_eq(p->arches[0], SCMP_ARCH_X86);
	cr_assert_eq(p->arches[1], SCMP_ARCH_X86_64);
	cr_assert_eq(p->rules[0].nr[0], 5);
	cr_assert_eq(p->rules[0].nr[1], 2);
	cr_assert_eq(p->rules[0].nr[2], __NR_SCMP_ERROR);
	policy_free(p);
}

Test(policy_parse, multiplexed_x86_calls_get_direct_numbers)
{
	struct sg_policy *p = parse_ok(H "socket, accept, shmget, kexec_file_load, mmap2 deny\n");
	const struct sg_rule *r = p->rules;

	cr_assert_eq(r[0].nr[1], 359); /* libseccomp says -101 */
	cr_assert_eq(r[1].nr[1], __NR_SCMP_ERROR); /* socketcall only: no direct number */
	cr_assert_eq(r[1].nr[0], 43);
	cr_assert_eq(r[2].nr[1], 395);
	cr_assert_eq(r[3].nr[1], __NR_SCMP_ERROR); /* not on x86 at all */
	cr_assert_eq(r[4].nr[0], __NR_SCMP_ERROR); /* x86 only */
	cr_assert_eq(r[4].nr[1], 192);
	for (unsigned a = 0; a < p->n_arches; a++)
		for (size_t i = 0; i < p->n_index[a]; i++)
			cr_assert_geq(p->index[a][i].nr, 0, "pseudo number in the index");
	policy_free(p);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

Test(policy_parse, hash_is_fnv1a_of_the_text)
{
	const char *a = H "open allow\n", *b = H "open deny\n";
	struct sg_policy *p = parse_ok(a), *q = parse_ok(b);

	cr_assert_eq(p->hash, fnv1a(a));
	cr_assert_eq(q->hash, fnv1a(b));
	cr_assert_neq(p->hash, q->hash);
	cr_assert_str_eq(p->file, "t.policy");
	policy_free(p);
	policy_free(q);
}

Test(policy_parse, comments_blank_lines_and_crlf)
{
	struct sg_policy *p = parse_ok("# header comment\r\n\r\n  version 1   # v\r\n"
				       "\tdefault deny EPERM # d\r\nopen allow#x\r\n");

	cr_assert_eq(p->def_line, 4);
	cr_assert_eq(p->n_written, 1);
	cr_assert_eq(p->rules[0].line, 5);
	policy_free(p);
}

Test(policy_parse, load_file)
{
	char path[] = "/tmp/sg-test-policy.XXXXXX", buf[512];
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char *text = NULL;
	FILE *f;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs(H "open allow\n", f);
	fclose(f);
	cr_assert_eq(policy_load_file(path, &p, &text, &e), 0);
	cr_assert_str_eq(text, H "open allow\n");
	cr_assert_str_eq(p->file, path);
	cr_assert_eq(p->n_written, 1);
	policy_free(p);
	free(text);

	/* Over the limit: -EFBIG, nothing returned. */
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(H, f);
	for (size_t i = 0; i < SG_POLICY_TEXT_MAX; i++)
		fputc('#', f);
	fclose(f);
	p = NULL;
	cr_assert_eq(policy_load_file(path, &p, NULL, &e), -EFBIG);
	cr_assert_null(p);
	unlink(path);

	cr_assert_eq(policy_load_file(path, &p, NULL, &e), -ENOENT);
	policy_error_format(&e, buf, sizeof(buf));
	cr_assert(strstr(buf, "error: cannot open policy: No such file or directory"), "%s", buf);
}

Test(policy_parse, error_format_truncates_safely)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char small[16];

	cr_assert_eq(policy_parse(H "opne allow\n", strlen(H) + 11, "t.policy", &p, &e), -EINVAL);
	memset(small, 'x', sizeof(small));
	policy_error_format(&e, small, sizeof(small));
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(strncmp(small, "t.policy:3:1: e", sizeof(small) - 1), 0);
}

Test(policy_parse, shipped_policies_parse)
{
	const char *src = getenv("SG_SOURCE_ROOT");
	char pattern[4096], buf[1024];
	struct sg_policy_error e;
	glob_t g;

	cr_assert_not_null(src, "SG_SOURCE_ROOT is not set");
	snprintf(pattern, sizeof(pattern), "%s/policies/*.policy", src);
	cr_assert_eq(glob(pattern, 0, NULL, &g), 0);
	cr_assert_geq(g.gl_pathc, 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct sg_policy *p = NULL;
		int r = policy_load_file(g.gl_pathv[i], &p, NULL, &e);

		policy_error_format(&e, buf, sizeof(buf));
		cr_assert_eq(r, 0, "%s", buf);
		cr_assert_eq(policy_check_loadable(p, &e), 0);
		policy_free(p);
	}
	globfree(&g);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	cr_assert_not_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The reference's examples (doc/policy-language.md, or its copy in README.md). */
Test(policy_parse, documented_examples_parse)
{
	const char *src = getenv("SG_SOURCE_ROOT");
	char path[4096], *doc, *s, *end;
	unsigned n = 0;

	cr_assert_not_null(src);
	snprintf(path, sizeof(path), "%s/doc/policy-language.md", src);
	doc = read_text(path);
	if (!doc) {
		snprintf(path, sizeof(path), "%s/README.md", src);
		doc = read_text(path);
	}
	if (!doc || !strstr(doc, "## Policy language")) {
		free(doc);
		cr_skip_test("no policy language reference in doc/ or README.md");
	}
	s = strstr(doc, "## Policy language");
	end = strstr(s + 1, "\n## ");
	if (end)
		*end = '\0';
	while ((s = strstr(s, "```\n")) != NULL) {
		char *block = s + 4, *close = strstr(block, "```");

		cr_assert_not_null(close);
		*close = '\0';
		if (strstr(block, "version 1\n")) {
			struct sg_policy *p = parse_ok(block);

			policy_free(p);
			n++;
		}
		s = close + 3;
	}
	cr_assert_geq(n, 5, "only %u examples found", n);
	free(doc);
}

Test(policy_parse, mode_audit)
{
	struct sg_policy *p = parse_ok("version 1\nmode audit\ndefault deny EPERM\nread allow\n");

	cr_assert(p->audit_mode);
	policy_free(p);
	p = parse_ok("version 1\nmode enforce\ndefault deny EPERM\n");
	cr_assert(!p->audit_mode);
	policy_free(p);
	p = parse_ok(H);
	cr_assert(!p->audit_mode);
	policy_free(p);
}

Test(policy_parse, mode_errors)
{
	expect_error(H "mode loud\n", "t.policy:3:6: error: unknown mode 'loud' (expected audit or enforce)\n"
				      "mode loud\n"
				      "     ^\n");
	expect_error(H "read allow\nmode audit\n",
		     "t.policy:4:1: error: 'mode' must come before the first rule (line 3)\n"
		     "mode audit\n"
		     "^\n");
	expect_error(H "mode audit\nmode enforce\n",
		     "t.policy:4:1: error: duplicate 'mode' directive (first on line 3)\n"
		     "mode enforce\n"
		     "^\n");
}

Test(policy_parse, unreachable_sets_the_errno_of_trapped_calls_without_a_daemon)
{
	struct sg_policy *p = parse_ok("version 1\nunreachable EPERM\ndefault allow\n");

	cr_assert_eq(p->unreachable_errno, EPERM);
	policy_free(p);
	p = parse_ok("version 1\nunreachable 5\ndefault allow\n");
	cr_assert_eq(p->unreachable_errno, 5);
	policy_free(p);
	p = parse_ok(H);
	cr_assert_eq(p->unreachable_errno, 0, "default: 0 (ENOSYS)");
	policy_free(p);
	expect_error(H "unreachable\n",
		     "t.policy:3:12: error: missing errno after 'unreachable' (e.g. EPERM)\n"
		     "unreachable\n"
		     "           ^\n");
	expect_error(H "unreachable EWHAT\n", "t.policy:3:13: error: unknown errno 'EWHAT'\n"
					      "unreachable EWHAT\n"
					      "            ^\n");
	expect_error(H "unreachable 0\n",
		     "t.policy:3:13: error: errno '0' out of range (1..4095)\n"
		     "unreachable 0\n"
		     "            ^\n");
	expect_error(H "read allow\nunreachable EPERM\n",
		     "t.policy:4:1: error: 'unreachable' must come before the first rule (line 3)\n"
		     "unreachable EPERM\n"
		     "^\n");
	expect_error(H "unreachable EPERM\nunreachable EIO\n",
		     "t.policy:4:1: error: duplicate 'unreachable' directive (first on line 3)\n"
		     "unreachable EIO\n"
		     "^\n");
	expect_error(H "unreachable EPERM EIO\n", "t.policy:3:19: error: unexpected 'EIO'\n"
						  "unreachable EPERM EIO\n"
						  "                  ^\n");
}

