/* SPDX-License-Identifier: MIT */
/* Helpers shared by the glibc e2e targets: strict number parsing and errno printing. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse a whole decimal (or 0x/0 prefixed) number or exit 2 with a message. */
static inline long target_parse_long(const char *prog, const char *what, const char *s)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0') {
		fprintf(stderr, "%s: bad %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

/* "EACCES" for 13, or the number when glibc has no name. */
static inline const char *target_errno_name(int err, char *buf, size_t size)
{
	const char *n = strerrorname_np(err);

	if (n)
		return n;
	snprintf(buf, size, "%d", err);
	return buf;
}

/* An expectation from argv: "ok" (0) or an errno by name or number (> 0); exits 2 if bad. */
static inline int target_parse_expect(const char *prog, const char *s)
{
	if (strcmp(s, "ok") == 0)
		return 0;
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);

		if (n && strcmp(n, s) == 0)
			return e;
	}
	return (int)target_parse_long(prog, "expectation", s);
}
