/* SPDX-License-Identifier: MIT */
/*
 * The shape of sysgate wire messages and their names.  A packet is struct
 * sg_hdr, the type's fixed struct, then the type's strings in the order of
 * their length fields, each with its NUL (a length counts the NUL, so 0 is
 * never valid).  Nothing follows the last string.  msg_encode.c writes packets,
 * msg_decode.c checks and reads them.
 */
#include <errno.h>
#include <string.h>

#include "layout.h"
#include "proto.h"

/* The wire layout is ABI between separately built programs: pin every size. */
_Static_assert(sizeof(struct sg_hdr) == 16, "sg_hdr size");
_Static_assert(sizeof(struct sg_msg_hello) == 8, "sg_msg_hello size");
_Static_assert(sizeof(struct sg_msg_ack) == 8, "sg_msg_ack size");
_Static_assert(sizeof(struct sg_msg_error) == 8, "sg_msg_error size");
_Static_assert(sizeof(struct sg_msg_register) == 24, "sg_msg_register size");
_Static_assert(sizeof(struct sg_msg_status) == 48, "sg_msg_status size");
_Static_assert(sizeof(struct sg_msg_session_req) == 8, "sg_msg_session_req size");
_Static_assert(sizeof(struct sg_msg_session_mode) == 16, "sg_msg_session_mode size");
_Static_assert(sizeof(struct sg_msg_policy_load) == 16, "sg_msg_policy_load size");
_Static_assert(sizeof(struct sg_msg_learn_row) == 48 + 8 * SG_LEARN_VALUES_MAX,
	       "sg_msg_learn_row size");
_Static_assert(sizeof(struct sg_msg_session) == 96, "sg_msg_session size");
_Static_assert(sizeof(struct sg_msg_stats_req) == 8, "sg_msg_stats_req size");
_Static_assert(sizeof(struct sg_msg_stat) == 64, "sg_msg_stat size");
_Static_assert(sizeof(struct sg_msg_subscribe) == 16, "sg_msg_subscribe size");
_Static_assert(sizeof(struct sg_msg_record) == 16, "sg_msg_record size");
_Static_assert(sizeof(struct sg_msg_trap_call) == 72, "sg_msg_trap_call size");
_Static_assert(sizeof(struct sg_msg_trap_verdict) == 16, "sg_msg_trap_verdict size");
_Static_assert(SG_STR_MAX < SG_MSG_MAX, "a string must fit in a packet");
_Static_assert(SG_MSG_MAX <= UINT32_MAX, "sg_hdr.len is 32 bits");

