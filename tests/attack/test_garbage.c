/*
 * SPDX-License-Identifier: MIT
 *
 * An unprivileged user's garbage on the control socket (issue 13: "100k fuzzed
 * control messages from an unprivileged user" held): as uid 65534, random bytes,
 * truncated, mis-sized and oversized messages, other versions, fds of the wrong
 * kind or too many, protocol violations, one connection per throw for 3
 * seconds, then more connections at once than a user may hold.  Meanwhile root's
 * session times its routed calls.  The daemon stays up and answers root, the
 * refusals are recorded but rate limited (a burst of 50, then 10 a second, the
 * rest counted as suppressed), and it holds no more fds afterwards.  Nothing
 * here depends on the mechanism of root's session: run per mechanism anyway,
 * as the session under load differs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define SECONDS 3
#define REFUSED_BURST 50
#define REFUSED_RATE 10

TestSuite(garbage, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 120);

/* The `refused` records: all of uid 65534, at most what the rate limit lets through in
 * elapsed seconds, and the rest said to be suppressed. */
static void expect_refusals_limited(long elapsed)
{
	json_object *audit = sg_audit();
	size_t n = json_object_array_length(audit), refused = 0, suppressed = 0;

	for (size_t i = 0; i < n; i++) {
		json_object *rec = json_object_array_get_idx(audit, i);
		const char *ev = sg_jstr(rec, "event");
		int64_t uid = -1;

		if (!ev || strcmp(ev, "refused") != 0)
			continue;
		refused++;
		suppressed += sg_jhas(rec, "suppressed");
		cr_expect(sg_jint(rec, "peer_uid", &uid) && uid == SG_NOBODY, "%s", sg_jtext(rec));
	}
	cr_expect_gt(refused, 0, "nothing refused was recorded");
	cr_expect_leq(refused, (size_t)(REFUSED_BURST + REFUSED_RATE * (elapsed + 1)),
		      "%zu refused records in %ld s: not rate limited", refused, elapsed);
	cr_expect_gt(suppressed, 0, "no record says how many were suppressed");
}

/* garbage as uid 65534 for SECONDS while root's session times its calls; checks that
 * root was answered all along.  How long it took, in seconds. */
static long throw_garbage(void)
{
	const char *pol = sg_policy("meter", "version 1\ndefault allow\ngetppid fake 5\n");
	const struct sg_opts nobody = { .as_nobody = true };
	long throws = 0, conns = 0, calls = 0, wrong = -1, p50, p99, max = -1;
	time_t start = time(NULL);
	struct sg_proc *meter;
	struct sg_result *r;

	if (geteuid() != 0)
		sg_skip("running the attacker as uid 65534 needs root");
	sg_run_alone("garbage"); /* one attacker at a time */
	meter = sg_spawn(sg_shim_argv(pol, sg_bin("tests/attack/rtt"), "4", "1000", "5", NULL),
			 NULL);
	r = sg_run((const char *[]){ sg_bin("tests/attack/garbage"), sg_sock(),
				     sg_strf("%d", SECONDS), NULL }, &nobody);
	sg_assert_exit(r, 0);
	cr_assert_eq(sscanf(r->out, "throws=%ld connections=%ld", &throws, &conns), 2, "%s",
		     r->out);
	cr_expect_gt(throws, 1000, "%s", r->out);
	r = sg_wait(meter);
	sg_assert_exit(r, 0);
	cr_assert_eq(sscanf(r->out, "calls=%ld wrong=%ld p50=%ld p99=%ld max=%ld", &calls, &wrong,
			    &p50, &p99, &max), 5, "%s", r->out);
	cr_expect(calls > 500 && wrong == 0 && max < 1000000, "root's session: %s", r->out);
	cr_log_info("%ld throws on %ld connections; root's p50 %ld p99 %ld max %ld us", throws,
		    conns, p50, p99, max);
	return time(NULL) - start;
}

Test(garbage, an_unprivileged_user_s_garbage_changes_nothing_for_root)
{
	const char *pol = sg_policy("first", "version 1\ndefault allow\ngetppid fake 5\n");
	long elapsed;
	size_t fds;

	/* a first session makes what the mechanism keeps for good (trace's signalfd) */
	sg_assert_exit(sg_shim(pol, "/bin/true", NULL), 0);
	fds = sg_daemon_fds_settled();
	elapsed = throw_garbage();

	sg_assert_daemon_alive();
	expect_refusals_limited(elapsed);
	sg_assert_exit(sg_ctl("status", NULL), 0);
	sg_expect_daemon_fds(fds);
}

/* The daemon's own log (its stderr, the journal) gets no more lines about the user than
 * the audit log gets records. */
Test(garbage, the_daemon_s_log_is_rate_limited_too)
{
	long elapsed, lines = 0;
	const char *log;

	sg_skip("does not hold yet (reported on issue 13): every connection over the per-user "
		"limit logs 'too many connections, refusing it' and every TRAP_CALL without a "
		"session 'trap call without a trap session, closing', unlimited: 1180 lines "
		"from one user in five bursts");
	elapsed = throw_garbage();
	log = sg_daemon_stderr();
	for (const char *p = log; (p = strstr(p, "sysgated: pid ")); p++)
		lines++;
	cr_expect_leq(lines, REFUSED_BURST + REFUSED_RATE * (elapsed + 1),
		      "%ld log lines about peers in %ld s", lines, elapsed);
}
