/* SPDX-License-Identifier: MIT */
/*
 * audit.c: the records' exact keys and their order, the time format, argument
 * strings, escaping of odd strings through json-c, the in-memory ring, write
 * failures, and the log file (modes, reopen on SIGHUP).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(audit, .fini = th_cleanup, .timeout = 30);

static struct sg_call req_for(int nr, uint32_t arch)
{
	struct sg_call req;

	memset(&req, 0, sizeof(req));
	req.tid = 1234;
	req.nr = nr;
	req.arch = arch;
	req.args[0] = 0;
	req.args[1] = 0x7ffd1234;
	req.args[5] = UINT64_MAX;
	return req;
}

static struct task_meta meta_for(const char *comm)
{
	struct task_meta m;

	memset(&m, 0, sizeof(m));
	m.have_status = m.have_comm = m.have_exe = true;
	m.tgid = 1200;
	m.uid = 1000;
	m.gid = 100;
	snprintf(m.comm, sizeof(m.comm), "%s", comm);
	snprintf(m.exe, sizeof(m.exe), "/usr/bin/thing");
	return m;
}

/* The keys of o in order, joined with ','. */
static const char *keys_of(json_object *o)
{
	static char buf[1024];
	struct json_object_iterator it = json_object_iter_begin(o), end = json_object_iter_end(o);
	size_t n = 0;

	buf[0] = '\0';
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "",
				      json_object_iter_peek_name(&it));
	return buf;
}

static json_object *record(const struct audit_call *call)
{
	json_object *o = audit_syscall_json(call);

	cr_assert_not_null(o);
	return o;
}

Test(audit, syscall_record_keys_are_exact_and_ordered)
{
	struct sg_call req = req_for(__NR_openat, AUDIT_ARCH_X86_64);
	struct task_meta m = meta_for("cat");
	struct audit_call call = {
		.session = 3, .policy_file = "/etc/p.policy", .sc = &req, .meta = &m,
		.verdict = SG_ACT_DENY, .err = EACCES, .line = 5,
	};
	json_object *o = record(&call);

	cr_expect_str_eq(keys_of(o), "time,event,session,mechanism,pid,tid,comm,exe,uid,gid,arch,"
				     "syscall,nr,args,verdict,errno,errno_name,rule");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "errno_name")), "EACCES");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "rule")),
			 "/etc/p.policy:5");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "syscall")), "openat");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "arch")), "x86_64");
	cr_expect_eq(json_object_get_int64(json_object_object_get(o, "pid")), 1200);
	cr_expect_eq(json_object_get_int64(json_object_object_get(o, "tid")), 1234);
	json_object_put(o);

	call.verdict = SG_ACT_FAKE;
	call.value = 9;
	call.is_default = true;
	o = record(&call);
	cr_expect_str_eq(keys_of(o), "time,event,session,mechanism,pid,tid,comm,exe,uid,gid,arch,"
				     "syscall,nr,args,verdict,value,rule,default");
	json_object_put(o);

	call.verdict = SG_ACT_KILL;
	call.is_default = false;
	call.audit = true;
	o = record(&call);
	cr_expect_str_eq(keys_of(o), "time,event,session,mechanism,pid,tid,comm,exe,uid,gid,arch,"
				     "syscall,nr,args,verdict,rule,audit");
	json_object_put(o);
}

Test(audit, args_are_six_hex_strings)
{
	struct sg_call req = req_for(__NR_getppid, AUDIT_ARCH_X86_64);
	struct task_meta m = meta_for("x");
	struct audit_call call = { .session = 1, .policy_file = "p", .sc = &req, .meta = &m,
				   .verdict = SG_ACT_ALLOW, .line = 2 };
	json_object *o = record(&call), *args = json_object_object_get(o, "args");

	cr_assert_eq(json_object_array_length(args), 6);
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(args, 0)), "0x0");
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(args, 1)), "0x7ffd1234");
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(args, 5)),
			 "0xffffffffffffffff");
	json_object_put(o);
}

