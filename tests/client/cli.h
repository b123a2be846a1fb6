/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the sysgatectl program tests: run the built binary with output
 * captured, and play a scripted peer on a temporary socket (the test sends the
 * daemon's replies message by message and checks every request it gets).
 * End-to-end tests against a real sysgated live in tests/e2e/.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

#define CLI_TIMEOUT_MS 10000
#define CLI_OUT_MAX 65536

extern char cli_dir[64], cli_sock[128];
extern int cli_listen_fd, cli_peer;
extern pid_t cli_child;
extern int cli_out_fd, cli_err_fd;
extern char cli_out[CLI_OUT_MAX], cli_err[CLI_OUT_MAX]; /* the child's stdout, stderr */
extern uint8_t cli_buf[SG_MSG_MAX];                     /* the peer's packet buffer */

/* Suite fixtures: a temporary directory with cli_sock in it; the fini kills the child,
 * closes the sockets, gives back standard error and removes the directory and its files. */
void cli_setup(void);
void cli_teardown(void);
/* Start sysgatectl with args (NULL-terminated); SYSGATE_SOCKET = env_sock, or unset if NULL. */
void cli_spawn(const char *env_sock, const char *const *args);
/* Wait for the child (bounded), fill cli_out/cli_err, return its exit status. */
int cli_finish(void);
/* cli_spawn without SYSGATE_SOCKET, then cli_finish. */
int cli_run(const char *const *args);
/* Close the captured output of a finished child, before spawning another. */
void cli_forget_output(void);
/* Listen on cli_sock, accept the child's connection. */
void cli_listen(void);
void cli_accept(void);
/* Receive the next request, which must be of this type. */
struct sg_msg cli_expect(uint16_t type);
/* Send cli_buf[0..len) (len: an encoder's result). */
void cli_reply(ssize_t len);
/* Accept, check HELLO with the client role, answer ACK. */
void cli_handshake(void);
/* cli_listen (once), close the previous run's connection and output, cli_spawn against
 * cli_sock, cli_handshake: sysgatectl's request comes next. */
void cli_start(const char *const *args);
/* Wait (bounded) until the child's stdout holds s. */
void cli_wait_output(const char *s);
/* Write cli_dir/NAME with text; returns its path (one buffer per name, at most 8 names). */
const char *cli_write_file(const char *name, const char *text);
/* Write cli_dir/p.policy with text; returns its path. */
const char *cli_write_policy(const char *text);
/* In-process tests: our standard error goes to a memfd until the suite's fini. */
void cli_capture_stderr(void);
/* What was written to standard error since cli_capture_stderr() or the last call. */
const char *cli_stderr(void);
/* The child's stdout as one JSON document, printed again without blanks, keys in order. */
const char *cli_out_json(void);
