/* SPDX-License-Identifier: MIT */
/*
 * learn.c: what a session that routes every call learns per syscall (first and
 * last time, the distinct values of a watched argument, bounded), LEARN_REQ's
 * rows and refusals, and the rows of an ended learning session kept on its
 * shim's connection until it asks for them once or goes.  Rows are read as the
 * shim reads them: LEARN_ROW packets, then END.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(learn, .fini = th_cleanup, .timeout = 30);

#define ROWS_MAX 16

static const char allow_all[] = "version 1\ndefault allow\n";

/* A session as REGISTER with flags would start it (no target needed: trap). */
static struct session *learning_session(struct sysgated *d, uint32_t reg_flags)
{
	struct session *s = th_session_mech(d, SG_MECH_TRAP, -EBADF, getpid(), allow_all);

	s->reg_flags = reg_flags;
	s->compile_flags = swap_compile_flags(s->policy, s->mech, reg_flags);
	return s;
}

/* One routed call, counted and noted as verdict_done() does. */
static void call(struct session *s, int nr, uint64_t arg0, uint64_t arg1)
{
	struct sg_call c = { .arch = s->d->native_arch, .nr = nr, .tid = getpid() };

	c.args[0] = arg0;
	c.args[1] = arg1;
	session_count(s, c.arch, c.nr, SG_COUNT_ALLOW);
	learn_note(s, &c);
}

/* The rows LEARN_REQ of id sends on c (the test's end: fd), up to END; their number. */
static size_t learnt(struct sysgated *d, struct conn *c, int fd, uint64_t id,
		     struct sg_msg_learn_row *rows)
{
	uint8_t buf[SG_MSG_MAX];
	char reason[SG_REASON_MAX] = "";
	struct sg_msg m;
	size_t n = 0;
	int r = learn_send(d, c, id, reason, sizeof(reason));

	cr_assert_eq(r, 0, "learn_send: %s: %s", strerror(-r), reason);
	for (;;) {
		cr_assert_eq(th_recv(fd, buf, &m), 1);
		if (m.type == SG_MSG_END)
			return n;
		cr_assert_eq(m.type, SG_MSG_LEARN_ROW, "got %s", proto_type_name(m.type));
		cr_assert_lt(n, ROWS_MAX);
		rows[n++] = m.u.learn_row;
	}
}

static const struct sg_msg_learn_row *row_of(const struct sg_msg_learn_row *rows, size_t n,
					     int nr)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].nr == nr)
			return &rows[i];
	cr_assert_fail("no row for nr %d", nr);
	return NULL;
}

Test(learn, only_sessions_that_route_every_call_see_all)
{
	static const uint32_t flags[] = { SG_REG_LEARN, SG_REG_AUDIT, SG_REG_SWAPPABLE };
	struct sysgated *d = th_daemon();
	struct session *s = learning_session(d, 0);
	char reason[SG_REASON_MAX] = "";
	const struct stat_row *row;
	int fd;
	struct conn *c = th_peer_conn(d, &fd);

	cr_expect(!learn_sees_all(s));
	call(s, __NR_socket, 1, 0);
	row = stats_get(&s->stats, d->native_arch, __NR_socket);
	cr_assert_not_null(row, "session_count makes the row");
	cr_expect(row->first_usec == 0 && row->values == NULL, "noted without seeing all");
	cr_expect_eq(learn_send(d, c, s->id, reason, sizeof(reason)), -EOPNOTSUPP);
	cr_expect(strstr(reason, "does not route every call"), "%s", reason);
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		cr_expect(learn_sees_all(learning_session(d, flags[i])), "flags 0x%x", flags[i]);
}

