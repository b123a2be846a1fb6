/* SPDX-License-Identifier: MIT */
/* What the tests of lib/policy_parse.c share: parses that must succeed, or fail with a message. */
#pragma once

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "policy.h"

#define H "version 1\ndefault allow\n"

/* Parse text, expecting success. */
static inline struct sg_policy *parse_ok(const char *text)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char buf[1024];
	int r = policy_parse(text, strlen(text), "t.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, 0, "policy_parse failed (%d):\n%s", r, buf);
	cr_assert_not_null(p);
	return p;
}

/* Parse text (len bytes) expecting failure r and exactly the formatted error. */
static inline void expect_error_len(const char *text, size_t len, int r_expected, const char *expected)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	char buf[1024];
	int r = policy_parse(text, len, "t.policy", &p, &e);

	policy_error_format(&e, buf, sizeof(buf));
	cr_assert_eq(r, r_expected, "policy_parse returned %d, want %d; error:\n%s", r, r_expected,
		     buf);
	cr_assert_null(p);
	cr_assert_str_eq(buf, expected);
}

static inline void expect_error(const char *text, const char *expected)
{
	expect_error_len(text, strlen(text), -EINVAL, expected);
}
