/* SPDX-License-Identifier: MIT */
/*
 * policy replay: one audit record (read back by lib/audit_record.c) checked key by
 * key, then decided again with another policy.  Every problem names the key and the
 * bad value.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "replay.h"
#include "macro.h"

static int bad(char *msg, size_t size, const char *fmt, ...) _printf_(3, 4);
static int bad(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static struct json_object *key(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* An integer key in [min, max]; -ENOENT when absent and not required. */
static int get_int(struct json_object *o, const char *k, int64_t min, int64_t max, bool required,
		   int64_t *ret, char *msg, size_t size)
{
	struct json_object *v = key(o, k);
	int64_t x;

	if (!v)
		return required ? bad(msg, size, "missing key '%s'", k) : -ENOENT;
	if (!json_object_is_type(v, json_type_int))
		return bad(msg, size, "key '%s' is not an integer", k);
	errno = 0;
	x = json_object_get_int64(v);
	if (errno != 0 || x < min || x > max)
		return bad(msg, size, "key '%s': %s out of range (%" PRId64 "..%" PRId64 ")", k,
			   json_object_to_json_string(v), min, max);
	*ret = x;
	return 0;
}

static int get_str(struct json_object *o, const char *k, bool required, const char **ret,
		   char *msg, size_t size)
{
	struct json_object *v = key(o, k);

	if (!v)
		return required ? bad(msg, size, "missing key '%s'", k) : -ENOENT;
	if (!json_object_is_type(v, json_type_string))
		return bad(msg, size, "key '%s' is not a string", k);
	*ret = json_object_get_string(v);
	return 0;
}

static int get_bool(struct json_object *o, const char *k, bool *ret, char *msg, size_t size)
{
	struct json_object *v = key(o, k);

	*ret = false;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return bad(msg, size, "key '%s' is not true or false", k);
	*ret = json_object_get_boolean(v);
	return 0;
}

/* "args": exactly six strings "0x<hex>" of at most 64 bits. */
static int get_args(struct json_object *o, uint64_t args[SG_MAX_ARGS], char *msg, size_t size)
{
	struct json_object *v = key(o, "args");

	if (!v)
		return bad(msg, size, "missing key 'args'");
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != SG_MAX_ARGS)
		return bad(msg, size, "key 'args' is not an array of %d strings", SG_MAX_ARGS);
	for (size_t i = 0; i < SG_MAX_ARGS; i++) {
		struct json_object *a = json_object_array_get_idx(v, i);
		const char *s = json_object_is_type(a, json_type_string) ? json_object_get_string(a)
									   : NULL;
		size_t len = s ? strlen(s) : 0;
		char *end;

		if (!s || len < 3 || len > 18 || s[0] != '0' || s[1] != 'x' ||
		    strspn(s + 2, "0123456789abcdefABCDEF") != len - 2)
			return bad(msg, size, "args[%zu]: expected a hex string \"0x...\", got %s", i,
				   json_object_to_json_string(a));
		args[i] = strtoull(s + 2, &end, 16);
	}
	return 0;
}

static int get_verdict(struct json_object *o, struct replay_verdict *v, char *msg, size_t size)
{
	const char *s;
	int64_t x;
	int r;

	r = get_str(o, "verdict", true, &s, msg, size);
	if (r < 0)
		return r;
	for (v->kind = 0; v->kind < SG_ACT_MAX; v->kind++)
		if (strcmp(s, action_kind_to_string(v->kind)) == 0)
			break;
	if (v->kind == SG_ACT_MAX)
		return bad(msg, size, "unknown verdict '%s'", s);
	if (v->kind == SG_ACT_DENY) {
		r = get_int(o, "errno", 1, 4095, true, &x, msg, size);
		if (r < 0)
			return r;
		v->err = (int)x;
	} else if (v->kind == SG_ACT_FAKE) {
		r = get_int(o, "value", 0, INT64_MAX, true, &x, msg, size);
		if (r < 0)
			return r;
		v->value = x;
	}
	r = get_bool(o, "audit", &v->audit, msg, size);
	if (r < 0)
		return r;
	r = get_str(o, "rule", false, &v->rule, msg, size);
	return r == -ENOENT ? 0 : r;
}

