/* SPDX-License-Identifier: MIT */
/* sysgatectl policy replay: audit records decided again with another policy. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "policy.h"

#define REPLAY_LINE_MAX (64 * 1024) /* longer log lines are refused */

/* A verdict as an audit record states it, or as a policy decides it now. */
struct replay_verdict {
	enum sg_action_kind kind;
	int err;          /* deny */
	int64_t value;    /* fake */
	bool audit;       /* would-deny record: the call was allowed */
	const char *rule; /* the record's "rule", or NULL (points into the record) */
};

/* One syscall record, checked. */
struct replay_record {
	struct json_object *obj; /* the parsed record; strings below point into it */
	const char *syscall;
	uint32_t arch; /* SCMP_ARCH_* */
	int nr;
	uint64_t session;
	int pid;
	uint64_t args[SG_MAX_ARGS];
	struct replay_verdict old;
};

/* replay_record.c */

/* Parse and check one record's JSON text: 1 for a syscall record (filled in *ret),
 * 0 for another event, -EBADMSG with msg set when it is not a valid record.
 * Call replay_record_done() afterwards in every case. */
int replay_record_parse(const char *text, size_t len, struct replay_record *ret, char *msg,
			size_t size);
/* Free the parsed JSON of a record; safe on a zeroed one. */
void replay_record_done(struct replay_record *rec);
/* How p decides the recorded call: the verdict, the deciding line, whether it is the
 * default.  An arch p does not cover is a kill (the filter's bad-arch action), line 0. */
void replay_decide(const struct sg_policy *p, const struct replay_record *rec,
		   struct replay_verdict *ret, unsigned *ret_line, bool *ret_default);
/* Whether two verdicts differ in what the program sees or in being audit-only. */
bool replay_verdict_differs(const struct replay_verdict *a, const struct replay_verdict *b);
/* "deny EACCES", "fake 3", "allow", "kill (audit)". */
const char *replay_verdict_format(const struct replay_verdict *v, char *buf, size_t size);
