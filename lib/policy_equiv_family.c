/* SPDX-License-Identifier: MIT */
/*
 * Equivalent calls, the families of calls with the same effect (policy_equiv.c is
 * the step that uses them).  A family lists calls that do the same thing and where each keeps the family's
 * arguments ("slots"): in a register, as a constant (open's dirfd is AT_FDCWD,
 * rmdir's flags AT_REMOVEDIR), in memory (openat2's flags, clone3's), or nowhere
 * the filter can see (what a rename removes).  A rule of a source call is
 * translated for each other call of its family that no rule names: a condition on
 * a register moves to the other call's register; one on a constant is decided
 * here (it holds: dropped; it fails: no rule); a source's selecting constant
 * (rmdir: AT_REMOVEDIR) becomes a condition.  A condition that cannot be checked
 * makes the call refused ENOSYS when callers fall back (openat2, clone3), is
 * dropped for the renames (only rules that stop or record a removal carry over,
 * so dropping widens what they stop), and skips the rule for unshare.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "policy-equiv.h"
#include "policy_tools.h"

#define SLOTS_MAX 5
#define MEMBERS_MAX 6
#define AT_FDCWD_U64 ((uint64_t)(int64_t)AT_FDCWD)

enum slot_kind { SLOT_NONE = 0, SLOT_REG, SLOT_CONST, SLOT_MEM, SLOT_UNSEEN };

struct slot {
	uint8_t kind;
	uint8_t arg;    /* SLOT_REG: the argument register */
	bool selects;   /* SLOT_CONST: the call covers only this value (rmdir's AT_REMOVEDIR) */
	uint64_t value; /* SLOT_CONST */
};

enum {
	HOW_SOURCE = 1 << 0,     /* its rules imply rules for the family's other calls */
	HOW_REFUSE = 1 << 1,     /* a condition it cannot check: refused ENOSYS (callers fall back) */
	HOW_BROADEN = 1 << 2,    /* only rules that stop or record; unseen conditions dropped */
	HOW_FLAGS_ONLY = 1 << 3, /* only rules testing slot 0; any other condition skips the rule */
	HOW_NO_REPLACE = 1 << 4, /* renameat2: not with RENAME_NOREPLACE or RENAME_EXCHANGE */
};

struct member {
	const char *name;
	unsigned how;
	struct slot slots[SLOTS_MAX];
	const char *why; /* NULL: the family's */
};

struct family {
	const char *why;
	struct member members[MEMBERS_MAX];
};

#define R(n) { SLOT_REG, n, false, 0 }
#define K(v) { SLOT_CONST, 0, false, v }
#define SEL(v) { SLOT_CONST, 0, true, v }
#define MEM { SLOT_MEM, 0, false, 0 }
#define UNSEEN { SLOT_UNSEEN, 0, false, 0 }
#define FDCWD K(AT_FDCWD_U64)

#define RENAME_NOREPLACE_OR_EXCHANGE 3 /* RENAME_NOREPLACE | RENAME_EXCHANGE */
#define RENAMEAT2_FLAGS_ARG 4

static const char why_rename[] =
	"a rename removes the name it replaces, which the filter cannot see coming "
	"(renameat2 with RENAME_NOREPLACE or RENAME_EXCHANGE removes nothing)";

