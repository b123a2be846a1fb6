/* SPDX-License-Identifier: MIT */
/*
 * The administrator's bounds on the emulators (sysgated --config, by default
 * /etc/sysgate/sysgated.conf): one directive per line, '#' starts a comment.
 *
 *   mknod-devices 1:3 1:5 ...   character devices mknod may make (replaces the list;
 *                               no word: none)
 *   chown yes|no                whether `emulate chown` may be loaded
 *   xattr yes|no                whether `emulate xattr` may be loaded
 *
 * A policy's own device list may only name devices within mknod-devices; a
 * policy without one gets mknod-devices itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu_bounds.h"
#include "policy-internal.h"

static const struct {
	unsigned major, minor;
} default_devs[] = {
	{ 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, /* null zero full random urandom */
	{ 5, 0 },                                         /* tty */
	{ 0, 0 },                                         /* the overlayfs whiteout */
};

/* The defaults; see emu_bounds.h. */
void bounds_default(struct emu_bounds *b)
{
	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < ARRAY_SIZE(default_devs); i++) {
		b->devs[i].major = default_devs[i].major;
		b->devs[i].minor = default_devs[i].minor;
	}
	b->n_devs = ARRAY_SIZE(default_devs);
	b->chown = b->xattr = true;
}

/* Whether major:minor is allowed; see emu_bounds.h. */
bool bounds_dev_allowed(const struct emu_bounds *b, unsigned major, unsigned minor)
{
	for (size_t i = 0; i < b->n_devs; i++)
		if (b->devs[i].major == major && b->devs[i].minor == minor)
			return true;
	return false;
}

/* One line being parsed: where it is, for errors. */
struct cline {
	const char *file, *text;
	size_t len;
	unsigned no;
};

static int bad(struct sg_policy_error *e, const struct cline *l, const char *at, const char *fmt,
	       const char *word, size_t wlen)
{
	policy_error_set(e, l->file, l->no, (unsigned)(at - l->text) + 1, l->text, l->len, fmt,
			 (int)wlen, word);
	return -EINVAL;
}

/* The next word of the line from *pos, its length in *ret_len; NULL at the end. */
static const char *next_word(const struct cline *l, size_t *pos, size_t *ret_len)
{
	size_t i = *pos, start;

	while (i < l->len && (l->text[i] == ' ' || l->text[i] == '\t'))
		i++;
	if (i >= l->len || l->text[i] == '#') {
		*pos = l->len;
		return NULL;
	}
	start = i;
	while (i < l->len && l->text[i] != ' ' && l->text[i] != '\t' && l->text[i] != '#')
		i++;
	*pos = i;
	*ret_len = i - start;
	return l->text + start;
}

static int parse_yes_no(const struct cline *l, size_t *pos, const char *key, bool *ret,
			struct sg_policy_error *e)
{
	size_t n = 0, n2 = 0;
	const char *w = next_word(l, pos, &n), *extra;

	if (!w)
		return bad(e, l, l->text + *pos, "'%.*s' needs 'yes' or 'no'", key, strlen(key));
	if (n == 3 && memcmp(w, "yes", 3) == 0)
		*ret = true;
	else if (n == 2 && memcmp(w, "no", 2) == 0)
		*ret = false;
	else
		return bad(e, l, w, "expected 'yes' or 'no', not '%.*s'", w, n);
	extra = next_word(l, pos, &n2);
	if (extra)
		return bad(e, l, extra, "unexpected '%.*s'", extra, n2);
	return 0;
}

static int parse_devs(const struct cline *l, size_t *pos, struct emu_bounds *b,
		      struct sg_policy_error *e)
{
	const char *w;
	size_t n = 0;

