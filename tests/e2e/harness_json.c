/* SPDX-License-Identifier: MIT */
/* The e2e harness: JSON lines, audit log searches, record field accessors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit_record.h"
#include "harness.h"
#include "harness_int.h"

json_object *sg_json_track(json_object *o)
{
	if (sg_h.n_jsons == sg_h.cap_jsons) {
		size_t cap = sg_h.cap_jsons ? 2 * sg_h.cap_jsons : 16;
		json_object **a = realloc(sg_h.jsons, cap * sizeof(*a));

		cr_assert_not_null(a, "out of memory");
		sg_h.jsons = a;
		sg_h.cap_jsons = cap;
	}
	sg_h.jsons[sg_h.n_jsons++] = o;
	return o;
}

void sg_json_free_all(void)
{
	for (size_t i = 0; i < sg_h.n_jsons; i++)
		json_object_put(sg_h.jsons[i]);
	free(sg_h.jsons);
	sg_h.jsons = NULL;
	sg_h.n_jsons = sg_h.cap_jsons = 0;
}

json_object *sg_json_parse(const char *text, const char *what)
{
	struct json_tokener *tok = json_tokener_new();
	size_t len = strlen(text), end;
	enum json_tokener_error jerr;
	json_object *o;

	cr_assert_not_null(tok, "out of memory");
	/* the documents are objects or arrays: they end without a terminator */
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	sg_json_track(o);
	cr_assert(o && jerr == json_tokener_success, "%s: output is not a JSON document (%s):\n%s",
		  what, json_tokener_error_desc(jerr), text);
	cr_assert_eq(strspn(text + end, " \t\r\n"), len - end,
		     "%s: more than one JSON document:\n%s", what, text);
	return o;
}

json_object *sg_jsonl_parse(const char *text, const char *what)
{
	json_object *arr = sg_json_track(json_object_new_array());
	struct audit_reader rd = { .whole_lines = true };
	json_object *o;
	char msg[256];
	int r;

	rd.f = fmemopen((char *)text, strlen(text), "r");
	cr_assert_not_null(rd.f, "fmemopen: %s", strerror(errno));
	while ((r = audit_reader_next(&rd, &o, msg, sizeof(msg))) > 0)
		json_object_array_add(arr, o);
	cr_assert_eq(r, 0, "%s:%zu: %s: '%s'", what, rd.line, msg[0] ? msg : strerror(-r),
		     rd.buf ? rd.buf : "");
	fclose(rd.f);
	audit_reader_done(&rd);
	return arr;
}

