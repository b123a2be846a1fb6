/* SPDX-License-Identifier: MIT */
/*
 * Compiling a policy into a libseccomp filter: kernel actions for what needs no
 * user space (plain allow, quiet deny/kill/fake 0), SCMP_ACT_NOTIFY for the rest.
 *
 * The policy is first-match-wins in file order; a seccomp filter is not: libseccomp
 * merges every rule of a syscall into one decision tree and, where rules with
 * different actions overlap, picks by its own precedence.  So per syscall name we
 * take the rules in file order up to and including the first unconditional one
 * (later ones can never match), and:
 *  - if all of them have the same kernel action A, add each with its conditions
 *    and A: "the first matching rule gives A, none gives the default" is the same
 *    as "any matching rule gives A", so the union is exact;
 *  - otherwise (different kernel actions, or conditions libseccomp cannot express,
 *    such as two comparisons on one argument) add one unconditional NOTIFY rule:
 *    the daemon then evaluates the call with policy_match(), which is exact.
 * libseccomp answers -EACCES for a rule whose action equals the default action;
 * such a rule changes nothing and is skipped.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy-compile.h"

/* The kernel action carrying out a, or c->route when the daemon must decide. */
uint32_t compile_kernel_action(const struct compiler *c, const struct sg_action *a)
{
	if (policy_action_routed(a) || (c->flags & SG_COMPILE_ROUTE_ALL))
		return c->route;
	switch (a->kind) {
	case SG_ACT_ALLOW:
		return SCMP_ACT_ALLOW;
	case SG_ACT_DENY:
		return SCMP_ACT_ERRNO((uint32_t)a->err);
	case SG_ACT_KILL:
		return SCMP_ACT_KILL_PROCESS;
	case SG_ACT_FAKE:
		return SCMP_ACT_ERRNO(0);
	default:
		return c->route;
	}
}

static const enum scmp_compare cmp_map[SG_CMP_MAX] = {
	[SG_CMP_EQ] = SCMP_CMP_EQ, [SG_CMP_NE] = SCMP_CMP_NE, [SG_CMP_LT] = SCMP_CMP_LT,
	[SG_CMP_LE] = SCMP_CMP_LE, [SG_CMP_GT] = SCMP_CMP_GT, [SG_CMP_GE] = SCMP_CMP_GE,
	[SG_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* Add one rule (r may be NULL: unconditional) for a syscall name with action act;
 * 0 also when act is the default action (libseccomp's -EACCES: nothing to add). */
int compile_add_rule(struct compiler *c, const struct sg_rule *r, const char *name, uint32_t act,
		    unsigned line, unsigned col)
{
	struct scmp_arg_cmp cmps[SG_MAX_CONDS];
	unsigned n = r ? r->n_conds : 0;
	int nr, ret;

	/* libseccomp translates the native (or pseudo) number to every filter arch and
	 * skips the arches that lack the syscall. */
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		policy_error_set(c->err, c->p->file, line, col, NULL, 0,
				 "syscall '%s': unknown to libseccomp", name);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct sg_cond *k = &r->conds[i];

		cmps[i] = (struct scmp_arg_cmp){ .arg = k->arg, .op = cmp_map[k->op] };
		if (k->op == SG_CMP_MASKED_EQ) {
			cmps[i].datum_a = k->mask;
			cmps[i].datum_b = k->value;
		} else {
			cmps[i].datum_a = k->value;
		}
	}
	ret = seccomp_rule_add_array(c->ctx, act, nr, n, cmps);
	if (ret == -EACCES)
		return 0; /* same as the default action: nothing to add */
	if (ret < 0)
		policy_error_set(c->err, c->p->file, line, col, NULL, 0,
				 "syscall '%s': libseccomp rejected the rule: %s", name,
				 strerrordesc_np(-ret));
	return ret;
}

/* Whether a rule compares one argument twice (libseccomp cannot express it). */
bool compile_same_arg_twice(const struct sg_rule *r)
{
	for (unsigned i = 0; i < r->n_conds; i++)
		for (unsigned j = i + 1; j < r->n_conds; j++)
			if (r->conds[i].arg == r->conds[j].arg)
				return true;
	return false;
}

/* Whether x86 reaches name through socketcall(2)/ipc(2) (libseccomp's pseudo number). */
static bool x86_multiplexed(const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name);

	return nr >= SG_PNR_MUX_FIRST && nr <= SG_PNR_MUX_LAST;
}

static bool is_exec(const char *name)
{
	return strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0;
}

/* Cut a syscall's rules (indices, file order) after the first unconditional one. */
size_t compile_effective(const struct sg_policy *p, const unsigned *rules, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p->rules[rules[i]].n_conds == 0)
			return i + 1;
	return n;
}

