/* SPDX-License-Identifier: MIT */
/* lib/policy_merge.c: the union of what several policies allow, as policy text. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "policy_tools.h"

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
			    "version 1\narch x86_64\ndefault kill\nread allow\nopenat allow\n"
			    "socket allow if arg0 == 2\nsocket allow if arg0 == 1\n", &text, &e),
		     0, "%s", e.msg);
	cr_expect(strstr(text, "# note: a:3: 'default deny EPERM' is not carried over"), "%s", text);
	strip(text);
	cr_expect_str_eq(text, "version 1\narch x86_64\ndefault kill\n"
			       "openat allow\nread allow\n"
			       "socket allow if arg0 == 0x1\nsocket allow if arg0 == 0x2\n"
			       "socket deny EAFNOSUPPORT\nwrite allow\n");
	free(text);
}

Test(policy_merge, different_arches_are_refused)
{
	struct sg_policy_error e = { 0 };
	char *text = NULL;

	/* a's "write allow" would otherwise allow every x86 write, which b limits */
	cr_assert_eq(merge2("version 1\narch x86_64\ndefault deny\nwrite allow\n",
			    "version 1\narch x86 x86_64\ndefault deny\nwrite allow if arg0 == 1\n",
			    &text, &e), -EINVAL);
	cr_expect_null(text);
	cr_expect_str_eq(e.file, "b");
	cr_expect_eq(e.line, 0);
	cr_expect_str_eq(e.msg, "cannot merge: it covers the arches 'x86 x86_64', a covers "
				"'x86_64'; a rule cannot be limited to some arches, so the inputs "
				"must have the same arches (the 'arch' line)");
	/* the same arches in another order: merged, in the first input's order */
	cr_assert_eq(merge2("version 1\narch x86_64 x86\ndefault deny\n",
			    "version 1\narch x86 x86_64\ndefault deny\n", &text, &e), 0);
	cr_expect(strstr(text, "\narch x86_64 x86\n"), "%s", text);
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
	cr_expect_eq(p->n_written, 4); /* close, dup (unconditional wins), mknod, ptrace */
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

static const uint64_t probe_args[][SG_MAX_ARGS] = {
	{ 0, 0, 0, 0, 0, 0 }, { 1, 5, 1, 0, 0, 0 }, { 2, 6, 2, 0, 0, 0 },
	{ 5, 0x5401, 3, 0, 0, 0 }, { UINT64_MAX, 7, 0x42, 0, 0, 0 },
};

/* Allowed by p: the arch is covered and the deciding action lets the call run;
 * by_rule: only when a written rule (not the default, not an implied rule) decides
 * so.  The merge writes the inputs' written rules; the merged policy implies its own
 * rules from them (openat2 may then be refused ENOSYS where an input implied an
 * allow: its callers fall back to openat, which the merge allows). */
static bool allows(const struct sg_policy *p, uint32_t arch, int nr, const uint64_t *args,
		   bool by_rule)
{
	const struct sg_rule *r;
	const struct sg_action *a;

	if (policy_arch_index(p, arch) < 0)
		return false;
	a = policy_decide(p, arch, nr, args, &r);
	return !policy_action_blocks(a) && ((r && !r->implied_by) || !by_rule);
}

/* The merge allows every call an input allows with a rule, and nothing no input allows,
 * checked by deciding calls of every nr with the inputs and the merged policy. */
Test(policy_merge, allows_exactly_the_union)
{
	static const char *const texts[] = {
		"version 1\ndefault deny EPERM\nread, write allow\n"
		"ioctl allow if arg1 == 0x5401\nioctl deny ENOTTY\nopenat allow if arg2 & 3 == 1\n"
		"ptrace deny EPERM audit\n",
		"version 1\ndefault kill\nread allow\nwrite allow if arg0 == 1\nclose allow\n"
		"ioctl allow if arg1 == 5\nopenat allow if arg0 == 2\nopenat deny EACCES\n",
		"version 1\ndefault deny EPERM\nopenat allow\nptrace deny EPERM\n"
		"socket allow if arg0 == 1\n",
	};
	unsigned checked = 0;

	for (size_t a = 0; a < 3; a++)
		for (size_t b = 0; b < 3; b++) {
			struct sg_policy *in[2] = { parse("a", texts[a]), parse("b", texts[b]) }, *m;
			struct sg_policy_error e = { 0 };
			char *text = NULL;

			cr_assert_eq(policy_merge((const struct sg_policy *const *)in, 2, &text, &e), 0,
				     "%zu+%zu: %s", a, b, e.msg);
			m = parse("merged", text);
			for (unsigned ai = 0; ai < m->n_arches; ai++) {
				uint32_t arch = m->arches[ai];
				int base = arch == SCMP_ARCH_X32 ? 0x40000000 : 0;

				for (int nr = base; nr < base + 460; nr++) {
					if (arch == SCMP_ARCH_X86 && (nr == 102 || nr == 117))
						continue; /* socketcall, ipc: decided by name */
					for (size_t k = 0; k < sizeof(probe_args) / sizeof(probe_args[0]); k++) {
						const uint64_t *args = probe_args[k];
						bool want = allows(in[0], arch, nr, args, true) ||
							    allows(in[1], arch, nr, args, true);
						bool any = allows(in[0], arch, nr, args, false) ||
							   allows(in[1], arch, nr, args, false);
						bool got = allows(m, arch, nr, args, false);

						checked++;
						cr_expect(!want || got, "%zu+%zu: arch %#x nr %d args %zu: an input "
							  "allows it, the merge does not\n%s", a, b, arch, nr, k, text);
						cr_expect(!got || any, "%zu+%zu: arch %#x nr %d args %zu: allowed by "
							  "the merge only\n%s", a, b, arch, nr, k, text);
					}
				}
			}
			policy_free(m);
			policy_free(in[0]);
			policy_free(in[1]);
			free(text);
		}
	cr_expect_gt(checked, 10000);
}