static const struct family families[] = {
	{ "open, openat, creat and openat2 open the same files",
	  { { "openat", HOW_SOURCE, { R(0), R(1), R(2), R(3) }, NULL },
	    { "open", HOW_SOURCE, { FDCWD, R(0), R(1), R(2) }, NULL },
	    { "creat", 0, { FDCWD, R(0), K(O_CREAT | O_WRONLY | O_TRUNC), R(1) }, NULL },
	    { "openat2", HOW_REFUSE, { R(0), R(1), MEM, MEM }, NULL } } },
	{ "unlink, unlinkat and rmdir remove the same names",
	  { { "unlinkat", HOW_SOURCE, { R(0), R(1), R(2) }, NULL },
	    { "unlink", HOW_SOURCE, { FDCWD, R(0), SEL(0) }, NULL },
	    { "rmdir", HOW_SOURCE, { FDCWD, R(0), SEL(AT_REMOVEDIR) }, NULL },
	    { "renameat", HOW_BROADEN, { R(2), R(3), UNSEEN }, why_rename },
	    { "rename", HOW_BROADEN, { FDCWD, R(1), UNSEEN }, why_rename },
	    { "renameat2", HOW_BROADEN | HOW_NO_REPLACE, { R(2), R(3), UNSEEN }, why_rename } } },
	{ "mknod and mknodat make the same nodes",
	  { { "mknodat", HOW_SOURCE, { R(0), R(1), R(2), R(3) }, NULL },
	    { "mknod", HOW_SOURCE, { FDCWD, R(0), R(1), R(2) }, NULL } } },
	{ "mkdir and mkdirat make the same directories",
	  { { "mkdirat", HOW_SOURCE, { R(0), R(1), R(2) }, NULL },
	    { "mkdir", HOW_SOURCE, { FDCWD, R(0), R(1) }, NULL } } },
	{ "execve and execveat run the same programs",
	  { { "execve", HOW_SOURCE, { FDCWD, R(0), R(1), R(2), K(0) }, NULL },
	    { "execveat", 0, { R(0), R(1), R(2), R(3), R(4) }, NULL } } },
	{ "clone, clone3, fork and vfork make the same tasks, unshare the same namespaces",
	  { { "clone", HOW_SOURCE, { R(0), R(1), R(2), R(3), R(4) }, NULL },
	    { "clone3", HOW_REFUSE, { MEM, MEM, MEM, MEM, MEM }, NULL },
	    { "fork", 0, { K(SIGCHLD), K(0), K(0), K(0), K(0) }, NULL },
	    { "vfork", 0, { K(CLONE_VM | CLONE_VFORK | SIGCHLD), K(0), K(0), K(0), K(0) }, NULL },
	    { "unshare", HOW_FLAGS_ONLY, { R(0), UNSEEN, UNSEEN, UNSEEN, UNSEEN }, NULL } } },
};

static const char why_refused[] =
	"it keeps the arguments the rule tests in memory, out of the filter's reach: "
	"refused ENOSYS, and callers fall back to the call the rule decides";

enum tr { TR_OK, TR_NEVER, TR_UNSEEN };

/* The slot of s that argument arg is, or -1. */
static int slot_of(const struct member *s, unsigned arg)
{
	for (int i = 0; i < SLOTS_MAX; i++)
		if (s->slots[i].kind == SLOT_REG && s->slots[i].arg == arg)
			return i;
	return -1;
}

static enum tr add_cond(struct sg_rule *out, const struct sg_cond *k)
{
	if (out->n_conds == SG_MAX_CONDS)
		return TR_UNSEEN;
	out->conds[out->n_conds++] = *k;
	return TR_OK;
}

/* A condition of s's rule as t sees it: moved to t's register, decided on t's constant. */
static enum tr translate_cond(const struct sg_cond *k, const struct member *s,
			      const struct member *t, struct sg_rule *out)
{
	int i = slot_of(s, k->arg);
	struct sg_cond moved = *k;

	if (i < 0)
		return TR_UNSEEN;
	switch (t->slots[i].kind) {
	case SLOT_REG:
		moved.arg = t->slots[i].arg;
		return add_cond(out, &moved);
	case SLOT_CONST:
		return policy_cond_holds(k, t->slots[i].value, false) ? TR_OK : TR_NEVER;
	default:
		return TR_UNSEEN;
	}
}

/* s covers only calls with its selecting constants: t gets them as conditions. */
static enum tr translate_selectors(const struct member *s, const struct member *t,
				   struct sg_rule *out)
{
	for (int i = 0; i < SLOTS_MAX; i++) {
		const struct slot *d = &t->slots[i];
		struct sg_cond k = { .arg = d->arg, .op = SG_CMP_EQ, .value = s->slots[i].value };

		if (s->slots[i].kind != SLOT_CONST || !s->slots[i].selects)
			continue;
		if (d->kind == SLOT_CONST && d->value != k.value)
			return TR_NEVER;
		if (d->kind == SLOT_REG && add_cond(out, &k) != TR_OK)
			return TR_UNSEEN;
		if (d->kind != SLOT_CONST && d->kind != SLOT_REG)
			return TR_UNSEEN;
	}
	return TR_OK;
}

/* Rule x of s as a rule of t in *out (name and origin left to the caller).  Unseen
 * conditions are dropped when drop_unseen, else the result is TR_UNSEEN. */
