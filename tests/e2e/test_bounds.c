/* SPDX-License-Identifier: MIT */
/*
 * The administrator's bounds on the emulators (sysgated --config): a user other than
 * root cannot make the root daemon create a device node, or emulate chown, beyond what
 * the configuration allows, whatever their own policy says; refused at REGISTER and at
 * policy load, with a record.  Root's sessions are not bounded.  A bad configuration
 * stops the daemon with its position.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.h"

TestSuite(bounds, .init = sg_setup, .fini = sg_teardown, .timeout = 60);

#define KMSG_RULE "mknodat emulate mknod 1:11 if arg2 & 0170000 == 0020000\n"

/* A directory nobody may write in, and the path of a node in it. */
static const char *nobody_dir(void)
{
	const char *pub = sg_strf("%s/pub", sg_dir());

	if (geteuid() != 0)
		sg_skip("running a session as another user needs root");
	cr_assert_eq(mkdir(pub, 0777), 0);
	cr_assert_eq(chmod(pub, 0777), 0);
	return pub;
}

static struct sg_result *mknod_as(bool nobody, const char *pol, const char *node,
				  const char *expect)
{
	const struct sg_opts o = { .as_nobody = nobody };

	return sg_run(sg_shim_argv(pol, sg_target("do_mknod"), node, expect, "1:11", NULL), &o);
}

Test(bounds, a_user_s_device_outside_the_configuration_is_refused_at_register)
{
	const char *pol, *node;
	struct sg_result *r;
	json_object *rec;
	struct stat st;

	sg_require_mechanism("notify", "emulators are notify only");
	sg_setup_daemon();
	node = sg_strf("%s/kmsg", nobody_dir());
	pol = sg_policy("kmsg", "version 1\ndefault allow\n" KMSG_RULE);
	r = mknod_as(true, pol, node, "ok");
	sg_assert_exit(r, 125);
	cr_expect(strstr(r->err, "kmsg.policy:3:1: error: mknod of device 1:11: not allowed by "
			 "the daemon's configuration"), "%s", r->err);
	cr_expect(lstat(node, &st) < 0 && errno == ENOENT, "a node was made");
	rec = sg_audit_wait("event", "refused", "request", "register", NULL);
	cr_assert_not_null(rec, "no refused record:\n%s", sg_jtext(sg_audit()));
	cr_expect(strstr(sg_jtext(rec), "1:11"), "%s", sg_jtext(rec));
	/* root's own session is not bounded: the same policy makes the node */
	r = mknod_as(false, pol, node, "ok");
	sg_assert_exit(r, 0);
	cr_assert_eq(lstat(node, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 11), "mode 0%o", st.st_mode);
}

Test(bounds, the_configuration_widens_and_narrows_what_users_get)
{
	const char *pol, *node;
	struct sg_result *r;
	struct stat st;

	sg_require_mechanism("notify", "emulators are notify only");
	sg_setup_daemon_config("# test\nmknod-devices 1:11   # kmsg, for this test only\n");
	node = sg_strf("%s/kmsg", nobody_dir());
	pol = sg_policy("kmsg", "version 1\ndefault allow\n" KMSG_RULE);
	r = mknod_as(true, pol, node, "ok");
	sg_assert_exit(r, 0);
	cr_assert_eq(lstat(node, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 11) && st.st_uid == SG_NOBODY,
		  "mode 0%o uid %u", st.st_mode, st.st_uid);
	/* a rule without a list gets the configuration's: 1:3 is no longer in it */
	pol = sg_policy("plain", "version 1\ndefault allow\n"
				 "mknodat emulate mknod if arg2 & 0170000 == 0020000\n");
	r = sg_run(sg_shim_argv(pol, sg_target("do_mknod"), sg_strf("%s/pub/null", sg_dir()), "ok",
				NULL), &(const struct sg_opts){ .as_nobody = true });
	sg_assert_exit(r, 0);
	cr_assert_eq(lstat(sg_strf("%s/pub/null", sg_dir()), &st), 0);
	cr_expect(S_ISREG(st.st_mode), "1:3 is outside the configuration: a placeholder");
}

