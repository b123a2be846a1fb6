/* SPDX-License-Identifier: MIT */
/*
 * Synchronous wake-up, adaptively.  SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (6.6)
 * makes the kernel switch straight between a target and the daemon on one CPU:
 * with one busy target that halves the round trip (measured here: 134k vs 16k
 * calls/s).  With more busy targets than CPUs it does the opposite — every
 * answer hands the daemon's CPU to a target, so the daemon answers one call per
 * time slice instead of a batch (114k vs 155k calls/s with 64 targets on 2 CPUs).
 * So a timer counts the sessions that made calls in the last period and turns
 * the flag on every listener off while more sessions are busy than there are
 * CPUs, and back on when they are not.  The flag is per listener and can be set
 * and cleared at any time (SECCOMP_IOCTL_NOTIF_SET_FLAGS).
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "mech/mech.h"
#include "session.h"

#define WAKEUP_PERIOD_USEC 100000 /* how often the busy sessions are counted */
#ifndef WAKEUP_BUSY_PER_CPU
#define WAKEUP_BUSY_PER_CPU 1 /* busy sessions per CPU beyond which sync wake-up is off */
#endif

/* Set or clear synchronous wake-up on one listener; false when the kernel lacks it. */
static bool set_sync(struct session *s, bool on)
{
	if (ioctl(s->fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
		  on ? SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP : 0) == 0) {
		s->sync_wake = on;
		return true;
	}
	if (errno == EINVAL || errno == ENOTTY)
		log_debug("session %" PRIu64 ": no synchronous wake-up on this kernel", s->id);
	else
		log_warn(negative_errno(), "session %" PRIu64 ": cannot %s synchronous wake-up, "
			 "ignoring", s->id, on ? "set" : "clear");
	return false;
}

static void arm(struct sysgated *d)
{
	struct timeval period = { 0, WAKEUP_PERIOD_USEC };

	if (d->ev_wakeup && !evtimer_pending(d->ev_wakeup, NULL) && evtimer_add(d->ev_wakeup, &period) < 0)
		log_warn(-ENOMEM, "cannot arm the wake-up timer, ignoring");
}

/* A new notify session: wake-up as the daemon's current mode says. */
void wakeup_session_start(struct session *s)
{
	arm(s->d); /* ticks only while there are sessions: an idle daemon sleeps */
	if (s->d->sync_wake_unsupported)
		return;
	if (!set_sync(s, s->d->sync_wake) && s->d->sync_wake)
		s->d->sync_wake_unsupported = true; /* do not ask again for every session */
}

/* One tick: count the sessions that made calls since the last one, switch the mode. */
void wakeup_tick(struct sysgated *d)
{
	struct session *s;
	unsigned busy = 0;
	bool want;

	TAILQ_FOREACH(s, &d->sessions, entry) {
		if (s->notifications != s->tick_notifications)
			busy++;
		s->tick_notifications = s->notifications;
	}
	if (!TAILQ_EMPTY(&d->sessions))
		arm(d);
	want = busy <= d->ncpu * WAKEUP_BUSY_PER_CPU;
	if (want == d->sync_wake)
		return;
	log_debug("%u busy sessions on %u cpus: synchronous wake-up %s", busy, d->ncpu,
		  want ? "on" : "off");
	d->sync_wake = want;
	TAILQ_FOREACH(s, &d->sessions, entry)
		if (s->mech == SG_MECH_NOTIFY && s->sync_wake != want)
			(void)set_sync(s, want);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	wakeup_tick(arg);
}

/* Start counting busy sessions; see the comment at the top. */
int wakeup_start(struct sysgated *d)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	d->ncpu = n > 0 ? (unsigned)n : 1;
	d->sync_wake = true;
	d->ev_wakeup = evtimer_new(d->base, tick_cb, d);
	if (!d->ev_wakeup)
		return log_err(-ENOMEM, "cannot create the wake-up timer");
	return 0;
}

/* Stop the timer. */
void wakeup_stop(struct sysgated *d)
{
	if (d->ev_wakeup)
		event_free(d->ev_wakeup);
	d->ev_wakeup = NULL;
}
