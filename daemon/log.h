/* SPDX-License-Identifier: MIT */
/*
 * sysgated's diagnostics (never the audit records): one line each, lower case,
 * no final period.  stderr in the foreground, syslog once daemonized.
 */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

/* Where diagnostics go and how much: level is LOG_ERR..LOG_DEBUG. */
void log_setup(int level, bool use_syslog);
/* Change only the level. */
void log_set_level(int level);
/* Whether a message of this level would be written. */
bool log_enabled(int level);

/* A failure passed up: logs at LOG_ERR and returns r; r < 0 appends strerror(-r). */
int log_err(int r, const char *fmt, ...) _printf_(2, 3);
/* An ignored failure (say so in the text): LOG_WARNING, returns r; r < 0 appends strerror(-r). */
int log_warn(int r, const char *fmt, ...) _printf_(2, 3);
/* Lifecycle. */
void log_info(const char *fmt, ...) _printf_(1, 2);
/* Free chatter. */
void log_debug(const char *fmt, ...) _printf_(1, 2);
