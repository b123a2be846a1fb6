/* SPDX-License-Identifier: MIT */
/*
 * lib/policy_equiv.c and policy_equiv_family.c: the rules a policy's written rules
 * imply for equivalent calls.  A table (policy -> implied rules, each with the line
 * of the rule it comes from), then the decisions themselves: an equivalent call gets
 * the verdict the written rule gives its twin, over a grid of arguments.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "policy.h"
#include "policy_tools.h"

static struct sg_policy *parse(const char *text)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char buf[1024];
	int r = policy_parse(text, strlen(text), "equiv.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "%s", buf);
	return p;
}

/* "LINE: RULE\n" per implied rule, in order; malloc'd. */
static char *implied_text(const struct sg_policy *p)
{
	char *out = NULL, rule[512];
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	cr_assert_not_null(f);
	for (size_t i = p->n_written; i < p->n_rules; i++) {
		const struct sg_rule *r = &p->rules[i];

		cr_assert_gt(r->implied_by, 0);
		cr_assert_eq(r->line, p->rules[r->implied_by - 1].line);
		cr_assert_not_null(r->implied_why);
		fprintf(f, "%u: %s\n", r->line, policy_rule_format(r, rule, sizeof(rule)));
	}
	fclose(f);
	return out;
}

#define URING(line) line ": io_uring_setup deny EPERM\n" line ": io_uring_enter deny EPERM\n" \
	line ": io_uring_register deny EPERM\n"

struct row {
	const char *policy; /* after "version 1\n" */
	const char *implied;
};

static const struct row rows[] = {
	/* open: flags move to open's arg1; creat's are O_CREAT|O_WRONLY|O_TRUNC, decided
	 * here; openat2 keeps them in memory: refused */
	{ "default deny EPERM\nopenat deny EACCES if arg2 & 3 == 1\n",
	  "3: open deny EACCES if arg1 & 0x3 == 0x1\n3: creat deny EACCES\n"
	  "3: openat2 deny ENOSYS\n" },
	{ "default deny EPERM\nopenat allow if arg2 & 3 == 0\nopenat deny EACCES\n",
	  "3: open allow if arg1 & 0x3 == 0x0\n4: open deny EACCES\n4: creat deny EACCES\n"
	  "3: openat2 deny ENOSYS\n" },
	/* an unconditional rule applies as is; a dirfd condition is AT_FDCWD for open */
	{ "default deny EPERM\nopen allow\n",
	  "3: openat allow\n3: creat allow\n3: openat2 allow\n" },
	{ "default deny EPERM\nopenat deny if arg0 == 5\n", "3: openat2 deny EPERM if arg0 == 0x5\n" },
	{ "default deny EPERM\nopenat deny if arg0 == 0xffffffffffffff9c\n",
	  "3: open deny EPERM\n3: creat deny EPERM\n3: openat2 deny EPERM if arg0 == "
	  "0xffffffffffffff9c\n" },
	/* named calls decide themselves */
	{ "default deny EPERM\nopenat allow\nopen, creat, openat2 deny\n", "" },
	{ "default deny EPERM\nopenat allow\nopenat2 deny ENOSYS quiet\n",
	  "3: open allow\n3: creat allow\n" },
	/* an emulator that cannot carry a call out: refused ENOSYS */
	{ "default deny EPERM\nopenat emulate open /etc\n",
	  "3: open emulate open /etc\n3: creat deny ENOSYS\n3: openat2 deny ENOSYS\n" },
	/* removal: unlink covers flags 0, rmdir AT_REMOVEDIR; renames get the stopping
	 * and recorded rules, widened, and renameat2 not with NOREPLACE/EXCHANGE */
	{ "default deny EPERM\nunlinkat deny EACCES\n",
	  "3: unlink deny EACCES\n3: rmdir deny EACCES\n3: renameat deny EACCES\n"
	  "3: rename deny EACCES\n3: renameat2 deny EACCES if arg4 & 0x3 == 0x0\n" },
	{ "default allow quiet\nrmdir deny\n",
	  "3: unlinkat deny EPERM if arg2 == 0x200\n3: renameat deny EPERM\n3: rename deny EPERM\n"
	  "3: renameat2 deny EPERM if arg4 & 0x3 == 0x0\n" URING("3") },
	{ "default deny EPERM\nunlinkat deny if arg2 & 0x200 == 0\n",
	  "3: unlink deny EPERM\n3: renameat deny EPERM\n3: rename deny EPERM\n"
	  "3: renameat2 deny EPERM if arg4 & 0x3 == 0x0\n" },
	{ "default deny EPERM\nunlink, rmdir allow\n",
	  "3: unlinkat allow if arg2 == 0x0\n3: unlinkat allow if arg2 == 0x200\n" },
	{ "default deny EPERM\nunlinkat allow log\n",
	  "3: unlink allow log\n3: rmdir allow log\n3: renameat allow log\n3: rename allow log\n"
	  "3: renameat2 allow log if arg4 & 0x3 == 0x0\n" },
	{ "default deny EPERM\nunlinkat deny\nrename allow\n",
	  "3: unlink deny EPERM\n3: rmdir deny EPERM\n3: renameat deny EPERM\n"
	  "3: renameat2 deny EPERM if arg4 & 0x3 == 0x0\n" },
	/* nodes, directories, programs */
	{ "default deny EPERM\nmknod fake if arg1 & 0170000 == 0020000\n",
	  "3: mknodat fake 0 if arg2 & 0xf000 == 0x2000\n" },
	{ "default deny EPERM\nmkdirat deny EACCES if arg2 == 0777\n",
	  "3: mkdir deny EACCES if arg1 == 0x1ff\n" },
	{ "default deny EPERM\nmkdirat deny EACCES if arg0 == 3\n", "" },
	{ "default deny EPERM\nexecve allow\n", "3: execveat allow\n" },
	{ "default deny EPERM\nexecveat allow\n", "" },
	/* tasks and namespaces */
	{ "default deny EPERM\nclone deny EACCES if arg0 & 0x10000000 == 0x10000000\n",
	  "3: clone3 deny ENOSYS\n3: unshare deny EACCES if arg0 & 0x10000000 == 0x10000000\n" },
	{ "default deny EPERM\nclone kill\n", "3: clone3 kill\n3: fork kill\n3: vfork kill\n" },
	{ "default deny EPERM\nclone allow if arg1 == 0\n",
	  "3: clone3 deny ENOSYS\n3: fork allow\n3: vfork allow\n" },
	{ "default deny EPERM\nclone allow if arg0 & 0x4000 == 0\n",
	  "3: clone3 deny ENOSYS\n3: fork allow\n3: unshare allow if arg0 & 0x4000 == 0x0\n" },
	/* i386 socketcall and ipc: refused for the calls whose rules have conditions */
	{ "default deny EPERM\nsocket deny EACCES if arg0 == 16\nsocket allow\nconnect allow\n",
	  "3: socketcall deny ENOSYS if arg0 == 0x1\n" },
	{ "default deny EPERM\naccept allow if arg2 == 0\nsemget deny if arg2 == 0\n",
	  "3: socketcall deny ENOSYS if arg0 == 0x5\n4: ipc deny ENOSYS if arg0 & 0xffff == 0x2\n" },
	{ "default deny EPERM\narch x86_64 x32\nsocket deny EACCES if arg0 == 16\n", "" },
	{ "default deny EPERM\nsocket deny EACCES if arg0 == 16\nsocketcall allow\n", "" },
	/* io_uring: refused while a rule decides a call it can perform */
	{ "default allow\ngetpid fake 1\nread allow log\n", URING("4") },
	{ "default allow\nread allow log\nio_uring_setup allow\n", "" },
	{ "default allow\nread allow log\nio_uring_enter allow\n",
	  "3: io_uring_setup deny EPERM\n3: io_uring_register deny EPERM\n" },
	{ "default kill\nread allow log\n", "" },
	{ "default allow\nmount allow log\n", "" },
	{ "default allow\n", "" },
};

