/* SPDX-License-Identifier: MIT */
/*
 * audit/out.c: records are batched and written on flush, on a short timer,
 * before the buffer would overflow and alone when larger than it, always in
 * order; failed writes are counted per record; the log file is created with
 * its parents, reopened on SIGHUP (the old file keeps what came before) and
 * kept when the reopen fails; closing flushes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#define BUF_SIZE (64 * 1024) /* out.c's batch */

static struct {
	struct sysgated *d; /* a daemon without a loop, around a log file */
	char text[4 * BUF_SIZE];
} ot;

static void out_cleanup(void)
{
	if (ot.d) {
		audit_out_close(ot.d);
		free(ot.d);
		ot.d = NULL;
	}
	th_cleanup();
}

TestSuite(audit_out, .fini = out_cleanup, .timeout = 30);

/* A path in the test's directory. */
static const char *tmp_path(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", th_tmpdir(), name);
	return path;
}

/* The audit part of a daemon, with no loop: records wait for a flush. */
static struct sysgated *file_daemon(const char *path)
{
	ot.d = calloc(1, sizeof(*ot.d));
	cr_assert_not_null(ot.d);
	sysgated_config_init(&ot.d->cfg);
	ot.d->cfg.audit_fd = -1;
	ot.d->cfg.audit_path = path;
	ot.d->audit.fd = -EBADF;
	cr_assert_eq(audit_open(ot.d), 0);
	return ot.d;
}

/* The whole file at path ("" when missing). */
static const char *file_text(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	if (fd >= 0) {
		n = read(fd, ot.text, sizeof(ot.text) - 1);
		close(fd);
	}
	cr_assert_geq(n, 0);
	ot.text[n] = '\0';
	return ot.text;
}

static int append(struct sysgated *d, const char *line)
{
	return audit_out_append(d, line, strlen(line));
}

Test(audit_out, records_wait_for_a_flush_and_keep_their_order)
{
	const char *path = tmp_path("audit.log");
	struct sysgated *d = file_daemon(path);
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0640);
	cr_expect_eq(append(d, "{\"n\":1}\n"), 0);
	cr_expect_eq(append(d, "{\"n\":2}\n"), 0);
	cr_expect_str_eq(file_text(path), "", "written before the flush");
	cr_expect_eq(d->audit.records, 0);
	cr_expect_eq(audit_flush(d), 0);
	cr_expect_str_eq(file_text(path), "{\"n\":1}\n{\"n\":2}\n");
	cr_expect_eq(d->audit.records, 2);
	cr_expect_eq(audit_flush(d), 0, "nothing to flush");
	cr_expect_eq(d->audit.records, 2);
}

Test(audit_out, a_full_buffer_is_written_first_and_a_huge_record_alone)
{
	const char *path = tmp_path("audit.log");
	struct sysgated *d = file_daemon(path);
	char *line = malloc(BUF_SIZE + 2);
	size_t half = BUF_SIZE / 2;

	cr_assert_not_null(line);
	memset(line, 'a', half - 1);
	line[half - 1] = '\n';
	cr_expect_eq(audit_out_append(d, line, half), 0);
	cr_expect_eq(audit_out_append(d, line, half), 0, "exactly full");
	cr_expect_str_eq(file_text(path), "");
	line[0] = 'b';
	cr_expect_eq(audit_out_append(d, line, half), 0);
	cr_expect_eq(strlen(file_text(path)), BUF_SIZE, "the full buffer went out first");
	cr_expect_eq(d->audit.records, 2);
	/* larger than the buffer: the batch before it, then it, at once */
	memset(line, 'c', BUF_SIZE);
	line[BUF_SIZE] = '\n';
	cr_expect_eq(audit_out_append(d, line, BUF_SIZE + 1), 0);
	file_text(path);
	cr_expect_eq(strlen(ot.text), 2 * BUF_SIZE + half + 1);
	cr_expect_eq(ot.text[BUF_SIZE], 'b', "in order");
	cr_expect_eq(ot.text[BUF_SIZE + half], 'c', "in order");
	cr_expect_eq(d->audit.records, 4);
	cr_expect_eq(d->audit.out_len, 0);
	free(line);
}

Test(audit_out, a_buffered_record_is_written_by_the_timer)
{
	struct sysgated *d = th_daemon();
	uint64_t t0 = mono_usec();

	cr_assert_eq(append(d, "{\"timer\":1}\n"), 0);
	cr_assert_not_null(d->audit.ev_flush);
	cr_expect(evtimer_pending(d->audit.ev_flush, NULL));
	cr_expect_eq(lseek(d->audit.fd, 0, SEEK_END), 0, "not yet");
	while (d->audit.out_len > 0 && mono_usec() - t0 < 5000000)
		event_base_loop(d->base, EVLOOP_ONCE);
	cr_expect_eq(d->audit.out_len, 0);
	cr_expect_geq(mono_usec() - t0, 40000, "written too soon: %llu us",
		      (unsigned long long)(mono_usec() - t0));
	cr_expect_eq(d->audit.records, 1);
	cr_expect_str_eq(th_audit_text(d), "{\"timer\":1}\n");
	/* a flush cancels the timer */
	cr_assert_eq(append(d, "{\"timer\":2}\n"), 0);
	cr_assert_eq(audit_flush(d), 0);
	cr_expect(!evtimer_pending(d->audit.ev_flush, NULL));
}

