/* SPDX-License-Identifier: MIT */
/*
 * sandbox/caps.c: in a forked child, the drop leaves exactly the kept
 * capabilities in the permitted and effective sets, none inheritable or
 * ambient, and only them in the bounding set; a capability dropped is really
 * gone; a process holding none has nothing to drop.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

/* What a child found wrong: its exit code. */
enum {
	CAPS_OK = 0,
	CAPS_DROP_FAILED = 10,
	CAPS_WRONG_RESULT,
	CAPS_WRONG_SETS,
	CAPS_WRONG_BOUNDING,
	CAPS_AMBIENT_LEFT,
	CAPS_STILL_NICE,
	CAPS_NOT_NOBODY,
};

static const char *const what[] = {
	[CAPS_DROP_FAILED] = "sandbox_caps_drop failed",
	[CAPS_WRONG_RESULT] = "sandbox_caps_drop returned the wrong value",
	[CAPS_WRONG_SETS] = "permitted/effective/inheritable are not the kept set",
	[CAPS_WRONG_BOUNDING] = "the bounding set is not the kept set",
	[CAPS_AMBIENT_LEFT] = "an ambient capability is left",
	[CAPS_STILL_NICE] = "a dropped capability (CAP_SYS_NICE) still works",
	[CAPS_NOT_NOBODY] = "could not become nobody",
};

static uint64_t caps_of(const struct __user_cap_data_struct d[2], int which)
{
	const uint32_t lo = which == 0 ? d[0].permitted : which == 1 ? d[0].effective
									   : d[0].inheritable;
	const uint32_t hi = which == 0 ? d[1].permitted : which == 1 ? d[1].effective
									   : d[1].inheritable;

	return lo | (uint64_t)hi << 32;
}

static int caps_now(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return (int)syscall(SYS_capget, &h, d);
}

static const char *describe(int code)
{
	if (code < 0 || (size_t)code >= sizeof(what) / sizeof(what[0]) || !what[code])
		return "unexpected exit";
	return what[code];
}

/* Run body in a child; fail with what it found wrong. */
static void run_child(int (*body)(void))
{
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(body());
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child status 0x%x", (unsigned)status);
	cr_assert_eq(WEXITSTATUS(status), CAPS_OK, "%s", describe(WEXITSTATUS(status)));
}

static int body_root_drop(void)
{
	struct __user_cap_data_struct d[2] = { 0 };
	uint64_t keep = sandbox_caps_kept(), before;

	if (caps_now(d) < 0)
		return CAPS_DROP_FAILED;
	before = caps_of(d, 0);
	if (sandbox_caps_drop() != 1)
		return CAPS_WRONG_RESULT;
	if (caps_now(d) < 0)
		return CAPS_DROP_FAILED;
	if (caps_of(d, 0) != (before & keep) || caps_of(d, 1) != (before & keep) ||
	    caps_of(d, 2) != 0)
		return CAPS_WRONG_SETS;
	for (unsigned cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (r < 0)
			break;
		if (r != (int)((keep >> cap) & 1))
			return CAPS_WRONG_BOUNDING;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
			return CAPS_AMBIENT_LEFT;
	}
	/* raising our priority needs CAP_SYS_NICE, which is not kept */
	if (setpriority(PRIO_PROCESS, 0, -1) == 0 || errno != EACCES)
		return CAPS_STILL_NICE;
	return CAPS_OK;
}

Test(sandbox_caps, root_keeps_only_the_listed_capabilities)
{
	struct __user_cap_data_struct d[2] = { 0 };

	cr_assert_eq(caps_now(d), 0);
	if (!(caps_of(d, 1) & (UINT64_C(1) << CAP_SETPCAP)) ||
	    !(caps_of(d, 1) & (UINT64_C(1) << CAP_SYS_NICE)))
		cr_skip_test("needs CAP_SETPCAP and CAP_SYS_NICE (run as root)");
	run_child(body_root_drop);
}

static int body_nobody_drop(void)
{
	struct __user_cap_data_struct d[2] = { 0 };

	if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			       setresuid(65534, 65534, 65534) < 0))
		return CAPS_NOT_NOBODY;
	if (caps_now(d) < 0 || caps_of(d, 0) != 0)
		return CAPS_NOT_NOBODY;
	return sandbox_caps_drop() == 0 ? CAPS_OK : CAPS_WRONG_RESULT;
}

Test(sandbox_caps, a_process_holding_none_has_nothing_to_drop)
{
	run_child(body_nobody_drop);
}

Test(sandbox_caps, kept_names_match_the_kept_set)
{
	uint64_t keep = sandbox_caps_kept();
	size_t n = 0;

	while (sandbox_cap_kept_name(n)) {
		cr_assert(strncmp(sandbox_cap_kept_name(n), "CAP_", 4) == 0);
		n++;
	}
	cr_assert_eq(n, (size_t)__builtin_popcountll(keep));
	cr_assert(keep & (UINT64_C(1) << CAP_SYS_PTRACE));
	cr_assert(keep & (UINT64_C(1) << CAP_MKNOD));
	cr_assert_not(keep & (UINT64_C(1) << CAP_NET_ADMIN));
	cr_assert_not(keep & (UINT64_C(1) << CAP_SYS_MODULE));
	cr_assert_not(keep & (UINT64_C(1) << CAP_DAC_READ_SEARCH));
}
