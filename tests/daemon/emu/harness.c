/* SPDX-License-Identifier: MIT */
/* The emulators' harness; see harness.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <grp.h>
#include <poll.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

/* What the target does: fork copies it. */
static struct th_callspec spec;
/* The verdict of the call th_emu_ctx() was last asked for; the record's outcome and
 * decoded arguments that th_emu_finish() last gave a context. */
static struct verdict verdict;
static char outcome[64];
static json_object *decoded;

static void body_call(int sock)
{
	struct th_call c;
	char go;

	/* the test writes the maps of the new namespace, then says go */
	if (spec.idmap && (unshare(CLONE_NEWUSER) < 0 || write(sock, "U", 1) != 1 ||
			   read(sock, &go, 1) != 1))
		_exit(95);
	if ((spec.root && chroot(spec.root) < 0) || (spec.cwd && chdir(spec.cwd) < 0))
		_exit(95);
	umask(spec.umask);
	if (spec.group && setgroups(1, &spec.group) < 0)
		_exit(95);
	if (spec.fsgid)
		setfsgid(spec.fsgid);
	if (spec.fsuid)
		setfsuid(spec.fsuid);
	errno = 0;
	c.ret = syscall(spec.nr, spec.args[0], spec.args[1], spec.args[2], spec.args[3],
			spec.args[4], spec.args[5]);
	c.err = c.ret < 0 ? errno : 0;
	(void)!write(sock, &c, sizeof(c));
	if (spec.hold)
		th_body_wait(sock);
}

void th_write_map(pid_t pid, const char *file, const char *text)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text), "%s: %s", path,
		     strerror(errno));
	close(fd);
}

/* The target is in its new user namespace: map it and let it go on. */
static void write_maps(struct th_target *t)
{
	char u;

	th_target_read(t, &u, 1);
	th_write_map(t->pid, "setgroups", "deny");
	th_write_map(t->pid, "uid_map", spec.idmap);
	th_write_map(t->pid, "gid_map", spec.idmap);
	cr_assert_eq(write(t->sock, "G", 1), 1);
}

void th_call_start(struct th_target *t, const struct th_callspec *call)
{
	const int nr = (int)call->nr;

	spec = *call;
	th_target_start(t, &nr, 1, body_call);
	if (spec.idmap)
		write_maps(t);
}

struct session *th_emu_session(struct sysgated *d, struct th_target *t, const char *policy)
{
	struct session *s = th_session(d, t, policy);

	if (s->ev)
		cr_assert_eq(event_del(s->ev), 0);
	return s;
}

static void woke(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	*(short *)arg = what;
}

void th_emu_wait(struct sysgated *d, struct th_target *t)
{
	const struct timeval tv = { TH_TIMEOUT_MS / 1000, (TH_TIMEOUT_MS % 1000) * 1000 };
	short what = 0;
	struct event *ev = event_new(d->base, t->sock, EV_READ, woke, &what);

	cr_assert_not_null(ev);
	cr_assert_eq(event_add(ev, &tv), 0);
	while (!what)
		cr_assert_geq(event_base_loop(d->base, EVLOOP_ONCE), 0);
	event_free(ev);
	cr_assert(what & EV_READ, "the emulated call was not answered in %d ms", TH_TIMEOUT_MS);
}

struct session *th_emu_start(struct sysgated *d, struct th_target *t,
			     const struct th_callspec *call, const char *policy,
			     struct sg_call *ret_c)
{
	struct pollfd p;
	struct session *s;

	th_call_start(t, call);
	s = th_emu_session(d, t, policy);
	p = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	cr_assert_eq(poll(&p, 1, TH_TIMEOUT_MS), 1, "the target made no call");
	memset(s->req, 0, s->req_size);
	cr_assert_eq(ioctl(s->fd, SECCOMP_IOCTL_NOTIF_RECV, s->req), 0, "RECV: %s",
		     strerror(errno));
	memset(ret_c, 0, sizeof(*ret_c));
	ret_c->arch = s->req->data.arch;
	ret_c->nr = s->req->data.nr;
	memcpy(ret_c->args, s->req->data.args, sizeof(ret_c->args));
	ret_c->ip = s->req->data.instruction_pointer;
	ret_c->tid = (pid_t)s->req->pid;
	s->state = SG_SESSION_RUNNING;
	return s;
}

struct emu_ctx th_emu_ctx(struct session *s, const struct sg_call *c, bool record)
{
	struct emu_ctx ctx = { .s = s, .c = c, .record = record, .v = &verdict };

	ctx.action = s->policy->n_rules ? &s->policy->rules[0].action : &s->policy->def;
	verdict_decide(s, c, false, &verdict);
	verdict.record = record;
	ctx.decoded = json_object_new_object();
	cr_assert_not_null(ctx.decoded);
	return ctx;
}

/* The harness keeps what a context decoded until the next th_emu_finish(). */
static void keep_decoded(struct emu_ctx *ctx, json_object *o)
{
	if (decoded && decoded != o)
		json_object_put(decoded);
	ctx->decoded = decoded = o;
}

/* ctx becomes what the record of its call (answered by a job) says. */
static void from_record(struct emu_ctx *ctx)
{
	json_object *recs = th_audit_records(ctx->s->d), *rec, *res, *v;

	snprintf(outcome, sizeof(outcome), "(none)");
	ctx->outcome = outcome;
	keep_decoded(ctx, NULL);
	rec = th_find(recs, "verdict", "emulate");
	if (rec && json_object_object_get_ex(rec, "result", &res)) {
		snprintf(outcome, sizeof(outcome), "%s", th_jstr(res, "outcome"));
		ctx->err = json_object_object_get_ex(res, "errno", &v) ? json_object_get_int(v) : 0;
		ctx->value = json_object_object_get_ex(res, "value", &v) ?
			     json_object_get_int64(v) : 0;
		ctx->kind = ctx->err ? SG_ACT_DENY : SG_ACT_FAKE;
		if (json_object_object_get_ex(rec, "decoded", &v))
			keep_decoded(ctx, json_object_get(v));
	}
	json_object_put(recs);
	th_audit_reset(ctx->s->d); /* the next call's record alone */
}

struct th_call th_emu_finish(struct th_target *t, struct emu_ctx *ctx, int r)
{
	struct seccomp_notif_resp resp = { .id = ctx->s->req->id };
	struct th_call c;

	if (r == EMU_QUEUED) { /* the job answers it once the helper is done */
		th_emu_wait(ctx->s->d, t);
		th_target_read(t, &c, sizeof(c));
		from_record(ctx);
		return c;
	}
	if (r < 0)
		emu_result(ctx, "denied", -r, 0);
	if (!ctx->answered) {
		if (ctx->kind == SG_ACT_ALLOW)
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else if (ctx->kind == SG_ACT_FAKE)
			resp.val = ctx->value;
		else
			resp.error = -(ctx->err ? ctx->err : EPERM);
		cr_assert_eq(ioctl(ctx->s->fd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0, "SEND: %s",
			     strerror(errno));
	}
	th_target_read(t, &c, sizeof(c));
	keep_decoded(ctx, ctx->decoded);
	return c;
}

const char *th_decoded(const struct emu_ctx *ctx, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(ctx->decoded, key, &v))
		return NULL;
	return json_object_get_string(v);
}
