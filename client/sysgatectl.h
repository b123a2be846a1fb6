/* SPDX-License-Identifier: MIT */
/* sysgatectl: the command-line client of sysgated.  One file per verb group. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "macro.h"
#include "proto.h"

#define CTL_NAME "sysgatectl"

enum ctl_verb {
	CTL_STATUS,
	CTL_SESSIONS,
	CTL_SESSION,
	CTL_STATS,
	CTL_LOG,
	CTL_POLICY_CHECK,
	CTL_POLICY_SHOW,
	CTL_POLICY_REPLAY,
	CTL_POLICY_DIFF,
	CTL_POLICY_MERGE,
	CTL_SESSION_MODE,
	CTL_POLICY_LOAD,
	CTL_LEARN,
};

/* The parsed command line. */
struct ctl_config {
	const char *socket_path;
	bool json;
	enum ctl_verb verb;
	uint64_t session_id; /* session ID, or --session (0: all) */
	bool follow;         /* log -f */
	const char *file;    /* policy check|show|replay|load FILE */
	const char *log_file; /* policy replay --log LOGFILE */
	const char *file2;    /* policy diff OLD NEW: NEW (file is OLD) */
	bool strict;          /* policy check --strict: warnings fail */
	const char *const *files; /* policy merge FILE... */
	size_t n_files;
	const char *output; /* policy merge, learn -o FILE; NULL: standard output */
	bool audit;          /* session ID audit (true) | enforce */
};

/* A connection to the daemon; replies are decoded into buf and point into it. */
struct ctl_conn {
	int fd;
	uint8_t *buf; /* SG_MSG_MAX bytes */
};

/* conn.c */

/* Connect to cfg->socket_path and say HELLO as a client; prints why on failure. */
int ctl_connect(const struct ctl_config *cfg, struct ctl_conn *ret);
/* Close the connection and free its buffer; safe on a zeroed or closed conn. */
void ctl_conn_done(struct ctl_conn *c);
/* Send a request (len: an encoder's result) and receive its first reply; a daemon
 * ERROR is printed (with what as context) and its negative errno returned, as is
 * every other failure. */
int ctl_request(struct ctl_conn *c, const void *pkt, ssize_t len, const char *what,
		struct sg_msg *ret);
/* Receive the next packet of a reply stream: 1 with a message, 0 on EOF (not
 * printed), negative errno on failure (printed, an ERROR included). */
int ctl_next(struct ctl_conn *c, const char *what, struct sg_msg *ret);
/* Send a list request and call fn for each row of type row_type until END; fn's
 * negative errno stops the list and is reported here. */
int ctl_list(struct ctl_conn *c, const void *pkt, ssize_t len, const char *what,
	     uint16_t row_type, int (*fn)(const struct sg_msg *m, void *userdata), void *userdata);
struct table;

/* How a list command shows its rows: a table row, or a JSON object each. */
struct ctl_list_view {
	const char *what;  /* the command, for messages */
	uint16_t row_type; /* SG_MSG_* of each row */
	size_t n_cols;
	const char *const *headers;
	const char *align; /* table_new() alignment, one letter per column */
	int (*add_row)(const struct sg_msg *m, struct table *t);
	struct json_object *(*to_json)(const struct sg_msg *m);
};
/* Run a list request and print its rows as a table, or a JSON array with --json. */
int ctl_list_print(const struct ctl_config *cfg, const void *pkt, ssize_t len,
		   const struct ctl_list_view *v);
/* Report a reply of a type the request does not allow; returns -EBADMSG. */
int ctl_unexpected(const char *what, const struct sg_msg *m);

/* status.c */

/* sysgatectl status */
int ctl_status(const struct ctl_config *cfg);

/* sessions.c */

/* sysgatectl sessions */
int ctl_sessions(const struct ctl_config *cfg);
/* sysgatectl session ID */
int ctl_session(const struct ctl_config *cfg);
/* sysgatectl session ID audit|enforce */
int ctl_session_mode(const struct ctl_config *cfg);
/* The JSON object for one SESSION message (policy name in m->str). */
struct json_object *session_to_json(const struct sg_msg *m);

/* stats.c */

/* sysgatectl stats [--session ID] */
int ctl_stats(const struct ctl_config *cfg);
/* Display names of a STAT row's arch and syscall ("x86_64", "openat"). */
void stat_names(uint32_t arch, int32_t nr, const char **ret_arch, char *arch_buf,
		size_t arch_size, char *name_buf, size_t name_size);