	b->n_devs = 0;
	while ((w = next_word(l, pos, &n))) {
		unsigned maj, min;

		if (policy_emu_parse_dev(w, n, &maj, &min) < 0)
			return bad(e, l, w, "expected a character device MAJOR:MINOR, not '%.*s'", w,
				   n);
		if (b->n_devs == SG_BOUNDS_DEVS_MAX)
			return bad(e, l, w, "more than 64 devices, at '%.*s'", w, n);
		if (!bounds_dev_allowed(b, maj, min)) {
			b->devs[b->n_devs].major = maj;
			b->devs[b->n_devs++].minor = min;
		}
	}
	return 0;
}

static int parse_line(const struct cline *l, struct emu_bounds *b, struct sg_policy_error *e)
{
	size_t pos = 0, n = 0;
	const char *key = next_word(l, &pos, &n);

	if (!key)
		return 0;
	if (n == 13 && memcmp(key, "mknod-devices", 13) == 0)
		return parse_devs(l, &pos, b, e);
	if (n == 5 && memcmp(key, "chown", 5) == 0)
		return parse_yes_no(l, &pos, "chown", &b->chown, e);
	if (n == 5 && memcmp(key, "xattr", 5) == 0)
		return parse_yes_no(l, &pos, "xattr", &b->xattr, e);
	return bad(e, l, key, "unknown directive '%.*s' (mknod-devices, chown or xattr)", key, n);
}

/* Parse a configuration text; see emu_bounds.h. */
int bounds_parse(const char *text, size_t len, const char *file, struct emu_bounds *b,
		 struct sg_policy_error *e)
{
	struct emu_bounds nb = *b;
	struct cline l = { .file = file ? file : "<config>" };
	int r;

	if (e)
		memset(e, 0, sizeof(*e));
	if (memchr(text, '\0', len)) {
		policy_error_set(e, l.file, 0, 0, NULL, 0, "NUL byte in the configuration");
		return -EINVAL;
	}
	for (const char *p = text, *end = text + len; p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		l.text = p;
		l.len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		l.no++;
		r = parse_line(&l, &nb, e);
		if (r < 0)
			return r;
		p += l.len + 1;
	}
	*b = nb;
	return 0;
}

/* Read a configuration file; see emu_bounds.h. */
int bounds_load(const char *path, bool missing_ok, struct emu_bounds *b,
		struct sg_policy_error *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	bounds_default(b);
	if (e)
		memset(e, 0, sizeof(*e));
	r = policy_read_text(path, "configuration", &text, &len, e);
	if (r == -ENOENT && missing_ok) {
		if (e)
			memset(e, 0, sizeof(*e));
		return 0;
	}
	if (r < 0)
		return r;
	return bounds_parse(text, len, path, b, e);
}

static int refuse(const struct sg_policy *p, const struct sg_rule *rule, struct sg_policy_error *e,
		  const char *what)
{
	policy_error_set(e, p->file, rule->line, rule->col, NULL, 0,
			 "%s: not allowed by the daemon's configuration", what);
	return -EPERM;
}

/* Whether p's emulate rules stay within b; see emu_bounds.h. */
int bounds_check_policy(const struct emu_bounds *b, const struct sg_policy *p,
			struct sg_policy_error *e)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sg_rule *rule = &p->rules[i];
		const char *o = rule->action.emu_opts;
		char what[64];

		if (rule->action.kind != SG_ACT_EMULATE)
			continue;
		if (strcmp(rule->action.emulator, "chown") == 0 && !b->chown)
			return refuse(p, rule, e, "emulate chown");
		if (strcmp(rule->action.emulator, "xattr") == 0 && !b->xattr)
			return refuse(p, rule, e, "emulate xattr");
		if (strncmp(rule->action.emulator, "mknod", 5) != 0)
			continue;
		for (const char *w = o; *w; w = *w ? w + 1 : w) {
			size_t len = strcspn(w, " ");
			unsigned maj, min;

			if (policy_emu_parse_dev(w, len, &maj, &min) == 0 &&
			    !bounds_dev_allowed(b, maj, min)) {
				snprintf(what, sizeof(what), "mknod of device %u:%u", maj, min);
				return refuse(p, rule, e, what);
			}
			w += len;
		}
	}
	return 0;
}
