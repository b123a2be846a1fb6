/* SPDX-License-Identifier: MIT */
/*
 * Learning what a session does: every routed call already has its stats row
 * (stats.c); here the row also gets the first and last time it was seen and,
 * for a few syscalls whose arguments say what the call is for, the distinct
 * values of that argument (bounded).  No /proc, no record: a clock read and a
 * hash lookup per call.  LEARN_REQ sends the rows; lib/policy_learn.c turns
 * them into a policy (sysgate-run --learn, sysgatectl learn).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "verdict.h"

struct learn_values {
	uint32_t arg; /* the argument kept */
	uint32_t n;
	bool overflow;
	uint64_t v[SG_LEARN_VALUES_MAX];
};

/* The syscalls whose argument values are kept, and which argument. */
static const struct {
	const char *name;
	uint32_t arg;
} watched[] = {
	{ "socket", 0 }, /* domain */
	{ "ioctl", 1 },  /* request */
	{ "prctl", 0 },  /* option */
	{ "clone", 0 },  /* flags (x86: also arg0) */
};

/* Whether every call of s reaches the daemon. */
bool learn_sees_all(const struct session *s)
{
	return (s->compile_flags & SG_COMPILE_ROUTE_ALL) != 0;
}

void learn_values_free(struct learn_values *v)
{
	free(v);
}

/* A new row: which argument to keep, if any (-1: none). */
static int watched_arg(uint32_t arch, int nr)
{
	char name[SG_SYSCALL_NAME_MAX];

	syscall_name(arch, nr, name, sizeof(name));
	for (size_t i = 0; i < ARRAY_SIZE(watched); i++)
		if (strcmp(name, watched[i].name) == 0)
			return (int)watched[i].arg;
	return -1;
}

static void values_add(struct learn_values *lv, uint64_t value)
{
	for (uint32_t i = 0; i < lv->n; i++)
		if (lv->v[i] == value)
			return;
	if (lv->n < SG_LEARN_VALUES_MAX)
		lv->v[lv->n++] = value;
	else
		lv->overflow = true;
}

/* Note one call in its row (session_count made it); see daemon.h. */
void learn_note(struct session *s, const struct sg_call *c)
{
	struct stat_row *row;
	uint64_t t;
	uint64_t n = 0;
	int arg;

	if (!learn_sees_all(s))
		return;
	row = stats_row(&s->stats, c->arch, c->nr);
	if (!row) /* the table is full or out of memory: session_count warned */
		return;
	t = now_usec();
	for (unsigned i = 0; i < SG_NCOUNTS; i++)
		n += row->counts[i];
	if (n == 1) { /* the first call of (arch, nr) */
		row->first_usec = t;
		arg = watched_arg(c->arch, c->nr);
		if (arg >= 0) {
			row->values = calloc(1, sizeof(*row->values));
			if (row->values)
				row->values->arg = (uint32_t)arg;
			else
				log_warn(-ENOMEM, "session %" PRIu64 ": argument values not kept",
					 s->id);
		}
	}
	row->last_usec = t;
	if (row->values)
		values_add(row->values, c->args[row->values->arg]);
}

/* A learning session ends: its rows move to the shim's connection, which asks for them
 * once its command has exited (the session may end first). */
void learn_keep(struct session *s)
{
	struct conn *c = s->reg_conn;

	if (!c || c->dead || !(s->reg_flags & SG_REG_LEARN) || s->stats_warned)
		return;
	stats_done(&c->learnt);
	if (!c->learnt_held)
		s->d->n_learnt++;
	c->learnt_held = true;
	c->learnt_session = s->id;
	c->learnt = s->stats;
	memset(&s->stats, 0, sizeof(s->stats));
}

/* A connection closes: its sessions lose their link to it, its kept rows go. */
void learn_conn_gone(struct conn *c)
{
	struct sysgated *d = c->d;
	struct session *s;

	TAILQ_FOREACH(s, &d->sessions, entry)
		if (s->reg_conn == c)
			s->reg_conn = NULL;
	if (!c->learnt_held)
		return;
	stats_done(&c->learnt);
	c->learnt_session = 0;
	c->learnt_held = false;
	d->n_learnt--;
	daemon_check_idle(d);
}

static int send_rows(struct conn *c, const struct stats_table *t)
{
	uint8_t pkt[512];
	int r;

	for (size_t i = 0; i < t->cap; i++) {
		const struct stat_row *row = &t->rows[i];
		struct sg_msg_learn_row m = { 0 };
		ssize_t n;

		if (!row->used)
			continue;
		for (unsigned k = 0; k < SG_NCOUNTS; k++)
			m.count += row->counts[k];
		m.first_usec = row->first_usec;
		m.last_usec = row->last_usec;
		m.arch = row->arch;
		m.nr = row->nr;
		if (row->values) {
			m.arg = row->values->arg;
			m.n_values = row->values->n;
			m.overflow = row->values->overflow;
			memcpy(m.values, row->values->v, sizeof(m.values));
		}
		n = proto_encode_learn_row(pkt, sizeof(pkt), &m);
		if (n < 0)
			return (int)n; /* cannot happen: bounded above */
		r = conn_send(c, pkt, (size_t)n, false);
		if (r < 0)
			return r;
	}
	r = (int)proto_encode_empty(pkt, sizeof(pkt), SG_MSG_END);
	return r < 0 ? r : conn_send(c, pkt, (size_t)r, false);
}

/* LEARN_REQ: the session's rows, then END. */
int learn_send(struct sysgated *d, struct conn *c, uint64_t id, char *reason, size_t size)
{
	struct session *s = session_find(d, id);
	int r;

	if (!s && c->learnt_session == id) {
		/* ours, ended: hand the rows over once; an embedded daemon stays until the
		 * shim has them and goes (learn_conn_gone) */
		r = send_rows(c, &c->learnt);
		if (c->dead)
			return r;
		stats_done(&c->learnt);
		c->learnt_session = 0;
		return r;
	}
	if (!s || !conn_may_see(c, s->uid)) {
		snprintf(reason, size, "no such session: %" PRIu64, id);
		return -ENOENT;
	}
	if (!learn_sees_all(s)) {
		snprintf(reason, size, "session %" PRIu64 " does not route every call to the daemon, "
			 "so it cannot be learnt (start it with --learn, --audit or --swappable)", id);
		return -EOPNOTSUPP;
	}
	if (s->stats_warned) {
		snprintf(reason, size, "session %" PRIu64 ": the daemon could not count every call",
			 id);
		return -ENOSPC;
	}
	return send_rows(c, &s->stats);
}