/* Check one record key by key: 1 for a syscall record (filled in *ret), 0 for another
 * event, -EBADMSG with msg set when it is not a valid record. */
int replay_record_check(struct json_object *o, struct replay_record *ret, char *msg, size_t size)
{
	const char *ev, *arch;
	int64_t x;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = get_str(o, "event", true, &ev, msg, size);
	if (r < 0)
		return r;
	if (strcmp(ev, "syscall") != 0)
		return 0;
	if ((r = get_str(o, "syscall", true, &ret->syscall, msg, size)) < 0 ||
	    (r = get_str(o, "arch", true, &arch, msg, size)) < 0)
		return r;
	ret->arch = arch_from_name(arch);
	if (ret->arch == 0)
		return bad(msg, size, "unknown arch '%s'", arch);
	if ((r = get_int(o, "nr", 0, INT32_MAX, true, &x, msg, size)) < 0)
		return r;
	ret->nr = (int)x;
	if ((r = get_int(o, "session", 1, INT64_MAX, false, &x, msg, size)) < 0 && r != -ENOENT)
		return r;
	ret->session = r < 0 ? 0 : (uint64_t)x;
	if ((r = get_int(o, "pid", 1, INT32_MAX, false, &x, msg, size)) < 0 && r != -ENOENT)
		return r;
	ret->pid = r < 0 ? 0 : (int)x;
	if ((r = get_args(o, ret->args, msg, size)) < 0)
		return r;
	if ((r = get_verdict(o, &ret->old, msg, size)) < 0)
		return r;
	return 1;
}

/* How the policy decides the recorded call now.  A record of an arch the policy
 * does not cover is killed by the filter (bad arch), not given the default. */
void replay_decide(const struct sg_policy *p, const struct replay_record *rec,
		   struct replay_verdict *ret, unsigned *ret_line, bool *ret_default)
{
	const struct sg_rule *rule = NULL;
	const struct sg_action *a;

	memset(ret, 0, sizeof(*ret));
	*ret_line = 0;
	*ret_default = false;
	if (policy_arch_index(p, rec->arch) < 0) {
		ret->kind = SG_ACT_KILL;
		return;
	}
	a = policy_decide(p, rec->arch, rec->nr, rec->args, &rule);
	ret->kind = a->kind;
	ret->err = a->kind == SG_ACT_DENY ? a->err : 0;
	ret->value = a->kind == SG_ACT_FAKE ? a->value : 0;
	ret->audit = (a->flags & SG_FLAG_AUDIT) && a->kind != SG_ACT_ALLOW;
	*ret_line = rule ? rule->line : p->def_line;
	*ret_default = !rule;
}

/* Whether two verdicts differ in what the program sees or in being audit-only. */
bool replay_verdict_differs(const struct replay_verdict *a, const struct replay_verdict *b)
{
	if (a->kind != b->kind || a->audit != b->audit)
		return true;
	return (a->kind == SG_ACT_DENY && a->err != b->err) ||
	       (a->kind == SG_ACT_FAKE && a->value != b->value);
}

/* "deny EACCES", "fake 3", "allow", "kill (audit)". */
const char *replay_verdict_format(const struct replay_verdict *v, char *buf, size_t size)
{
	const char *kind = action_kind_to_string(v->kind), *e = errno_to_name(v->err);

	if (v->kind == SG_ACT_DENY && e)
		snprintf(buf, size, "deny %s%s", e, v->audit ? " (audit)" : "");
	else if (v->kind == SG_ACT_DENY)
		snprintf(buf, size, "deny %d%s", v->err, v->audit ? " (audit)" : "");
	else if (v->kind == SG_ACT_FAKE)
		snprintf(buf, size, "fake %" PRId64 "%s", v->value, v->audit ? " (audit)" : "");
	else
		snprintf(buf, size, "%s%s", kind ? kind : "?", v->audit ? " (audit)" : "");
	return buf;
}
