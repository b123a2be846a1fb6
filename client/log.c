/* SPDX-License-Identifier: MIT */
/* sysgatectl log: the daemon's audit records, its backlog and optionally new ones. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "audit_record.h"
#include "sysgatectl.h"

/* Keys printed in the fixed part of a line, left out of the key=value tail. */
static const char *const fixed_keys[] = { "time", "event", "session" };

static struct json_object *get(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

static bool get_int(struct json_object *o, const char *key, int64_t *ret)
{
	struct json_object *v = get(o, key, json_type_int);

	if (!v)
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

static bool get_true(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key, json_type_boolean);

	return v && json_object_get_boolean(v);
}

/* "openat(0x3, 0x7ffd1234, 0x0, ...)" */
static void put_call(FILE *f, struct json_object *o)
{
	struct json_object *args = get(o, "args", json_type_array);
	const char *name = get_str(o, "syscall");
	int64_t nr;

	if (name)
		fputs(name, f);
	else if (get_int(o, "nr", &nr))
		fprintf(f, "nr_%" PRId64, nr);
	else
		fputs("?", f);
	fputc('(', f);
	for (size_t i = 0; args && i < json_object_array_length(args); i++) {
		struct json_object *a = json_object_array_get_idx(args, i);

		if (i > 0)
			fputs(", ", f);
		fputs(json_object_is_type(a, json_type_string) ? json_object_get_string(a)
							       : json_object_to_json_string(a), f);
	}
	fputc(')', f);
}

/* TIME session N pid P (comm) SYSCALL(args) = VERDICT [errno|value] rule FILE:LINE [audit] */
static void put_syscall(FILE *f, struct json_object *o)
{
	const char *s;
	int64_t v;

	if (get_int(o, "pid", &v))
		fprintf(f, " pid %" PRId64, v);
	if ((s = get_str(o, "comm")))
		fprintf(f, " (%s)", s);
	fputc(' ', f);
	put_call(f, o);
	if ((s = get_str(o, "verdict")))
		fprintf(f, " = %s", s);
	if ((s = get_str(o, "errno_name")))
		fprintf(f, " %s", s);
	else if (get_int(o, "errno", &v))
		fprintf(f, " errno %" PRId64, v);
	if (get_int(o, "value", &v))
		fprintf(f, " %" PRId64, v);
	if ((s = get_str(o, "rule")))
		fprintf(f, " rule %s", s);
	if (get_true(o, "default"))
		fputs(" (default)", f);
	if (get_true(o, "audit"))
		fputs(" audit", f);
}

static bool is_fixed_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixed_keys); i++)
		if (strcmp(key, fixed_keys[i]) == 0)
			return true;
	return false;
}

/* Every other key as key=value, strings with blanks (or empty) in quotes. */
static void put_other(FILE *f, struct json_object *o)
{
	struct json_object_iterator it = json_object_iter_begin(o);
	struct json_object_iterator end = json_object_iter_end(o);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		struct json_object *val = json_object_iter_peek_value(&it);

		if (is_fixed_key(key))
			continue;
		if (json_object_is_type(val, json_type_string)) {
			const char *s = json_object_get_string(val);

			if (*s == '\0' || strpbrk(s, " \t"))
				fprintf(f, " %s='%s'", key, s);
			else
				fprintf(f, " %s=%s", key, s);
		} else {
			fprintf(f, " %s=%s", key,
				json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
		}
	}
}

/* One human-readable line for an audit record's JSON text; malloc'd, NULL on OOM. */
char *log_format_record(const char *json, size_t len)
{
	_cleanup_free_ char *line = NULL, *raw = NULL;
	struct json_object *o = NULL;
	const char *event, *s;
	size_t size = 0;
	int64_t v;
	FILE *f;
	int r;

	r = audit_record_parse(json, len, &o, NULL, 0);
	if (r == -ENOMEM)
		return NULL;
	/* Not one complete JSON object: show the text itself rather than nothing. */
	if (r < 0) {
		raw = strndup(json, len);
		return raw ? sanitize(raw) : NULL;
	}

	f = open_memstream(&line, &size);
	if (!f) {
		json_object_put(o);
		return NULL;
	}
	fputs((s = get_str(o, "time")) ? s : "-", f);
	event = get_str(o, "event");
	if (event && strcmp(event, "syscall") != 0)
		fprintf(f, " %s", event);
	if (get_int(o, "session", &v))
		fprintf(f, " session %" PRId64, v);
	if (!event || strcmp(event, "syscall") == 0)
		put_syscall(f, o);
	else
		put_other(f, o);
	json_object_put(o);
	if (fclose(f) != 0)
		return NULL;
	return sanitize(line);
}

