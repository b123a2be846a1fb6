/* SPDX-License-Identifier: MIT */
/* Names of errnos, arches, syscalls and actions, both ways (names.c); included by policy.h,
 * whose types it names. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* names.c */

/* errno by name ("EPERM") or number ("1"); -EINVAL when unknown or out of 1..4095. */
int errno_from_string(const char *s);
/* "EPERM" for 1; NULL when unknown. */
const char *errno_to_name(int err);
/* Arch token from a policy/arch name: x86_64, x86 (alias i386), x32; 0 when unknown. */
uint32_t arch_from_name(const char *name);
/* "x86_64", "x86", "x32", or NULL. */
const char *arch_to_name(uint32_t arch);
/* The arches a policy covers by default: native plus every compat ABI of this host. */
unsigned arch_defaults(uint32_t arches[SG_MAX_ARCHES]);
/* The ABI a call of (arch, nr) as the kernel reports it was made through: SCMP_ARCH_X32 for
 * an x86_64 report with the x32 bit in a non-negative nr, else arch. */
uint32_t call_arch(uint32_t arch, int nr);
/* The name of call_arch(arch, nr) ("x86_64", "x86", "x32"), or "0x%08x" of it in buf. */
const char *call_arch_label(uint32_t arch, int nr, char *buf, size_t size);
/* Syscall name for (arch, nr) written into buf; "nr_<N>" when unknown. Returns buf. */
const char *syscall_name(uint32_t arch, int nr, char *buf, size_t size);
/* Names of the actions and comparisons, for printing policies. */
const char *action_kind_to_string(enum sg_action_kind k);
