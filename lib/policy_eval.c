/* SPDX-License-Identifier: MIT */
/*
 * Deciding one call with the rule table: the daemon's hot path.  Nothing here
 * allocates or makes a syscall; the per-arch index is built once at parse time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "policy-internal.h"

/* i386 multiplexers' sub-calls (arg0), as libseccomp expands a rule for e.g. "socket"
 * into socketcall(arg0 == SYS_SOCKET) next to the direct syscall. */
static const char *const x86_socketcall_calls[] = {
	NULL,	       "socket",   "bind",	 "connect",	"listen",      "accept",
	"getsockname", "getpeername", "socketpair", "send",	"recv",	       "sendto",
	"recvfrom",    "shutdown", "setsockopt", "getsockopt", "sendmsg",     "recvmsg",
	"accept4",     "recvmmsg", "sendmmsg",
};

static const char *const x86_ipc_calls[] = {
	[1] = "semop",	 [2] = "semget",  [3] = "semctl",  [4] = "semtimedop",
	[11] = "msgsnd", [12] = "msgrcv", [13] = "msgget", [14] = "msgctl",
	[21] = "shmat",	 [22] = "shmdt",  [23] = "shmget", [24] = "shmctl",
};

/* The name of sub-call `call` of the i386 multiplexer socketcall (ipc false) or ipc,
 * or NULL when there is none. */
const char *x86_mux_call(bool ipc, uint64_t call)
{
	if (!ipc)
		return call < ARRAY_SIZE(x86_socketcall_calls) ? x86_socketcall_calls[call] : NULL;
	return call < ARRAY_SIZE(x86_ipc_calls) ? x86_ipc_calls[call] : NULL;
}

static int ref_compare(const void *a, const void *b)
{
	const struct sg_rule_ref *x = a, *y = b;

	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Build p->index[] from p->rules (sorted by nr, then file order). */
int policy_build_index(struct sg_policy *p)
{
	for (unsigned a = 0; a < p->n_arches; a++) {
		struct sg_rule_ref *refs;
		size_t n = 0;

		for (size_t i = 0; i < p->n_rules; i++)
			if (p->rules[i].nr[a] >= 0)
				n++;
		free(p->index[a]);
		p->index[a] = NULL;
		p->n_index[a] = 0;
		if (n == 0)
			continue;
		refs = calloc(n, sizeof(*refs));
		if (!refs)
			return -ENOMEM;
		n = 0;
		for (size_t i = 0; i < p->n_rules; i++)
			if (p->rules[i].nr[a] >= 0)
				refs[n++] = (struct sg_rule_ref){ p->rules[i].nr[a], (unsigned)i };
		qsort(refs, n, sizeof(*refs), ref_compare);
		p->index[a] = refs;
		p->n_index[a] = n;
	}
	return 0;
}

/* Index of arch in p->arches, or -ENOENT. */
int policy_arch_index(const struct sg_policy *p, uint32_t arch)
{
	for (unsigned i = 0; p && i < p->n_arches; i++)
		if (p->arches[i] == arch)
			return (int)i;
	return -ENOENT;
}

/* Whether condition c holds for the argument value; narrow: compare the low 32 bits
 * only, as libseccomp's filter does on 32-bit ABIs (x86, x32). */
bool policy_cond_holds(const struct sg_cond *c, uint64_t value, bool narrow)
{
	uint64_t width = narrow ? UINT64_C(0xffffffff) : UINT64_MAX;
	uint64_t a = value & width, v = c->value & width;

	switch (c->op) {
	case SG_CMP_EQ:
		return a == v;
	case SG_CMP_NE:
		return a != v;
	case SG_CMP_LT:
		return a < v;
	case SG_CMP_LE:
		return a <= v;
	case SG_CMP_GT:
		return a > v;
	case SG_CMP_GE:
		return a >= v;
	case SG_CMP_MASKED_EQ:
		return (a & c->mask & width) == v;
	default:
		return false;
	}
}

static bool rule_holds(const struct sg_rule *r, const uint64_t args[SG_MAX_ARGS], bool narrow)
{
	for (unsigned i = 0; i < r->n_conds; i++)
		if (!policy_cond_holds(&r->conds[i], args[r->conds[i].arg], narrow))
			return false;
	return true;
}

/* socketcall(SYS_x, argp)/ipc(x, ...) on x86: the kernel filter applies the rules of
 * the sub-call's name only when they are unconditional (libseccomp cannot see the
 * real arguments in memory), so the first unconditional rule for that name wins. */
static const struct sg_rule *match_multiplexed(const struct sg_policy *p, int nr, uint64_t call)
{
	const char *name = NULL;

	call &= UINT64_C(0xffffffff);
	if (nr == X86_NR_SOCKETCALL || nr == X86_NR_IPC)
		name = x86_mux_call(nr == X86_NR_IPC, call);
	if (!name)
		return NULL;
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].n_conds == 0 && strcmp(p->rules[i].name, name) == 0)
			return &p->rules[i];
	return NULL;
}

/* The first rule for (arch, nr) whose conditions all hold, in file order; NULL: default. */
const struct sg_rule *policy_match(const struct sg_policy *p, uint32_t arch, int nr,
				   const uint64_t args[SG_MAX_ARGS])
{
	static const uint64_t no_args[SG_MAX_ARGS];
	const struct sg_rule_ref *refs;
	size_t lo = 0, hi;
	bool narrow;
	int a;

	if (!p)
		return NULL;
	if (!args)
		args = no_args;
	arch = call_arch(arch, nr); /* x32: AUDIT_ARCH_X86_64 with the x32 bit in nr */
	a = policy_arch_index(p, arch);
	if (a < 0)
		return NULL;
	narrow = !(arch & __AUDIT_ARCH_64BIT);

	refs = p->index[a];
	hi = p->n_index[a];
	while (lo < hi) { /* lower bound of nr */
		size_t mid = lo + (hi - lo) / 2;

		if (refs[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->n_index[a] && refs[lo].nr == nr; lo++) {
		const struct sg_rule *r = &p->rules[refs[lo].rule];

		if (rule_holds(r, args, narrow))
			return r;
	}
	if (arch == SCMP_ARCH_X86 && (nr == X86_NR_SOCKETCALL || nr == X86_NR_IPC))
		return match_multiplexed(p, nr, args[0]);
	return NULL;
}

/* The action for the call: the matched rule's, or the default. */
const struct sg_action *policy_decide(const struct sg_policy *p, uint32_t arch, int nr,
				      const uint64_t args[SG_MAX_ARGS], const struct sg_rule **ret_rule)
{
	const struct sg_rule *r = policy_match(p, arch, nr, args);

	if (ret_rule)
		*ret_rule = r;
	return r ? &r->action : &p->def;
}

/* False exactly when the kernel filter can carry out the action without the daemon. */
bool policy_action_routed(const struct sg_action *a)
{
	bool quiet = (a->flags & SG_FLAG_QUIET) && !(a->flags & (SG_FLAG_LOG | SG_FLAG_AUDIT));

	switch (a->kind) {
	case SG_ACT_ALLOW:
		return (a->flags & (SG_FLAG_LOG | SG_FLAG_AUDIT)) != 0;
	case SG_ACT_DENY:
		/* libseccomp refuses SCMP_ACT_ERRNO(4095): the daemon answers that one. */
		return !quiet || a->err < 1 || a->err >= 4095;
	case SG_ACT_KILL:
		return !quiet;
	case SG_ACT_FAKE:
		return !quiet || a->value != 0; /* the kernel's ERRNO(0) returns 0 */
	default:
		return true;
	}
}