static enum tr translate_rule(const struct sg_rule *x, const struct member *s,
			      const struct member *t, bool drop_unseen, struct sg_rule *out)
{
	enum tr r;

	memset(out, 0, sizeof(*out));
	out->action = x->action;
	for (unsigned i = 0; i < x->n_conds; i++) {
		r = translate_cond(&x->conds[i], s, t, out);
		if (r == TR_NEVER || (r == TR_UNSEEN && !drop_unseen))
			return r;
	}
	r = translate_selectors(s, t, out);
	if (r == TR_NEVER || (r == TR_UNSEEN && !drop_unseen))
		return r;
	if (t->how & HOW_NO_REPLACE) {
		struct sg_cond k = { .arg = RENAMEAT2_FLAGS_ARG, .op = SG_CMP_MASKED_EQ,
				     .mask = RENAME_NOREPLACE_OR_EXCHANGE, .value = 0 };

		if (add_cond(out, &k) != TR_OK)
			return TR_UNSEEN;
	}
	if (out->action.kind == SG_ACT_EMULATE &&
	    !policy_emulator_fits(out->action.emulator, t->name))
		out->action = (struct sg_action){ .kind = SG_ACT_DENY, .err = ENOSYS,
						  .flags = x->action.flags & SG_FLAG_QUIET };
	return TR_OK;
}

/* Whether rule x of s has a condition on s's slot 0 (the flags unshare shares). */
static bool tests_slot0(const struct sg_rule *x, const struct member *s)
{
	for (unsigned i = 0; i < x->n_conds; i++)
		if (slot_of(s, x->conds[i].arg) == 0)
			return true;
	return false;
}

/* Whether a rule of a source carries over to t at all. */
static bool carries(const struct sg_rule *x, const struct member *s, const struct member *t)
{
	if ((t->how & HOW_BROADEN) && !policy_action_blocks(&x->action) &&
	    !policy_action_routed(&x->action))
		return false; /* a plain allow of a removal says nothing about renames */
	if ((t->how & HOW_FLAGS_ONLY) && !tests_slot0(x, s))
		return false;
	return true;
}

/* The first rule of a source whose condition t cannot check, or -1 (HOW_REFUSE). */
static long first_unseen(struct expander *x, const struct family *f, const struct member *t)
{
	for (size_t m = 0; m < MEMBERS_MAX && f->members[m].name; m++) {
		const struct member *s = &f->members[m];
		struct sg_rule tmp;

		if (s == t || !(s->how & HOW_SOURCE))
			continue;
		for (size_t i = 0; (i = equiv_next(x, s->name, i)) < x->n_written; i++) {
			if (translate_rule(&x->p->rules[i], s, t, false, &tmp) == TR_UNSEEN)
				return (long)i;
			if (x->p->rules[i].n_conds == 0)
				break; /* the end of s's rules that can match */
		}
	}
	return -1;
}

/* The implied rules of one call t of family f that no rule names. */
static int expand_member(struct expander *x, const struct family *f, const struct member *t)
{
	long unseen = (t->how & HOW_REFUSE) ? first_unseen(x, f, t) : -1;
	struct sg_rule out;
	enum tr tr;
	int r;

	if (unseen >= 0) {
		struct sg_rule refuse = { .action = { .kind = SG_ACT_DENY, .err = ENOSYS } };

		return equiv_push(x, &refuse, t->name, (size_t)unseen, why_refused);
	}
	for (size_t m = 0; m < MEMBERS_MAX && f->members[m].name; m++) {
		const struct member *s = &f->members[m];

		if (s == t || !(s->how & HOW_SOURCE))
			continue;
		for (size_t i = 0; (i = equiv_next(x, s->name, i)) < x->n_written; i++) {
			bool last = x->p->rules[i].n_conds == 0; /* the end of s's rules */

			tr = TR_NEVER;
			if (carries(&x->p->rules[i], s, t))
				tr = translate_rule(&x->p->rules[i], s, t,
						    (t->how & HOW_BROADEN) != 0, &out);
			if (tr == TR_OK && !equiv_pushed(x, t->name, &out)) {
				/* rules[] may move: nothing points into it past here */
				r = equiv_push(x, &out, t->name, i, t->why ? t->why : f->why);
				if (r < 0)
					return r;
				if (out.n_conds == 0) /* nothing after it can match */
					return 0;
			}
			if (last)
				break;
		}
	}
	return 0;
}

/* The rules the families imply, for every call of a family that no rule names. */
int equiv_expand_families(struct expander *x)
{
	int r;

	for (size_t f = 0; f < ARRAY_SIZE(families); f++)
		for (size_t m = 0; m < MEMBERS_MAX && families[f].members[m].name; m++) {
			const struct member *t = &families[f].members[m];

			if (equiv_named(x, t->name))
				continue;
			r = expand_member(x, &families[f], t);
			if (r < 0)
				return r;
		}
	return 0;
}
