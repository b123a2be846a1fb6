/* SPDX-License-Identifier: MIT */
/*
 * sysgatectl policy replay FILE (--log LOGFILE | --session ID): the recorded calls
 * FILE would decide differently.  Records come from a saved audit log (JSON lines)
 * or from the daemon's backlog of one session.  An invalid record stops the replay
 * (exit 2) with its line or record number: a partial answer would look complete.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_record.h"
#include "policy.h"
#include "replay.h"
#include "sysgatectl.h"

struct replay {
	const struct ctl_config *cfg;
	struct sg_policy *policy;
	const char *where; /* "LOGFILE:" or "session N: record " for messages */
	size_t records, calls, changed;
	struct table *table;
	struct json_object *changes;
};

static struct json_object *verdict_json(const struct replay_verdict *v)
{
	struct json_object *o = json_object_new_object();
	const char *e = errno_to_name(v->err);

	json_object_object_add(o, "verdict", json_object_new_string(action_kind_to_string(v->kind)));
	if (v->kind == SG_ACT_DENY) {
		json_object_object_add(o, "errno", json_object_new_int(v->err));
		if (e)
			json_object_object_add(o, "errno_name", json_object_new_string(e));
	}
	if (v->kind == SG_ACT_FAKE)
		json_object_object_add(o, "value", json_object_new_int64(v->value));
	if (v->audit)
		json_object_object_add(o, "audit", json_object_new_boolean(1));
	return o;
}

static int add_change(struct replay *rp, size_t lineno, const struct replay_record *rec,
		      const struct replay_verdict *now, unsigned line, bool def)
{
	char old_s[64], new_s[64], rule[512];
	const char *arch = arch_to_name(rec->arch);

	if (line == 0)
		snprintf(rule, sizeof(rule), "%s: arch not covered", rp->cfg->file);
	else
		snprintf(rule, sizeof(rule), "%s:%u%s", rp->cfg->file, line, def ? " (default)" : "");
	replay_verdict_format(&rec->old, old_s, sizeof(old_s));
	replay_verdict_format(now, new_s, sizeof(new_s));
	if (rp->cfg->json) {
		struct json_object *o = json_object_new_object(), *args = json_object_new_array();
		struct json_object *n = verdict_json(now), *old = verdict_json(&rec->old);

		json_object_object_add(o, "record", json_object_new_uint64(lineno));
		if (rec->session)
			json_object_object_add(o, "session", json_object_new_uint64(rec->session));
		if (rec->pid)
			json_object_object_add(o, "pid", json_object_new_int(rec->pid));
		json_object_object_add(o, "arch", json_object_new_string(arch ? arch : "?"));
		json_object_object_add(o, "syscall", json_object_new_string(rec->syscall));
		json_object_object_add(o, "nr", json_object_new_int(rec->nr));
		for (size_t i = 0; i < SG_MAX_ARGS; i++) {
			char a[24];

			snprintf(a, sizeof(a), "0x%" PRIx64, rec->args[i]);
			json_object_array_add(args, json_object_new_string(a));
		}
		json_object_object_add(o, "args", args);
		if (rec->old.rule)
			json_object_object_add(old, "rule", json_object_new_string(rec->old.rule));
		json_object_object_add(o, "old", old);
		json_object_object_add(n, "rule", json_object_new_string(rule));
		if (def)
			json_object_object_add(n, "default", json_object_new_boolean(1));
		json_object_object_add(o, "new", n);
		return json_object_array_add(rp->changes, o) < 0 ? -ENOMEM : 0;
	}
	if (table_add(rp->table, "%zu", lineno) < 0 ||
	    (rec->session ? table_add(rp->table, "%" PRIu64, rec->session)
			  : table_add(rp->table, "-")) < 0 ||
	    (rec->pid ? table_add(rp->table, "%d", rec->pid) : table_add(rp->table, "-")) < 0 ||
	    table_add(rp->table, "%s", arch ? arch : "?") < 0 ||
	    table_add(rp->table, "%s", rec->syscall) < 0 ||
	    table_add(rp->table, "%s -> %s", old_s, new_s) < 0 ||
	    table_add(rp->table, "%s", rule) < 0)
		return -ENOMEM;
	return 0;
}

/* Print why record n cannot be replayed (msg from the reader or the check); returns r. */
static int bad_record(const struct replay *rp, size_t n, int r, const char *msg)
{
	if (r == -EBADMSG)
		return ctl_errx(r, "%s%zu: invalid audit record: %s", rp->where, n, msg);
	if (r == -E2BIG)
		return ctl_errx(r, "%s%zu: %s", rp->where, n, msg);
	return ctl_err(r, "%s%zu", rp->where, n);
}

/* Check and decide one record; n is its line (log file) or its number (daemon). */
static int replay_one(struct replay *rp, size_t n, struct json_object *o)
{
	struct replay_record rec;
	struct replay_verdict now;
	char msg[512];
	unsigned line;
	bool def;
	int r;

	rp->records++;
	r = replay_record_check(o, &rec, msg, sizeof(msg));
	if (r <= 0)
		return r < 0 ? bad_record(rp, n, r, msg) : 0;
	rp->calls++;
	replay_decide(rp->policy, &rec, &now, &line, &def);
	if (!replay_verdict_differs(&rec.old, &now))
		return 0;
	rp->changed++;
	r = add_change(rp, n, &rec, &now, line, def);
	if (r < 0)
		return ctl_errx(r, "out of memory");
	return 0;
}