/* Print one RECORD; JSON mode prints the text exactly as received. */
static int print_record(const struct ctl_config *cfg, const struct sg_msg *m)
{
	if (cfg->json) {
		fputs(m->str, stdout);
		if (m->str_len == 0 || m->str[m->str_len - 1] != '\n')
			fputc('\n', stdout);
	} else {
		_cleanup_free_ char *line = log_format_record(m->str, m->str_len);

		if (!line)
			return ctl_errx(-ENOMEM, "out of memory");
		puts(line);
	}
	/* One line at a time, so a pipe reader sees records as they come. */
	return output_checked(stdout);
}

/* Wait for the socket or a signal; 1 when the socket is readable, 0 on a signal. */
static int wait_readable(int sock, int sigfd)
{
	struct pollfd p[2] = {
		{ .fd = sock, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return ctl_err(negative_errno(), "log: poll");
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;

			/* Consume it, or it is delivered when the mask is restored. */
			(void)!read(sigfd, &si, sizeof(si));
			return 0;
		}
		if (p[0].revents)
			return 1;
	}
}

/* Stream records until END (without --follow), EOF, or SIGINT/SIGTERM. */
static int stream(const struct ctl_config *cfg, struct ctl_conn *c, int sigfd)
{
	struct sg_msg m;
	int r;

	for (;;) {
		r = wait_readable(c->fd, sigfd);
		if (r <= 0)
			return r;
		r = ctl_next(c, "log", &m);
		if (r < 0)
			return r;
		if (r == 0) {
			if (cfg->follow)
				return 0;
			return ctl_errx(-ECONNRESET, "log: the daemon closed the connection "
					"before the end of the backlog");
		}
		if (m.type == SG_MSG_END)
			return 0;
		if (m.type != SG_MSG_RECORD)
			return ctl_unexpected("log", &m);
		r = print_record(cfg, &m);
		if (r < 0)
			return r;
	}
}

/* Take SIGINT/SIGTERM as events on a signalfd from now on; old gets the previous mask. */
static int signals_to_fd(sigset_t *old)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, old) < 0)
		return ctl_err(negative_errno(), "log: sigprocmask");
	fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (fd < 0) {
		fd = ctl_err(negative_errno(), "log: signalfd");
		sigprocmask(SIG_SETMASK, old, NULL);
	}
	return fd;
}

/* sysgatectl log [-f] [--session ID] */
int ctl_log(const struct ctl_config *cfg)
{
	struct ctl_conn c = { .fd = -EBADF };
	_cleanup_close_ int sigfd = -EBADF;
	uint32_t flags = SG_SUB_BACKLOG | (cfg->follow ? SG_SUB_FOLLOW : 0);
	sigset_t old;
	uint8_t pkt[64];
	struct sg_msg m;
	int r;

	r = ctl_connect(cfg, &c);
	if (r < 0)
		return r;
	r = ctl_request(&c, pkt, proto_encode_subscribe(pkt, sizeof(pkt), cfg->session_id, flags),
			"log", &m);
	if (r >= 0 && m.type != SG_MSG_ACK)
		r = ctl_unexpected("log", &m);
	/* Until subscribed, a signal ends the program the usual way; from here on it
	 * ends the stream cleanly (exit 0). Records meanwhile wait in the socket. */
	if (r >= 0)
		r = sigfd = signals_to_fd(&old);
	if (r >= 0) {
		r = stream(cfg, &c, sigfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	ctl_conn_done(&c);
	return r;
}
