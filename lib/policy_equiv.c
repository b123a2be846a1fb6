/* SPDX-License-Identifier: MIT */
/*
 * Equivalent calls: a rule that decides a call also decides the calls that reach
 * the same effect, unless the policy names them itself.  This is a step of its
 * own, after parsing: the written rules are expanded into the rules they imply,
 * appended after them and marked (implied_by, implied_why), so that the filter,
 * the daemon's decision, `policy check` and the records all see the same rules.
 * The families of calls are in policy_equiv_family.c; here are the step, the i386
 * multiplexers and io_uring.
 *
 * i386 socketcall(2) and ipc(2) carry the real arguments of the call they make in
 * memory: libseccomp applies a socket call's rule to socketcall(arg0 == SYS_x) with
 * the conditions moved onto socketcall's own registers, which the caller chooses
 * freely.  So a socket or SysV IPC call whose rules have conditions gets its
 * multiplexed form refused ENOSYS (i386 programs see it fail).
 *
 * io_uring opens, reads, writes, removes, renames, makes directories, connects,
 * accepts, sends and waits without making those system calls: while any rule
 * decides one of them, io_uring_setup, io_uring_enter and io_uring_register are
 * refused EPERM, unless the policy names io_uring_setup or its default refuses
 * them anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-equiv.h"
#include "policy_tools.h"

#define IPC_CALL_MASK 0xffff /* ipc(2) takes a version in the high 16 bits of its call */
#define MUX_CALLS_MAX 32

/* The calls io_uring has an operation for. */
static const char *const uring_calls[] = {
	"open", "openat", "openat2", "creat", "close", "read", "write", "pread64", "pwrite64",
	"readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2", "fsync", "fdatasync",
	"sync_file_range", "statx", "fadvise64", "fallocate", "ftruncate", "splice", "tee",
	"madvise", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2", "mkdir",
	"mkdirat", "symlink", "symlinkat", "link", "linkat", "setxattr", "fsetxattr", "getxattr",
	"fgetxattr", "epoll_ctl", "socket", "connect", "accept", "accept4", "bind", "listen",
	"send", "sendto", "sendmsg", "recv", "recvfrom", "recvmsg", "shutdown", "setsockopt",
	"getsockopt", "waitid", "futex", "futex_waitv",
};

static const char *const uring_entries[] = { "io_uring_setup", "io_uring_enter",
					     "io_uring_register" };

static const char why_mux[] =
	"the i386 multiplexer keeps the real arguments in memory, where the rule's conditions "
	"cannot be tested: refused ENOSYS for this call";
static const char why_uring[] =
	"io_uring does file, network and process work without these system calls, out of "
	"the rules' reach: refused EPERM";

/* Index >= from of the next written rule for name, or n_written when there is none. */
size_t equiv_next(const struct expander *x, const char *name, size_t from)
{
	for (; from < x->n_written; from++)
		if (strcmp(x->p->rules[from].name, name) == 0)
			return from;
	return x->n_written;
}

/* Whether a written rule names the syscall. */
bool equiv_named(const struct expander *x, const char *name)
{
	return equiv_next(x, name, 0) < x->n_written;
}

/* Whether an implied rule for name with tmpl's conditions is there already (another
 * one could never match). */
bool equiv_pushed(const struct expander *x, const char *name, const struct sg_rule *tmpl)
{
	for (size_t i = x->n_written; i < x->p->n_rules; i++)
		if (strcmp(x->p->rules[i].name, name) == 0 &&
		    policy_conds_equal(&x->p->rules[i], tmpl))
			return true;
	return false;
}

/* The call's number on each policy arch; false when no policy arch has it. */
static bool resolve(const struct sg_policy *p, const char *name, int nr[SG_MAX_ARCHES])
{
	bool any = false;

	for (unsigned a = 0; a < SG_MAX_ARCHES; a++) {
		bool known = false;

		nr[a] = a < p->n_arches ? syscall_resolve_arch(p->arches[a], name, &known)
					: __NR_SCMP_ERROR;
		any |= nr[a] >= 0;
	}
	return any;
}

/* Append tmpl (its action and conditions) as an implied rule for name, from written
 * rule src, because why; nothing when no policy arch has the call. */
