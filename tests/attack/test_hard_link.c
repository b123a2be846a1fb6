/*
 * SPDX-License-Identifier: MIT
 *
 * Hard links against `emulate open PREFIX` (issue 13): the rule checks the path
 * of the file the daemon opened, and a hard link is another path of the same
 * inode.  A target that may write outside the prefix links DIR/secret/x into
 * DIR/pub and opens the link: it gets the file, content and all.  This is the
 * documented limit (README, "What is not there yet"), asserted as it is so that
 * the day the rule compares what it opened differently this test, and the
 * README, change with it.  A symlink to the same file is refused.  Emulation is
 * notify's: under trace and trap this skips.
 */
#include "harness.h"

TestSuite(hard_link, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

Test(hard_link, a_hard_link_made_outside_the_prefixes_opens_the_denied_file)
{
	const char *pol, *link;
	struct sg_result *r;
	json_object *rec;

	sg_require_mechanism("notify", "emulation is notify's: trace and trap sessions refuse "
				       "emulate rules (tests/e2e/test_emulate.c)");
	pol = sg_open_rule_policy();
	link = sg_strf("%s/pub/hl", sg_dir());
	r = sg_shim(pol, sg_bin("tests/attack/open_via"), "hardlink",
		    sg_strf("%s/secret/x", sg_dir()), link, NULL);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "link=ok\nhardlink=ok secret\nsymlink=ok\n"
				 "via-symlink=-1 errno=EACCES\n",
			 "%s\ngot:\n%s\nstderr:\n%s", r->cmd, r->out, r->err);
	sg_audit_wait_sessions_ended(1);
	rec = sg_audit_emulated(link);
	cr_assert_not_null(rec, "no record of the open of %s: %s", link, sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jsub(rec, "result", "outcome"), "opened", "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jsub(rec, "decoded", "opened"), link, "%s", sg_jtext(rec));
}