Test(bounds, chown_emulation_can_be_withheld_from_users)
{
	const char *pol = sg_policy("ch", "version 1\ndefault allow\nfchownat emulate chown\n");
	const struct sg_opts nobody = { .as_nobody = true };
	struct sg_result *r;

	sg_require_mechanism("notify", "emulators are notify only");
	if (geteuid() != 0)
		sg_skip("running a session as another user needs root");
	sg_setup_daemon_config("chown no\n");
	cr_assert_eq(chmod(sg_dir(), 0711), 0);
	r = sg_run(sg_shim_argv(pol, sg_target("exit_with"), "0", NULL), &nobody);
	sg_assert_exit(r, 125);
	cr_expect(strstr(r->err, "ch.policy:3:1: error: emulate chown: not allowed by the daemon's "
			 "configuration"), "%s", r->err);
	r = sg_shim(pol, sg_target("exit_with"), "0", NULL);
	sg_assert_exit(r, 0);
}

Test(bounds, a_policy_load_beyond_the_configuration_is_refused_and_recorded)
{
	const char *pol = sg_policy("live", "version 1\ndefault allow\ngetppid fake 5\n");
	const char *udir = sg_strf("%s/nobody", sg_dir()), *ready = sg_strf("%s/ready", udir);
	const char *kmsg = sg_policy("kmsg", "version 1\ndefault allow\ngetppid fake 5\n" KMSG_RULE);
	struct sg_opts on = { .stdin_pipe = true, .as_nobody = true };
	const char *load[] = { "policy", "load", NULL, kmsg, NULL };
	struct sg_proc *p;
	struct sg_result *r;
	json_object *rec;

	sg_require_mechanism("notify", "emulators are notify only");
	if (geteuid() != 0)
		sg_skip("running a session as another user needs root");
	sg_setup_daemon();
	cr_assert_eq(chmod(sg_dir(), 0711), 0);
	cr_assert_eq(mkdir(udir, 0700), 0);
	cr_assert_eq(chown(udir, SG_NOBODY, SG_NOBODY), 0);
	{
		const char *argv[] = { sg_run_path(), "-s", sg_sock(), "--swappable", "-p", pol, "--",
				       sg_target("waiter"), "-v", "5", "-r", ready, NULL };

		p = sg_spawn(argv, &on);
	}
	sg_wait_file(ready);
	load[2] = "1";
	r = sg_ctl_as_nobody(load);
	cr_expect(!sg_exited(r, 0), "the load was taken: %s", r->out);
	cr_expect(strstr(r->err, "mknod of device 1:11: not allowed by the daemon's configuration"),
		  "%s", r->err);
	rec = sg_audit_wait("event", "refused", "request", "policy-load", NULL);
	cr_expect_not_null(rec, "no refused record:\n%s", sg_jtext(sg_audit()));
	close(p->stdin_fd);
	p->stdin_fd = -1;
	sg_assert_exit(sg_wait(p), 0);
}

Test(bounds, a_bad_configuration_stops_the_daemon_with_its_position)
{
	const char *conf = sg_write_file("bad.conf", "chown yes\nmknod-devices 1:3 1:x\n", 0644);
	const char *argv[] = { sg_daemon_path(), "--foreground", "--socket",
			       sg_strf("%s/s.sock", sg_dir()), "--log", sg_strf("%s/a.log", sg_dir()),
			       "--config", conf, NULL };
	const char *missing[] = { sg_daemon_path(), "--foreground", "--socket",
				  sg_strf("%s/s.sock", sg_dir()), "--log",
				  sg_strf("%s/a.log", sg_dir()), "--config",
				  sg_strf("%s/none.conf", sg_dir()), NULL };
	struct sg_result *r;

	r = sg_run(argv, NULL);
	cr_expect(sg_exited(r, 1), "%s", sg_status_str(r->status));
	cr_expect(strstr(r->err, sg_strf("%s:2:19: error: expected a character device "
					 "MAJOR:MINOR, not '1:x'", conf)), "%s", r->err);
	r = sg_run(missing, NULL);
	cr_expect(sg_exited(r, 1), "%s", sg_status_str(r->status));
	cr_expect(strstr(r->err, "none.conf: error: cannot open configuration: No such file"),
		  "%s", r->err);
}
