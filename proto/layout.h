/* SPDX-License-Identifier: MIT */
/* Between msg.c, msg_encode.c and msg_decode.c: what each message type looks like on the wire. */
#pragma once

#include <stddef.h>

#include "proto.h"

#define SG_ERRNO_MAX 4095
#define SG_SUB_KNOWN (SG_SUB_BACKLOG | SG_SUB_FOLLOW)

/* What a type looks like on the wire. */
struct msg_layout {
	size_t fixed;      /* size of the fixed struct */
	unsigned n_strs;   /* strings after it, 0..2 */
	size_t str_off[2]; /* offsets of their uint32_t length fields in the fixed struct */
	unsigned n_fds;    /* exact number of fds the type carries */
};
/* msg.c: indexed by type; fixed 0 and no strings for the types without a body. */
extern const struct msg_layout proto_msg_layouts[SG_MSG_TYPE_MAX];
