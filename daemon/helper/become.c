/* SPDX-License-Identifier: MIT */
/*
 * The helper program becomes its caller: the caller's mount namespace, its
 * groups (set while still in the daemon's user namespace, where the caller's
 * own namespace may forbid setgroups), its user namespace, its root, then its
 * uids, gids, the five capability sets and no_new_privs, read from the
 * caller's /proc/TID/status in the namespace the helper now lives in.  Each
 * step runs only when it changes something, so an unprivileged daemon can
 * start a helper for a target with its own credentials.  Last: not dumpable
 * (the target, same uid, may not ptrace or read it), SIGKILL when the daemon
 * dies, every fd but the socket closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper/creds.h"
#include "helper/prog.h"
#include "helper/wire.h"

static int fail(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* Supplementary groups, in the ids of the namespace we are in now. */
static int set_groups(const struct helper_creds *want)
{
	gid_t now[HELPER_GROUPS_MAX], g[HELPER_GROUPS_MAX];
	int n = getgroups(HELPER_GROUPS_MAX, now);

	if (n == (int)want->n_groups) {
		bool same = true;

		for (int i = 0; i < n; i++)
			same = same && now[i] == want->groups[i];
		if (same)
			return 0;
	}
	for (uint32_t i = 0; i < want->n_groups; i++)
		g[i] = want->groups[i];
	return syscall(SYS_setgroups, (size_t)want->n_groups, g) < 0 ? fail() : 0;
}

/* chroot to the caller's root unless it is ours already; start at its top. */
static int set_root(void)
{
	struct stat a, b;

	if (fstat(HELPER_FD_ROOT, &a) < 0 || stat("/", &b) < 0)
		return fail();
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		if (fchdir(HELPER_FD_ROOT) < 0 || chroot(".") < 0)
			return fail();
	}
	return chdir("/") < 0 ? fail() : 0;
}

static int capset_all(const uint64_t *caps, uint64_t eff, uint64_t prm)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(eff >> (32 * i));
		d[i].permitted = (uint32_t)(prm >> (32 * i));
		d[i].inheritable = (uint32_t)(caps[CAP_SET_INH] >> (32 * i));
	}
	return syscall(SYS_capset, &h, d) < 0 ? fail() : 0;
}

/* Bounding set: drop what the caller lacks (needs CAP_SETPCAP, so before the ids change). */
static int set_bounding(uint64_t bnd)
{
	for (int cap = 0; cap < 64; cap++) {
		int have = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (have < 0)
			break; /* past the last capability this kernel knows */
		if (have && !(bnd & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return fail();
	}
	return 0;
}

static int set_ids(const struct helper_creds *w)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (getresgid(&gr, &ge, &gs) < 0 || getresuid(&r, &e, &s) < 0)
		return fail();
	if ((gr != w->gid[0] || ge != w->gid[1] || gs != w->gid[2]) &&
	    setresgid(w->gid[0], w->gid[1], w->gid[2]) < 0)
		return fail();
	if ((r != w->uid[0] || e != w->uid[1] || s != w->uid[2]) &&
	    setresuid(w->uid[0], w->uid[1], w->uid[2]) < 0)
		return fail();
	setfsgid(w->gid[3]);
	setfsuid(w->uid[3]);
	if ((uid_t)setfsuid((uid_t)-1) != w->uid[3] || (gid_t)setfsgid((gid_t)-1) != w->gid[3])
		return -EPERM;
	return 0;
}

/* Our own effective and permitted sets. */
static int capget_own(uint64_t *ret_eff, uint64_t *ret_prm, uint64_t *ret_inh)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return fail();
	*ret_eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*ret_prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*ret_inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

/* Inheritable first, while every capability we hold is still ours to keep; then the
 * bounding set (CAP_SETPCAP is needed, so before the ids change); keep the permitted
 * set across the change of ids.  What is outside our bounding set (a sandboxed
 * daemon's, or full in a user namespace we joined) no child of the daemon can hold:
 * the caller's sets are taken within it, as the daemon expects (tsnap_grantable). */
static int set_caps_before(struct helper_creds *w)
{
	uint64_t eff, prm, inh, bnd = creds_bounding_self(); /* before set_bounding() */
	int r;

	for (int i = 0; i < CAP_SET_N; i++)
		w->caps[i] &= bnd;
	r = capget_own(&eff, &prm, &inh);

	if (r == 0 && inh != w->caps[CAP_SET_INH])
		r = capset_all(w->caps, eff, prm);
	if (r == 0)
		r = set_bounding(w->caps[CAP_SET_BND]);
	if (r == 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		r = fail();
	return r;
}

/* The caller's effective, permitted and ambient sets and no_new_privs. */
static int set_caps_after(const struct helper_creds *w)
{
	int r = capset_all(w->caps, w->caps[CAP_SET_EFF], w->caps[CAP_SET_PRM]);

	if (r == 0 && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		r = fail();
	if (r == 0 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		r = fail();
	for (int cap = 0; r == 0 && cap < 64; cap++)
		if ((w->caps[CAP_SET_AMB] & (1ull << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			r = fail();
	if (r == 0 && w->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = fail();
	return r;
}

#define STEP(st, call)                                                                       \
	do {                                                                                 \
		if (r == 0) {                                                                \
			*ret_step = (st);                                                    \
			r = (call);                                                          \
		}                                                                            \
	} while (0)

/* Become the caller; see prog.h. */
int helper_become(unsigned join, uint32_t *ret_step)
{
	static char buf[HELPER_STATUS_MAX];
	static struct helper_creds want;
	bool user = join & HELPER_JOIN_USER;
	int r = 0;

	STEP(HELPER_STEP_SEAL, prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ? fail() : 0);
	if (join & HELPER_JOIN_MNT)
		STEP(HELPER_STEP_MNT, setns(HELPER_FD_MNT, CLONE_NEWNS) < 0 ? fail() : 0);
	/* Groups in the daemon's namespace: the caller's may say "setgroups deny". */
	STEP(HELPER_STEP_STATUS, creds_read_at(HELPER_FD_PROC, buf, sizeof(buf), &want));
	STEP(HELPER_STEP_GROUPS, set_groups(&want));
	if (user) {
		STEP(HELPER_STEP_USER, setns(HELPER_FD_USER, CLONE_NEWUSER) < 0 ? fail() : 0);
		/* ids and capabilities as the caller's namespace names them */
		STEP(HELPER_STEP_STATUS, creds_read_at(HELPER_FD_PROC, buf, sizeof(buf), &want));
	}
	STEP(HELPER_STEP_ROOT, set_root());
	STEP(HELPER_STEP_CAPS, set_caps_before(&want));
	STEP(HELPER_STEP_IDS, set_ids(&want));
	STEP(HELPER_STEP_CAPSET, set_caps_after(&want));
	/* Changing credentials reset both: set them last. */
	STEP(HELPER_STEP_SEAL, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
				       prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ? fail() : 0);
	if (r < 0)
		return r;
	*ret_step = HELPER_STEP_NONE;
	for (int fd = HELPER_FD_PROC; fd < HELPER_FD_END; fd++)
		close(fd);
	return 0;
}