int equiv_push(struct expander *x, const struct sg_rule *tmpl, const char *name, size_t src,
	       const char *why)
{
	struct sg_policy *p = x->p;
	const struct sg_rule *from = &p->rules[src];
	struct sg_rule r = *tmpl;

	if (!resolve(p, name, r.nr))
		return 0;
	if (p->n_rules - x->n_written >= SG_POLICY_RULES_MAX) {
		policy_error_set(x->err, p->file, from->line, from->col, NULL, 0,
				 "too many implied rules (max %d): name the equivalent calls "
				 "in the policy", SG_POLICY_RULES_MAX);
		return -E2BIG;
	}
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.line = from->line;
	r.col = from->col;
	r.implied_by = (unsigned)src + 1;
	r.implied_why = why;
	if (p->n_rules == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct sg_rule *grown = reallocarray(p->rules, cap, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		p->rules = grown;
		x->cap = cap;
	}
	p->rules[p->n_rules++] = r;
	return 0;
}

/* socketcall (ipc false) or ipc: refused for each call whose rules have conditions. */
static int expand_mux(struct expander *x, bool ipc)
{
	const char *mux = ipc ? "ipc" : "socketcall";
	int r;

	if (policy_arch_index(x->p, SCMP_ARCH_X86) < 0 || equiv_named(x, mux))
		return 0;
	for (unsigned call = 1; call < MUX_CALLS_MAX; call++) {
		const char *name = x86_mux_call(ipc, call);
		struct sg_rule refuse = {
			.action = { .kind = SG_ACT_DENY, .err = ENOSYS },
			/* ipc also takes the call with a version in its high bits */
			.conds = { { .arg = 0, .op = ipc ? SG_CMP_MASKED_EQ : SG_CMP_EQ,
				     .mask = ipc ? IPC_CALL_MASK : 0, .value = call } },
			.n_conds = 1,
		};
		size_t i;

		if (!name)
			continue;
		for (i = 0; (i = equiv_next(x, name, i)) < x->n_written; i++)
			if (x->p->rules[i].n_conds != 0)
				break;
		if (i == x->n_written)
			continue; /* no rule, or the first is unconditional: libseccomp's own */
		r = equiv_push(x, &refuse, mux, i, why_mux);
		if (r < 0)
			return r;
	}
	return 0;
}

/* io_uring refused while a rule decides a call it can perform. */
static int expand_io_uring(struct expander *x)
{
	struct sg_rule refuse = { .action = { .kind = SG_ACT_DENY, .err = EPERM } };
	size_t src = x->n_written;
	int r;

	if (equiv_named(x, "io_uring_setup") || policy_action_blocks(&x->p->def))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(uring_calls); i++) {
		size_t k = equiv_next(x, uring_calls[i], 0);

		if (k < src)
			src = k; /* the first written rule on such a call */
	}
	if (src == x->n_written)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(uring_entries); i++) {
		if (equiv_named(x, uring_entries[i]))
			continue;
		r = equiv_push(x, &refuse, uring_entries[i], src, why_uring);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Add the rules that the written rules imply for the calls reaching the same effect
 * that the policy does not name itself; see policy.h. */
int policy_equiv_expand(struct sg_policy *p, struct sg_policy_error *reterr)
{
	struct expander x;
	int r;

	if (!p)
		return -EINVAL;
	if (p->n_written > 0) /* again: from the written rules only */
		p->n_rules = p->n_written;
	p->n_written = p->n_rules;
	x = (struct expander){ .p = p, .n_written = p->n_rules, .cap = p->n_rules, .err = reterr };
	r = equiv_expand_families(&x);
	if (r >= 0)
		r = expand_mux(&x, false);
	if (r >= 0)
		r = expand_mux(&x, true);
	if (r >= 0)
		r = expand_io_uring(&x);
	return r;
}

/* What policy check and sysgate-run -v say about an implied rule: the rule, the
 * written rule it comes from, why, and how to opt out.  Returns buf. */
const char *policy_implied_format(const struct sg_policy *p, const struct sg_rule *r, char *buf,
				  size_t size)
{
	const struct sg_rule *src;
	char rule[512], from[512];

	if (!p || !r || !r->implied_by || r->implied_by > p->n_written) {
		snprintf(buf, size, "written rule");
		return buf;
	}
	src = &p->rules[r->implied_by - 1];
	snprintf(buf, size, "implied '%s' by '%s': %s; name '%s' in the policy to decide it "
		 "yourself", policy_rule_format(r, rule, sizeof(rule)),
		 policy_rule_format(src, from, sizeof(from)),
		 r->implied_why ? r->implied_why : "an equivalent call",
		 r->implied_why == why_uring ? "io_uring_setup" : r->name);
	return buf;
}