/* Compile the rules of one syscall name; rules[] holds their indices in file order. */
static int compile_syscall(struct compiler *c, const unsigned *rules, size_t n)
{
	const struct sg_rule *first = &c->p->rules[rules[0]];
	uint32_t act = compile_kernel_action(c, &first->action);
	bool route = false;
	int r;

	/* Cut after the first unconditional rule: nothing after it can match. */
	n = compile_effective(c->p, rules, n);
	for (size_t i = 0; i < n; i++) {
		const struct sg_rule *x = &c->p->rules[rules[i]];

		if (compile_kernel_action(c, &x->action) != act || compile_same_arg_twice(x))
			route = true;
	}
	/* On x86 the multiplexed form would get the conditions on its own registers
	 * (see needs_x86_apart): the daemon decides, with the implied refusal. */
	if (c->x86 && x86_multiplexed(first->name))
		for (size_t i = 0; i < n; i++)
			route |= c->p->rules[rules[i]].n_conds > 0;
	/* sysgate-run's exec of the command must reach the daemon unless the kernel
	 * allows it outright (see SG_COMPILE_ROUTE_EXEC in policy.h). */
	if ((c->flags & SG_COMPILE_ROUTE_EXEC) && is_exec(first->name) &&
	    !(first->n_conds == 0 && act == SCMP_ACT_ALLOW))
		route = true;
	if (route)
		return compile_add_rule(c, NULL, first->name, c->route, first->line, first->col);
	for (size_t i = 0; i < n; i++) {
		const struct sg_rule *x = &c->p->rules[rules[i]];

		r = compile_add_rule(c, x, x->name, act, x->line, x->col);
		if (r < 0)
			return r;
	}
	return 0;
}

static int by_name_then_order(const void *a, const void *b, void *userdata)
{
	const struct sg_policy *p = userdata;
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	int r = strcmp(p->rules[x].name, p->rules[y].name);

	return r ? r : (x > y) - (x < y);
}

/* One syscall name's rules: the mechanism may decide the name itself (trace). */
static int compile_group(struct compiler *c, const unsigned *rules, size_t n, bool *clone_done)
{
	const char *name = c->p->rules[rules[0]].name;

	if (compile_trace_owns(c, name))
		return 0;
	if ((c->flags & SG_COMPILE_ROUTE_TRACE) && strcmp(name, "clone") == 0) {
		*clone_done = true;
		return compile_trace_clone(c, rules, n);
	}
	return compile_syscall(c, rules, n);
}

/* Group the rules by syscall name (file order within a name) and compile each group;
 * then what the mechanism adds. */
static int compile_rules(struct compiler *c)
{
	const struct sg_policy *p = c->p;
	_cleanup_free_ unsigned *order = NULL;
	bool clone_done = false;
	size_t i, j;
	int r;

	order = calloc(p->n_rules ? p->n_rules : 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < p->n_rules; i++)
		order[i] = (unsigned)i;
	qsort_r(order, p->n_rules, sizeof(*order), by_name_then_order, (void *)p);
	for (i = 0; i < p->n_rules; i = j) {
		for (j = i + 1; j < p->n_rules; j++)
			if (strcmp(p->rules[order[i]].name, p->rules[order[j]].name) != 0)
				break;
		r = compile_group(c, order + i, j - i, &clone_done);
		if (r < 0)
			return r;
	}
	return compile_trace_refusals(c, clone_done);
}