const struct msg_layout proto_msg_layouts[SG_MSG_TYPE_MAX] = {
	[SG_MSG_HELLO] = { sizeof(struct sg_msg_hello), 0, { 0, 0 }, 0 },
	[SG_MSG_ACK] = { sizeof(struct sg_msg_ack), 0, { 0, 0 }, 0 },
	[SG_MSG_ERROR] = { sizeof(struct sg_msg_error), 1,
			   { offsetof(struct sg_msg_error, reason_len), 0 }, 0 },
	[SG_MSG_REGISTER] = { sizeof(struct sg_msg_register), 2,
			      { offsetof(struct sg_msg_register, name_len),
				offsetof(struct sg_msg_register, text_len) }, 1 },
	[SG_MSG_STATUS_REQ] = { 0, 0, { 0, 0 }, 0 },
	[SG_MSG_STATUS] = { sizeof(struct sg_msg_status), 1,
			    { offsetof(struct sg_msg_status, version_len), 0 }, 0 },
	[SG_MSG_SESSIONS_REQ] = { 0, 0, { 0, 0 }, 0 },
	[SG_MSG_SESSION_REQ] = { sizeof(struct sg_msg_session_req), 0, { 0, 0 }, 0 },
	[SG_MSG_SESSION] = { sizeof(struct sg_msg_session), 1,
			     { offsetof(struct sg_msg_session, policy_len), 0 }, 0 },
	[SG_MSG_STATS_REQ] = { sizeof(struct sg_msg_stats_req), 0, { 0, 0 }, 0 },
	[SG_MSG_STAT] = { sizeof(struct sg_msg_stat), 0, { 0, 0 }, 0 },
	[SG_MSG_END] = { 0, 0, { 0, 0 }, 0 },
	[SG_MSG_SUBSCRIBE] = { sizeof(struct sg_msg_subscribe), 0, { 0, 0 }, 0 },
	[SG_MSG_RECORD] = { sizeof(struct sg_msg_record), 1,
			    { offsetof(struct sg_msg_record, len), 0 }, 0 },
	[SG_MSG_TRAP_CALL] = { sizeof(struct sg_msg_trap_call), 0, { 0, 0 }, 0 },
	[SG_MSG_TRAP_VERDICT] = { sizeof(struct sg_msg_trap_verdict), 0, { 0, 0 }, 0 },
	[SG_MSG_SESSION_MODE] = { sizeof(struct sg_msg_session_mode), 0, { 0, 0 }, 0 },
	[SG_MSG_POLICY_LOAD] = { sizeof(struct sg_msg_policy_load), 2,
				 { offsetof(struct sg_msg_policy_load, name_len),
				   offsetof(struct sg_msg_policy_load, text_len) }, 0 },
	[SG_MSG_LEARN_REQ] = { sizeof(struct sg_msg_session_req), 0, { 0, 0 }, 0 },
	[SG_MSG_LEARN_ROW] = { sizeof(struct sg_msg_learn_row), 0, { 0, 0 }, 0 },
	[SG_MSG_KILLED] = { sizeof(struct sg_msg_session_req), 0, { 0, 0 }, 0 },
};

static const char *const type_names[SG_MSG_TYPE_MAX] = {
	[SG_MSG_NONE] = "none",
	[SG_MSG_HELLO] = "hello",
	[SG_MSG_ACK] = "ack",
	[SG_MSG_ERROR] = "error",
	[SG_MSG_REGISTER] = "register",
	[SG_MSG_STATUS_REQ] = "status-req",
	[SG_MSG_STATUS] = "status",
	[SG_MSG_SESSIONS_REQ] = "sessions-req",
	[SG_MSG_SESSION_REQ] = "session-req",
	[SG_MSG_SESSION] = "session",
	[SG_MSG_STATS_REQ] = "stats-req",
	[SG_MSG_STAT] = "stat",
	[SG_MSG_END] = "end",
	[SG_MSG_SUBSCRIBE] = "subscribe",
	[SG_MSG_SESSION_MODE] = "session-mode",
	[SG_MSG_POLICY_LOAD] = "policy-load",
	[SG_MSG_LEARN_REQ] = "learn-request",
	[SG_MSG_LEARN_ROW] = "learn-row",
	[SG_MSG_KILLED] = "killed",
	[SG_MSG_RECORD] = "record",
	[SG_MSG_TRAP_CALL] = "trap-call",
	[SG_MSG_TRAP_VERDICT] = "trap-verdict",
};

static const char *const mech_names[SG_MECH_MAX] = {
	[SG_MECH_NOTIFY] = "notify",
	[SG_MECH_TRACE] = "trace",
	[SG_MECH_TRAP] = "trap",
};

/* Name of a message type for diagnostics. */
const char *proto_type_name(uint16_t type)
{
	if (type >= SG_MSG_TYPE_MAX)
		return "unknown";
	return type_names[type];
}

/* Name of a mechanism, or NULL when out of range. */
const char *proto_mechanism_name(uint32_t mech)
{
	if (mech >= SG_MECH_MAX)
		return NULL;
	return mech_names[mech];
}

/* Mechanism by name, or -EINVAL. */
int proto_mechanism_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (unsigned i = 0; i < SG_MECH_MAX; i++)
		if (strcmp(name, mech_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}
