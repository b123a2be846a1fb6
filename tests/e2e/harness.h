/* SPDX-License-Identifier: MIT */
/*
 * End-to-end test harness: a private temporary directory, a real sysgated on a
 * socket in it, commands run with captured output and a timeout, the audit log
 * read back as JSON lines.  One harness per criterion test process; the
 * fixtures (sg_setup/sg_setup_daemon + sg_teardown) clean up every process and
 * file even when the test fails.  Strings and JSON returned by the harness are
 * owned by it and stay valid until sg_teardown().
 *
 * Environment: SG_BUILD_ROOT (set by meson) locates the programs; SG_E2E_KEEP=1
 * keeps each test's directory (audit log, daemon stderr, command output) for a
 * post-mortem; SG_E2E_VERBOSE=1 starts the daemon with -v.
 */
#pragma once

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SG_TIMEOUT_MS 30000    /* default bound for one command */
#define SG_WAIT_MS 5000        /* bound for the daemon to start, a record or file to appear */
#define SG_NOBODY 65534

#define sg_sentinel_ __attribute__((sentinel))
#define sg_printf_(a, b) __attribute__((format(printf, a, b)))

struct sg_result {
	int status; /* wait status */
	char *out;  /* captured standard output */
	char *err;  /* captured standard error */
	char *cmd;  /* the command line, for messages */
};

struct sg_opts {
	const char *const *env; /* NULL-terminated "KEY=VALUE" additions; "KEY" alone unsets */
	bool stdin_pipe;        /* stdin is a pipe whose write end is sg_proc.stdin_fd */
	bool as_nobody;         /* setgroups(0), setgid/setuid 65534 before exec */
	int timeout_ms;         /* 0: SG_TIMEOUT_MS */
};

struct sg_proc {
	pid_t pid;    /* also its process group */
	int stdin_fd; /* write end of its stdin, or -1 */
	int timeout_ms;
	bool done;
	char *out_path, *err_path, *cmd;
	struct sg_result res;
};

/* Fixtures: a temporary directory only; or the directory and a running daemon.  Both may
 * run for one test (a suite's .init, then the test's): the second adds what is missing. */
void sg_setup(void);
void sg_setup_daemon(void);
/* sg_setup_daemon() with config as the daemon's --config file (sg_setup_daemon: empty, the
 * built-in defaults); a daemon already running is kept. */
void sg_setup_daemon_config(const char *config);
/* Fixture: stop everything started, reap every child, remove the directory. */
void sg_teardown(void);

/* Skip the test: clean up first (criterion runs no .fini after cr_skip_test). */
void sg_skip(const char *reason) __attribute__((noreturn));

/* The mechanism under test: $SG_TEST_MECHANISM (notify, trace, trap), default notify.
 * Every sysgate-run started through sg_spawn() gets `--mechanism` it unless it names one. */
const char *sg_mechanism(void);
/* Skip (with why) unless the mechanism under test is mech. */
void sg_require_mechanism(const char *mech, const char *why);
/* Skip (with why) when the mechanism under test is mech. */
void sg_skip_mechanism(const char *mech, const char *why);

/* The temporary directory, the daemon's socket and audit log, the daemon's pid. */
const char *sg_dir(void);
const char *sg_sock(void);
const char *sg_audit_path(void);
pid_t sg_daemon_pid(void);
/* The daemon's standard error so far (for failure messages). */
const char *sg_daemon_stderr(void);
/* How many fds the daemon has open. */
size_t sg_daemon_fds(void);
/* The same, once it has not changed for 200 ms (bounded by SG_WAIT_MS): a session that
 * has just ended may still have its connection open. */
size_t sg_daemon_fds_settled(void);
/* Expect the daemon to hold before fds again, waiting for it up to SG_WAIT_MS (closing
 * what its peers left takes a turn of its loop); the failure lists them. */
void sg_expect_daemon_fds(size_t before);
/* Fail unless the daemon is still running. */
void sg_assert_daemon_alive(void);
/* Send SIGTERM to the daemon and wait for it; returns its wait status. */
int sg_daemon_stop(void);
/* Kill the daemon with SIGKILL (a crash) and reap it. */
void sg_daemon_kill(void);

/* printf into a string the harness frees at teardown. */
char *sg_strf(const char *fmt, ...) sg_printf_(1, 2);
/* A built program: "$SG_BUILD_ROOT/REL"; fails unless it exists and is executable. */
const char *sg_bin(const char *rel);
/* A target program from tests/targets. */
const char *sg_target(const char *name);
/* The three sysgate programs. */
const char *sg_run_path(void);
const char *sg_ctl_path(void);
const char *sg_daemon_path(void);
/* Write DIR/NAME with text and mode; returns its path. */
const char *sg_write_file(const char *name, const char *text, mode_t mode);
/* Write DIR/NAME.policy; returns its path. */
const char *sg_policy(const char *name, const char *text);
/* For attacks on the open emulator: DIR/pub/x "public\n", DIR/secret/x "secret\n" and
 * DIR/open.policy (default allow, `open, openat emulate open DIR/secret`); its path. */
const char *sg_open_rule_policy(void);
/* Read a whole file into a harness-owned string; NULL when it cannot be read. */
char *sg_read_file(const char *path);
/* One test process at a time among those calling this with name (criterion runs a file's
 * tests at once): a lock in the build tree, held until the process exits. */
void sg_run_alone(const char *name);
/* Wait (bounded by SG_WAIT_MS) until path exists; fails otherwise. */
void sg_wait_file(const char *path);