Test(learn, the_first_and_last_time_of_each_syscall_are_sent)
{
	struct sysgated *d = th_daemon();
	struct session *s = learning_session(d, SG_REG_LEARN);
	struct timespec ms = { 0, 2 * 1000 * 1000 };
	struct sg_msg_learn_row rows[ROWS_MAX];
	const struct sg_msg_learn_row *row;
	uint64_t t0 = now_usec(), t1;
	int fd;
	struct conn *c = th_peer_conn(d, &fd);

	call(s, __NR_getppid, 0, 0);
	nanosleep(&ms, NULL);
	call(s, __NR_getppid, 0, 0);
	call(s, __NR_getpid, 0, 0);
	t1 = now_usec();
	cr_assert_eq(learnt(d, c, fd, s->id, rows), 2);
	row = row_of(rows, 2, __NR_getppid);
	cr_expect_eq(row->count, 2);
	cr_expect_eq(row->arch, d->native_arch);
	cr_expect(row->first_usec >= t0 && row->first_usec + 2000 <= row->last_usec &&
		  row->last_usec <= t1, "first %llu last %llu in [%llu, %llu]",
		  (unsigned long long)row->first_usec, (unsigned long long)row->last_usec,
		  (unsigned long long)t0, (unsigned long long)t1);
	cr_expect_eq(row->n_values, 0, "getppid has no watched argument");
	cr_expect_eq(row_of(rows, 2, __NR_getpid)->count, 1);
}

Test(learn, distinct_values_of_the_watched_argument_are_sent)
{
	static const struct {
		int nr;
		uint64_t a0, a1, kept;
		uint32_t arg;
	} watched[] = {
		{ __NR_socket, 2, 99, 2, 0 },          /* domain */
		{ __NR_ioctl, 99, 0x5401, 0x5401, 1 }, /* request */
		{ __NR_prctl, 38, 99, 38, 0 },         /* option */
		{ __NR_clone, 0x11, 99, 0x11, 0 },     /* flags */
	};
	struct sysgated *d = th_daemon();
	struct session *s = learning_session(d, SG_REG_LEARN);
	struct sg_msg_learn_row rows[ROWS_MAX];
	int fd;
	struct conn *c = th_peer_conn(d, &fd);
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(watched); i++) {
		call(s, watched[i].nr, watched[i].a0, watched[i].a1);
		/* the other argument changes, the watched one does not: one value */
		call(s, watched[i].nr, watched[i].a0 + (watched[i].arg == 1),
		     watched[i].a1 + (watched[i].arg == 0));
	}
	n = learnt(d, c, fd, s->id, rows);
	cr_assert_eq(n, ARRAY_SIZE(watched));
	for (size_t i = 0; i < ARRAY_SIZE(watched); i++) {
		const struct sg_msg_learn_row *row = row_of(rows, n, watched[i].nr);

		cr_expect_eq(row->n_values, 1, "nr %d: %u values", watched[i].nr, row->n_values);
		cr_expect_eq(row->arg, watched[i].arg, "nr %d", watched[i].nr);
		cr_expect_eq(row->values[0], watched[i].kept, "nr %d", watched[i].nr);
		cr_expect_eq(row->overflow, 0);
	}
}

Test(learn, values_beyond_the_limit_only_set_overflow)
{
	struct sysgated *d = th_daemon();
	struct session *s = learning_session(d, SG_REG_LEARN);
	struct sg_msg_learn_row rows[ROWS_MAX];
	int fd;
	struct conn *c = th_peer_conn(d, &fd);

	for (uint64_t v = 0; v < SG_LEARN_VALUES_MAX; v++)
		call(s, __NR_socket, 100 + v, 0);
	cr_assert_eq(learnt(d, c, fd, s->id, rows), 1);
	cr_expect_eq(rows[0].n_values, SG_LEARN_VALUES_MAX);
	cr_expect_eq(rows[0].overflow, 0, "exactly the limit is no overflow");
	call(s, __NR_socket, 100, 0); /* kept already */
	call(s, __NR_socket, 7, 0);
	cr_assert_eq(learnt(d, c, fd, s->id, rows), 1);
	cr_expect_eq(rows[0].count, SG_LEARN_VALUES_MAX + 2);
	cr_expect_eq(rows[0].n_values, SG_LEARN_VALUES_MAX);
	cr_expect_eq(rows[0].overflow, 1);
	for (uint64_t v = 0; v < SG_LEARN_VALUES_MAX; v++)
		cr_expect_eq(rows[0].values[v], 100 + v, "the first values stay, in order");
}