Test(policy_equiv, implied_rules_table)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *text = NULL, *got;
		struct sg_policy *p;

		cr_assert_gt(asprintf(&text, "version 1\n%s", rows[i].policy), 0);
		p = parse(text);
		got = implied_text(p);
		cr_expect_str_eq(got, rows[i].implied, "row %zu:\n%s", i, text);
		policy_free(p);
		free(got);
		free(text);
	}
}

/* The same verdict and deciding line for two calls, on x86_64. */
static void same_verdict(const struct sg_policy *p, int nr_a, const uint64_t a[SG_MAX_ARGS],
			 int nr_b, const uint64_t b[SG_MAX_ARGS], const char *what)
{
	const struct sg_rule *ra, *rb;
	const struct sg_action *x = policy_decide(p, AUDIT_ARCH_X86_64, nr_a, a, &ra);
	const struct sg_action *y = policy_decide(p, AUDIT_ARCH_X86_64, nr_b, b, &rb);

	cr_expect(x->kind == y->kind && x->err == y->err && x->value == y->value &&
		  (ra ? ra->line : 0) == (rb ? rb->line : 0),
		  "%s: flags/mode 0x%llx 0x%llx: %d/%d (line %u) vs %d/%d (line %u)", what,
		  (unsigned long long)a[2], (unsigned long long)a[3], x->kind, x->err,
		  ra ? ra->line : 0, y->kind, y->err, rb ? rb->line : 0);
}

static const uint64_t grid[] = { 0, 1, 2, 3, 0x40, 0x41, 0x200, 0x241, 0x10000, 0777, 0x1ff,
				 0xffffffffffffff9cull };

