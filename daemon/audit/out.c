/* SPDX-License-Identifier: MIT */
/*
 * Where audit records go: an O_APPEND file (reopened on SIGHUP), standard
 * output, or an fd handed over by the embedding process.  Records are appended
 * to a buffer and written in batches: when the buffer would overflow, on a short
 * timer, and before anything else is written (audit_emit flushes session and
 * refused records at once, so they never overtake the syscall records before
 * them).  Nothing is lost while the daemon runs: the buffer is flushed at exit
 * and before a reopen; failed writes are counted per record and warned.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

#define AUDIT_BUF_SIZE (64 * 1024)   /* batch size */
#define AUDIT_FLUSH_USEC 50000       /* a buffered record is written within this */
#define AUDIT_WRITE_TIMEOUT_MS 5000 /* a non-blocking log fd that stays full this long fails */

/* write(2) the whole buffer: EINTR and partial writes retried, a full
 * non-blocking fd waited for (bounded). */
static int write_all(int fd, const char *p, size_t len)
{
	int waited = 0;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && waited < AUDIT_WRITE_TIMEOUT_MS) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			(void)poll(&pfd, 1, 100);
			waited += 100;
			continue;
		}
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write the buffered records now; 0 or -errno (those records are counted as failed). */
int audit_flush(struct sysgated *d)
{
	struct audit *a = &d->audit;
	int r;

	if (a->out_len == 0)
		return 0;
	r = write_all(a->fd, a->out, a->out_len);
	if (r < 0) {
		a->records_failed += a->out_records;
		/* 1, 2, 4, 8...: visible without flooding the journal on a full disk */
		if ((a->records_failed & (a->records_failed - 1)) == 0 || a->out_records > 1)
			log_warn(r, "audit: cannot write to '%s' (%" PRIu64 " records lost so far)",
				 a->path ? a->path : "the audit fd", a->records_failed);
	} else
		a->records += a->out_records;
	a->out_len = 0;
	a->out_records = 0;
	if (a->ev_flush)
		evtimer_del(a->ev_flush);
	return r;
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)audit_flush(arg);
}

/* Queue one record (text with its newline) for the log; see the comment at the top. */
int audit_out_append(struct sysgated *d, const char *text, size_t len)
{
	struct audit *a = &d->audit;
	struct timeval later = { 0, AUDIT_FLUSH_USEC };
	int r = 0;

	if (!a->out)
		a->out = malloc(AUDIT_BUF_SIZE); /* NULL: each record is written alone */
	if (a->out_len + len > AUDIT_BUF_SIZE)
		r = audit_flush(d);
	if (!a->out || len > AUDIT_BUF_SIZE) { /* too large to batch: alone, in order */
		int w = write_all(a->fd, text, len);

		if (w < 0)
			a->records_failed++;
		else
			a->records++;
		return w < 0 ? w : r;
	}
	memcpy(a->out + a->out_len, text, len);
	a->out_len += len;
	a->out_records++;
	if (!a->ev_flush && d->base)
		a->ev_flush = evtimer_new(d->base, flush_cb, d);
	if (a->ev_flush && !evtimer_pending(a->ev_flush, NULL) && evtimer_add(a->ev_flush, &later) < 0)
		r = audit_flush(d); /* no timer: never leave a record waiting */
	return r;
}

/* Open the log file, in its existing directory or our own; logs why not. */
static int open_log(const char *path)
{
	int fd, r;

	r = parent_dir_prepare(path, SG_DEFAULT_AUDIT_LOG, 0750);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return log_err(negative_errno(), "cannot open the audit log '%s'", path);
	return fd;
}

/* Open the audit destination from the config. */
int audit_open(struct sysgated *d)
{
	struct audit *a = &d->audit;
	const struct sg_config *cfg = &d->cfg;
	int fd;

	if (cfg->audit_fd >= 0) { /* the embedding process hands it over */
		a->fd = cfg->audit_fd;
		a->own_fd = true;
		a->path = NULL;
		return 0;
	}
	if (!cfg->audit_path)
		return log_err(-EINVAL, "no audit log configured");
	if (strcmp(cfg->audit_path, "-") == 0) {
		a->fd = STDOUT_FILENO;
		a->own_fd = false;
		a->path = NULL;
		return 0;
	}
	fd = open_log(cfg->audit_path);
	if (fd < 0)
		return fd;
	a->fd = fd;
	a->own_fd = true;
	a->path = cfg->audit_path;
	return 0;
}

/* SIGHUP: reopen the log file (keeps the old fd when that fails). */
int audit_reopen(struct sysgated *d)
{
	struct audit *a = &d->audit;
	int fd;

	if (!a->path) {
		log_debug("audit: not a file of ours, nothing to reopen");
		return 0;
	}
	(void)audit_flush(d); /* what was written before the rotation goes to the old file */
	fd = open_log(a->path);
	if (fd < 0)
		return log_warn(fd, "audit: reopening '%s' failed, keeping the old file", a->path);
	safe_close(a->fd);
	a->fd = fd;
	log_info("audit: reopened '%s'", a->path);
	return 0;
}

/* Flush and close the destination, free the buffer and its timer. */
void audit_out_close(struct sysgated *d)
{
	struct audit *a = &d->audit;

	if (a->fd >= 0)
		(void)audit_flush(d);
	if (a->ev_flush)
		event_free(a->ev_flush);
	a->ev_flush = NULL;
	free(a->out);
	a->out = NULL;
	a->out_len = a->out_records = 0;
	if (a->own_fd)
		a->fd = safe_close(a->fd);
	a->fd = -EBADF;
}
