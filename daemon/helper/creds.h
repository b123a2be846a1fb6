/* SPDX-License-Identifier: MIT */
/*
 * A task's credentials as /proc/PID/status states them (ids in the reader's
 * user namespace): what a helper must hold to act as its target, parsed the
 * same way by the daemon (to compare) and by the helper (to become them).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HELPER_GROUPS_MAX 1024 /* supplementary groups; a task with more is not emulated */
#define HELPER_STATUS_MAX (32 * 1024) /* /proc/PID/status with HELPER_GROUPS_MAX groups fits */

enum { CAP_SET_INH, CAP_SET_PRM, CAP_SET_EFF, CAP_SET_BND, CAP_SET_AMB, CAP_SET_N };

struct helper_creds {
	uint32_t uid[4]; /* real, effective, saved, fs */
	uint32_t gid[4];
	uint32_t groups[HELPER_GROUPS_MAX];
	uint32_t n_groups;
	uint64_t caps[CAP_SET_N];
	bool nnp;        /* no_new_privs */
	uint32_t umask;  /* not compared: applied per request */
};

/* creds.c */

/* Parse the text of /proc/PID/status: 0, -EIO when a field is missing or malformed,
 * -E2BIG with more than HELPER_GROUPS_MAX groups. */
int creds_parse(const char *text, struct helper_creds *ret);
/* Read /proc/PID/status through dirfd (a /proc/PID directory) into buf (size bytes)
 * and parse it. */
int creds_read_at(int dirfd, char *buf, size_t size, struct helper_creds *ret);
/* This process's bounding set, as a mask of 1 << CAP_*. */
uint64_t creds_bounding_self(void);
/* Whether two tasks hold the same credentials (umask aside). */
bool creds_equal(const struct helper_creds *a, const struct helper_creds *b);
