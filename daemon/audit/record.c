/* SPDX-License-Identifier: MIT */
/*
 * The audit records: one JSON object per line, built with json-c, written by
 * audit_out.c (syscall records in batches, the others at once).  The last
 * SG_AUDIT_RING records stay in memory for
 * `sysgatectl log`, and every record is streamed to the subscribers that may
 * see it.  A subscriber may be dropped when it cannot keep up; the file never
 * loses a record while the daemon runs (failed writes are counted and warned).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "verdict.h"

#define AUDIT_REFUSED_RATE 10.0  /* `refused` records per second, sustained */
#define AUDIT_REFUSED_BURST 50.0 /* ... and in a burst */

static const char *const count_names[SG_NCOUNTS] = {
	[SG_COUNT_ALLOW] = "allow", [SG_COUNT_DENY] = "deny", [SG_COUNT_FAKE] = "fake",
	[SG_COUNT_KILL] = "kill",   [SG_COUNT_EMULATE] = "emulate", [SG_COUNT_AUDIT] = "audit",
};

/* "2026-11-23T03:10:00.123456Z" */
const char *audit_format_time(uint64_t usec, char *buf, size_t size)
{
	time_t sec = (time_t)(usec / 1000000);
	struct tm tm;
	char date[32];

	if (!gmtime_r(&sec, &tm) || strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(date, sizeof(date), "1970-01-01T00:00:00");
	snprintf(buf, size, "%s.%06" PRIu64 "Z", date, usec % 1000000);
	return buf;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Copy s replacing each byte that is not valid UTF-8 with "\xNN"; malloc'd. */
char *utf8_sanitize(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(len * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(p + i, len - i);

		if (k == 0) {
			o += sprintf(o, "\\x%02x", p[i]);
			i++;
		} else {
			memcpy(o, p + i, k);
			o += k;
			i += k;
		}
	}
	*o = '\0';
	return out;
}

/* Add key: value, marking *ok false when value could not be made. */
static void put(json_object *o, const char *key, json_object *v, bool *ok)
{
	if (!v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		*ok = false;
	}
}

/* A string as JSON: sanitised UTF-8 (json-c escapes quotes and control characters). */
static json_object *jstr(const char *s)
{
	_cleanup_free_ char *clean = s ? utf8_sanitize(s, strlen(s)) : NULL;

	return clean ? json_object_new_string(clean) : NULL;
}

/* A new record: "time" and "event" first. */
static json_object *record_new(const char *event, bool *ok)
{
	json_object *o = json_object_new_object();
	char t[64];

	*ok = o != NULL;
	if (!o)
		return NULL;
	put(o, "time", json_object_new_string(audit_format_time(now_usec(), t, sizeof(t))), ok);
	put(o, "event", json_object_new_string(event), ok);
	return o;
}

static void put_args(json_object *o, const uint64_t *args, bool *ok)
{
	json_object *a = json_object_new_array_ext(SG_MAX_ARGS);
	char hex[32];

	if (!a) {
		*ok = false;
		return;
	}
	for (unsigned i = 0; i < SG_MAX_ARGS; i++) {
		json_object *v;

		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)args[i]);
		v = json_object_new_string(hex);
		if (!v || json_object_array_add(a, v) < 0) {
			json_object_put(v);
			*ok = false;
		}
	}
	put(o, "args", a, ok);
}