/* open(path, flags, mode) is openat(AT_FDCWD, path, flags, mode), for any openat rules. */
Test(policy_equiv, open_decides_as_openat_with_at_fdcwd)
{
	struct sg_policy *p = parse("version 1\ndefault deny EPERM\n"
				    "openat allow if arg2 & 3 == 0 and arg3 == 0\n"
				    "openat deny EACCES if arg2 & 0x40 == 0x40\n"
				    "openat fake 7 if arg0 == 0xffffffffffffff9c and arg2 == 2\n"
				    "openat allow log if arg3 > 0x100\n");

	for (size_t f = 0; f < sizeof(grid) / sizeof(grid[0]); f++)
		for (size_t m = 0; m < sizeof(grid) / sizeof(grid[0]); m++) {
			uint64_t at[SG_MAX_ARGS] = { (uint64_t)(int64_t)AT_FDCWD, 0x1000, grid[f],
						     grid[m] };
			uint64_t op[SG_MAX_ARGS] = { 0x1000, grid[f], grid[m] };

			same_verdict(p, 257 /* openat */, at, 2 /* open */, op, "open");
		}
	policy_free(p);
}

/* unlink is unlinkat(AT_FDCWD, path, 0), rmdir unlinkat(AT_FDCWD, path, AT_REMOVEDIR). */
Test(policy_equiv, unlink_and_rmdir_decide_as_unlinkat)
{
	struct sg_policy *p = parse("version 1\ndefault allow\n"
				    "unlinkat deny EACCES if arg2 & 0x200 == 0x200\n"
				    "unlinkat fake 0 if arg0 == 0xffffffffffffff9c\n");
	uint64_t at[SG_MAX_ARGS] = { (uint64_t)(int64_t)AT_FDCWD, 0x1000, 0 };
	uint64_t one[SG_MAX_ARGS] = { 0x1000 };

	same_verdict(p, 263 /* unlinkat */, at, 87 /* unlink */, one, "unlink");
	at[2] = 0x200;
	same_verdict(p, 263, at, 84 /* rmdir */, one, "rmdir");
	policy_free(p);
}

/* A policy whose rules imply more rules than a policy may have: refused with the place. */
Test(policy_equiv, too_many_implied_rules_is_an_error)
{
	size_t n = 500, size = n * 64 + 64, len = 0; /* 10 implied rules a line */
	char *text = malloc(size), buf[1024];
	struct sg_policy *p = NULL;
	struct sg_policy_error e;

	cr_assert_not_null(text);
	len += (size_t)snprintf(text, size, "version 1\ndefault allow\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, size - len,
					"unlinkat, openat, mknodat, mkdirat deny if arg1 == %zu\n", i);
	cr_assert_eq(policy_parse(text, len, "big.policy", &p, &e), -E2BIG);
	cr_assert_null(p);
	policy_error_format(&e, buf, sizeof(buf));
	cr_expect_str_eq(e.file, "big.policy");
	cr_expect_gt(e.line, 2, "%s", buf);
	cr_expect(strstr(e.msg, "too many implied rules"), "%s", buf);
	free(text);
}

/* Expanding again (a copy, a reload) gives the same rules, never more. */
Test(policy_equiv, expanding_twice_is_the_same)
{
	struct sg_policy *p = parse("version 1\ndefault allow\nunlinkat deny\n");
	size_t n = p->n_rules;
	char *before = implied_text(p), *after;

	cr_assert_eq(policy_equiv_expand(p, NULL), 0);
	cr_assert_eq(p->n_rules, n);
	after = implied_text(p);
	cr_expect_str_eq(after, before);
	cr_expect_eq(policy_equiv_expand(NULL, NULL), -EINVAL);
	free(before);
	free(after);
	policy_free(p);
}

/* What policy check prints for an implied rule, and the opt-out it names. */
Test(policy_equiv, the_note_names_source_reason_and_opt_out)
{
	struct sg_policy *p = parse("version 1\ndefault allow\nunlinkat deny\n");
	char buf[1536];

	cr_assert_gt(p->n_rules, p->n_written);
	policy_implied_format(p, &p->rules[p->n_written], buf, sizeof(buf));
	cr_expect_str_eq(buf, "implied 'unlink deny EPERM' by 'unlinkat deny EPERM': unlink, "
			      "unlinkat and rmdir remove the same names; name 'unlink' in the "
			      "policy to decide it yourself");
	policy_implied_format(p, &p->rules[p->n_rules - 1], buf, sizeof(buf));
	cr_expect(strstr(buf, "implied 'io_uring_register deny EPERM'") == buf, "%s", buf);
	cr_expect(strstr(buf, "name 'io_uring_setup' in the policy"), "%s", buf);
	policy_implied_format(p, &p->rules[0], buf, sizeof(buf));
	cr_expect_str_eq(buf, "written rule");
	policy_free(p);
}
