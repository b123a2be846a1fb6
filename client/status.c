/* SPDX-License-Identifier: MIT */
/* sysgatectl status: the daemon's pid, version, uptime and counters. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "sysgatectl.h"

static int print_json(const struct sg_msg *m)
{
	const struct sg_msg_status *st = &m->u.status;
	struct json_object *o = json_object_new_object();
	int r;

	if (!o)
		return ctl_errx(-ENOMEM, "out of memory");
	json_object_object_add(o, "pid", json_object_new_int64(st->pid));
	json_object_object_add(o, "version", json_object_new_string(m->str));
	json_object_object_add(o, "uptime_usec", json_object_new_uint64(st->uptime_usec));
	json_object_object_add(o, "sessions", json_object_new_int64(st->n_sessions));
	json_object_object_add(o, "notifications", json_object_new_uint64(st->notifications));
	json_object_object_add(o, "records", json_object_new_uint64(st->records));
	json_object_object_add(o, "records_failed", json_object_new_uint64(st->records_failed));
	r = json_print(o);
	json_object_put(o);
	return r;
}

static int print_human(const struct sg_msg *m)
{
	static const char *const labels[] = {
		"daemon pid", "version", "uptime", "sessions visible", "notifications decided",
		"records written", "records failed",
	};
	const struct sg_msg_status *st = &m->u.status;
	char pid[16], uptime[64], sessions[16], notif[32], rec[32], failed[32];
	const char *values[] = { pid, m->str, uptime, sessions, notif, rec, failed };

	snprintf(pid, sizeof(pid), "%" PRIu32, st->pid);
	format_duration(st->uptime_usec, uptime, sizeof(uptime));
	snprintf(sessions, sizeof(sessions), "%" PRIu32, st->n_sessions);
	snprintf(notif, sizeof(notif), "%" PRIu64, st->notifications);
	snprintf(rec, sizeof(rec), "%" PRIu64, st->records);
	snprintf(failed, sizeof(failed), "%" PRIu64, st->records_failed);
	return kv_print(stdout, ARRAY_SIZE(labels), labels, values);
}

/* sysgatectl status */
int ctl_status(const struct ctl_config *cfg)
{
	struct ctl_conn c = { .fd = -EBADF };
	uint8_t pkt[64];
	struct sg_msg m;
	int r;

	r = ctl_connect(cfg, &c);
	if (r < 0)
		return r;
	r = ctl_request(&c, pkt, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_STATUS_REQ), "status",
			&m);
	if (r >= 0 && m.type != SG_MSG_STATUS)
		r = ctl_unexpected("status", &m);
	if (r >= 0)
		r = cfg->json ? print_json(&m) : print_human(&m);
	ctl_conn_done(&c);
	return r;
}