/* The record of one decided call (a new object, or NULL when out of memory). */
json_object *audit_syscall_json(const struct audit_call *call)
{
	const struct sg_call *sd = call->sc;
	const struct task_meta *m = call->meta;
	char name[SG_SYSCALL_NAME_MAX + 16], archbuf[16], rule[PATH_MAX + 32];
	const char *errname;
	bool ok;
	json_object *o = record_new("syscall", &ok);

	if (!o)
		return NULL;
	put(o, "session", json_object_new_uint64(call->session), &ok);
	put(o, "mechanism", json_object_new_string(proto_mechanism_name(call->mech)), &ok);
	/* Unknown (the task left before it could be confirmed): null, never a guess. */
	json_object_object_add(o, "pid", m->have_status ? json_object_new_int64(m->tgid) : NULL);
	put(o, "tid", json_object_new_int64(sd->tid), &ok);
	json_object_object_add(o, "comm", m->have_comm ? jstr(m->comm) : NULL);
	json_object_object_add(o, "exe", m->have_exe ? jstr(m->exe) : NULL);
	json_object_object_add(o, "uid", m->have_status ? json_object_new_int64(m->uid) : NULL);
	json_object_object_add(o, "gid", m->have_status ? json_object_new_int64(m->gid) : NULL);
	put(o, "arch", json_object_new_string(call_arch_label(sd->arch, sd->nr, archbuf,
							   sizeof(archbuf))), &ok);
	put(o, "syscall", json_object_new_string(syscall_name(sd->arch, sd->nr, name,
								sizeof(name))), &ok);
	put(o, "nr", json_object_new_int64(sd->nr), &ok);
	put_args(o, sd->args, &ok);
	put(o, "verdict", json_object_new_string(action_kind_to_string(call->verdict)), &ok);
	if (call->verdict == SG_ACT_DENY) {
		put(o, "errno", json_object_new_int64(call->err), &ok);
		errname = errno_to_name(call->err);
		json_object_object_add(o, "errno_name", errname ? json_object_new_string(errname)
								: NULL);
	}
	if (call->verdict == SG_ACT_FAKE)
		put(o, "value", json_object_new_int64(call->value), &ok);
	snprintf(rule, sizeof(rule), "%s:%u", call->policy_file ? call->policy_file : "?",
		 call->line);
	put(o, "rule", jstr(rule), &ok);
	if (call->is_default)
		put(o, "default", json_object_new_boolean(1), &ok);
	if (call->implied)
		put(o, "implied", jstr(call->implied), &ok);
	if (call->audit)
		put(o, "audit", json_object_new_boolean(1), &ok);
	if (call->emu) {
		struct json_object_iterator it = json_object_iter_begin(call->emu);
		struct json_object_iterator end = json_object_iter_end(call->emu);

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			json_object_object_add(o, json_object_iter_peek_name(&it),
					       json_object_get(json_object_iter_peek_value(&it)));
	}
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static bool entry_visible(const struct conn *c, uint64_t session, uid_t owner)
{
	if (c->uid == 0)
		return true;
	return session != 0 && conn_may_see(c, owner); /* session 0: refused peers, root only */
}

/* Stream a record to every follower that may see it. */
static void fan_out(struct sysgated *d, const char *text, size_t len, uint64_t session,
		    uid_t owner)
{
	_cleanup_free_ uint8_t *pkt = NULL;
	size_t size = len + 64;
	ssize_t n = -1;
	struct conn *c, *next;

	for (c = TAILQ_FIRST(&d->conns); c; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!c->follow || c->dead || !entry_visible(c, session, owner) ||
		    (c->sub_session != 0 && c->sub_session != session))
			continue;
		if (!pkt) {
			pkt = malloc(size);
			n = pkt ? proto_encode_record(pkt, size, session, text, len) : -ENOMEM;
			if (n < 0) {
				log_warn((int)n, "audit: cannot stream a record, ignoring");
				return;
			}
		}
		(void)conn_send(c, pkt, (size_t)n, true);
	}
}

/* Queue one record for the log file (flushed now unless buffered), keep it in the
 * ring and stream it; takes the object. */
