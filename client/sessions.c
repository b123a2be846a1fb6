/* SPDX-License-Identifier: MIT */
/* sysgatectl sessions / session ID: the daemon's supervised sessions. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "sysgatectl.h"

static const char *const headers[] = {
	"ID", "PID", "UID", "MECH", "MODE", "STATE", "POLICY", "STARTED", "ALLOW", "DENY", "FAKE",
	"KILL",
};

/* "enforce", "audit" or "learn". */
static const char *mode_name(uint32_t flags)
{
	if (flags & SG_SESSION_LEARNING)
		return "learn";
	return flags & SG_SESSION_AUDIT ? "audit" : "enforce";
}

static const char *state_name(uint32_t state)
{
	switch (state) {
	case SG_SESSION_STARTING:
		return "starting";
	case SG_SESSION_RUNNING:
		return "running";
	default:
		return "unknown";
	}
}

static const char *mech_name(uint32_t mech)
{
	const char *s = proto_mechanism_name(mech);

	return s ? s : "unknown";
}

/* The JSON object for one SESSION message. */
struct json_object *session_to_json(const struct sg_msg *m)
{
	const struct sg_msg_session *s = &m->u.session;
	struct json_object *o = json_object_new_object();
	char started[64];

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_uint64(s->id));
	json_object_object_add(o, "pid", json_object_new_int64(s->target_pid));
	json_object_object_add(o, "uid", json_object_new_int64(s->uid));
	json_object_object_add(o, "gid", json_object_new_int64(s->gid));
	json_object_object_add(o, "mechanism", json_object_new_string(mech_name(s->mechanism)));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(s->flags)));
	json_object_object_add(o, "routes_all",
			       json_object_new_boolean(!!(s->flags & SG_SESSION_ROUTES_ALL)));
	json_object_object_add(o, "state", json_object_new_string(state_name(s->state)));
	json_object_object_add(o, "policy", json_object_new_string(m->str));
	json_object_object_add(o, "started", json_object_new_string(format_rfc3339(
		s->started_usec, true, started, sizeof(started))));
	json_object_object_add(o, "counts", counts_to_json(s->counts));
	return o;
}

/* Add one SESSION message as a table row. */
static int add_row(const struct sg_msg *m, struct table *t)
{
	const struct sg_msg_session *s = &m->u.session;
	char started[64];
	int r = 0;

	r |= table_add(t, "%" PRIu64, s->id);
	r |= table_add(t, "%" PRIu32, s->target_pid);
	r |= table_add(t, "%" PRIu32, s->uid);
	r |= table_add(t, "%s", mech_name(s->mechanism));
	/* '*': the filter routes every call, a policy of any rules can be loaded */
	r |= table_add(t, "%s%s", mode_name(s->flags),
		       s->flags & SG_SESSION_ROUTES_ALL ? "*" : "");
	r |= table_add(t, "%s", state_name(s->state));
	r |= table_add(t, "%s", m->str);
	r |= table_add(t, "%s", format_rfc3339(s->started_usec, false, started, sizeof(started)));
	for (unsigned i = SG_COUNT_ALLOW; i <= SG_COUNT_KILL; i++)
		r |= table_add(t, "%" PRIu64, s->counts[i]);
	return r < 0 ? -ENOMEM : 0;
}

/* sysgatectl sessions */
int ctl_sessions(const struct ctl_config *cfg)
{
	static const struct ctl_list_view view = {
		.what = "sessions", .row_type = SG_MSG_SESSION,
		.n_cols = ARRAY_SIZE(headers), .headers = headers, .align = "rrrlllllrrrr",
		.add_row = add_row, .to_json = session_to_json,
	};
	uint8_t pkt[64];

	return ctl_list_print(cfg, pkt, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_SESSIONS_REQ),
			      &view);
}

static int print_one_human(const struct sg_msg *m)
{
	static const char *const labels[] = {
		"id", "pid", "uid", "gid", "mechanism", "mode", "routes all", "state", "policy",
		"started", "allow", "deny", "fake", "kill", "emulate", "audit",
	};
	const struct sg_msg_session *s = &m->u.session;
	char id[24], pid[16], uid[16], gid[16], started[64], counts[SG_NCOUNTS][24];
	const char *values[ARRAY_SIZE(labels)] = {
		id, pid, uid, gid, mech_name(s->mechanism), mode_name(s->flags),
		s->flags & SG_SESSION_ROUTES_ALL ? "yes" : "no", state_name(s->state), m->str,
		format_rfc3339(s->started_usec, true, started, sizeof(started)),
	};

	snprintf(id, sizeof(id), "%" PRIu64, s->id);
	snprintf(pid, sizeof(pid), "%" PRIu32, s->target_pid);
	snprintf(uid, sizeof(uid), "%" PRIu32, s->uid);
	snprintf(gid, sizeof(gid), "%" PRIu32, s->gid);
	for (unsigned i = 0; i < SG_NCOUNTS; i++) {
		snprintf(counts[i], sizeof(counts[i]), "%" PRIu64, s->counts[i]);
		values[10 + i] = counts[i];
	}
	return kv_print(stdout, ARRAY_SIZE(labels), labels, values);
}

/* Connect and send one request about session cfg->session_id, whose reply must be of
 * type want; the caller ends c (a reply's strings live in it). */
static int session_request(const struct ctl_config *cfg, struct ctl_conn *c, const void *pkt,
			   ssize_t len, uint16_t want, struct sg_msg *m)
{
	char what[48];
	int r;

	snprintf(what, sizeof(what), "session %" PRIu64, cfg->session_id);
	r = ctl_connect(cfg, c);
	if (r < 0)
		return r;
	r = ctl_request(c, pkt, len, what, m);
	if (r >= 0 && m->type != want)
		r = ctl_unexpected(what, m);
	return r;
}

/* sysgatectl session ID */
int ctl_session(const struct ctl_config *cfg)
{
	struct ctl_conn c = { .fd = -EBADF };
	uint8_t pkt[64];
	struct sg_msg m;
	int r;

	r = session_request(cfg, &c, pkt, proto_encode_session_req(pkt, sizeof(pkt),
								   cfg->session_id),
			    SG_MSG_SESSION, &m);
	if (r >= 0 && cfg->json) {
		struct json_object *o = session_to_json(&m);

		r = json_print(o);
		json_object_put(o);
	} else if (r >= 0) {
		r = print_one_human(&m);
	}
	ctl_conn_done(&c);
	return r;
}

/* sysgatectl session ID audit|enforce */
int ctl_session_mode(const struct ctl_config *cfg)
{
	struct ctl_conn c = { .fd = -EBADF };
	uint8_t pkt[64];
	struct sg_msg m;
	int r;

	r = session_request(cfg, &c, pkt, proto_encode_session_mode(pkt, sizeof(pkt),
								    cfg->session_id, cfg->audit),
			    SG_MSG_ACK, &m);
	if (r >= 0)
		printf("session %" PRIu64 ": %s\n", cfg->session_id, cfg->audit ? "audit" : "enforce");
	ctl_conn_done(&c);
	return r;
}
