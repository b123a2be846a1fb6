/* SPDX-License-Identifier: MIT */
/*
 * What the administrator lets a root daemon's emulators do for sessions of other
 * users (emu_bounds.c): the device nodes mknod may make, whether chown and xattr are
 * emulated.  Read from the daemon's own configuration, never from a user's policy,
 * which can only narrow it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy.h"

#define SG_BOUNDS_DEVS_MAX 64

struct emu_bounds {
	struct {
		unsigned major, minor;
	} devs[SG_BOUNDS_DEVS_MAX]; /* character devices mknod may make */
	size_t n_devs;
	bool chown, xattr;
};

/* The defaults: null, zero, full, random, urandom, tty and the overlayfs whiteout (0:0);
 * chown and xattr emulated. */
void bounds_default(struct emu_bounds *b);
/* Parse a configuration text (file names it in errors) over the defaults: 0, or -EINVAL
 * with file:line:col and the reason in e; b unchanged on failure. */
int bounds_parse(const char *text, size_t len, const char *file, struct emu_bounds *b,
		 struct sg_policy_error *e);
/* Read path (missing: the defaults when missing_ok) into b; as bounds_parse. */
int bounds_load(const char *path, bool missing_ok, struct emu_bounds *b,
		struct sg_policy_error *e);
/* Whether the character device major:minor is within b. */
bool bounds_dev_allowed(const struct emu_bounds *b, unsigned major, unsigned minor);
/* Whether p's emulate rules stay within b: 0, or -EPERM with the rule's position and what
 * the administrator does not allow in e. */
int bounds_check_policy(const struct emu_bounds *b, const struct sg_policy *p,
			struct sg_policy_error *e);
