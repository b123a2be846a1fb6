/* SPDX-License-Identifier: MIT */
/* Output helpers of sysgatectl: aligned tables, label/value lists, JSON, times. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file_atomic.h"
#include "sysgatectl.h"

struct table {
	size_t n_cols;
	const char *const *headers;
	const char *align;
	char **cells;
	size_t n_cells, cap;
};

static const char *const count_names[SG_NCOUNTS] = {
	[SG_COUNT_ALLOW] = "allow",
	[SG_COUNT_DENY] = "deny",
	[SG_COUNT_FAKE] = "fake",
	[SG_COUNT_KILL] = "kill",
	[SG_COUNT_EMULATE] = "emulate",
	[SG_COUNT_AUDIT] = "audit",
};

/* "sysgatectl: MSG", then ": " and the text of r when asked and r < 0, then hint; one line
 * on stderr, errno kept. */
_printf_(4, 0) static void print_err(int r, bool with_errno, const char *hint, const char *fmt,
				     va_list ap)
{
	int saved = errno;

	fputs(CTL_NAME ": ", stderr);
	vfprintf(stderr, fmt, ap);
	if (with_errno && r < 0)
		fprintf(stderr, ": %s", strerror(-r));
	fprintf(stderr, "%s\n", hint ? hint : "");
	errno = saved;
}

/* Print "sysgatectl: MSG: <text of r>" (no text when r >= 0); returns r. */
int ctl_err(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_err(r, true, NULL, fmt, ap);
	va_end(ap);
	return r;
}

/* Print "sysgatectl: MSG" (the message names the failure itself); returns r. */
int ctl_errx(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_err(r, false, NULL, fmt, ap);
	va_end(ap);
	return r;
}

/* Print "sysgatectl: MSG: <text of r><hint>", hint being advice (" (is ... running?)"); returns r. */
int ctl_err_hint(int r, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_err(r, true, hint, fmt, ap);
	va_end(ap);
	return r;
}

/* Flush f and report a write error once; 0 or its negative errno. */
int output_checked(FILE *f)
{
	if (fflush(f) != 0 || ferror(f))
		return ctl_err(negative_errno(), "error writing to standard output");
	return 0;
}

/* Write text to path (replaced atomically), or to stdout when path is NULL; errors printed. */
int ctl_write_text(const char *path, const char *text, const char *what)
{
	int r;

	if (!path) {
		fputs(text, stdout);
		return output_checked(stdout);
	}
	r = file_write_atomic(path, text, strlen(text), 0644);
	if (r < 0)
		return ctl_err(r, "%s: cannot write '%s'", what, path);
	return 0;
}

/* Copy s with control characters replaced by '?'; NULL on allocation failure. */
char *sanitize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) + 1), *q = out;

	if (!out)
		return NULL;
	while (*p) {
		/* C1 controls arrive as two UTF-8 bytes, C2 80..C2 9F; some terminals obey them. */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			*q++ = '?';
			p += 2;
			continue;
		}
		*q++ = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
		p++;
	}
	*q = '\0';
	return out;
}

/* A new table; headers and align must outlive it. */
struct table *table_new(size_t n_cols, const char *const *headers, const char *align)
{
	struct table *t;

	if (n_cols == 0 || !headers || !align || strlen(align) != n_cols)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->n_cols = n_cols;
	t->headers = headers;
	t->align = align;
	return t;
}

/* Free a table; accepts NULL, returns NULL. */
struct table *table_free(struct table *t)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n_cells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
	return NULL;
}

/* Append the next cell. */
int table_add(struct table *t, const char *fmt, ...)
{
	_cleanup_free_ char *raw = NULL;
	char *cell;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	if (n < 0) {
		raw = NULL;
		return -ENOMEM;
	}
	if (t->n_cells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **cells = reallocarray(t->cells, cap, sizeof(*cells));

		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		t->cap = cap;
	}
	cell = sanitize(raw);
	if (!cell)
		return -ENOMEM;
	t->cells[t->n_cells++] = cell;
	return 0;
}

