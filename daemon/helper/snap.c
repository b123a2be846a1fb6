/* SPDX-License-Identifier: MIT */
/*
 * What a task is, for the helper border: its credentials from
 * /proc/PID/status, its user, mount and pid namespaces, its root (device,
 * inode and mount).  Read for a caller when it calls, and for its helper once
 * the helper says it is ready: the daemon compares the two itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "helper/helper.h"

static int ns_ino(int procfd, const char *name, uint64_t *ret)
{
	struct stat st;

	if (fstatat(procfd, name, &st, 0) < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	*ret = st.st_ino;
	return 0;
}

static int root_id(int procfd, struct tsnap *ret)
{
	struct statx stx;

	if (statx(procfd, "root", AT_STATX_DONT_SYNC, STATX_INO | STATX_MNT_ID, &stx) < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	ret->root_dev = ((uint64_t)stx.stx_dev_major << 32) | stx.stx_dev_minor;
	ret->root_ino = stx.stx_ino;
	ret->root_mnt = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
	return 0;
}

/* What task pid is; see helper.h. */
int tsnap_read(pid_t pid, struct tsnap *ret)
{
	_cleanup_free_ char *buf = malloc(HELPER_STATUS_MAX);
	_cleanup_close_ int procfd = -EBADF;
	char path[64];
	int r;

	if (!buf)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	r = creds_read_at(procfd, buf, HELPER_STATUS_MAX, &ret->cr);
	if (r >= 0)
		r = ns_ino(procfd, "ns/user", &ret->ns_user);
	if (r >= 0)
		r = ns_ino(procfd, "ns/mnt", &ret->ns_mnt);
	if (r >= 0)
		r = ns_ino(procfd, "ns/pid", &ret->ns_pid);
	if (r >= 0)
		r = root_id(procfd, ret);
	return r;
}

/* Whether a helper that is b may act for a caller that is a; see helper.h. */
bool tsnap_same(const struct tsnap *a, const struct tsnap *b)
{
	return creds_equal(&a->cr, &b->cr) && a->ns_user == b->ns_user &&
	       a->ns_mnt == b->ns_mnt && a->ns_pid == b->ns_pid && a->root_dev == b->root_dev &&
	       a->root_ino == b->root_ino && a->root_mnt == b->root_mnt;
}

/* What a helper of this daemon can be for a caller that is t; see helper.h. */
int tsnap_grantable(struct tsnap *t)
{
	struct stat st;
	int nnp;

	if (stat("/proc/self/ns/user", &st) < 0)
		return negative_errno();
	if ((uint64_t)st.st_ino == t->ns_user) {
		uint64_t bnd = creds_bounding_self();

		for (unsigned i = 0; i < CAP_SET_N; i++)
			t->cr.caps[i] &= bnd;
	}
	nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (nnp < 0)
		return negative_errno();
	if (nnp)
		t->cr.nnp = true;
	return 0;
}