Test(learn, a_request_for_what_the_peer_may_not_see_is_refused)
{
	struct sysgated *d = th_daemon();
	struct session *s = learning_session(d, SG_REG_LEARN);
	char reason[SG_REASON_MAX] = "";
	int fd;
	struct conn *c = th_peer_conn(d, &fd);

	cr_expect_eq(learn_send(d, c, s->id + 1, reason, sizeof(reason)), -ENOENT);
	cr_expect_str_eq(reason, "no such session: 2");
	s->uid = getuid() + 4242; /* another user's session does not exist for this peer */
	c->uid = getuid() == 0 ? 4243 : getuid();
	reason[0] = '\0';
	cr_expect_eq(learn_send(d, c, s->id, reason, sizeof(reason)), -ENOENT);
	cr_expect_str_eq(reason, "no such session: 1");
	c->uid = 0; /* root sees every session */
	s->stats_warned = true;
	cr_expect_eq(learn_send(d, c, s->id, reason, sizeof(reason)), -ENOSPC);
	cr_expect(strstr(reason, "could not count every call"), "%s", reason);
}

Test(learn, an_ended_learning_session_leaves_its_rows_to_its_shim_once)
{
	struct sysgated *d = th_daemon();
	struct session *s = learning_session(d, SG_REG_LEARN);
	struct sg_msg_learn_row rows[ROWS_MAX];
	char reason[SG_REASON_MAX] = "";
	uint64_t id = s->id;
	int fd;
	struct conn *c = th_peer_conn(d, &fd);

	s->reg_conn = c;
	call(s, __NR_getppid, 0, 0);
	session_end(s, "test");
	cr_assert_null(session_find(d, id));
	cr_expect(c->learnt_held);
	cr_expect_eq(c->learnt_session, id);
	cr_expect_eq(d->n_learnt, 1);
	cr_assert_eq(learnt(d, c, fd, id, rows), 1);
	cr_expect_eq(rows[0].nr, __NR_getppid);
	cr_expect_eq(rows[0].count, 1);
	/* once: then the session is gone for good */
	cr_expect_eq(c->learnt_session, 0);
	cr_expect_eq(learn_send(d, c, id, reason, sizeof(reason)), -ENOENT);
	/* the embedded daemon waits for the shim to go */
	cr_expect_eq(d->n_learnt, 1);
	learn_conn_gone(c);
	cr_expect_eq(d->n_learnt, 0);
	cr_expect(!c->learnt_held);
}

Test(learn, rows_are_kept_only_for_a_learning_session_and_a_live_connection)
{
	struct sysgated *d = th_daemon();
	int fd;
	struct conn *c = th_peer_conn(d, &fd);

	for (int i = 0; i < 4; i++) {
		struct session *s = learning_session(d, i == 0 ? SG_REG_SWAPPABLE : SG_REG_LEARN);

		call(s, __NR_getppid, 0, 0);
		s->reg_conn = i == 1 ? NULL : c;
		s->stats_warned = i == 2; /* rows missing: nothing to learn from */
		c->dead = i == 3;
		session_end(s, "test");
		c->dead = false;
		cr_expect(!c->learnt_held, "case %d: kept", i);
		cr_expect_eq(c->learnt_session, 0, "case %d", i);
		cr_expect_eq(d->n_learnt, 0, "case %d", i);
	}
}

Test(learn, a_connection_that_goes_forgets_its_sessions_and_rows)
{
	struct sysgated *d = th_daemon();
	struct session *s1 = learning_session(d, SG_REG_LEARN);
	struct session *s2 = learning_session(d, SG_REG_LEARN);
	int fd1, fd2;
	struct conn *c1 = th_peer_conn(d, &fd1), *c2 = th_peer_conn(d, &fd2);

	d->cfg.exit_when_idle = true;
	s1->reg_conn = c1;
	s2->reg_conn = c2;
	call(s1, __NR_getppid, 0, 0);
	session_end(s1, "test");
	cr_assert(c1->learnt_held);
	learn_conn_gone(c2);
	cr_expect_null(s2->reg_conn, "a session does not point to a closed connection");
	cr_expect_eq(d->n_learnt, 1, "c2 held no rows");
	session_end(s2, "test");
	cr_expect(!event_base_got_break(d->base), "the rows of c1 are still to be asked for");
	learn_conn_gone(c1);
	cr_expect_eq(d->n_learnt, 0);
	cr_expect(event_base_got_break(d->base), "idle: the embedded daemon leaves");
}