Test(audit, x32_and_i386_calls_name_their_abi)
{
	struct sg_call req = req_for(0x40000000 | 39, AUDIT_ARCH_X86_64);
	struct task_meta m = meta_for("x");
	struct audit_call call = { .session = 1, .policy_file = "p", .sc = &req, .meta = &m,
				   .verdict = SG_ACT_DENY, .err = 1, .line = 2 };
	json_object *o = record(&call);

	cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "arch")), "x32");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "syscall")), "getpid");
	json_object_put(o);

	req = req_for(20, AUDIT_ARCH_I386);
	o = record(&call);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "arch")), "x86");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "syscall")), "getpid");
	json_object_put(o);
}

Test(audit, unknown_task_fields_are_null)
{
	struct sg_call req = req_for(__NR_getppid, AUDIT_ARCH_X86_64);
	struct task_meta m;
	struct audit_call call = { .session = 1, .policy_file = "p", .sc = &req, .meta = &m,
				   .verdict = SG_ACT_ALLOW, .line = 2 };
	json_object *o, *v = NULL;

	memset(&m, 0, sizeof(m));
	o = record(&call);
	for (const char *const *k = (const char *const[]){ "pid", "comm", "exe", "uid", "gid", NULL };
	     *k; k++) {
		cr_expect(json_object_object_get_ex(o, *k, &v) && v == NULL, "%s should be null: %s",
			  *k, json_object_to_json_string(o));
	}
	json_object_put(o);
}

Test(audit, time_is_rfc3339_utc_with_microseconds)
{
	struct tm tm = { .tm_year = 2026 - 1900, .tm_mon = 10, .tm_mday = 23, .tm_hour = 3,
			 .tm_min = 10 };
	uint64_t usec = (uint64_t)timegm(&tm) * 1000000 + 123456;
	char buf[64];
	int y, mo, da, h, mi, s, us;
	char z;

	cr_expect_str_eq(audit_format_time(usec, buf, sizeof(buf)), "2026-11-23T03:10:00.123456Z");
	cr_expect_str_eq(audit_format_time(usec - 123456 + 7, buf, sizeof(buf)),
			 "2026-11-23T03:10:00.000007Z");
	/* and a live record's time has the same shape */
	audit_format_time(now_usec(), buf, sizeof(buf));
	cr_expect_eq(strlen(buf), 27, "%s", buf);
	cr_expect_eq(sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d.%6d%c", &y, &mo, &da, &h, &mi, &s, &us, &z),
		     8, "%s", buf);
	cr_expect_eq(z, 'Z');
}

Test(audit, odd_comm_is_escaped_and_round_trips)
{
	struct sg_call req = req_for(__NR_getppid, AUDIT_ARCH_X86_64);
	struct task_meta m = meta_for("a\"b\\c\n\t\x01\xff\xc3\xa9/");
	struct audit_call call = { .session = 1, .policy_file = "p", .sc = &req, .meta = &m,
				   .verdict = SG_ACT_DENY, .err = 1, .line = 2 };
	struct sysgated *d = th_daemon();
	json_object *recs, *rec;
	const char *text;

	cr_assert_eq(audit_syscall(d, &call, 0), 0);
	text = th_audit_text(d);
	cr_expect_eq(strchr(text, '\n'), text + strlen(text) - 1, "one line: %s", text);
	cr_expect(strstr(text, "\"comm\":\"a\\\"b\\\\c\\n\\t\\u0001\\\\xff\xc3\xa9/\""),
		  "escaping: %s", text);
	recs = th_audit_records(d);
	rec = json_object_array_get_idx(recs, 0);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(rec, "comm")),
			 "a\"b\\c\n\t\x01\\xff\xc3\xa9/");
	json_object_put(recs);
}

Test(audit, utf8_sanitize_escapes_only_invalid_bytes)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "\xc0\xaf", "\\xc0\\xaf" },             /* overlong '/' */
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },    /* UTF-16 surrogate */
		{ "ab\xe2\x82", "ab\\xe2\\x82" },         /* truncated at the end */
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" }, /* beyond U+10FFFF */
		{ "\x80x", "\\x80x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = utf8_sanitize(cases[i].in, strlen(cases[i].in));

		cr_assert_not_null(s);
		cr_expect_str_eq(s, cases[i].out, "case %zu", i);
		free(s);
	}
}

