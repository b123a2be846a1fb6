/* SPDX-License-Identifier: MIT */
/*
 * Audit records read back, for sysgatectl log and policy replay and for the tests:
 * one JSON object per line.  A line that is not one is refused with the byte where
 * it goes wrong, counted from 1 as an editor counts columns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "audit_record.h"
#include "macro.h"

static int bad(int r, char *msg, size_t size, const char *fmt, ...) _printf_(4, 5);
static int bad(int r, char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return r;
}

static size_t skip_blanks(const char *text, size_t len, size_t i)
{
	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	return i;
}

/* Parse one record's line into a JSON object. */
int audit_record_parse(const char *text, size_t len, struct json_object **ret, char *msg,
		       size_t size)
{
	struct json_tokener *tok;
	enum json_tokener_error e;
	struct json_object *o;
	const char *nul;
	size_t end;

	if (size > 0)
		msg[0] = '\0';
	if (len > AUDIT_LINE_MAX)
		return bad(-E2BIG, msg, size, "line longer than %d bytes", AUDIT_LINE_MAX);
	/* json-c would take a NUL for the end of the text and blame what follows. */
	nul = memchr(text, '\0', len);
	if (nul)
		return bad(-EBADMSG, msg, size, "NUL byte at byte %zu", (size_t)(nul - text) + 1);
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (e == json_tokener_continue) {
		/* A number or null may go on: the end of the line ends it (json-c reads a NUL
		 * as the end).  Anything else still open stays incomplete. */
		o = json_tokener_parse_ex(tok, "", 1);
		e = json_tokener_get_error(tok);
		if (e != json_tokener_success)
			e = json_tokener_continue;
	} else if (e == json_tokener_success) {
		end = skip_blanks(text, len, end);
	}
	json_tokener_free(tok);
	if (e != json_tokener_success || end < len) {
		json_object_put(o);
		return bad(-EBADMSG, msg, size, "invalid JSON at byte %zu: %s", end + 1,
			   e == json_tokener_success ? "trailing characters" :
			   e == json_tokener_continue ? "unexpected end of the line" :
			   json_tokener_error_desc(e));
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return bad(-EBADMSG, msg, size, "not a JSON object");
	}
	*ret = o;
	return 0;
}

/* The next line of the stream, parsed. */
int audit_reader_next(struct audit_reader *r, struct json_object **ret, char *msg, size_t size)
{
	ssize_t n;
	int k;

	if (size > 0)
		msg[0] = '\0';
	errno = 0;
	n = getline(&r->buf, &r->cap, r->f);
	if (n < 0)
		return ferror(r->f) ? negative_errno() : 0;
	if (r->buf[n - 1] == '\n')
		n--;
	else if (r->whole_lines)
		return 0;
	r->line++;
	k = audit_record_parse(r->buf, (size_t)n, ret, msg, size);
	return k < 0 ? k : 1;
}

/* Free the line buffer. */
void audit_reader_done(struct audit_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}
