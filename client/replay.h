/* SPDX-License-Identifier: MIT */
/* sysgatectl policy replay: audit records decided again with another policy. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "policy.h"

/* A verdict as an audit record states it, or as a policy decides it now. */
struct replay_verdict {
	enum sg_action_kind kind;
	int err;          /* deny */
	int64_t value;    /* fake */
	bool audit;       /* would-deny record: the call was allowed */
	const char *rule; /* the record's "rule", or NULL (points into the record) */
};

/* One syscall record, checked; its strings point into the record's JSON object. */
struct replay_record {
	const char *syscall;
	uint32_t arch; /* SCMP_ARCH_* */
	int nr;
	uint64_t session;
	int pid;
	uint64_t args[SG_MAX_ARGS];
	struct replay_verdict old;
};

/* replay_record.c */

/* Check one audit record (as audit_record_parse() gives it) key by key: 1 for a syscall
 * record (filled in *ret, pointing into o), 0 for another event, -EBADMSG with msg set
 * when it is not a valid record. */
int replay_record_check(struct json_object *o, struct replay_record *ret, char *msg, size_t size);
/* How p decides the recorded call: the verdict, the deciding line, whether it is the
 * default.  An arch p does not cover is a kill (the filter's bad-arch action), line 0. */
void replay_decide(const struct sg_policy *p, const struct replay_record *rec,
		   struct replay_verdict *ret, unsigned *ret_line, bool *ret_default);
/* Whether two verdicts differ in what the program sees or in being audit-only. */
bool replay_verdict_differs(const struct replay_verdict *a, const struct replay_verdict *b);
/* "deny EACCES", "fake 3", "allow", "kill (audit)". */
const char *replay_verdict_format(const struct replay_verdict *v, char *buf, size_t size);
