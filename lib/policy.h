/* SPDX-License-Identifier: MIT */
/*
 * The sysgate policy engine, shared by sysgated, sysgate-run and sysgatectl:
 * parse the policy language, decide a syscall with the rule table, and compile
 * the same table into a seccomp filter.  Library code: never logs, returns
 * negative errno; parse errors carry file:line:col in struct sg_policy_error.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/filter.h>
#include <seccomp.h>

#define SG_POLICY_VERSION 1
#define SG_MAX_ARGS 6
#define SG_MAX_CONDS 6
#define SG_MAX_ARCHES 4
#define SG_SYSCALL_NAME_MAX 64
#define SG_EMULATOR_NAME_MAX 32
#define SG_EMULATOR_OPTS_MAX 256 /* an emulator's options as written, space-separated */
#define SG_POLICY_TEXT_MAX (64 * 1024) /* larger policy texts are refused (-EFBIG) */
#define SG_POLICY_RULES_MAX 4096

/* What a rule does with a call. */
enum sg_action_kind {
	SG_ACT_ALLOW = 0,
	SG_ACT_DENY,    /* fail with errno (action.err) */
	SG_ACT_FAKE,    /* skip the call, return action.value */
	SG_ACT_KILL,    /* kill the whole calling process */
	SG_ACT_EMULATE, /* the daemon performs the call (action.emulator) */
	SG_ACT_MAX
};

/* Rule modifiers. */
enum {
	SG_FLAG_LOG = 1 << 0,   /* record the call even when allowed */
	SG_FLAG_AUDIT = 1 << 1, /* do not enforce a deny/kill: allow and record audit:true */
	SG_FLAG_QUIET = 1 << 2, /* do not record; lets deny/kill/fake-0 stay in the kernel */
};

enum sg_cmp {
	SG_CMP_EQ = 0,
	SG_CMP_NE,
	SG_CMP_LT,
	SG_CMP_LE,
	SG_CMP_GT,
	SG_CMP_GE,
	SG_CMP_MASKED_EQ, /* (arg & mask) == value */
	SG_CMP_MAX
};

/* One comparison; all comparisons are unsigned 64-bit, as in the kernel filter. */
struct sg_cond {
	unsigned arg; /* 0..5 */
	enum sg_cmp op;
	uint64_t mask; /* SG_CMP_MASKED_EQ only */
	uint64_t value;
};

struct sg_action {
	enum sg_action_kind kind;
	int err;       /* SG_ACT_DENY: positive errno, 1..4095 */
	int64_t value; /* SG_ACT_FAKE: returned value, >= 0 */
	char emulator[SG_EMULATOR_NAME_MAX]; /* SG_ACT_EMULATE */
	char emu_opts[SG_EMULATOR_OPTS_MAX]; /* ... its options (words after the name) */
	unsigned flags;                      /* SG_FLAG_* */
};

struct sg_rule {
	char name[SG_SYSCALL_NAME_MAX]; /* syscall name as written */
	/* Syscall number per policy arch (index as in sg_policy.arches);
	 * __NR_SCMP_ERROR when the syscall does not exist on that arch. */
	int nr[SG_MAX_ARCHES];
	struct sg_action action;
	struct sg_cond conds[SG_MAX_CONDS];
	unsigned n_conds;
	unsigned line, col; /* where the rule starts, 1-based (an implied rule: its source's) */
	/* 0 for a rule written in the policy; for a rule policy_equiv_expand() added,
	 * 1 + the index in rules[] of the written rule it comes from, and why (static text) */
	unsigned implied_by;
	const char *implied_why;
};

/* Per-arch lookup: (nr, rule index) sorted by nr then rule order. */
struct sg_rule_ref {
	int nr;
	unsigned rule;
};

