/* SPDX-License-Identifier: MIT */
/*
 * libsysgate-preload.so: the trap mechanism inside the supervised process.
 * trampoline.c holds the only exempt syscall instructions, filter.c builds the
 * prefix that exempts them, handler.c is the SIGSYS handler, preload.c the
 * constructor that connects, registers and installs both.
 */
#pragma once

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* Environment handed over by sysgate-run --mechanism trap. */
#define SG_TRAP_ENV_SOCKET "SYSGATE_TRAP_SOCKET"     /* daemon socket path */
#define SG_TRAP_ENV_FILTER_FD "SYSGATE_TRAP_FILTER_FD" /* memfd: the exported BPF program */
#define SG_TRAP_ENV_POLICY_FD "SYSGATE_TRAP_POLICY_FD" /* memfd: the policy text */
#define SG_TRAP_ENV_POLICY_NAME "SYSGATE_TRAP_POLICY_NAME"
#define SG_TRAP_ENV_FLAGS "SYSGATE_TRAP_FLAGS" /* REGISTER flags (SG_REG_AUDIT, ...), decimal */
/* errno of trapped calls while the daemon cannot be reached (the policy's 'unreachable'),
 * decimal 1..4095; absent: ENOSYS */
#define SG_TRAP_ENV_UNREACHABLE "SYSGATE_TRAP_UNREACHABLE"
#define SG_TRAP_PREFIX_MAX 16 /* instructions of the exemption prefix */

/* trampoline.c: syscall(nr, a1..a6) by the x86_64 ABI (x32 with the x32 bit in nr) and by
 * int 0x80 (i386); the raw result (-errno on failure), errno untouched. */
typedef long (*sg_sys_fn)(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern sg_sys_fn sg_sys64, sg_sys32;
extern uint64_t sg_sys64_ret, sg_sys32_ret; /* the exempt instruction pointers */
#define SG_TRAMP_ADDR 0x3ffff7ff0000ul /* fixed, so exec'd images under the filter find it */
#define SG_TRAMP_SIZE 4096
/* Copy the trampolines to SG_TRAMP_ADDR (it must be free: -EEXIST otherwise) and use them. */
int trap_tramp_map(void);

/* filter.c: prepend to prog (n instructions) a prefix allowing calls made from ip64 (x86_64
 * and x32) or ip32 (i386), and rt_sigreturn on x86_64; *ret_out (malloc'd) gets the joined
 * program. Checks prog's jumps stay in range; -EINVAL, -E2BIG (> BPF_MAXINSNS), -ENOMEM. */
int trap_filter_join(const struct sock_filter *prog, size_t n, uint64_t ip64, uint64_t ip32,
		     struct sock_filter **ret_out, size_t *ret_n);

/* handler.c */
struct trap_state; /* private to handler.c */
/* Set up the handler's state: the socket path and what REGISTER sends (kept: sent again by
 * a forked child). Not reentrant. */
int trap_handler_init(const char *sock_path, const char *policy_name, uint32_t flags,
		      const char *policy_text, size_t text_len, int unreachable_errno);
/* Connect and register this process now (the handler's socket); 0 or -errno. */
int trap_handler_connect(void);
/* Install the SIGSYS handler (SA_SIGINFO|SA_ONSTACK, every signal masked) and an alternate
 * stack for the calling thread. */
int trap_handler_install(void);