static int emit(struct sysgated *d, json_object *rec, uint64_t session, uid_t owner,
		bool buffered)
{
	struct audit *a = &d->audit;
	struct audit_entry *e;
	const char *json;
	size_t len;
	char *text;
	int r;

	if (!rec) {
		a->records_failed++;
		return log_warn(-ENOMEM, "audit: cannot build a record, lost");
	}
	json = json_object_to_json_string_length(rec, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	text = json ? malloc(len + 2) : NULL;
	if (!text) {
		json_object_put(rec);
		a->records_failed++;
		return log_warn(-ENOMEM, "audit: cannot format a record, lost");
	}
	memcpy(text, json, len);
	text[len] = '\n';
	text[len + 1] = '\0';
	json_object_put(rec);

	r = audit_out_append(d, text, len + 1);
	if (r == 0 && !buffered)
		r = audit_flush(d);

	e = &a->ring[a->ring_next];
	free(e->text);
	*e = (struct audit_entry){ text, len, session, owner };
	a->ring_next = (a->ring_next + 1) % SG_AUDIT_RING;
	if (a->ring_n < SG_AUDIT_RING)
		a->ring_n++;

	fan_out(d, text, len, session, owner);
	return r;
}

/* Write, keep in the ring and stream one record now; takes the object. */
int audit_emit(struct sysgated *d, json_object *rec, uint64_t session, uid_t owner)
{
	return emit(d, rec, session, owner, false);
}

/* The record of one decided call. */
int audit_syscall(struct sysgated *d, const struct audit_call *call, uid_t owner)
{
	/* the many: written in batches (audit_out.c), the ring and subscribers get it now */
	return emit(d, audit_syscall_json(call), call->session, owner, true);
}

static json_object *session_json(const char *event, const struct session *s, bool *ok)
{
	json_object *o = record_new(event, ok);

	if (!o)
		return NULL;
	put(o, "session", json_object_new_uint64(s->id), ok);
	put(o, "pid", json_object_new_int64(s->target_pid), ok);
	put(o, "uid", json_object_new_int64(s->uid), ok);
	put(o, "gid", json_object_new_int64(s->gid), ok);
	put(o, "policy", jstr(s->policy->file), ok);
	put(o, "mechanism", json_object_new_string(proto_mechanism_name(s->mech)), ok);
	return o;
}

/* session-start */
int audit_session_start(struct sysgated *d, const struct session *s)
{
	bool ok;
	json_object *o = session_json("session-start", s, &ok);

	if (o && !ok)
		o = (json_object_put(o), NULL);
	return audit_emit(d, o, s->id, s->uid);
}

/* session-end, with the session's counts */
int audit_session_end(struct sysgated *d, const struct session *s)
{
	bool ok;
	json_object *o = session_json("session-end", s, &ok), *counts;

	if (o) {
		put(o, "notifications", json_object_new_uint64(s->notifications), &ok);
		counts = json_object_new_object();
		for (unsigned i = 0; counts && i < SG_NCOUNTS; i++)
			put(counts, count_names[i], json_object_new_uint64(s->counts[i]), &ok);
		put(o, "counts", counts, &ok);
		if (!ok)
			o = (json_object_put(o), NULL);
	}
	return audit_emit(d, o, s->id, s->uid);
}

/* Token bucket for `refused`: any local peer may cause them, none may flood the log. */
static bool refused_allowed(struct audit *a)
{
	uint64_t now = mono_usec();

	a->refused_tokens += (double)(now - a->refused_last_usec) * AUDIT_REFUSED_RATE / 1e6;
	if (a->refused_last_usec == 0 || a->refused_tokens > AUDIT_REFUSED_BURST)
		a->refused_tokens = AUDIT_REFUSED_BURST;
	a->refused_last_usec = now;
	if (a->refused_tokens < 1) {
		a->refused_suppressed++;
		return false;
	}
	a->refused_tokens -= 1;
	return true;
}

/* refused: a peer's request was refused (visible to root only); -EAGAIN when
 * over the rate limit (counted, and reported with the next record). */
int audit_refused(struct sysgated *d, const struct conn *c, const char *request,
		  const char *reason)
{
	bool ok;
	json_object *o;

	if (!refused_allowed(&d->audit))
		return -EAGAIN;
	o = record_new("refused", &ok);
	if (o) {
		if (d->audit.refused_suppressed > 0) {
			put(o, "suppressed", json_object_new_uint64(d->audit.refused_suppressed),
			    &ok);
			d->audit.refused_suppressed = 0;
		}
		put(o, "peer_pid", json_object_new_int64(c->pid), &ok);
		put(o, "peer_uid", json_object_new_int64(c->uid), &ok);
		put(o, "request", jstr(request), &ok);
		put(o, "reason", jstr(reason), &ok);
		if (!ok)
			o = (json_object_put(o), NULL);
	}
	return audit_emit(d, o, 0, 0);
}

/* Send the kept records the peer may see (of one session unless 0). */
int audit_backlog(struct sysgated *d, struct conn *c, uint64_t session)
{
	struct audit *a = &d->audit;
	size_t first = (a->ring_next + SG_AUDIT_RING - a->ring_n) % SG_AUDIT_RING;

	for (size_t i = 0; i < a->ring_n; i++) {
		const struct audit_entry *e = &a->ring[(first + i) % SG_AUDIT_RING];
		ssize_t n;
		int r;

		if (!entry_visible(c, e->session, e->owner) || (session && e->session != session))
			continue;
		n = proto_encode_record(d->obuf, SG_MSG_MAX, e->session, e->text, e->len);
		if (n < 0) {
			log_warn((int)n, "audit: cannot send a kept record, skipping");
			continue;
		}
		r = conn_send(c, d->obuf, (size_t)n, false);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Close the log and free the ring. */
void audit_close(struct sysgated *d)
{
	struct audit *a = &d->audit;

	audit_out_close(d);
	for (size_t i = 0; i < SG_AUDIT_RING; i++) {
		free(a->ring[i].text);
		a->ring[i].text = NULL;
	}
	a->ring_n = a->ring_next = 0;
}
