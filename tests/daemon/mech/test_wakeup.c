/* SPDX-License-Identifier: MIT */
/*
 * mech/wakeup.c on real listeners: synchronous wake-up goes off on every
 * notify listener while more sessions are busy than there are CPUs and back on
 * when they are not; a session is busy in a tick when it had notifications
 * since the last one; new sessions take the current mode; a kernel that
 * refuses the flag is not asked again; the tick timer runs only while there
 * are sessions.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(wakeup, .fini = th_cleanup, .timeout = 30);

static const int route[] = { __NR_getppid };
static const char policy[] = "version 1\ndefault allow\ngetppid fake 1\n";

static struct session *notify_session(struct sysgated *d)
{
	struct th_target t;

	th_target_start(&t, route, 1, th_body_wait);
	return th_session(d, &t, policy);
}

Test(wakeup, sync_wake_up_is_off_while_more_sessions_are_busy_than_cpus)
{
	struct sysgated *d = th_daemon();
	struct session *s[3];

	d->ncpu = 2;
	for (int i = 0; i < 3; i++) {
		s[i] = notify_session(d);
		cr_assert(s[i]->sync_wake, "a new session starts with synchronous wake-up");
	}
	/* two busy sessions fit two cpus: no change */
	s[0]->notifications = s[1]->notifications = 5;
	wakeup_tick(d);
	cr_assert(d->sync_wake && s[0]->sync_wake && s[2]->sync_wake);
	/* three busy: off on every listener */
	s[0]->notifications = s[1]->notifications = s[2]->notifications = 9;
	wakeup_tick(d);
	cr_assert(!d->sync_wake);
	for (int i = 0; i < 3; i++)
		cr_assert(!s[i]->sync_wake);
	/* a session started now takes the mode */
	cr_expect(!notify_session(d)->sync_wake);
	/* quiet again: back on, on every listener */
	wakeup_tick(d);
	cr_assert(d->sync_wake);
	for (int i = 0; i < 3; i++)
		cr_expect(s[i]->sync_wake, "session %d", i);
}

Test(wakeup, a_session_is_busy_only_with_calls_since_the_last_tick)
{
	struct sysgated *d = th_daemon();
	struct session *a = notify_session(d), *b = notify_session(d);

	d->ncpu = 1;
	a->notifications = 3;
	b->notifications = 4;
	wakeup_tick(d);
	cr_expect(!d->sync_wake, "two busy on one cpu");
	cr_expect_eq(a->tick_notifications, 3);
	cr_expect_eq(b->tick_notifications, 4);
	b->notifications = 5; /* only b made calls since */
	wakeup_tick(d);
	cr_expect(d->sync_wake && a->sync_wake && b->sync_wake, "one busy fits one cpu");
}

Test(wakeup, other_mechanisms_count_as_busy_but_have_no_listener_to_set)
{
	struct sysgated *d = th_daemon();
	struct session *n = notify_session(d), *t;
	struct th_target tt;

	/* a trap session given a listener anyway: only notify sessions' flags are set */
	th_target_start(&tt, route, 1, th_body_wait);
	t = th_session_mech(d, SG_MECH_TRAP, tt.listener, tt.pid, policy);
	d->ncpu = 1;
	cr_expect(!t->sync_wake);
	n->notifications = t->notifications = 1;
	wakeup_tick(d);
	cr_expect(!d->sync_wake && !n->sync_wake);
	wakeup_tick(d);
	cr_expect(d->sync_wake && n->sync_wake);
	cr_expect(!t->sync_wake, "set on a session of another mechanism");
}

Test(wakeup, a_kernel_that_refuses_the_flag_is_not_asked_again)
{
	struct sysgated *d = th_daemon();
	struct session *s;
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	close(p[1]);
	/* the ioctl fails on a pipe (ENOTTY) as it does on a kernel without the flag */
	s = th_session_mech(d, SG_MECH_NOTIFY, p[0], getpid(), policy);
	cr_expect(!s->sync_wake);
	cr_expect(d->sync_wake_unsupported);
	cr_expect(!notify_session(d)->sync_wake, "not set once the kernel refused it");
}

Test(wakeup, the_timer_runs_only_while_there_are_sessions)
{
	struct sysgated *d = th_daemon();
	struct session *s;

	cr_expect(!evtimer_pending(d->ev_wakeup, NULL), "an idle daemon sleeps");
	s = notify_session(d);
	cr_expect(evtimer_pending(d->ev_wakeup, NULL), "armed by the first session");
	evtimer_del(d->ev_wakeup);
	wakeup_tick(d);
	cr_expect(evtimer_pending(d->ev_wakeup, NULL), "re-armed while sessions remain");
	session_free(s);
	evtimer_del(d->ev_wakeup);
	wakeup_tick(d);
	cr_expect(!evtimer_pending(d->ev_wakeup, NULL), "not re-armed without sessions");
}
