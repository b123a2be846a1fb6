/* SPDX-License-Identifier: MIT */
/* Fuzzes what turns a parsed policy into a filter (policy_compile with the flags of a notify,
 * trace or trap session, policy_export_bpf) and the load checks the daemon and sysgate-run
 * make; a call the filter settles in the kernel is settled as the daemon would decide it. */
#include <errno.h>
#include <string.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "emu_bounds.h"
#include "fuzz.h"
#include "policy.h"
#include "policy_tools.h"

#define X32_BIT 0x40000000
#define PROBES_MAX 512

/* Run prog on d as the kernel's classic BPF does (what libseccomp emits).  The twin of
 * tests/lib/bpf_sim.c's bpf_run, which fails through criterion (not in a fuzz build): one
 * criterion-free interpreter for both is to come. */
static uint32_t bpf_run(const struct sock_fprog *prog, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;
		bool t;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			FUZZ_CHECK(BPF_MODE(f->code) != BPF_ABS ||
					   (f->k % 4 == 0 && f->k + 4 <= sizeof(*d)),
				   "ld [%u]", f->k);
			if (BPF_MODE(f->code) == BPF_ABS)
				memcpy(&a, (const uint8_t *)d + f->k, 4);
			else
				a = BPF_MODE(f->code) == BPF_MEM ? mem[f->k % BPF_MEMWORDS] : f->k;
			break;
		case BPF_LDX:
			x = BPF_MODE(f->code) == BPF_MEM ? mem[f->k % BPF_MEMWORDS] : f->k;
			break;
		case BPF_ST:
			mem[f->k % BPF_MEMWORDS] = a;
			break;
		case BPF_STX:
			mem[f->k % BPF_MEMWORDS] = x;
			break;
		case BPF_ALU:
			FUZZ_CHECK(BPF_OP(f->code) == BPF_AND, "alu op %#x", f->code);
			a &= src;
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA) {
				pc += f->k;
				break;
			}
			t = BPF_OP(f->code) == BPF_JEQ ? a == src :
			    BPF_OP(f->code) == BPF_JGT ? a > src :
			    BPF_OP(f->code) == BPF_JGE ? a >= src : (a & src) != 0;
			pc += t ? f->jt : f->jf;
			break;
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			FUZZ_CHECK(0, "instruction %#x", f->code);
		}
	}
	FUZZ_CHECK(0, "the filter ends without a return");
	return 0;
}

/* The kernel's action for what the daemon decides, or the route action when the daemon
 * must see the call (see README "What stays in the kernel and what is routed"). */
static uint32_t kernel_action(const struct sg_action *a, unsigned flags)
{
	uint32_t route = flags & SG_COMPILE_ROUTE_TRAP	? SECCOMP_RET_TRAP :
			 flags & SG_COMPILE_ROUTE_TRACE ? SECCOMP_RET_TRACE :
							  SECCOMP_RET_USER_NOTIF;

	if (policy_action_routed(a) || (flags & SG_COMPILE_ROUTE_ALL))
		return route;
	switch (a->kind) {
	case SG_ACT_ALLOW:
		return SECCOMP_RET_ALLOW;
	case SG_ACT_DENY:
		return SECCOMP_RET_ERRNO | (uint32_t)a->err;
	case SG_ACT_FAKE:
		return SECCOMP_RET_ERRNO;
	case SG_ACT_KILL:
		return SECCOMP_RET_KILL_PROCESS;
	default:
		return route;
	}
}

/* The calls to try: every rule's own syscall with arguments at, around and away from its
 * conditions' values, and the i386 multiplexers' sub-calls. */
struct probes {
	size_t n;
	struct {
		int nr;
		uint64_t args[SG_MAX_ARGS];
	} c[PROBES_MAX];
};

static void probe(struct probes *pr, int nr, const uint64_t args[SG_MAX_ARGS])
{
	if (pr->n == PROBES_MAX || nr < 0)
		return;
	pr->c[pr->n].nr = nr;
	memcpy(pr->c[pr->n].args, args, sizeof(pr->c[pr->n].args));
	pr->n++;
}

