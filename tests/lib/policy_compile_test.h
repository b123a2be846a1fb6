/* SPDX-License-Identifier: MIT */
/*
 * What the tests of lib/policy_compile.c share (policy_compile_test.c):
 * policies compiled to BPF or PFC, filters installed in forked children whose
 * checks report through their exit status, and a small supervisor that answers
 * routed calls on a real listener with policy_decide().
 */
#pragma once

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/filter.h>

#include "policy.h"

#define X32_BIT 0x40000000
#define MAX_EVENTS 16

/* Checks in children return 0 or the number of the failed check. */
#define CHECK(n, cond)            \
	do {                      \
		if (!(cond))      \
			return n; \
	} while (0)

/* What a supervisor saw, shared with the test process. */
struct notify_log {
	unsigned n;
	struct {
		int nr;
		uint32_t arch;
		uint64_t args[SG_MAX_ARGS];
		enum sg_action_kind kind;
	} ev[MAX_EVENTS];
	int target_status;
	int error; /* supervisor step that failed, 0 if none */
};

struct supervised {
	const struct sg_policy *policy;
	unsigned flags;
	int (*target)(void);
	bool continue_first_exec; /* answer the first execve CONTINUE (sysgate-run's exec) */
};

/* Parse a policy, failing the test on an error. */
struct sg_policy *parse(const char *text);
/* Compile p with flags into a BPF program (free its filter). */
struct sock_fprog compile_policy(const struct sg_policy *p, unsigned flags);
/* parse() and compile_policy() in one. */
struct sock_fprog compile_text(const char *text, unsigned flags);
/* libseccomp's PFC of the compiled policy, malloc'd. */
char *pfc_of(const char *text, unsigned flags);
/* The PFC block of a syscall in the first (x86_64) section, "" if it has none. */
void pfc_block(const char *pfc, const char *name, char *out, size_t size);
/* Whether the PFC sends a syscall to the supervisor (USER_NOTIF). */
bool routed_in_pfc(const char *pfc, const char *name);
/* Wait for a child at most 30 s; kill it when it does not finish. */
int wait_child(pid_t pid);
/* Run fn in a child under prog (no listener); its wait status. */
int run_filtered(const struct sock_fprog *prog, int (*fn)(void));
/* The child exited 0: every check passed. */
void assert_exit_ok(int status);
/* The child was killed by SIGSYS. */
void assert_sigsys(int status);
/* A raw syscall with two arguments; errno cleared first. */
long sc(long nr, long a, long b);
/* Fork a supervisor under the compiled policy; return the shared log (munmap it). */
struct notify_log *run_supervised(const struct supervised *s);