struct sg_policy {
	char *file; /* display name used in errors and audit records */
	unsigned version;
	uint32_t arches[SG_MAX_ARCHES]; /* SCMP_ARCH_* tokens */
	unsigned n_arches;
	struct sg_action def; /* the default action */
	unsigned def_line;
	struct sg_rule *rules;
	size_t n_rules;
	struct sg_rule_ref *index[SG_MAX_ARCHES];
	size_t n_index[SG_MAX_ARCHES];
	size_t n_written; /* rules[0..n_written) are written in the policy, the rest implied */
	uint64_t hash; /* FNV-1a 64 of the policy text */
	bool audit_mode; /* 'mode audit': deny and kill are allowed and recorded audit:true */
	int unreachable_errno; /* 'unreachable ERRNO': trapped calls when the daemon cannot be
				* reached (trap mechanism); 0: the default, ENOSYS */
};

/* A parse or load error: where, what, and the offending line for the caret. */
struct sg_policy_error {
	char file[256];
	unsigned line, col; /* 0 when the error is not about one place */
	char msg[256];
	char text[256]; /* the source line, truncated; empty when line == 0 */
};

/* policy_parse.c */

/* Parse policy text; on failure fill reterr (if not NULL) and return a negative errno
 * (-EINVAL for a syntax or semantic error, -EFBIG, -ENOMEM). *ret untouched on failure. */
int policy_parse(const char *text, size_t len, const char *file, struct sg_policy **ret,
		 struct sg_policy_error *reterr);
/* Read a text file of at most SG_POLICY_TEXT_MAX bytes (NUL-terminated); errors name the
 * file and what it is ("policy", "configuration"). */
int policy_read_text(const char *path, const char *what, char **ret_text, size_t *ret_len,
		     struct sg_policy_error *reterr);
/* Read and parse a file (at most SG_POLICY_TEXT_MAX bytes); *ret_text gets the text if not NULL. */
int policy_load_file(const char *path, struct sg_policy **ret, char **ret_text,
		     struct sg_policy_error *reterr);
/* policy_equiv.c */

/* Add the rules that the written rules imply for the calls reaching the same effect
 * that the policy does not name itself (open/openat/openat2/creat, unlink/unlinkat/
 * rmdir and the renames that can replace a name, mknod, mkdir, execve/execveat,
 * clone/clone3/fork/vfork/unshare, i386 socketcall/ipc, io_uring): README "Equivalent
 * calls".  Appended after the written rules, each marked implied (implied_by, why).
 * policy_parse() calls it; 0, -ENOMEM, or -E2BIG (too many, with reterr). */
int policy_equiv_expand(struct sg_policy *p, struct sg_policy_error *reterr);
/* What policy check and sysgate-run -v say about implied rule r: "implied 'RULE' by
 * 'SOURCE RULE': WHY; name 'CALL' in the policy to decide it yourself".
 * Returns buf (always NUL-terminated). */
const char *policy_implied_format(const struct sg_policy *p, const struct sg_rule *r, char *buf,
				  size_t size);

/* policy_emulate.c */

/* Check that every action can run in this build: each emulate rule names a known
 * emulator that can carry out its syscall (-EINVAL with the rule's position).
 * Daemon and shim call it before using a policy. */
int policy_check_loadable(const struct sg_policy *p, struct sg_policy_error *reterr);
/* For mechanisms without emulators (trace, trap): -EOPNOTSUPP with the position of
 * the first emulate rule, 0 when there is none. */
int policy_check_no_emulate(const struct sg_policy *p, const char *mechanism,
			    struct sg_policy_error *reterr);
/* Parse "MAJOR:MINOR" (len bytes at w), a device of the mknod emulator's allowlist. */
int policy_emu_parse_dev(const char *w, size_t len, unsigned *ret_major, unsigned *ret_minor);
/* Index of the emulator called name (stable within a build), or -ENOENT. */
int policy_emulator_index(const char *name);
/* Whether the emulator called name can carry out syscall. */
bool policy_emulator_fits(const char *name, const char *syscall);
/* Free a policy; accepts NULL, returns NULL. */
struct sg_policy *policy_free(struct sg_policy *p);
/* For _cleanup_(policy_freep): free *p and clear it. */
static inline void policy_freep(struct sg_policy **p)
{
	*p = policy_free(*p);
}
/* Format "file:line:col: error: msg\n<line>\n<caret>\n" into buf (always NUL-terminated). */
void policy_error_format(const struct sg_policy_error *e, char *buf, size_t size);