static void probes_for(const struct sg_policy *p, unsigned a, struct probes *pr)
{
	static const uint64_t zero[SG_MAX_ARGS], ones[SG_MAX_ARGS] = { -1ull, -1ull, -1ull,
								       -1ull, -1ull, -1ull };

	pr->n = 0;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sg_rule *r = &p->rules[i];

		probe(pr, r->nr[a], zero);
		probe(pr, r->nr[a], ones);
		for (int delta = -1; delta <= 1; delta++) {
			uint64_t args[SG_MAX_ARGS] = { 0 };

			for (unsigned c = 0; c < r->n_conds; c++)
				args[r->conds[c].arg] = (r->conds[c].op == SG_CMP_MASKED_EQ
								 ? r->conds[c].value & r->conds[c].mask
								 : r->conds[c].value) + (uint64_t)delta;
			probe(pr, r->nr[a], args);
		}
	}
	if (p->arches[a] == SCMP_ARCH_X86)
		for (uint64_t call = 0; call <= 25; call++) {
			uint64_t args[SG_MAX_ARGS] = { call };

			probe(pr, 102, args); /* socketcall */
			probe(pr, 117, args); /* ipc */
		}
	probe(pr, (p->arches[a] == SCMP_ARCH_X32 ? X32_BIT : 0) + 39, zero); /* getpid, x86_64 */
}

/* What the trace mechanism refuses in the kernel whatever the policy says. */
static bool trace_refusal(uint32_t arch, int nr, uint32_t got)
{
	char name[64];

	syscall_name(arch, nr, name, sizeof(name));
	return (strcmp(name, "ptrace") == 0 || strcmp(name, "clone") == 0 ||
		strcmp(name, "clone3") == 0) &&
	       (got == (SECCOMP_RET_ERRNO | EPERM) || got == (SECCOMP_RET_ERRNO | ENOSYS));
}

/* Every probe: the filter routes it, or does what the daemon would. */
static void check_filter(const struct sg_policy *p, unsigned flags, const struct sock_fprog *prog)
{
	static struct probes pr;

	for (unsigned a = 0; a < p->n_arches; a++) {
		struct seccomp_data d = { 0 };

		probes_for(p, a, &pr);
		d.arch = p->arches[a] == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : p->arches[a];
		for (size_t i = 0; i < pr.n; i++) {
			const struct sg_rule *rule = NULL;
			const struct sg_action *act;
			uint32_t got, want;
			char buf[256];

			d.nr = pr.c[i].nr;
			memcpy(d.args, pr.c[i].args, sizeof(d.args));
			got = bpf_run(prog, &d);
			act = policy_decide(p, d.arch, d.nr, pr.c[i].args, &rule);
			want = kernel_action(act, flags);
			if (got == kernel_action(&(struct sg_action){ .kind = SG_ACT_EMULATE }, flags) ||
			    got == want || ((flags & SG_COMPILE_ROUTE_TRACE) &&
					    trace_refusal(p->arches[a], d.nr, got)))
				continue;
			FUZZ_CHECK(0, "%s call %d (args %#llx %#llx %#llx): the filter returns %#x, "
				   "the daemon decides '%s' (line %u): %#x; flags %#x",
				   arch_to_name(p->arches[a]), d.nr, (unsigned long long)d.args[0],
				   (unsigned long long)d.args[1], (unsigned long long)d.args[2], got,
				   policy_action_format(act, buf, sizeof(buf)),
				   rule ? rule->line : p->def_line, want, flags);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	struct emu_bounds b;
	struct sock_fprog prog = { 0 };
	scmp_filter_ctx ctx = NULL;
	unsigned flags;
	int r;

	if (policy_parse((const char *)data, size, "fuzz.policy", &p, &e) < 0)
		return 0;
	/* the session's mechanism and routing from the text's hash: every input gets one */
	flags = policy_session_flags(p, p->hash % 3 == 1, p->hash % 3 == 2, (p->hash >> 2) & 1);
	r = policy_check_loadable(p, &e);
	FUZZ_CHECK(r == 0 || (r == -EINVAL && e.msg[0]), "%d", r);
	r = policy_check_no_emulate(p, "trace", &e);
	FUZZ_CHECK(r == 0 || (r == -EOPNOTSUPP && e.msg[0]), "%d", r);
	bounds_default(&b);
	r = bounds_check_policy(&b, p, &e);
	FUZZ_CHECK(r == 0 || (r == -EPERM && e.msg[0]), "%d", r);
	r = policy_compile(p, flags, &ctx, &e);
	if (r == 0) {
		r = policy_export_bpf(ctx, &prog);
		FUZZ_CHECK(r < 0 || (prog.len > 0 && prog.filter), "empty program");
		if (r == 0)
			check_filter(p, flags, &prog);
		free(prog.filter);
		seccomp_release(ctx);
	} else {
		FUZZ_CHECK(e.msg[0], "compile failed without a reason: %d", r);
		FUZZ_CHECK(ctx == NULL, "a filter on failure");
	}
	policy_free(p);
	return 0;
}
