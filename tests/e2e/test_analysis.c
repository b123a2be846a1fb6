/* SPDX-License-Identifier: MIT */
/*
 * What policy check and policy diff say, checked against real runs: the execve
 * warning's claim (the shim's exec passes, the program's own exec is refused), and
 * diff's verdict and rule line against the daemon's audit record of the call.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

TestSuite(analysis, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

Test(analysis, execve_warning_is_what_happens)
{
	const char *p = sg_policy("noexec", "version 1\n"
					    "default allow\n"
					    "execve, execveat deny EPERM\n");
	struct sg_result *r = sg_ctl("policy", "check", p, NULL);
	json_object *rec;

	sg_assert_exit(r, 0);
	cr_expect(strstr(r->err, sg_strf("%s:3:1: warning: execve is not allowed (deny EPERM): "
					 "the daemon lets sysgate-run's own exec of the command "
					 "through, but any later exec is refused", p)),
		  "stderr: %s", r->err);
	/* sh itself runs (the shim's exec); its own exec of true is refused. */
	r = sg_shim(p, "/bin/sh", "-c", "/bin/true; echo rc=$?", NULL);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "rc=126"), "stdout: %s\nstderr: %s", r->out, r->err);
	rec = sg_audit_wait("event", "syscall", "syscall", "execve", "verdict", "deny", NULL);
	cr_assert_not_null(rec, "no execve deny record");
	cr_expect(sg_rule_is(rec, p, 3), "%s", sg_jtext(rec));
}

Test(analysis, diff_names_the_rule_the_daemon_applies)
{
	const char *old = sg_policy("old", "version 1\ndefault allow\n");
	const char *new = sg_policy("new", "version 1\n"
					   "default allow\n"
					   "# deletions are refused\n"
					   "unlink, unlinkat deny EACCES\n");
	const char *file = sg_write_file("victim", "x\n", 0644);
	struct sg_result *r = sg_ctl("--json", "policy", "diff", old, new, NULL);
	json_object *doc, *changes, *c = NULL, *side, *rec;
	const char *rule = NULL;

	sg_assert_exit(r, 1);
	doc = sg_json_parse(r->out, "policy diff --json");
	cr_assert(json_object_object_get_ex(doc, "changes", &changes));
	for (size_t i = 0; i < json_object_array_length(changes); i++) {
		json_object *x = json_object_array_get_idx(changes, i);
		const char *arch = sg_jstr(x, "arch"), *sys = sg_jstr(x, "syscall");

		if (arch && sys && strcmp(arch, "x86_64") == 0 && strcmp(sys, "unlinkat") == 0)
			c = x;
	}
	cr_assert_not_null(c, "no x86_64 unlinkat change in %s", r->out);
	cr_expect_str_eq(sg_jstr(c, "change"), "tighter");
	cr_assert(json_object_object_get_ex(c, "new", &side));
	cr_expect_str_eq(sg_jstr(side, "errno_name"), "EACCES");
	rule = sg_jstr(side, "rule");
	cr_assert_not_null(rule);
	cr_expect_str_eq(rule, sg_strf("%s:4", new));

	/* The real run under NEW: rm is refused, and the record names the same rule. */
	r = sg_shim(new, "/bin/rm", "-f", file, NULL);
	cr_expect(!sg_exited(r, 0), "rm succeeded under %s", new);
	rec = sg_audit_wait("event", "syscall", "syscall", "unlinkat", "verdict", "deny", NULL);
	cr_assert_not_null(rec, "no unlinkat deny record");
	cr_expect_str_eq(sg_jstr(rec, "rule"), rule);
	cr_expect(sg_read_file(file) != NULL, "the file was deleted");
}