Test(audit_out, failed_writes_are_counted_per_record)
{
	struct sysgated *d = th_daemon();
	char *huge = malloc(BUF_SIZE + 1);
	int p[2];

	cr_assert_not_null(huge);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	close(p[0]); /* EPIPE (SIGPIPE is ignored) */
	close(d->audit.fd);
	d->audit.fd = p[1];
	cr_expect_eq(append(d, "{}\n"), 0, "buffered: nothing failed yet");
	cr_expect_eq(append(d, "{}\n"), 0);
	cr_expect_eq(audit_flush(d), -EPIPE);
	cr_expect_eq(d->audit.records_failed, 2);
	cr_expect_eq(d->audit.records, 0);
	cr_expect_eq(d->audit.out_len, 0, "the lost batch is dropped");
	cr_expect_eq(audit_flush(d), 0);
	memset(huge, 'x', BUF_SIZE);
	huge[BUF_SIZE] = '\n';
	cr_expect_eq(audit_out_append(d, huge, BUF_SIZE + 1), -EPIPE);
	cr_expect_eq(d->audit.records_failed, 3);
	free(huge);
}

Test(audit_out, the_log_is_created_in_an_existing_directory_only)
{
	const char *path = tmp_path("audit.log");
	struct sysgated d;
	struct stat st;
	char dir[128];

	file_daemon(path);
	cr_expect(ot.d->audit.own_fd);
	cr_expect_str_eq(ot.d->audit.path, path);
	cr_assert_eq(stat(path, &st), 0);
	/* a missing directory is not made (only the daemon's own /var/log/sysgate is) */
	memset(&d, 0, sizeof(d));
	sysgated_config_init(&d.cfg);
	d.cfg.audit_fd = -1;
	d.cfg.audit_path = tmp_path("a/b/audit.log");
	d.audit.fd = -EBADF;
	cr_expect_eq(audit_open(&d), -ENOENT);
	snprintf(dir, sizeof(dir), "%s/a", th_tmpdir());
	cr_expect(stat(dir, &st) < 0 && errno == ENOENT, "'%s' was made", dir);
}

Test(audit_out, standard_output_is_not_ours_and_no_destination_is_an_error)
{
	struct sysgated d;

	memset(&d, 0, sizeof(d));
	sysgated_config_init(&d.cfg);
	d.cfg.audit_fd = -1;
	d.cfg.audit_path = "-";
	cr_assert_eq(audit_open(&d), 0);
	cr_expect_eq(d.audit.fd, STDOUT_FILENO);
	cr_expect(!d.audit.own_fd);
	cr_expect_null(d.audit.path);
	cr_expect_eq(audit_reopen(&d), 0, "nothing to reopen");
	audit_out_close(&d);
	cr_expect_eq(d.audit.fd, -EBADF);
	cr_expect_eq(fcntl(STDOUT_FILENO, F_GETFD), 0, "standard output stays open");
	d.cfg.audit_path = NULL;
	cr_expect_eq(audit_open(&d), -EINVAL);
}

Test(audit_out, reopen_moves_on_to_a_new_file_after_a_rotation)
{
	const char *path = tmp_path("audit.log");
	char old[160];
	struct sysgated *d = file_daemon(path);

	snprintf(old, sizeof(old), "%s.1", path);
	cr_assert_eq(append(d, "{\"before\":1}\n"), 0);
	cr_assert_eq(rename(path, old), 0);
	cr_assert_eq(audit_reopen(d), 0);
	cr_assert_eq(append(d, "{\"after\":1}\n"), 0);
	cr_assert_eq(audit_flush(d), 0);
	cr_expect_str_eq(file_text(old), "{\"before\":1}\n", "buffered records go to the old file");
	cr_expect_str_eq(file_text(path), "{\"after\":1}\n");
}

Test(audit_out, a_failed_reopen_keeps_the_old_file)
{
	const char *path = tmp_path("audit.log");
	char old[160];
	struct sysgated *d = file_daemon(path);

	snprintf(old, sizeof(old), "%s.1", path);
	cr_assert_eq(rename(path, old), 0);
	cr_assert_eq(mkdir(path, 0700), 0); /* cannot be opened for writing: EISDIR */
	cr_expect_eq(audit_reopen(d), -EISDIR);
	cr_assert_eq(append(d, "{\"kept\":1}\n"), 0);
	cr_assert_eq(audit_flush(d), 0);
	cr_expect_str_eq(file_text(old), "{\"kept\":1}\n");
}

Test(audit_out, closing_flushes_and_closes_our_fd)
{
	const char *path = tmp_path("audit.log");
	struct sysgated *d = file_daemon(path);
	int fd = d->audit.fd;

	cr_assert_eq(append(d, "{\"last\":1}\n"), 0);
	audit_out_close(d);
	cr_expect_str_eq(file_text(path), "{\"last\":1}\n");
	cr_expect_eq(d->audit.fd, -EBADF);
	cr_expect_null(d->audit.out);
	cr_expect_lt(fcntl(fd, F_GETFD), 0, "the log's fd is closed");
	audit_out_close(d); /* twice is harmless */
}
