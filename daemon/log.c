/* SPDX-License-Identifier: MIT */
/* Diagnostics of sysgated, printf-checked, to stderr or syslog. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* The log configuration: the one piece of global state outside struct sysgated. */
static struct {
	int level;
	bool use_syslog;
} log_cfg = { LOG_INFO, false };

/* Where diagnostics go and how much. */
void log_setup(int level, bool use_syslog)
{
	log_set_level(level);
	if (use_syslog && !log_cfg.use_syslog)
		openlog("sysgated", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!use_syslog && log_cfg.use_syslog)
		closelog();
	log_cfg.use_syslog = use_syslog;
}

/* Change only the level (clamped to LOG_ERR..LOG_DEBUG). */
void log_set_level(int level)
{
	if (level < LOG_ERR)
		level = LOG_ERR;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_cfg.level = level;
}

/* Whether a message of this level would be written. */
bool log_enabled(int level)
{
	return level <= log_cfg.level;
}

_printf_(3, 0) static void log_va(int level, int r, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	if (!log_enabled(level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_cfg.use_syslog) {
		if (r < 0)
			syslog(level, "%s: %s", msg, strerror(-r));
		else
			syslog(level, "%s", msg);
	} else {
		if (r < 0)
			fprintf(stderr, "sysgated: %s: %s\n", msg, strerror(-r));
		else
			fprintf(stderr, "sysgated: %s\n", msg);
		fflush(stderr);
	}
	errno = saved;
}

/* A failure passed up: logs at LOG_ERR and returns r. */
int log_err(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(LOG_ERR, r, fmt, ap);
	va_end(ap);
	return r;
}

/* An ignored failure: logs at LOG_WARNING and returns r. */
int log_warn(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(LOG_WARNING, r, fmt, ap);
	va_end(ap);
	return r;
}

/* Lifecycle messages. */
void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

/* Debug messages; cheap when disabled. */
void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(LOG_DEBUG))
		return;
	va_start(ap, fmt);
	log_va(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}
