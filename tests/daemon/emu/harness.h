/* SPDX-License-Identifier: MIT */
/*
 * The emulators' harness: a target that makes one call described by a struct
 * th_callspec under a listener, the notification received in a notify session
 * as notify.c receives it, an emu_ctx around it for an emulator, and the
 * answer sent back, so the target reports what its call returned.  An
 * emulator that hands the call to the session's helper (EMU_QUEUED) is seen
 * through as the daemon does it: the loop runs, a real sysgate-helper works
 * for the caller, and the job answers the call and records it.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "helpers.h"

/* One call, made by the target after it enters a new user namespace whose uid and gid
 * maps are idmap (when set), chroot()s to root and chdir()s to cwd (when set), sets its
 * umask and, when not 0, its only supplementary group, its fsgid and fsuid; with hold, it
 * waits after reporting (its fds can be looked at) until th_cleanup().  Pointer arguments
 * point into the test's memory, which the forked target shares a copy of. */
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
/* A notify session with policy around the target's listener, whose calls the test receives
 * itself (notify_handle() or th_emu_start()): the listener stays out of d's loop, which
 * then runs what the session's helper needs, and a target that exits ends no session. */
struct session *th_emu_session(struct sysgated *d, struct th_target *t, const char *policy);
/* Run d's loop until the target has results to read (bounded): meanwhile a queued job is
 * carried out by the session's helper and answers the call. */
void th_emu_wait(struct sysgated *d, struct th_target *t);
/* Start a target routing spec->nr (and nothing else) that makes the call, and a session
 * with policy around it (th_emu_session); the call is received: *ret_c is it. */
struct session *th_emu_start(struct sysgated *d, struct th_target *t,
			     const struct th_callspec *spec, const char *policy,
			     struct sg_call *ret_c);
/* The context dispatch.c gives an emulator for c under s's first rule (or its default when
 * it has none), with the verdict notify.c decides for c (harness-owned: a job copies it),
 * recorded when record says; decoded is new. */
struct emu_ctx th_emu_ctx(struct session *s, const struct sg_call *c, bool record);
/* See the call through after the emulator returned r and return what the call returned in
 * the target.  r EMU_QUEUED: run the loop until the job answered it (th_emu_wait), then ctx
 * says what the job's record says (outcome, kind, err, value, decoded; outcome "(none)"
 * without a record) and the audit log is emptied.  Otherwise answer as ctx says (r < 0:
 * denied with -r, as dispatch.c does; unless the emulator answered itself).  Then
 * ctx->decoded is the harness's, readable until the next th_emu_finish(). */
struct th_call th_emu_finish(struct th_target *t, struct emu_ctx *ctx, int r);
/* Write text to /proc/PID/file (a user namespace's uid_map, gid_map, setgroups). */
void th_write_map(pid_t pid, const char *file, const char *text);
/* ctx->decoded's string value of key, or NULL when absent. */
const char *th_decoded(const struct emu_ctx *ctx, const char *key);