/* One row of cells padded to widths; blanks are written only before text, so a
 * row never ends in blanks. */
static void print_row(const struct table *t, FILE *f, const char *const *cells,
		      const size_t *width)
{
	size_t pending = 0;

	for (size_t c = 0; c < t->n_cols; c++) {
		size_t n = strlen(cells[c]);

		if (c > 0)
			pending += 2;
		if (t->align[c] == 'r')
			pending += width[c] - n;
		if (n > 0) {
			fprintf(f, "%*s%s", (int)pending, "", cells[c]);
			pending = 0;
		}
		if (t->align[c] != 'r')
			pending += width[c] - n;
	}
	fputc('\n', f);
}

/* Print the header and the rows. */
int table_print(const struct table *t, FILE *f)
{
	_cleanup_free_ size_t *width = NULL;

	if (t->n_cells % t->n_cols != 0)
		return ctl_errx(-EINVAL, "internal error: incomplete table row");
	width = calloc(t->n_cols, sizeof(*width));
	if (!width)
		return ctl_errx(-ENOMEM, "out of memory");
	for (size_t c = 0; c < t->n_cols; c++)
		width[c] = strlen(t->headers[c]);
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t n = strlen(t->cells[i]);

		if (n > width[i % t->n_cols])
			width[i % t->n_cols] = n;
	}
	print_row(t, f, t->headers, width);
	for (size_t i = 0; i < t->n_cells; i += t->n_cols)
		print_row(t, f, (const char *const *)t->cells + i, width);
	return output_checked(f);
}

/* Print "label:  value" lines with the values in one column. */
int kv_print(FILE *f, size_t n, const char *const *labels, const char *const *values)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (strlen(labels[i]) > w)
			w = strlen(labels[i]);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *v = sanitize(values[i]);

		if (!v)
			return ctl_errx(-ENOMEM, "out of memory");
		fprintf(f, "%s:%*s %s\n", labels[i], (int)(w - strlen(labels[i])), "", v);
	}
	return output_checked(f);
}

/* Print one JSON document to stdout. */
int json_print(struct json_object *o)
{
	const char *s;

	if (!o)
		return ctl_errx(-ENOMEM, "out of memory");
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return ctl_errx(-ENOMEM, "out of memory");
	puts(s);
	return output_checked(stdout);
}

/* RFC 3339 UTC time from µs since the epoch. */
const char *format_rfc3339(uint64_t usec, bool with_usec, char *buf, size_t size)
{
	time_t sec = (time_t)(usec / 1000000);
	struct tm tm;
	size_t n;

	if (!gmtime_r(&sec, &tm) || (n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		snprintf(buf, size, "@%llu", (unsigned long long)usec);
		return buf;
	}
	if (with_usec)
		snprintf(buf + n, size - n, ".%06uZ", (unsigned)(usec % 1000000));
	else
		snprintf(buf + n, size - n, "Z");
	return buf;
}

/* Human duration from µs. */
const char *format_duration(uint64_t usec, char *buf, size_t size)
{
	uint64_t s = usec / 1000000;
	unsigned long long d = s / 86400;
	unsigned h = (unsigned)(s / 3600 % 24), m = (unsigned)(s / 60 % 60), sec = (unsigned)(s % 60);

	if (d > 0)
		snprintf(buf, size, "%llud %uh %um %us", d, h, m, sec);
	else if (h > 0)
		snprintf(buf, size, "%uh %um %us", h, m, sec);
	else if (m > 0)
		snprintf(buf, size, "%um %us", m, sec);
	else
		snprintf(buf, size, "%us", sec);
	return buf;
}

/* A counter's JSON key by enum sg_count index; "?" when out of range. */
const char *count_name(unsigned i)
{
	return i < SG_NCOUNTS ? count_names[i] : "?";
}

/* {"allow":N,"deny":N,...}. */
struct json_object *counts_to_json(const uint64_t counts[SG_NCOUNTS])
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	for (unsigned i = 0; i < SG_NCOUNTS; i++)
		json_object_object_add(o, count_names[i], json_object_new_uint64(counts[i]));
	return o;
}
