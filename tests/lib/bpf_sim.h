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