/* Start a command (argv[0] is a path) in its own process group. */
struct sg_proc *sg_spawn(const char *const argv[], const struct sg_opts *o);
/* Wait for it within its timeout (kill its group and fail on timeout); output captured. */
struct sg_result *sg_wait(struct sg_proc *p);
/* sg_spawn + sg_wait. */
struct sg_result *sg_run(const char *const argv[], const struct sg_opts *o);
/* Build "sysgate-run -s SOCK -p POLICY -- CMD ARGS..." (NULL-terminated); harness-owned. */
const char **sg_shim_argv(const char *policy, const char *cmd, ...) sg_sentinel_;
/* Run a target under sysgate-run against the harness daemon. */
struct sg_result *sg_shim(const char *policy, const char *cmd, ...) sg_sentinel_;
/* Run "sysgatectl -s SOCK ARGS..." (args NULL-terminated, at most 12) as uid/gid 65534. */
struct sg_result *sg_ctl_as_nobody(const char *const *args);
/* Run "sysgatectl -s SOCK ARGS..." (NULL-terminated). */
struct sg_result *sg_ctl(const char *arg, ...) sg_sentinel_;
/* Run "sysgatectl -s SOCK --json ARGS...", require exit 0, parse stdout as one JSON document. */
json_object *sg_ctl_json(const char *arg, ...) sg_sentinel_;

/* tests/targets/stepper under sysgate-run with policy (extra: one option before "--", or
 * NULL); its stdin is a pipe. */
struct sg_proc *sg_stepper(const char *policy, const char *extra);
/* Ask a stepper for one call ("getppid"); its answer line, without the newline. */
const char *sg_step(struct sg_proc *p, const char *call);
/* Close a stepper's input; it must exit 0. */
void sg_stepper_finish(struct sg_proc *p);

/* Whether a wait status is a normal exit with code. */
bool sg_exited(const struct sg_result *r, int code);
/* "exit 3", "signal 9", for messages. */
const char *sg_status_str(int status);

#define sg_assert_exit(r, code)                                                              \
	cr_assert(sg_exited((r), (code)),                                                    \
		  "%s\nexpected exit %d, got %s\n--- stdout:\n%s--- stderr:\n%s"             \
		  "--- daemon stderr:\n%s",                                                  \
		  (r)->cmd, (code), sg_status_str((r)->status), (r)->out, (r)->err,          \
		  sg_daemon_stderr())

/* JSON lines: parse text into an array of objects (fails on a complete line that is not a
 * JSON object; an unterminated last line is ignored). */
json_object *sg_jsonl_parse(const char *text, const char *what);
/* Parse one JSON document (fails when it is not valid JSON). */
json_object *sg_json_parse(const char *text, const char *what);
/* First element of an array of objects whose KEY has VALUE for every (KEY, VALUE) pair;
 * values compare as strings, or as the JSON text of numbers, booleans and null. */
json_object *sg_jsonl_find(json_object *arr, const char *key, ...) sg_sentinel_;
size_t sg_jsonl_count(json_object *arr, const char *key, ...) sg_sentinel_;

/* The audit log as it is now. */
json_object *sg_audit(void);
/* Search the audit log now. */
json_object *sg_audit_find(const char *key, ...) sg_sentinel_;
size_t sg_audit_count(const char *key, ...) sg_sentinel_;
/* Wait (bounded by SG_WAIT_MS) until a matching record exists; NULL if none came. */
json_object *sg_audit_wait(const char *key, ...) sg_sentinel_;
/* Wait (bounded) until at least n records match; returns how many there are. */
size_t sg_audit_wait_n(size_t n, const char *key, ...) sg_sentinel_;
/* Wait (bounded) until n sessions have ended, so that all of their records are in the log
 * (syscall records are written in batches, after the command may have exited); fails
 * otherwise.  Count what a run recorded only after this. */
void sg_audit_wait_sessions_ended(size_t n);

/* The session id of the nth (from 0) session-start record in the audit log; fails if none. */
int64_t sg_session_id(size_t nth);

/* Field accessors: a string value or NULL; an integer (false when absent or not one). */
const char *sg_jstr(json_object *o, const char *key);
bool sg_jint(json_object *o, const char *key, int64_t *ret);
/* Whether KEY is present and the boolean true. */
bool sg_jtrue(json_object *o, const char *key);
/* Whether KEY is present at all. */
bool sg_jhas(json_object *o, const char *key);
/* Syscall record argument i as written ("0x2a"), or NULL. */
const char *sg_jarg(json_object *rec, unsigned i);
/* A string inside one of a record's objects: (rec, "decoded", "opened"), (rec, "result",
 * "outcome"); NULL when absent. */
const char *sg_jsub(json_object *rec, const char *obj, const char *key);
/* The first record of an emulated call whose decoded path is path, or NULL (records come
 * in batches: wait for the session's end first). */
json_object *sg_audit_emulated(const char *path);
/* One record as JSON text, for messages. */
const char *sg_jtext(json_object *o);

/* Whether a "rule" value names policy file base name and line ("…/NAME:LINE"). */
bool sg_rule_is(json_object *rec, const char *policy_path, unsigned line);
/* do_open's write open succeeded ("open=ok") and its openat record says audit, with the
 * would-be verdict deny EACCES and the rule at pol:line. */
void sg_expect_audited_open(struct sg_result *r, const char *pol, unsigned line);

/* Processes left behind: wait up to grace_ms for every child of this test process (it is a
 * subreaper) other than the harness daemon to exit; fail listing those still alive. */
void sg_assert_no_leftovers(int grace_ms);
