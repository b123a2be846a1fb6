/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the unit tests of sysgate-run (shim/) and its preload library: a private
 * temporary directory removed with everything in it, programs run with extra
 * environment and captured output, our own standard error captured for functions
 * called in-process, and a scripted peer's messages.  Fixtures: st_setup, st_teardown.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

#define ST_TIMEOUT_MS 20000
#define ST_OUT_MAX 65536

extern char st_out[ST_OUT_MAX], st_err[ST_OUT_MAX]; /* a run program's stdout, stderr */

/* Fixtures: a fresh temporary directory; the fini kills the program still running,
 * gives back standard error, and removes the directory with all in it. */
void st_setup(void);
void st_teardown(void);
/* Skip the test, cleaning up first (criterion runs no .fini after a skip). */
void st_skip(const char *reason) __attribute__((noreturn));

/* The temporary directory; DIR/NAME (harness-owned, one buffer per call up to 16). */
const char *st_dir(void);
const char *st_path(const char *name);
/* Write DIR/NAME with text and mode; returns its path. */
const char *st_write(const char *name, const char *text, mode_t mode);
/* "$SG_BUILD_ROOT/REL", or skip when the tests do not run through meson. */
const char *st_build(const char *rel);

/* Start argv (argv[0] a path) with env changes ("KEY=VALUE", "KEY" unsets; NULL-terminated,
 * or NULL), stdin /dev/null, output captured; one program at a time; st_child() is its pid. */
void st_spawn(const char *const *argv, const char *const *env);
pid_t st_child(void);
/* Wait for it (bounded, killed after ST_TIMEOUT_MS), output in st_out/st_err; its wait status. */
int st_wait(void);
/* st_spawn, then st_wait. */
int st_run(const char *const *argv, const char *const *env);

/* In-process: our standard error into a memfd until the fini; st_stderr() returns what
 * was written since the capture began or the last call. */
void st_capture_stderr(void);
const char *st_stderr(void);

/* Receive one packet on sock (bounded wait) and decode it into *ret, which must be of
 * this type; fds that came with it are in ret->fds (the caller closes them). */
void st_expect(int sock, uint16_t type, struct sg_msg *ret);
/* Send the packet an encoder wrote into st_pkt (len: its result). */
void st_send(int sock, ssize_t len);
extern uint8_t st_pkt[SG_MSG_MAX];