/* log.c */

/* sysgatectl log [-f] [--session ID] */
int ctl_log(const struct ctl_config *cfg);
/* One human-readable line (no newline) for an audit record's JSON text; malloc'd. */
char *log_format_record(const char *json, size_t len);

/* policy.c */

/* sysgatectl policy check FILE */
int ctl_policy_check(const struct ctl_config *cfg);
/* sysgatectl policy show FILE */
int ctl_policy_show(const struct ctl_config *cfg);

/* diff.c */

struct sg_policy;

/* sysgatectl policy diff OLD NEW: 1 when they differ, 0 when not, negative errno on errors. */
int ctl_policy_diff(const struct ctl_config *cfg);
/* Load a policy file (*ret_text gets its text if not NULL); a parse error is printed as
 * FILE:LINE:COL with the line and a caret. */
int ctl_load_policy(const char *file, struct sg_policy **ret, char **ret_text);

/* merge.c */

/* sysgatectl policy merge A B [...] [-o FILE] */
int ctl_policy_merge(const struct ctl_config *cfg);

/* replay.c */

/* sysgatectl policy replay FILE (--log LOGFILE | --session ID): 1 when some recorded
 * call would be decided differently, 0 when none, negative errno on failure. */
int ctl_policy_replay(const struct ctl_config *cfg);

/* learn.c */

struct sg_learn_row;

/* The rows of a learn reply, in the order received. */
struct ctl_learn_rows {
	struct sg_learn_row *v;
	size_t n, cap;
};

/* sysgatectl policy load ID FILE */
int ctl_policy_load(const struct ctl_config *cfg);
/* sysgatectl learn ID [-o FILE] */
int ctl_learn(const struct ctl_config *cfg);
/* Append the LEARN_ROW m to the struct ctl_learn_rows at userdata (a ctl_list callback);
 * past SG_LEARN_ROWS_MAX rows -EBADMSG, the rows kept. */
int ctl_learn_add_row(const struct sg_msg *m, void *userdata);

/* output.c */

struct table;

/* A table with n_cols columns; align has one 'l' or 'r' per column. */
struct table *table_new(size_t n_cols, const char *const *headers, const char *align);
/* Free a table; accepts NULL, returns NULL. */
struct table *table_free(struct table *t);
/* Append the next cell, row by row; control characters are shown as '?'. */
int table_add(struct table *t, const char *fmt, ...) _printf_(2, 3);
/* Print the header and the rows, columns two spaces apart, no trailing blanks. */
int table_print(const struct table *t, FILE *f);
/* Print label/value pairs aligned on the values. */
int kv_print(FILE *f, size_t n, const char *const *labels, const char *const *values);
/* Print one JSON document and a newline to stdout. */
int json_print(struct json_object *o);
/* "2026-11-23T03:10:00.123456Z" (with_usec) or "2026-11-23T03:10:00Z" from µs since the epoch. */
const char *format_rfc3339(uint64_t usec, bool with_usec, char *buf, size_t size);
/* "3d 4h 5m 6s", leading zero units left out ("6s", "5m 6s"). */
const char *format_duration(uint64_t usec, char *buf, size_t size);
/* Copy s into a new string with control characters (C0, DEL, C1) replaced by '?'. */
char *sanitize(const char *s);
/* Flush f; on a write error print it and return its negative errno. */
int output_checked(FILE *f);
/* Write text to path (atomically: a temporary file renamed over it), or to stdout when
 * path is NULL; errors printed, prefixed with what. */
int ctl_write_text(const char *path, const char *text, const char *what);
/* Print "sysgatectl: MSG: <strerror(-r)>" to stderr (MSG alone when r >= 0); returns r.
 * Callers pass the negative errno and say what failed, never the errno's text. */
int ctl_err(int r, const char *fmt, ...) _printf_(2, 3);
/* Print "sysgatectl: MSG" to stderr, for a failure the message names itself; returns r. */
int ctl_errx(int r, const char *fmt, ...) _printf_(2, 3);
/* As ctl_err, with advice after the errno's text: "MSG: <strerror(-r)><hint>"; returns r. */
int ctl_err_hint(int r, const char *hint, const char *fmt, ...) _printf_(3, 4);
/* A counter's JSON key ("allow") by enum sg_count index. */
const char *count_name(unsigned i);
/* {"allow":N,...} from SG_NCOUNTS counters. */
struct json_object *counts_to_json(const uint64_t counts[SG_NCOUNTS]);
