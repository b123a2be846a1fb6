/* SPDX-License-Identifier: MIT */
/* What the tests of proto/msg*.c share: a packet buffer, encoding and decoding that must work. */
#pragma once

#include <criterion/criterion.h>
#include <stdint.h>

#include "proto.h"

#define HDR sizeof(struct sg_hdr)

static uint8_t buf[SG_MSG_MAX + 64];

/* Decode buf[0..len) with fds, expecting success. */
static inline struct sg_msg decode_ok(size_t len, const int *fds, size_t n_fds)
{
	struct sg_msg m;
	const char *reason = "unset";
	int r = proto_decode(buf, len, fds, n_fds, &m, &reason);

	cr_assert_eq(r, 0, "decode failed: %d (%s)", r, reason ? reason : "(null)");
	cr_assert_null(reason);
	return m;
}

static inline size_t enc(ssize_t n)
{
	cr_assert_gt(n, 0, "encode failed: %zd", n);
	return (size_t)n;
}