/* Every line of the log file (or standard input for "-"). */
static int replay_file(struct replay *rp, const char *path)
{
	struct audit_reader rd = { .f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re") };
	struct json_object *o;
	char msg[512];
	int r;

	if (!rd.f)
		return ctl_err(negative_errno(), "cannot open '%s'", path);
	while ((r = audit_reader_next(&rd, &o, msg, sizeof(msg))) > 0) {
		r = replay_one(rp, rd.line, o);
		json_object_put(o);
		if (r < 0)
			goto out; /* reported */
	}
	if (r == -EBADMSG || r == -E2BIG)
		r = bad_record(rp, rd.line, r, msg);
	else if (r < 0)
		r = ctl_err(r, "cannot read '%s'", path);
out:
	audit_reader_done(&rd);
	if (rd.f != stdin)
		fclose(rd.f);
	return r;
}

/* The daemon's backlog for one session, without following. */
static int replay_session(struct replay *rp)
{
	struct ctl_conn c = { .fd = -EBADF };
	struct json_object *o = NULL;
	char msg[512];
	uint8_t pkt[64];
	struct sg_msg m;
	size_t n = 0;
	int r;

	r = ctl_connect(rp->cfg, &c);
	if (r < 0)
		return r;
	r = ctl_request(&c, pkt,
			proto_encode_subscribe(pkt, sizeof(pkt), rp->cfg->session_id, SG_SUB_BACKLOG),
			"policy replay", &m);
	if (r >= 0 && m.type != SG_MSG_ACK)
		r = ctl_unexpected("policy replay", &m);
	while (r >= 0) {
		r = ctl_next(&c, "policy replay", &m);
		if (r == 0)
			r = ctl_errx(-ECONNRESET, "policy replay: the daemon closed the connection "
				     "before the end of the backlog");
		if (r < 0 || m.type == SG_MSG_END)
			break;
		if (m.type != SG_MSG_RECORD) {
			r = ctl_unexpected("policy replay", &m);
			break;
		}
		r = audit_record_parse(m.str, m.str_len, &o, msg, sizeof(msg));
		n++;
		if (r < 0) {
			r = bad_record(rp, n, r, msg);
			break;
		}
		r = replay_one(rp, n, o);
		json_object_put(o);
	}
	ctl_conn_done(&c);
	/* The daemon answers an unknown session with an empty backlog; every session it
	 * knows has at least its session-start record, so nothing at all is an error. */
	if (r >= 0 && n == 0)
		r = ctl_errx(-ENOENT, "policy replay: the daemon holds no records of session %" PRIu64
			     " (unknown, or gone from its backlog); replay a saved audit log with "
			     "--log", rp->cfg->session_id);
	return r < 0 ? r : 0;
}

static int print_result(struct replay *rp, const char *source)
{
	if (rp->cfg->json) {
		struct json_object *o = json_object_new_object();
		int r;

		json_object_object_add(o, "policy", json_object_new_string(rp->cfg->file));
		json_object_object_add(o, "source", json_object_new_string(source));
		json_object_object_add(o, "records", json_object_new_uint64(rp->records));
		json_object_object_add(o, "calls", json_object_new_uint64(rp->calls));
		json_object_object_add(o, "changed", json_object_new_uint64(rp->changed));
		json_object_object_add(o, "changes", json_object_get(rp->changes));
		r = json_print(o);
		json_object_put(o);
		return r;
	}
	if (rp->changed > 0) {
		int r = table_print(rp->table, stdout);

		if (r < 0)
			return r; /* reported */
	}
	printf("%s%zu of %zu recorded calls would be decided differently by %s "
	       "(%zu records from %s)\n", rp->changed ? "\n" : "", rp->changed, rp->calls,
	       rp->cfg->file, rp->records, source);
	return output_checked(stdout);
}

/* sysgatectl policy replay FILE (--log LOGFILE | --session ID): 1 when some recorded
 * call would be decided differently, 0 when none, negative errno on failure. */
int ctl_policy_replay(const struct ctl_config *cfg)
{
	static const char *const headers[] = { "RECORD", "SESSION", "PID", "ARCH", "SYSCALL",
					       "OLD -> NEW", "RULE" };
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	struct replay rp = { .cfg = cfg };
	char where[300], source[300];
	int r;

	r = ctl_load_policy(cfg->file, &p, NULL);
	if (r < 0)
		return r;
	rp.policy = p;
	rp.table = table_new(ARRAY_SIZE(headers), headers, "rrrllll");
	rp.changes = json_object_new_array();
	if (!rp.table || !rp.changes) {
		r = ctl_errx(-ENOMEM, "out of memory");
		goto out;
	}
	if (cfg->log_file) {
		snprintf(where, sizeof(where), "%s:", cfg->log_file);
		snprintf(source, sizeof(source), "%s", cfg->log_file);
		rp.where = where;
		r = replay_file(&rp, cfg->log_file);
	} else {
		snprintf(where, sizeof(where), "session %" PRIu64 ": record ", cfg->session_id);
		snprintf(source, sizeof(source), "session %" PRIu64, cfg->session_id);
		rp.where = where;
		r = replay_session(&rp);
	}
	if (r >= 0)
		r = print_result(&rp, source);
	if (r >= 0)
		r = rp.changed > 0;
out:
	table_free(rp.table);
	json_object_put(rp.changes);
	return r;
}