/* The value as compared by the finders: strings raw, everything else as JSON text. */
static const char *value_text(json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static bool matches(json_object *o, const char *key, va_list ap)
{
	va_list aq;
	bool ok = true;

	va_copy(aq, ap);
	for (const char *k = key; k && ok; k = va_arg(aq, const char *)) {
		const char *want = va_arg(aq, const char *);
		json_object *v;

		cr_assert_not_null(want, "key '%s' without a value", k);
		ok = json_object_object_get_ex(o, k, &v) && v && strcmp(value_text(v), want) == 0;
	}
	va_end(aq);
	return ok;
}

static json_object *vfind(json_object *arr, size_t *ret_count, const char *key, va_list ap)
{
	json_object *first = NULL;
	size_t n = 0, len = json_object_array_length(arr);

	for (size_t i = 0; i < len; i++) {
		json_object *o = json_object_array_get_idx(arr, i);

		if (!matches(o, key, ap))
			continue;
		if (!first)
			first = o;
		n++;
	}
	if (ret_count)
		*ret_count = n;
	return first;
}

json_object *sg_jsonl_find(json_object *arr, const char *key, ...)
{
	json_object *o;
	va_list ap;

	va_start(ap, key);
	o = vfind(arr, NULL, key, ap);
	va_end(ap);
	return o;
}

size_t sg_jsonl_count(json_object *arr, const char *key, ...)
{
	size_t n;
	va_list ap;

	va_start(ap, key);
	vfind(arr, &n, key, ap);
	va_end(ap);
	return n;
}

json_object *sg_audit(void)
{
	struct stat st;
	char *text;

	/* the log only grows: parse it again only when it did */
	if (stat(sg_h.audit, &st) < 0)
		st.st_size = 0;
	if (sg_h.audit_cache && st.st_size == sg_h.audit_cache_size)
		return sg_h.audit_cache;
	text = sg_read_file(sg_h.audit);
	sg_h.audit_cache = sg_jsonl_parse(text ? text : "", "audit log");
	sg_h.audit_cache_size = text ? (off_t)strlen(text) : 0;
	return sg_h.audit_cache;
}

json_object *sg_audit_find(const char *key, ...)
{
	json_object *o;
	va_list ap;

	va_start(ap, key);
	o = vfind(sg_audit(), NULL, key, ap);
	va_end(ap);
	return o;
}

size_t sg_audit_count(const char *key, ...)
{
	size_t n;
	va_list ap;

	va_start(ap, key);
	vfind(sg_audit(), &n, key, ap);
	va_end(ap);
	return n;
}

json_object *sg_audit_wait(const char *key, ...)
{
	int64_t end = sg_now_ms() + SG_WAIT_MS;
	json_object *o;
	va_list ap;

	for (;;) {
		va_start(ap, key);
		o = vfind(sg_audit(), NULL, key, ap);
		va_end(ap);
		if (o || sg_now_ms() >= end)
			return o;
		sg_sleep_ms(10);
	}
}

size_t sg_audit_wait_n(size_t want, const char *key, ...)
{
	int64_t end = sg_now_ms() + SG_WAIT_MS;
	size_t n;
	va_list ap;

	for (;;) {
		va_start(ap, key);
		vfind(sg_audit(), &n, key, ap);
		va_end(ap);
		if (n >= want || sg_now_ms() >= end)
			return n;
		sg_sleep_ms(10);
	}
}

void sg_audit_wait_sessions_ended(size_t n)
{
	size_t got = sg_audit_wait_n(n, "event", "session-end", NULL);

	cr_assert_geq(got, n, "%zu of %zu sessions ended; audit log:\n%s", got, n,
		      sg_jtext(sg_audit()));
}

int64_t sg_session_id(size_t nth)
{
	json_object *audit = sg_audit();
	size_t len = json_object_array_length(audit);
	int64_t id;

	for (size_t i = 0; i < len; i++) {
		json_object *o = json_object_array_get_idx(audit, i);

		if (!sg_jstr(o, "event") || strcmp(sg_jstr(o, "event"), "session-start") != 0)
			continue;
		if (nth-- > 0)
			continue;
		cr_assert(sg_jint(o, "session", &id), "session-start without a session id: %s",
			  sg_jtext(o));
		return id;
	}
	cr_assert_fail("fewer session-start records than expected:\n%s", sg_jtext(audit));
	return -1;
}

const char *sg_jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool sg_jint(json_object *o, const char *key, int64_t *ret)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

bool sg_jtrue(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

bool sg_jhas(json_object *o, const char *key)
{
	return o && json_object_object_get_ex(o, key, NULL);
}

const char *sg_jarg(json_object *rec, unsigned i)
{
	json_object *args, *v;

	if (!rec || !json_object_object_get_ex(rec, "args", &args) ||
	    !json_object_is_type(args, json_type_array) || i >= json_object_array_length(args))
		return NULL;
	v = json_object_array_get_idx(args, i);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

const char *sg_jsub(json_object *rec, const char *obj, const char *key)
{
	json_object *o;

	if (!rec || !json_object_object_get_ex(rec, obj, &o))
		return NULL;
	return sg_jstr(o, key);
}

json_object *sg_audit_emulated(const char *path)
{
	json_object *audit = sg_audit();
	size_t n = json_object_array_length(audit);

	for (size_t i = 0; i < n; i++) {
		json_object *rec = json_object_array_get_idx(audit, i);
		const char *v = sg_jstr(rec, "verdict"), *p = sg_jsub(rec, "decoded", "path");

		if (v && strcmp(v, "emulate") == 0 && p && strcmp(p, path) == 0)
			return rec;
	}
	return NULL;
}

const char *sg_jtext(json_object *o)
{
	if (!o)
		return "(none)";
	return sg_strf("%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
}

bool sg_rule_is(json_object *rec, const char *policy_path, unsigned line)
{
	const char *rule = sg_jstr(rec, "rule"), *base = strrchr(policy_path, '/');
	char *want = sg_strf("%s:%u", base ? base + 1 : policy_path, line);
	size_t rl, wl = strlen(want);

	if (!rule)
		return false;
	rl = strlen(rule);
	/* the display name may be the path as given or its base name */
	return rl >= wl && strcmp(rule + rl - wl, want) == 0 &&
	       (rl == wl || rule[rl - wl - 1] == '/');
}

void sg_expect_audited_open(struct sg_result *r, const char *pol, unsigned line)
{
	json_object *rec;
	int64_t v;

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "open=ok\n");
	rec = sg_audit_wait("event", "syscall", "syscall", "openat", NULL);
	cr_assert_not_null(rec, "no openat record; audit log:\n%s", sg_jtext(sg_audit()));
	cr_expect(sg_jtrue(rec, "audit"), "no \"audit\": true in %s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "deny", "%s", sg_jtext(rec));
	cr_expect(sg_jint(rec, "errno", &v) && v == EACCES, "the would-be errno: %s",
		  sg_jtext(rec));
	cr_expect(sg_rule_is(rec, pol, line), "%s", sg_jtext(rec));
}