Test(audit, session_and_refused_records_have_their_keys)
{
	struct sysgated *d = th_daemon();
	struct session s;
	struct conn c;
	json_object *recs;

	memset(&s, 0, sizeof(s));
	s.id = 4;
	s.target_pid = 321;
	s.uid = 1000;
	s.gid = 100;
	s.mech = SG_MECH_NOTIFY;
	s.policy = th_policy("version 1\ndefault allow\n");
	s.notifications = 5;
	s.counts[SG_COUNT_DENY] = 2;
	s.counts[SG_COUNT_ALLOW] = 3;
	memset(&c, 0, sizeof(c));
	c.pid = 99;
	c.uid = 1001;
	cr_assert_eq(audit_session_start(d, &s), 0);
	cr_assert_eq(audit_session_end(d, &s), 0);
	cr_assert_eq(audit_refused(d, &c, "hello", "bad magic"), 0);
	policy_free(s.policy);

	recs = th_audit_records(d);
	cr_assert_eq(json_object_array_length(recs), 3);
	cr_expect_str_eq(keys_of(json_object_array_get_idx(recs, 0)),
			 "time,event,session,pid,uid,gid,policy,mechanism");
	cr_expect_str_eq(keys_of(json_object_array_get_idx(recs, 1)),
			 "time,event,session,pid,uid,gid,policy,mechanism,notifications,counts");
	cr_expect_str_eq(keys_of(json_object_object_get(json_object_array_get_idx(recs, 1),
							"counts")),
			 "allow,deny,fake,kill,emulate,audit");
	cr_expect_str_eq(keys_of(json_object_array_get_idx(recs, 2)),
			 "time,event,peer_pid,peer_uid,request,reason");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(
				 json_object_array_get_idx(recs, 1), "event")), "session-end");
	cr_expect_eq(d->audit.records, 3);
	json_object_put(recs);
}

Test(audit, ring_keeps_the_last_records)
{
	struct sysgated *d = th_daemon();
	const struct audit_entry *oldest;
	size_t first;

	for (int i = 0; i < SG_AUDIT_RING + 6; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "i", json_object_new_int(i));
		cr_assert_eq(audit_emit(d, o, 1, 0), 0);
	}
	cr_expect_eq(d->audit.records, SG_AUDIT_RING + 6);
	cr_expect_eq(d->audit.ring_n, SG_AUDIT_RING);
	first = (d->audit.ring_next + SG_AUDIT_RING - d->audit.ring_n) % SG_AUDIT_RING;
	oldest = &d->audit.ring[first];
	cr_expect_str_eq(oldest->text, "{\"i\":6}\n");
	cr_expect_eq(oldest->len, strlen("{\"i\":6}"));
}

Test(audit, write_failures_are_counted_and_the_record_kept)
{
	struct sysgated *d = th_daemon();
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	close(d->audit.fd);
	d->audit.fd = p[1]; /* every write now fails with EPIPE */
	cr_expect_eq(audit_emit(d, json_object_new_object(), 1, 0), -EPIPE);
	cr_expect_eq(d->audit.records_failed, 1);
	cr_expect_eq(d->audit.records, 0);
	cr_expect_eq(d->audit.ring_n, 1, "the record is still kept for subscribers");
}

Test(audit, syscall_records_are_written_in_batches_in_order)
{
	struct sysgated *d = th_daemon();
	struct sg_call req = req_for(__NR_getppid, AUDIT_ARCH_X86_64);
	struct task_meta m = meta_for("batch");
	struct audit_call call = { .session = 1, .policy_file = "p", .sc = &req, .meta = &m,
				   .verdict = SG_ACT_FAKE, .value = 7, .line = 2 };
	json_object *end = json_object_new_object();
	int p[2];

	for (int i = 0; i < 3; i++)
		cr_assert_eq(audit_syscall(d, &call, 0), 0);
	cr_expect_eq(lseek(d->audit.fd, 0, SEEK_END), 0, "nothing written yet");
	cr_expect_eq(d->audit.out_records, 3);
	cr_expect_eq(d->audit.ring_n, 3, "kept for subscribers at once");
	/* a record written at once takes the batch before it along */
	json_object_object_add(end, "event", json_object_new_string("session-end"));
	cr_assert_eq(audit_emit(d, end, 1, 0), 0);
	cr_expect_eq(d->audit.records, 4);
	cr_expect_eq(d->audit.out_len, 0);
	cr_expect_not_null(strstr(th_audit_text(d), "\"value\":7"));
	cr_expect_not_null(strstr(strrchr(th_audit_text(d), '{'), "session-end"), "last: %s",
			   th_audit_text(d));
	/* a batch that cannot be written counts every record in it as failed */
	cr_assert_eq(audit_syscall(d, &call, 0), 0);
	cr_assert_eq(audit_syscall(d, &call, 0), 0);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	close(d->audit.fd);
	d->audit.fd = p[1];
	cr_expect_eq(audit_flush(d), -EPIPE);
	cr_expect_eq(d->audit.records_failed, 2);
}

