/* SPDX-License-Identifier: MIT */
/* lib/policy_parse.c: the policy language and the shipped policies (its error messages:
 * test_policy_parse_errors.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "policy_parse_test.h"

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
	cr_assert_eq(p->n_rules, 4);
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
	cr_assert_eq(p->n_rules, 5);
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

Test(policy_parse, actions_and_modifiers)
{
	struct sg_policy *p = parse_ok(H "open deny\n"
					 "openat errno EACCES log\n"
					 "creat deny 0x0d audit\n"
					 "mkdir fake\n"
					 "rmdir fake 0777 quiet\n"
					 "chmod kill quiet\n"
					 "mknod emulate mknod-dev\n"
					 "kill allow\n"
					 "tkill kill\n");
	const struct sg_rule *r = p->rules;

	cr_assert_eq(p->n_written, 9);
	cr_assert_eq(r[0].action.kind, SG_ACT_DENY);
	cr_assert_eq(r[0].action.err, EPERM);
	cr_assert_eq(r[1].action.err, EACCES);
	cr_assert_eq(r[1].action.flags, SG_FLAG_LOG);
	cr_assert_eq(r[2].action.err, 13);
	cr_assert_eq(r[2].action.flags, SG_FLAG_AUDIT);
	cr_assert_eq(r[3].action.kind, SG_ACT_FAKE);
	cr_assert_eq(r[3].action.value, 0);
	cr_assert_eq(r[4].action.value, 0777);
	cr_assert_eq(r[4].action.flags, SG_FLAG_QUIET);
	cr_assert_eq(r[5].action.kind, SG_ACT_KILL);
	cr_assert_eq(r[6].action.kind, SG_ACT_EMULATE);
	cr_assert_str_eq(r[6].action.emulator, "mknod-dev");
	cr_assert_str_eq(r[7].name, "kill"); /* a syscall named like an action */
	cr_assert_eq(r[7].action.kind, SG_ACT_ALLOW);
	cr_assert_eq(r[8].action.kind, SG_ACT_KILL);
	policy_free(p);
}

Test(policy_parse, modifiers_before_or_after_conditions)
{
	struct sg_policy *p = parse_ok(H "open allow log if arg0 == 1\n"
					 "open deny EIO if arg0 == 2 quiet\n"
					 "open fake quiet if arg0 == 3 and arg1 == 4\n"
					 "open kill audit\n");
	const struct sg_rule *r = p->rules;

	cr_assert_eq(r[0].action.flags, SG_FLAG_LOG);
	cr_assert_eq(r[0].n_conds, 1);
	cr_assert_eq(r[1].action.flags, SG_FLAG_QUIET);
	cr_assert_eq(r[1].conds[0].value, 2);
	cr_assert_eq(r[2].action.flags, SG_FLAG_QUIET);
	cr_assert_eq(r[2].n_conds, 2);
	cr_assert_eq(r[3].action.flags, SG_FLAG_AUDIT);
	policy_free(p);
}

Test(policy_parse, conditions_and_numbers)
{
	struct sg_policy *p = parse_ok(
		H "mknodat allow if arg2 & 0170000 == 0020000 and arg3 <= 0xffffffffffffffff\n"
		  "ioctl deny if arg1 != 0x5401 and arg0 < 3 and arg2 > 10 and arg3 >= 010\n"
		  "read allow if arg0==1 and arg1&0x3==1\n");
	const struct sg_rule *r = p->rules;

	cr_assert_eq(r[0].conds[0].op, SG_CMP_MASKED_EQ);
	cr_assert_eq(r[0].conds[0].arg, 2);
	cr_assert_eq(r[0].conds[0].mask, 0170000);
	cr_assert_eq(r[0].conds[0].value, 0020000);
	cr_assert_eq(r[0].conds[1].op, SG_CMP_LE);
	cr_assert_eq(r[0].conds[1].value, UINT64_MAX);
	cr_assert_eq(r[1].n_conds, 4);
	cr_assert_eq(r[1].conds[0].op, SG_CMP_NE);
	cr_assert_eq(r[1].conds[0].value, 0x5401);
	cr_assert_eq(r[1].conds[1].op, SG_CMP_LT);
	cr_assert_eq(r[1].conds[2].op, SG_CMP_GT);
	cr_assert_eq(r[1].conds[3].op, SG_CMP_GE);
	cr_assert_eq(r[1].conds[3].value, 8);
	cr_assert_eq(r[2].n_conds, 2); /* operators need no spaces */
	cr_assert_eq(r[2].conds[1].mask, 3);
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

Test(policy_parse, check_loadable_validates_emulators)
{
	struct sg_policy *p = parse_ok(H "read allow\n  mknod emulate mknodx\n");
	struct sg_policy_error e;
	char buf[512];

	cr_assert_eq(policy_check_loadable(p, &e), -EINVAL);
	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_str_eq(buf, "t.policy:4:3: error: unknown emulator 'mknodx' (known: mknod, "
			      "mknod-strict, chown, xattr, sched, open)\n");
	policy_free(p);

	p = parse_ok(H "read allow\nopenat emulate mknod\n");
	cr_assert_eq(policy_check_loadable(p, &e), -EINVAL);
	cr_assert_eq(e.line, 4);
	cr_assert_str_eq(e.msg, "emulator 'mknod' cannot carry out 'openat'");
	policy_free(p);

	p = parse_ok("version 1\n\ndefault emulate mknod\n");
	cr_assert_eq(policy_check_loadable(p, &e), -EINVAL);
	cr_assert_eq(e.line, 3);
	cr_assert(strstr(e.msg, "cannot be the default"));
	policy_free(p);

	p = parse_ok(H "mknod, mknodat emulate mknod if arg1 & 0170000 == 0020000\n"
		       "fchownat emulate chown\nsetpriority emulate sched\n");
	cr_assert_eq(policy_check_loadable(p, &e), 0);
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

Test(policy_parse, mknod_takes_its_own_device_allowlist)
{
	static const char *const bad[] = { "1", "1:", ":3", "1:3x", "4096:0", "1:1048576", "c1:3" };
	struct sg_policy_error e;
	struct sg_policy *p = parse_ok(H "mknodat emulate mknod 1:3 10:200 136:0\n");
	unsigned maj = 0, min = 0;
	char text[128], buf[512];

	cr_assert_eq(policy_check_loadable(p, &e), 0, "%s", e.msg);
	policy_free(p);
	cr_assert_eq(policy_emu_parse_dev("10:200", 6, &maj, &min), 0);
	cr_assert(maj == 10 && min == 200);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), H "mknodat emulate mknod-strict 1:5 %s\n", bad[i]);
		p = parse_ok(text);
		cr_assert_eq(policy_check_loadable(p, &e), -EINVAL, "%s", bad[i]);
		policy_error_format(&e, buf, sizeof(buf));
		cr_expect(strstr(buf, "t.policy:3:1: error: emulator 'mknod-strict':"), "%s", buf);
		policy_free(p);
	}
}
