/* SPDX-License-Identifier: MIT */
/*
 * The capabilities sysgated keeps once it is set up, each for a feature, and
 * the drop of all the others from every set (the bounding set too, so no exec
 * regains them).  Straight capget/capset and prctl: no libcap.  A process that
 * holds no capability (a daemon started by a user, an embedded daemon of
 * sysgate-run) has nothing to drop.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "sandbox.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

static const struct {
	unsigned cap;
	const char *name;
} kept[] = {
	/* the mknod emulator gives the node it made to its caller */
	{ CAP_CHOWN, "CAP_CHOWN" },
	/* nodes are made in the caller's directories; /proc/TID/mem of other users'
	 * tasks; root callers' files are opened as the kernel would for them */
	{ CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" },
	/* kill verdicts reach other users' processes (pidfd_send_signal) */
	{ CAP_KILL, "CAP_KILL" },
	/* emulators take the caller's groups and fsgid; helpers its gids */
	{ CAP_SETGID, "CAP_SETGID" },
	/* emulators take the caller's fsuid; helpers its uids */
	{ CAP_SETUID, "CAP_SETUID" },
	/* helpers shrink their bounding set to their caller's */
	{ CAP_SETPCAP, "CAP_SETPCAP" },
	/* the mknod emulator makes the allowlisted device nodes */
	{ CAP_MKNOD, "CAP_MKNOD" },
	/* helpers enter their caller's mount namespace (setns) and root (chroot) */
	{ CAP_SYS_CHROOT, "CAP_SYS_CHROOT" },
	/* the trace mechanism; reading other users' memory and /proc/TID/{root,cwd,fd} */
	{ CAP_SYS_PTRACE, "CAP_SYS_PTRACE" },
	/* helpers join their caller's namespaces (setns) */
	{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
};

/* The capabilities sysgated keeps; see sandbox.h. */
uint64_t sandbox_caps_kept(void)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		mask |= CAP_BIT(kept[i].cap);
	return mask;
}

/* The i-th kept capability's name; see sandbox.h. */
const char *sandbox_cap_kept_name(size_t i)
{
	return i < ARRAY_SIZE(kept) ? kept[i].name : NULL;
}

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &h, d) < 0 ? negative_errno() : 0;
}

/* Whether cap is in the process's effective set; see sandbox.h. */
bool sandbox_cap_effective(unsigned cap)
{
	struct __user_cap_data_struct d[2] = { 0 };

	return cap < 64 && caps_get(d) == 0 && (d[cap / 32].effective & (1u << (cap % 32)));
}

/* Every capability outside keep leaves the bounding set (needs CAP_SETPCAP). */
static int bounding_drop(uint64_t keep)
{
	for (unsigned cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (r < 0 && errno == EINVAL)
			break; /* past the last capability this kernel knows */
		if (r < 0)
			return negative_errno();
		if (r == 1 && !(keep & CAP_BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return negative_errno();
	}
	return 0;
}

/* Keep only sandbox_caps_kept() in every set; see sandbox.h. */
int sandbox_caps_drop(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	uint64_t keep = sandbox_caps_kept();
	int r;

	r = caps_get(d);
	if (r < 0)
		return r;
	if (!d[0].permitted && !d[1].permitted && !d[0].effective && !d[1].effective)
		return 0;
	if (d[CAP_SETPCAP / 32].effective & (1u << (CAP_SETPCAP % 32))) {
		r = bounding_drop(keep);
		if (r < 0)
			return r;
	}
	/* ambient capabilities would survive an exec: none */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return negative_errno();
	for (int i = 0; i < 2; i++) {
		d[i].permitted &= (uint32_t)(keep >> (32 * i));
		d[i].effective &= (uint32_t)(keep >> (32 * i));
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return negative_errno();
	return 1;
}