/* SG_COMPILE_ROUTE_EXEC for execve/execveat without rules: route them unless the
 * default lets the kernel allow them (or already routes them). */
static int route_exec_without_rules(struct compiler *c)
{
	static const char *const names[] = { "execve", "execveat" };
	int r;

	if (!(c->flags & SG_COMPILE_ROUTE_EXEC) || c->def == SCMP_ACT_ALLOW ||
	    c->def == c->route)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		bool has_rules = false;

		for (size_t k = 0; k < c->p->n_rules && !has_rules; k++)
			has_rules = strcmp(c->p->rules[k].name, names[i]) == 0;
		if (has_rules)
			continue;
		r = compile_add_rule(c, NULL, names[i], c->route, c->p->def_line, 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The filter's arches become exactly arches[]; a bad arch kills the process. */
static int setup_filter(struct compiler *c, const uint32_t *arches, unsigned n)
{
	const struct sg_policy *p = c->p;
	uint32_t native = seccomp_arch_native();
	bool keep_native = false;
	int r;

	for (unsigned i = 0; i < n; i++) {
		keep_native |= arches[i] == native;
		if (arches[i] == native)
			continue;
		r = seccomp_arch_add(c->ctx, arches[i]);
		if (r < 0 && r != -EEXIST) {
			policy_error_set(c->err, p->file, 0, 0, NULL, 0,
					 "cannot add arch '%s' to the filter: %s",
					 arch_to_name(arches[i]) ? arch_to_name(arches[i]) : "?",
					 strerrordesc_np(-r));
			return r;
		}
	}
	if (!keep_native) {
		r = seccomp_arch_remove(c->ctx, native);
		if (r < 0)
			return r;
	}
	r = seccomp_attr_set(c->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		return r;
	/* The shim sets NO_NEW_PRIVS and loads the BPF itself. */
	r = seccomp_attr_set(c->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return r;
	(void)seccomp_attr_set(c->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); /* binary tree, if known */
	return 0;
}

/* The filter for arches[] alone: a new context with every rule in it. */
static int build(struct compiler *c, const uint32_t *arches, unsigned n, scmp_filter_ctx *ret)
{
	const struct sg_policy *p = c->p;
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(c->def);
	int r;

	if (!ctx) {
		policy_error_set(c->err, p->file, p->def_line, 1, NULL, 0,
				 "default action: libseccomp cannot create the filter");
		return -EINVAL;
	}
	c->ctx = ctx;
	c->x86 = false;
	for (unsigned i = 0; i < n; i++)
		c->x86 |= arches[i] == SCMP_ARCH_X86;
	r = setup_filter(c, arches, n);
	if (r < 0) {
		if (c->err && !c->err->msg[0])
			policy_error_set(c->err, p->file, 0, 0, NULL, 0,
					 "cannot set up the filter: %s", strerrordesc_np(-r));
		return r;
	}
	r = compile_rules(c);
	if (r >= 0)
		r = route_exec_without_rules(c);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(ctx);
	return 0;
}

/* Whether a rule with conditions names a call that x86 also reaches through
 * socketcall(2)/ipc(2): libseccomp would put those conditions on the multiplexer's
 * own registers, so x86 gets a filter of its own where such calls are routed. */
static bool needs_x86_apart(const struct sg_policy *p)
{
	if (policy_arch_index(p, SCMP_ARCH_X86) < 0 || p->n_arches < 2)
		return false;
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].n_conds > 0 && x86_multiplexed(p->rules[i].name))
			return true;
	return false;
}

/* The filter of every policy arch; x86 built apart and merged in when it must be. */
static int build_all(struct compiler *c, scmp_filter_ctx *ret)
{
	const struct sg_policy *p = c->p;
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL, ctx86 = NULL;
	uint32_t x86 = SCMP_ARCH_X86, others[SG_MAX_ARCHES];
	unsigned n = 0;
	int r;

	if (!needs_x86_apart(p))
		return build(c, p->arches, p->n_arches, ret);
	for (unsigned i = 0; i < p->n_arches; i++)
		if (p->arches[i] != SCMP_ARCH_X86)
			others[n++] = p->arches[i];
	r = build(c, others, n, &ctx);
	if (r >= 0)
		r = build(c, &x86, 1, &ctx86);
	if (r < 0)
		return r;
	r = seccomp_merge(ctx, ctx86);
	if (r < 0) {
		policy_error_set(c->err, p->file, 0, 0, NULL, 0,
				 "cannot merge the x86 filter: %s", strerrordesc_np(-r));
		return r;
	}
	ctx86 = NULL; /* merged into ctx, and released with it */
	*ret = TAKE_PTR(ctx);
	return 0;
}

/* Build a libseccomp filter: kernel actions for what needs no user space,
 * the route action (NOTIFY, or TRACE/TRAP by flag) for the rest, KILL_PROCESS on a bad arch. */
int policy_compile(const struct sg_policy *p, unsigned flags, scmp_filter_ctx *ret_ctx,
		   struct sg_policy_error *reterr)
{
	struct compiler c;

	if (reterr)
		memset(reterr, 0, sizeof(*reterr));
	if (!p || !ret_ctx || p->n_arches == 0)
		return -EINVAL;
	if ((flags & SG_COMPILE_ROUTE_TRACE) && (flags & SG_COMPILE_ROUTE_TRAP))
		return -EINVAL;
	c = (struct compiler){ .p = p, .flags = flags, .err = reterr };
	c.route = (flags & SG_COMPILE_ROUTE_TRACE) ? SCMP_ACT_TRACE(0)
		  : (flags & SG_COMPILE_ROUTE_TRAP) ? SCMP_ACT_TRAP : SCMP_ACT_NOTIFY;
	c.def = compile_kernel_action(&c, &p->def);
	return build_all(&c, ret_ctx);
}

/* Export the compiled filter as a BPF program; ret_prog->filter is malloc'd. */
int policy_export_bpf(scmp_filter_ctx ctx, struct sock_fprog *ret_prog)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ struct sock_filter *insns = NULL;
	struct stat st;
	size_t n = 0;
	ssize_t k;
	int r;

	if (!ctx || !ret_prog)
		return -EINVAL;
	fd = memfd_create("sysgate-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
		return -EIO;
	if (st.st_size / sizeof(struct sock_filter) > USHRT_MAX)
		return -E2BIG;
	insns = malloc((size_t)st.st_size);
	if (!insns)
		return -ENOMEM;
	while (n < (size_t)st.st_size) {
		k = pread(fd, (char *)insns + n, (size_t)st.st_size - n, (off_t)n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		if (k == 0)
			return -EIO;
		n += (size_t)k;
	}
	ret_prog->len = (unsigned short)(n / sizeof(struct sock_filter));
	ret_prog->filter = TAKE_PTR(insns);
	return 0;
}

/* Write libseccomp's PFC (pseudo filter code) of the compiled filter to f. */
int policy_export_pfc(scmp_filter_ctx ctx, FILE *f)
{
	_cleanup_close_ int fd = -EBADF;
	char buf[4096];
	ssize_t k;
	off_t off = 0;
	int r;

	if (!ctx || !f)
		return -EINVAL;
	if (fflush(f) != 0)
		return negative_errno();
	if (fileno(f) >= 0)
		return seccomp_export_pfc(ctx, fileno(f));

	/* A stream without an fd (open_memstream, fmemopen): go through a memfd. */
	fd = memfd_create("sysgate-pfc", MFD_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = seccomp_export_pfc(ctx, fd);
	if (r < 0)
		return r;
	while ((k = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		if (fwrite(buf, 1, (size_t)k, f) != (size_t)k)
			return -EIO;
		off += k;
	}
	return fflush(f) == 0 ? 0 : negative_errno();
}
