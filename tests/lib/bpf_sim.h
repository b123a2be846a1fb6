/* SPDX-License-Identifier: MIT */
/* A classic-BPF interpreter for tests: seccomp filters run on crafted seccomp_data. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

/* Run prog (n instructions) on d as the kernel's classic BPF does (the subset seccomp
 * accepts); a criterion failure on anything else. Returns the filter's verdict. */
uint32_t bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d);

/* Parse and compile a policy text with the compile flags; the exported BPF program
 * (filter malloc'd).  A criterion failure with the error when either step fails. */
struct sock_fprog sim_compile(const char *text, unsigned flags);
/* The filter's action for syscall nr of arch (SCMP_ARCH_*; an x32 nr carries the x32
 * bit, and reaches the filter as x86_64) with the arguments. */
uint32_t sim_run(const struct sock_fprog *prog, uint32_t arch, int nr, const uint64_t args[6]);