static struct {
	char dir[32], sub[64], path[96], rotated[128];
} at;

static void log_file_cleanup(void)
{
	th_cleanup();
	if (at.rotated[0])
		unlink(at.rotated);
	if (at.path[0])
		unlink(at.path);
	if (at.sub[0])
		rmdir(at.sub);
	if (at.dir[0])
		rmdir(at.dir);
}

Test(audit, log_file_is_created_with_modes_and_reopened, .fini = log_file_cleanup)
{
	struct sg_config cfg;
	struct sysgated *d = NULL;
	struct stat st;
	char buf[256];
	ssize_t n;
	int fd;

	snprintf(at.dir, sizeof(at.dir), "/tmp/sg-audit-XXXXXX");
	cr_assert_not_null(mkdtemp(at.dir));
	snprintf(at.sub, sizeof(at.sub), "%s/sub", at.dir);
	snprintf(at.path, sizeof(at.path), "%s/audit.log", at.sub);
	snprintf(at.rotated, sizeof(at.rotated), "%s.1", at.path);
	/* the daemon makes no directory but its own (tests/daemon/test_daemon.c) */
	cr_assert_eq(mkdir(at.sub, 0750), 0);
	sysgated_config_init(&cfg);
	cfg.audit_path = at.path;
	cfg.log_level = LOG_ERR;
	cr_assert_eq(daemon_new(&cfg, &d), 0);

	cr_expect_eq(stat(at.path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0640, "file mode %o", st.st_mode & 07777);

	audit_emit(d, json_object_new_string("one"), 1, 0);
	cr_assert_eq(rename(at.path, at.rotated), 0);
	cr_expect_eq(audit_reopen(d), 0);
	audit_emit(d, json_object_new_string("two"), 1, 0);
	d = daemon_free(d);

	fd = open(at.rotated, O_RDONLY | O_CLOEXEC);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	cr_expect_eq(n, 6);
	fd = open(at.path, O_RDONLY | O_CLOEXEC);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	cr_expect_str_eq(buf, "\"two\"\n");
}

Test(audit, refused_records_are_rate_limited_and_the_dropped_counted)
{
	struct sysgated *d = th_daemon();
	struct conn c = { .d = d, .pid = 4242, .uid = 1000, .gid = 1000 };
	int written = 0, dropped = 0;
	json_object *recs;
	int64_t reported = 0;

	for (int i = 0; i < 200; i++) {
		int r = audit_refused(d, &c, "hello", "bad magic");

		cr_assert(r == 0 || r == -EAGAIN, "r = %d", r);
		r == 0 ? written++ : dropped++;
	}
	/* a burst of 50, plus what 10/s refills while the loop runs (well under a second) */
	cr_expect_geq(written, 50);
	cr_expect_lt(written, 70, "written %d", written);
	cr_expect_eq(written + dropped, 200);
	/* after a refill, the next record reports the dropped ones: none goes unreported */
	d->audit.refused_last_usec -= 1000000;
	cr_assert_eq(audit_refused(d, &c, "hello", "bad magic"), 0);
	recs = th_audit_records(d);
	cr_assert_eq(json_object_array_length(recs), (size_t)written + 1);
	for (size_t i = 0; i < json_object_array_length(recs); i++)
		reported += json_object_get_int64(
			json_object_object_get(json_object_array_get_idx(recs, i), "suppressed"));
	cr_expect_eq(reported, dropped);
	cr_expect_eq(d->audit.refused_suppressed, 0);
	json_object_put(recs);
}