/* policy_eval.c */

/* Decide one call: the first rule for (arch, nr) whose conditions all hold, in file order.
 * Returns that rule, or NULL when none matches and the default applies.  arch is the
 * seccomp_data arch (AUDIT_ARCH_*); returns the default for an arch the policy lacks. */
const struct sg_rule *policy_match(const struct sg_policy *p, uint32_t arch, int nr,
				   const uint64_t args[SG_MAX_ARGS]);
/* The action for the call: the matched rule's, or the default. */
const struct sg_action *policy_decide(const struct sg_policy *p, uint32_t arch, int nr,
				      const uint64_t args[SG_MAX_ARGS], const struct sg_rule **ret_rule);
/* Whether the action needs the daemon (routed) or stays in the kernel. */
bool policy_action_routed(const struct sg_action *a);
/* Index of arch in p->arches, or -ENOENT. */
int policy_arch_index(const struct sg_policy *p, uint32_t arch);

/* policy_compile.c */

enum {
	/* Route execve/execveat unconditionally on the native arch unless the policy
	 * allows them in the kernel unconditionally: sysgate-run's own exec of the
	 * command is then the session's first notification (see shim/run.c). */
	SG_COMPILE_ROUTE_EXEC = 1 << 0,
	/* Hand routed calls to the daemon with SCMP_ACT_TRACE(0) (a ptrace stop) or
	 * SCMP_ACT_TRAP (SIGSYS in the process) instead of SCMP_ACT_NOTIFY.  TRACE also
	 * refuses in the kernel what would escape the tracer: clone with CLONE_UNTRACED
	 * (EPERM), ptrace (EPERM) and clone3 (ENOSYS), whatever the policy says. */
	SG_COMPILE_ROUTE_TRACE = 1 << 1,
	SG_COMPILE_ROUTE_TRAP = 1 << 2,
	/* Route every syscall of the policy's arches (learning, swappable sessions):
	 * the daemon decides them all; a bad arch still kills in the kernel. */
	SG_COMPILE_ROUTE_ALL = 1 << 3,
};

/* The flags a session's filter is compiled with, by sysgate-run and as the daemon knows it:
 * trace or trap routing (trap: the preload's own exec is not routed), every call routed
 * when the policy is in audit mode or route_all (--audit, --swappable, --learn). */
static inline unsigned policy_session_flags(const struct sg_policy *p, bool trace, bool trap,
					    bool route_all)
{
	unsigned f = trap ? SG_COMPILE_ROUTE_TRAP
			  : SG_COMPILE_ROUTE_EXEC | (trace ? SG_COMPILE_ROUTE_TRACE : 0);

	return f | (p->audit_mode || route_all ? SG_COMPILE_ROUTE_ALL : 0);
}

/* Build a libseccomp filter: kernel actions for what needs no user space, the
 * route action (NOTIFY, or TRACE/TRAP by flag) for the rest, KILL_PROCESS on a bad arch. */
int policy_compile(const struct sg_policy *p, unsigned flags, scmp_filter_ctx *ret_ctx,
		   struct sg_policy_error *reterr);
/* Export the compiled filter as a BPF program; ret_prog->filter is malloc'd. */
int policy_export_bpf(scmp_filter_ctx ctx, struct sock_fprog *ret_prog);
/* Write libseccomp's PFC (pseudo filter code) of the compiled filter to f. */
int policy_export_pfc(scmp_filter_ctx ctx, FILE *f);
/* For _cleanup_(seccomp_releasep): release the filter *ctx (NULL allowed) and clear it. */
static inline void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
	*ctx = NULL;
}

#include "policy_names.h"
