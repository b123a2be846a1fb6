/* SPDX-License-Identifier: MIT */
/* lib/policy_merge.c: the union of what several policies allow, as policy text. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

static struct sg_policy *parse(const char *name, const char *text)
{
	struct sg_policy_error e = { 0 };
	struct sg_policy *p = NULL;

	cr_assert_eq(policy_parse(text, strlen(text), name, &p, &e), 0, "%s:%u:%u: %s", name,
		     e.line, e.col, e.msg);
	return p;
}

/* Merge two texts: 0 and *ret, or the negative errno with *err. */
static int merge2(const char *a, const char *b, char **ret, struct sg_policy_error *err)
{
	struct sg_policy *in[2] = { parse("a", a), parse("b", b) };
	int r = policy_merge((const struct sg_policy *const *)in, 2, ret, err);

	policy_free(in[0]);
	policy_free(in[1]);
	return r;
}

/* The merged text without its "# ..." comment parts, lines trimmed. */
static void strip(char *s)
{
	char *w = s;

	for (char *l = s; *l;) {
		char *end = strchrnul(l, '\n'), *hash = memchr(l, '#', (size_t)(end - l));
		char *stop = hash ? hash : end;

		while (stop > l && stop[-1] == ' ')
			stop--;
		if (stop > l) {
			memmove(w, l, (size_t)(stop - l));
			w += stop - l;
			*w++ = '\n';
		}
		l = *end ? end + 1 : end;
	}
	*w = '\0';
}

Test(policy_merge, union_of_allows_sorted_by_name_strictest_default)
{
	struct sg_policy_error e = { 0 };
	char *text = NULL;

	cr_assert_eq(merge2("version 1\narch x86_64\ndefault deny EPERM\nwrite, read allow\n"
			    "socket allow if arg0 == 1\nsocket deny EAFNOSUPPORT\n",
			    "version 1\narch x86\ndefault kill\nread allow\nopenat allow\n"
			    "socket allow if arg0 == 2\nsocket allow if arg0 == 1\n", &text, &e),
		     0, "%s", e.msg);
	cr_expect(strstr(text, "# note: a:3: 'default deny EPERM' is not carried over"), "%s", text);
	strip(text);
	cr_expect_str_eq(text, "version 1\narch x86_64 x86\ndefault kill\n"
			       "openat allow\nread allow\n"
			       "socket allow if arg0 == 0x1\nsocket allow if arg0 == 0x2\n"
			       "socket deny EAFNOSUPPORT\nwrite allow\n");
	free(text);
}

Test(policy_merge, an_unconditional_allow_wins)
{
	char *text = NULL;

	cr_assert_eq(merge2("version 1\ndefault deny\nioctl allow if arg1 == 5\nioctl deny ENOTTY\n",
			    "version 1\ndefault deny\nioctl allow log\n", &text, NULL), 0);
	strip(text);
	cr_expect_str_eq(text, "version 1\narch x86_64 x86 x32\ndefault deny EPERM\n"
			       "ioctl allow log\n");
	free(text);
}

Test(policy_merge, equally_strict_defaults_take_the_first_input)
{
	char *text = NULL;

	cr_assert_eq(merge2("version 1\ndefault deny EACCES\n", "version 1\ndefault deny EPERM\n",
			    &text, NULL), 0);
	cr_expect(strstr(text, "\ndefault deny EACCES\n"), "%s", text);
	cr_expect(strstr(text, "# note: b:2: 'default deny EPERM' is not carried over"), "%s", text);
	free(text);
}

Test(policy_merge, the_merge_is_deterministic_and_parses)
{
	const char *a = "version 1\ndefault deny\nclose, dup allow\nmknod fake 3\n";
	const char *b = "version 1\ndefault allow\nptrace kill\ndup allow if arg0 == 1\n";
	char *t1 = NULL, *t2 = NULL;
	struct sg_policy *p;

	cr_assert_eq(merge2(a, b, &t1, NULL), 0);
	cr_assert_eq(merge2(a, b, &t2, NULL), 0);
	cr_expect_str_eq(t1, t2);
	p = parse("merged", t1);
	cr_expect_eq(p->n_rules, 4); /* close, dup (unconditional wins), mknod, ptrace */
	cr_expect_eq(p->def.kind, SG_ACT_DENY);
	policy_free(p);
	free(t1);
	free(t2);
}

Test(policy_merge, different_fake_rules_are_refused)
{
	struct sg_policy_error e = { 0 };
	char *text = NULL;

	cr_assert_eq(merge2("version 1\ndefault deny\nmknod fake 1\n",
			    "version 1\ndefault deny\nread allow\nmknod fake 2\n", &text, &e),
		     -EINVAL);
	cr_expect_null(text);
	cr_expect_str_eq(e.file, "b");
	cr_expect_eq(e.line, 4);
	cr_expect(strstr(e.msg, "cannot merge 'mknod': 'mknod fake 2' (this line) and "
			 "'mknod fake 1' (a:3) decide it differently"), "%s", e.msg);
	/* the same fake rule in both: fine */
	cr_assert_eq(merge2("version 1\ndefault deny\nmknod fake 1\n",
			    "version 1\ndefault deny\nmknod fake 1\n", &text, &e), 0);
	cr_expect(strstr(text, "\nmknod fake 1 "), "%s", text);
	free(text);
}

Test(policy_merge, a_deny_before_an_allow_merges_only_with_itself)
{
	const char *guarded = "version 1\ndefault deny\nopenat deny EACCES if arg2 & 3 == 1\n"
			      "openat allow\n";
	struct sg_policy_error e = { 0 };
	char *text = NULL;

	cr_assert_eq(merge2(guarded, "version 1\ndefault deny\nopenat allow if arg0 == 5\n",
			    &text, &e), -EINVAL);
	cr_expect_eq(e.line, 3);
	cr_expect(strstr(e.msg, "cannot merge 'openat': this input refuses some calls before "
			 "allowing others"), "%s", e.msg);
	cr_assert_eq(merge2(guarded, guarded, &text, &e), 0);
	strip(text);
	cr_expect(strstr(text, "openat deny EACCES if arg2 & 0x3 == 0x1\nopenat allow\n"), "%s",
		  text);
	free(text);
	/* another input allowing openat unconditionally makes it simple */
	cr_assert_eq(merge2(guarded, "version 1\ndefault deny\nopenat allow\n", &text, &e), 0);
	strip(text);
	cr_expect(strstr(text, "default deny EPERM\nopenat allow\n"), "%s", text);
	free(text);
}

Test(policy_merge, bad_arguments)
{
	char *text = NULL;

	cr_expect_eq(policy_merge(NULL, 2, &text, NULL), -EINVAL);
	cr_expect_eq(policy_merge((const struct sg_policy *const[]){ NULL }, 1, &text, NULL),
		     -EINVAL);
}
