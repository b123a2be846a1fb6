/* SPDX-License-Identifier: MIT */
/*
 * daemon/helper/client.c with helpers that lie (fake_helper.c): the daemon
 * checks what a helper is before it gives it work, checks every fd it returns
 * (where it lies, how it is open) before a target gets it, and ends a helper
 * that answers out of turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(helper_client, .fini = th_cleanup, .timeout = 30);

static const int route_openat[] = { __NR_openat };
static char dir[] = "/tmp/sg-client-XXXXXX", asked[PATH_MAX];
static bool as_nobody;

static void body_open(int sock)
{
	struct th_call c;

	if (as_nobody && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			  setresuid(65534, 65534, 65534) < 0))
		_exit(98);
	errno = 0;
	c.ret = open(asked, O_RDONLY | O_CLOEXEC);
	c.err = errno;
	(void)!write(sock, &c, sizeof(c));
}

/* The target opens DIR/pub under `openat emulate open DIR/secret` with helper fake. */
static struct th_call open_with(const char *fake, struct sysgated **ret_d)
{
	const char *root = getenv("SG_BUILD_ROOT");
	char path[PATH_MAX], policy[PATH_MAX + 64];
	struct sysgated *d;
	struct th_target t;
	struct th_call c;
	struct session *s;
	FILE *f;

	cr_assert_not_null(root, "SG_BUILD_ROOT is not set (run through meson test)");
	if (geteuid() != 0)
		cr_skip_test("starting helpers for other tasks needs root");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/secret", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	for (const char *const *n = (const char *const[]){ "pub", "secret/x", NULL }; *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *n);
		cr_assert_not_null(f = fopen(path, "we"));
		fputs("x\n", f);
		fclose(f);
	}
	snprintf(asked, sizeof(asked), "%s/pub", dir);
	snprintf(path, sizeof(path), "%s/tests/daemon/helper/%s", root, fake);
	cr_assert_eq(setenv("SYSGATE_HELPER", path, 1), 0);
	snprintf(policy, sizeof(policy), "version 1\ndefault allow\nopenat emulate open %s/secret\n",
		 dir);
	d = th_daemon();
	th_target_start(&t, route_openat, 1, body_open);
	s = th_session(d, &t, policy);
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), 1);
	for (int i = 0; i < TH_TIMEOUT_MS / 10; i++) { /* the loop answers it later */
		struct pollfd p = { .fd = t.sock, .events = POLLIN };

		event_base_loop(d->base, EVLOOP_NONBLOCK);
		if (poll(&p, 1, 10) == 1)
			break;
	}
	th_target_read(&t, &c, sizeof(c));
	*ret_d = d; /* the session may be over: its target exits */
	return c;
}

/* The outcome of the emulated call's record. */
static char *outcome(struct sysgated *d)
{
	static char buf[64];
	json_object *recs = th_audit_records(d), *rec = th_find(recs, "verdict", "emulate"), *res;

	cr_assert_not_null(rec, "no emulate record: %s", th_audit_text(d));
	cr_assert(json_object_object_get_ex(rec, "result", &res));
	snprintf(buf, sizeof(buf), "%s", json_object_get_string(json_object_object_get(res, "outcome")));
	json_object_put(recs);
	return buf;
}

Test(helper_client, a_helper_that_returns_a_denied_file_is_refused)
{
	struct sysgated *d;
	struct th_call c = open_with("fake_helper_other_file", &d);

	cr_expect_eq(c.ret, -1);
	cr_expect_eq(c.err, EACCES, "%s", strerror(c.err));
	cr_expect_str_eq(outcome(d), "denied");
}

Test(helper_client, a_helper_that_opens_for_writing_what_was_asked_for_reading_is_refused)
{
	struct sysgated *d;
	struct th_call c;

	as_nobody = false;
	c = open_with("fake_helper_writable", &d);
	cr_expect_eq(c.ret, -1);
	cr_expect_eq(c.err, EIO, "%s", strerror(c.err));
}

Test(helper_client, a_helper_that_is_what_its_caller_is_gets_work)
{
	struct sysgated *d;
	struct th_call c;

	as_nobody = false; /* the fake is root, as this target */
	c = open_with("fake_helper_liar", &d);
	cr_expect_geq(c.ret, 0, "%s", strerror(c.err));
	cr_expect_str_eq(outcome(d), "opened");
}

Test(helper_client, a_helper_that_did_not_become_its_caller_gets_no_work)
{
	struct sysgated *d;
	struct th_call c;

	as_nobody = true; /* the fake stays root: READY is a lie */
	c = open_with("fake_helper_liar", &d);
	cr_expect_eq(c.ret, -1);
	cr_expect_eq(c.err, EPERM, "%s", strerror(c.err));
	cr_expect_str_eq(outcome(d), "helper-failed");
}

Test(helper_client, a_helper_that_answers_out_of_turn_is_ended)
{
	struct sysgated *d;
	struct th_call c = open_with("fake_helper_bad_seq", &d);

	/* EIO "helper-failed" comes from ending the helper as broken */
	cr_expect_eq(c.ret, -1);
	cr_expect_eq(c.err, EIO, "%s", strerror(c.err));
	cr_expect_str_eq(outcome(d), "helper-failed");
}
