/* SPDX-License-Identifier: MIT */
/*
 * The audit records (record.c) and their destination (out.c): JSON lines on
 * their own stream, a ring of the latest ones for subscribers, rate limits.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "policy.h"
#include "proto.h"

#define SG_AUDIT_RING 1024        /* records kept in memory for SG_SUB_BACKLOG */

struct conn;
struct session;
struct sg_call;
struct sysgated;
struct task_meta;

/* A record kept in memory for SG_SUB_BACKLOG. */
struct audit_entry {
	char *text;      /* JSON, then '\n', then NUL */
	size_t len;      /* JSON only */
	uint64_t session; /* 0: not a session's (refused) */
	uid_t owner;
};

struct audit {
	int fd;
	bool own_fd;      /* opened from path: reopened on SIGHUP, closed at exit */
	const char *path; /* NULL: cfg->audit_fd or standard output */
	struct audit_entry ring[SG_AUDIT_RING];
	size_t ring_next; /* where the next record goes */
	size_t ring_n;
	uint64_t records;        /* written to the log */
	uint64_t records_failed; /* could not be written */
	char *out;               /* records waiting to be written (audit_out.c) */
	size_t out_len;
	uint64_t out_records;
	struct event *ev_flush;  /* writes them soon */
	double refused_tokens;   /* rate limit of `refused` records */
	uint64_t refused_last_usec;
	uint64_t refused_suppressed;
};

/* One decided call, as audit.c records it. */
struct audit_call {
	uint64_t session;
	enum sg_mechanism mech;
	const char *policy_file;
	const struct sg_call *sc;
	const struct task_meta *meta;
	enum sg_action_kind verdict; /* what the policy said (the would-be verdict when audit) */
	int err;                     /* SG_ACT_DENY */
	int64_t value;               /* SG_ACT_FAKE */
	unsigned line;               /* of the rule, or of `default` */
	bool is_default;
	const char *implied;         /* the rule was implied by the one on line: why; else NULL */
	bool audit;                  /* a would-be verdict: the call was allowed */
	json_object *emu;            /* emulate: "emulator", "decoded", "result" (borrowed) */
};

/* record.c */

/* Open the audit destination from the config. */
int audit_open(struct sysgated *d);
/* SIGHUP: reopen the log file (keeps the old fd when that fails). */
int audit_reopen(struct sysgated *d);
/* Close the log and free the ring. */
void audit_close(struct sysgated *d);
/* The records of decided calls are written in batches: write them now. */
int audit_flush(struct sysgated *d);
/* Queue one record's text (newline included) for the log (audit_out.c). */
int audit_out_append(struct sysgated *d, const char *text, size_t len);
/* Flush and close the destination. */
void audit_out_close(struct sysgated *d);
/* The record of one decided call (a new json object, or NULL when out of memory). */
json_object *audit_syscall_json(const struct audit_call *call);
/* Timestamp, write, keep in the ring and stream one record; takes the object.
 * session 0: root only. Returns 0 or -errno (counted in records_failed). */
int audit_emit(struct sysgated *d, json_object *rec, uint64_t session, uid_t owner);
/* The records of one call, a session's start and end, a refused peer. */
int audit_syscall(struct sysgated *d, const struct audit_call *call, uid_t owner);
int audit_session_start(struct sysgated *d, const struct session *s);
int audit_session_end(struct sysgated *d, const struct session *s);
int audit_refused(struct sysgated *d, const struct conn *c, const char *request,
		  const char *reason); /* -EAGAIN: over the rate limit, not written */
/* Send the kept records the peer may see (of one session unless 0); 0 or -errno. */
int audit_backlog(struct sysgated *d, struct conn *c, uint64_t session);
/* "2026-11-23T03:10:00.123456Z" */
const char *audit_format_time(uint64_t usec, char *buf, size_t size);
/* Copy s replacing each byte that is not valid UTF-8 with "\xNN"; malloc'd. */
char *utf8_sanitize(const char *s, size_t len);
