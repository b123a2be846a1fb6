/* SPDX-License-Identifier: MIT */
/*
 * The emulators a policy may name (`emulate NAME`), which syscalls each one
 * can carry out, and the load-time check that every emulate rule names one
 * that fits its syscall.  The daemon's emulate.c carries them out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy-internal.h"

#define EMU_SYSCALLS_MAX 6

static const struct {
	const char *name;
	const char *syscalls[EMU_SYSCALLS_MAX]; /* NULL-terminated when shorter */
} emulators[] = {
	{ "mknod", { "mknod", "mknodat" } },
	{ "mknod-strict", { "mknod", "mknodat" } },
	{ "chown", { "chown", "fchown", "lchown", "fchownat" } },
	{ "xattr", { "setxattr", "lsetxattr", "fsetxattr" } },
	{ "sched", { "sched_setscheduler", "sched_setparam", "setpriority" } },
	{ "open", { "open", "openat" } },
};

/* Index of the emulator called name, or -ENOENT. */
int policy_emulator_index(const char *name)
{
	for (size_t i = 0; i < sizeof(emulators) / sizeof(emulators[0]); i++)
		if (strcmp(emulators[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

static bool emulator_fits(int idx, const char *syscall)
{
	if (idx < 0)
		return false;
	for (size_t j = 0; j < EMU_SYSCALLS_MAX && emulators[idx].syscalls[j]; j++)
		if (strcmp(emulators[idx].syscalls[j], syscall) == 0)
			return true;
	return false;
}

/* Whether the emulator called name can carry out syscall. */
bool policy_emulator_fits(const char *name, const char *syscall)
{
	return emulator_fits(policy_emulator_index(name), syscall);
}

/* Parse "MAJOR:MINOR" of len bytes at w (a character device of the mknod allowlist). */
int policy_emu_parse_dev(const char *w, size_t len, unsigned *ret_major, unsigned *ret_minor)
{
	unsigned long maj = 0, min = 0;
	size_t i = 0, digits = 0;

	for (; i < len && w[i] >= '0' && w[i] <= '9' && maj < 4096; i++, digits++)
		maj = maj * 10 + (unsigned long)(w[i] - '0');
	if (digits == 0 || i >= len || w[i] != ':' || maj >= 4096)
		return -EINVAL;
	for (i++, digits = 0; i < len && w[i] >= '0' && w[i] <= '9' && min < (1ul << 20); i++, digits++)
		min = min * 10 + (unsigned long)(w[i] - '0');
	if (digits == 0 || i != len || min >= (1ul << 20))
		return -EINVAL;
	*ret_major = (unsigned)maj;
	*ret_minor = (unsigned)min;
	return 0;
}

/* mknod and mknod-strict take their own allowlist of character devices, MAJOR:MINOR words. */
static bool mknod_opts_ok(const struct sg_policy *p, const struct sg_rule *r,
			  struct sg_policy_error *reterr)
{
	unsigned maj, min;

	for (const char *w = r->action.emu_opts; *w; w = *w ? w + 1 : w) {
		size_t len = strcspn(w, " ");

		if (policy_emu_parse_dev(w, len, &maj, &min) < 0) {
			policy_error_set(reterr, p->file, r->line, r->col, NULL, 0,
					 "emulator '%s': '%.*s' is not a character device "
					 "MAJOR:MINOR (major < 4096, minor < 1048576)",
					 r->action.emulator, (int)len, w);
			return false;
		}
		w += len;
	}
	return true;
}

/* open takes the path prefixes it denies (absolute); mknod its device allowlist; the
 * others take no option. */
static bool opts_ok(const struct sg_policy *p, const struct sg_rule *r, int idx,
		    struct sg_policy_error *reterr)
{
	const char *o = r->action.emu_opts;
	bool is_open = strcmp(emulators[idx].name, "open") == 0;

	if (strncmp(emulators[idx].name, "mknod", 5) == 0)
		return mknod_opts_ok(p, r, reterr);
	if (!is_open && o[0]) {
		policy_error_set(reterr, p->file, r->line, r->col, NULL, 0,
				 "emulator '%s' takes no options, got '%s'", r->action.emulator, o);
		return false;
	}
	if (is_open && !o[0]) {
		policy_error_set(reterr, p->file, r->line, r->col, NULL, 0,
				 "emulator 'open' needs the path prefixes it denies, e.g. "
				 "'emulate open /etc/secret'");
		return false;
	}
	for (const char *w = o; is_open && *w; w = *w ? w + 1 : w) {
		size_t len = strcspn(w, " ");

		if (w[0] != '/') {
			policy_error_set(reterr, p->file, r->line, r->col, NULL, 0,
					 "emulator 'open': '%.*s' is not an absolute path",
					 (int)len, w);
			return false;
		}
		w += len;
	}
	return true;
}

static void list_names(char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(emulators) / sizeof(emulators[0]) && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", emulators[i].name);
}

/* -EINVAL at the first emulate action that names no emulator or one that cannot
 * carry out its syscall; emulate is never a default action. */
int policy_check_loadable(const struct sg_policy *p, struct sg_policy_error *reterr)
{
	char names[256];

	if (reterr)
		memset(reterr, 0, sizeof(*reterr));
	if (!p)
		return -EINVAL;
	list_names(names, sizeof(names));
	if (p->def.kind == SG_ACT_EMULATE) {
		policy_error_set(reterr, p->file, p->def_line, 1, NULL, 0,
				 "emulate '%s' cannot be the default action: name the syscalls",
				 p->def.emulator);
		return -EINVAL;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sg_rule *r = &p->rules[i];
		int idx;

		if (r->action.kind != SG_ACT_EMULATE)
			continue;
		idx = policy_emulator_index(r->action.emulator);
		if (idx < 0) {
			policy_error_set(reterr, p->file, r->line, r->col, NULL, 0,
					 "unknown emulator '%s' (known: %s)", r->action.emulator,
					 names);
			return -EINVAL;
		}
		if (!opts_ok(p, r, idx, reterr))
			return -EINVAL;
		if (!emulator_fits(idx, r->name)) {
			policy_error_set(reterr, p->file, r->line, r->col, NULL, 0,
					 "emulator '%s' cannot carry out '%s'", r->action.emulator,
					 r->name);
			return -EINVAL;
		}
	}
	return 0;
}

/* For mechanisms without emulators (trace, trap): refuse any emulate rule. */
int policy_check_no_emulate(const struct sg_policy *p, const char *mechanism,
			    struct sg_policy_error *reterr)
{
	if (reterr)
		memset(reterr, 0, sizeof(*reterr));
	if (!p)
		return -EINVAL;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sg_rule *r = &p->rules[i];

		if (r->action.kind != SG_ACT_EMULATE)
			continue;
		policy_error_set(reterr, p->file, r->line, r->col, NULL, 0,
				 "emulate needs --mechanism notify, not %s (the emulators work "
				 "through the notify listener)", mechanism);
		return -EOPNOTSUPP;
	}
	return 0;
}
