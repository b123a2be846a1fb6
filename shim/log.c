/* SPDX-License-Identifier: MIT */
/*
 * sysgate-run's diagnostics, as daemon/log.c's: one line each on standard error,
 * "sysgate-run: " first (the command and an embedded daemon share the stream),
 * written at once.  The caller that knows the context logs, once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "shim.h"

/* The log level: whether -v was given. */
static bool verbose;

_printf_(2, 0) static void vlog(int r, const char *fmt, va_list ap)
{
	char msg[4096];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* stderr is unbuffered: one fprintf is one write */
	if (r < 0)
		fprintf(stderr, "sysgate-run: %s: %s\n", msg, strerror(-r));
	else
		fprintf(stderr, "sysgate-run: %s\n", msg);
	errno = saved;
}

/* Print "sysgate-run: MSG", with ": strerror(-r)" when r < 0; returns r. */
int shim_err(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(r, fmt, ap);
	va_end(ap);
	return r;
}

/* Print "sysgate-run: MSG" with -v only. */
void shim_info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
}

/* -v: whether shim_info() prints. */
void shim_log_verbose(bool on)
{
	verbose = on;
}
