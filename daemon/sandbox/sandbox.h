/* SPDX-License-Identifier: MIT */
/*
 * The daemon's own confinement, applied once it is set up (its socket, log
 * and loop are open): caps.c keeps only the capabilities its features need
 * (and drops the rest from the bounding set too), filter.c installs a seccomp
 * allowlist of the system calls it makes, report.c names a call outside it in
 * one line before the daemon exits.  `sysgated --no-sandbox` skips all of it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* caps.c */

/* The capabilities sysgated keeps, as a mask of 1 << CAP_*. */
uint64_t sandbox_caps_kept(void);
/* The i-th kept capability's name ("CAP_SYS_PTRACE"), or NULL past the last. */
const char *sandbox_cap_kept_name(size_t i);
/* Whether capability cap is in this process's effective set. */
bool sandbox_cap_effective(unsigned cap);
/* Keep only sandbox_caps_kept() in every set, the bounding set included: 1 when
 * capabilities were dropped, 0 when the process held none (a non-root daemon). */
int sandbox_caps_drop(void);

/* filter.c */

/* The i-th system call the filter allows (some only with conditions on their
 * arguments: clone, ioctl, prctl, prlimit64, setns, socket, socketpair), or NULL
 * past the last.  clone3 is refused with ENOSYS (glibc falls back to clone). */
const char *sandbox_allowed(size_t i);
/* Install the allowlist filter on this process and its future children; a call
 * outside it is reported (report.c) and ends the process with EXIT_FAILURE.
 * no_new_privs is set only when the process may not install a filter without it. */
int sandbox_filter_install(bool use_syslog);
/* Drop capabilities, then install the filter, logging once; use_syslog: diagnostics
 * go to syslog from now on (the report then goes there too). */
int sandbox_apply(bool use_syslog);

/* report.c */

/* Set up the SIGSYS handler that writes one line naming the refused call to
 * standard error (and to syslog's socket when use_syslog) and exits. */
int sandbox_report_setup(bool use_syslog);
/* The report of a refused call, without a newline, into buf (async-signal-safe); its
 * length.  setup must have run (it learns the names and the daemon's arch). */
size_t sandbox_report_format(char *buf, size_t size, pid_t pid, int nr, uint32_t arch);
