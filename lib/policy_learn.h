/* SPDX-License-Identifier: MIT */
/*
 * Writing a policy from what a session did (sysgate-run --learn, sysgatectl
 * learn): one allow rule per syscall seen, argument conditions from the values
 * seen for a few syscalls, everything else denied by the default.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"

#define SG_LEARN_KEEP_MAX 16 /* distinct values per syscall turned into conditions */
#define SG_LEARN_ROWS_MAX 65536 /* rows of one session a policy is learnt from */

/* One (arch, nr) a session called. */
struct sg_learn_row {
	uint32_t arch; /* AUDIT_ARCH_* (= SCMP_ARCH_*) */
	int nr;
	uint64_t count;
	uint64_t first_usec, last_usec;
	unsigned arg;      /* the argument whose values were kept */
	unsigned n_values; /* 0: none kept */
	bool overflow;     /* more distinct values than kept: no conditions */
	uint64_t values[SG_LEARN_KEEP_MAX];
};

struct sg_learn_opts {
	const char *command;    /* for the header comment; NULL: unknown */
	uint64_t session;       /* 0: unknown */
	uint64_t now_usec;      /* CLOCK_REALTIME of the header's date */
	const char *def;        /* the default action as written after 'default'; NULL: "deny EPERM" */
};

/* Check a --learn-default action ("deny EPERM", "kill", "errno ENOSYS", ...): 0 or
 * -EINVAL with the parser's message in err. */
int policy_learn_check_default(const char *def, struct sg_policy_error *err);
/* Write the learnt policy for rows (any order, several arches) to a malloc'd
 * string; it is parsed back before it is returned, so it is always a valid
 * policy. -EINVAL (with err) for a bad default, -ENOENT when no row has a name. */
int policy_learn_write(const struct sg_learn_row *rows, size_t n, const struct sg_learn_opts *o,
		       char **ret_text, struct sg_policy_error *err);
