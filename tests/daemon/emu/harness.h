/* SPDX-License-Identifier: MIT */
/*
 * The emulators' harness: a target that makes one call described by a struct
 * th_callspec under a listener, the notification received in a notify session
 * as notify.c receives it, an emu_ctx around it for an emulator, and the
 * answer sent back, so the target reports what its call returned.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "helpers.h"

/* One call, made by the target after it enters a new user namespace whose uid and gid
 * maps are idmap (when set), chroot()s to root and chdir()s to cwd (when set), sets its
 * umask and, when not 0, its only supplementary group, its fsgid and fsuid; with hold, it
 * waits after reporting (its fds can be looked at) until th_cleanup().  Pointer arguments point into the
 * test's memory, which the forked target shares a copy of. */
struct th_callspec {
	long nr;
	uint64_t args[6];
	const char *idmap;
	const char *root, *cwd;
	mode_t umask;
	gid_t group;
	uid_t fsuid;
	gid_t fsgid;
	bool hold;
};

/* Start a target routing spec->nr (and nothing else) that makes the call. */
void th_call_start(struct th_target *t, const struct th_callspec *spec);
/* Start a target routing spec->nr (and nothing else) that makes the call, and a notify
 * session with policy around it; the call is received: *ret_c is it. */
struct session *th_emu_start(struct sysgated *d, struct th_target *t,
			     const struct th_callspec *spec, const char *policy,
			     struct sg_call *ret_c);
/* The context dispatch.c gives an emulator for c under s's first rule (or its default when
 * it has none); decoded is new. */
struct emu_ctx th_emu_ctx(struct session *s, const struct sg_call *c, bool record);
/* Answer the received call as ctx says after the emulator returned r (r < 0: denied with
 * -r, as dispatch.c does; unless the emulator answered itself) and return what the call
 * returned in the target; frees ctx->decoded. */
struct th_call th_emu_finish(struct th_target *t, struct emu_ctx *ctx, int r);
/* Write text to /proc/PID/file (a user namespace's uid_map, gid_map, setgroups). */
void th_write_map(pid_t pid, const char *file, const char *text);
/* ctx->decoded's string value of key, or NULL when absent. */
const char *th_decoded(const struct emu_ctx *ctx, const char *key);
