/* SPDX-License-Identifier: MIT */
/* The daemon's front door: what sysgated's main() and sysgate-run's embedded mode call. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "sysgate.h"

struct sg_config {
	const char *socket_path; /* where to listen (ignored when listen_fd >= 0) */
	mode_t socket_mode;      /* default 0660 */
	const char *socket_group; /* NULL: "sysgate" when that group exists */
	int listen_fd;           /* >= 0: a listening socket to use (embedded mode) */
	const char *audit_path;  /* audit log file; "-" = standard output */
	int audit_fd;            /* >= 0: write audit records here instead (embedded mode) */
	const char *pidfile;     /* NULL: none */
	bool exit_when_idle;     /* exit once the last session has ended (embedded mode) */
	int log_level;           /* LOG_ERR..LOG_DEBUG (syslog.h); diagnostics go to stderr */
	const char *config_path; /* the administrator's emulator bounds; NULL: none (defaults) */
	bool config_required;    /* --config: a missing file is an error, not the defaults */
	bool sandbox;            /* once set up, drop capabilities and filter our own
				  * system calls (default true; sysgated --no-sandbox) */
};

/* Fill cfg with the defaults. */
void sysgated_config_init(struct sg_config *cfg);
/* Run the daemon until SIGTERM/SIGINT (or idle, in embedded mode); 0 or negative errno. */
int sysgated_run(const struct sg_config *cfg);
