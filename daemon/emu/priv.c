/* SPDX-License-Identifier: MIT */
/*
 * The one privileged step an emulator keeps in the daemon: making an
 * allowlisted character device node for a caller (mknod's point: a user
 * namespace may not).  Everything else an emulator does for a target runs in
 * its helper with the target's rights.  The step trusts none of its
 * arguments: the directory fd came from the helper, the name and the device
 * from the target.  It checks them itself — a directory, one plain name, a
 * character device on the allowlist (within the administrator's), a file
 * system that never waits on user space or the network (the loop must not
 * block) — and makes the node with
 * the caller's fsuid, fsgid and groups and CAP_MKNOD as its only effective
 * capability, so the directory's permission is the caller's ids' and the node
 * is the caller's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"

/* File systems where making a node never waits on user space or the network. */
static const char *const local_fs[] = {
	"tmpfs", "devtmpfs", "ramfs", "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs",
	"reiserfs", "vfat", "exfat", "hfsplus", "nilfs2", "bcachefs",
};

/* Whether a character device is allowlisted: by the rule's MAJOR:MINOR words, else the
 * administrator's list (sysgated --config), and within that list too when bounded; see
 * emu.h. */
bool priv_dev_allowed(const struct emu_bounds *b, bool bounded, const char *opts, mode_t mode,
		      dev_t dev)
{
	unsigned maj, min;

	if ((mode & S_IFMT) != S_IFCHR)
		return false;
	if (bounded && !bounds_dev_allowed(b, major(dev), minor(dev)))
		return false;
	if (!opts[0])
		return bounds_dev_allowed(b, major(dev), minor(dev));
	for (const char *w = opts; *w; w = *w ? w + 1 : w) {
		size_t len = strcspn(w, " ");

		if (policy_emu_parse_dev(w, len, &maj, &min) == 0 && major(dev) == maj &&
		    minor(dev) == min)
			return true;
		w += len;
	}
	return false;
}

static bool is_one_name(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strlen(name) <= NAME_MAX;
}

/* A directory on a local file system of task tid's mount namespace. */
static int check_dir(pid_t tid, int dirfd)
{
	char type[64];
	struct statx stx;
	int r;

	if (statx(dirfd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_MNT_ID,
		  &stx) < 0)
		return negative_errno();
	if (!S_ISDIR(stx.stx_mode))
		return -ENOTDIR;
	r = tpath_mount_type(tid, stx.stx_mnt_id, type, sizeof(type));
	/* A caller's mountinfo shows only the mounts under its root: a chroot's own mount is
	 * not there.  Mount ids are unique across namespaces, so the daemon's may show it. */
	if (r == -ENOENT)
		r = tpath_mount_type(getpid(), stx.stx_mnt_id, type, sizeof(type));
	if (r == -ENOENT)
		return -EPERM; /* not known to be local: a placeholder */
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(local_fs); i++)
		if (strcmp(type, local_fs[i]) == 0)
			return 0;
	return -EPERM; /* fuse, nfs, overlay (its upper may be either)...: a placeholder */
}

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &h, d) < 0 ? negative_errno() : 0;
}

static int caps_set(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capset, &h, d) < 0 ? negative_errno() : 0;
}

/* mknodat as the caller for the file system (its fsuid, fsgid, groups) with the
 * daemon's CAP_MKNOD, then back.  Raw setgroups: glibc's would change every thread. */
static int mknod_as(const struct helper_creds *cr, int dirfd, const char *name, mode_t mode,
		    dev_t dev)
{
	static gid_t old_groups[HELPER_GROUPS_MAX], groups[HELPER_GROUPS_MAX];
	struct __user_cap_data_struct old[2], now[2];
	int n_old = getgroups(HELPER_GROUPS_MAX, old_groups), r;
	mode_t old_umask = umask(0);
	uid_t old_fsuid;
	gid_t old_fsgid;

	for (uint32_t i = 0; i < cr->n_groups; i++)
		groups[i] = cr->groups[i];
	r = n_old < 0 ? negative_errno() : caps_get(old);
	if (r == 0 && syscall(SYS_setgroups, (size_t)cr->n_groups, groups) < 0)
		r = negative_errno();
	if (r < 0) {
		umask(old_umask);
		return r;
	}
	old_fsgid = (gid_t)setfsgid(cr->gid[3]);
	old_fsuid = (uid_t)setfsuid(cr->uid[3]); /* drops the fs capabilities, CAP_MKNOD too */
	/* CAP_MKNOD alone: the directory's permission is the caller's ids' (a root caller
	 * included: none of the daemon's DAC capabilities apply). */
	memcpy(now, old, sizeof(now));
	now[0].effective = CAP_TO_MASK(CAP_MKNOD);
	now[1].effective = 0;
	r = caps_set(now);
	if (r == 0 && mknodat(dirfd, name, mode, dev) < 0)
		r = negative_errno();
	setfsuid(old_fsuid);
	setfsgid(old_fsgid);
	(void)caps_set(old);
	(void)syscall(SYS_setgroups, (size_t)n_old, old_groups);
	umask(old_umask);
	return r;
}

/* Make an allowlisted device node for the caller; see emu.h. */
int priv_mknod(pid_t tid, const struct helper_creds *cr, int dirfd, const char *name,
	       mode_t mode, dev_t dev, const char *allowlist, const struct emu_bounds *b,
	       bool bounded)
{
	int r;

	if (!is_one_name(name))
		return -EINVAL;
	if ((mode & S_IFMT) != S_IFCHR || !priv_dev_allowed(b, bounded, allowlist, mode, dev))
		return -EPERM;
	r = check_dir(tid, dirfd);
	if (r < 0)
		return r;
	if (geteuid() != 0)
		return -EPERM; /* an unprivileged (embedded) daemon: no device nodes */
	return mknod_as(cr, dirfd, name, S_IFCHR | (mode & 07777 & ~cr->umask), dev);
}
