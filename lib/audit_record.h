/* SPDX-License-Identifier: MIT */
/*
 * Reading audit records back: JSON lines, one object each, as sysgated writes them
 * (the audit log, a RECORD message).  Library code: never logs; a bad line is
 * -EBADMSG with a message that says where in the line and what.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#define AUDIT_LINE_MAX (64 * 1024) /* longer record lines are refused (-E2BIG) */

/* Parse one record from text[0..len): a JSON object, blanks (a newline) around it allowed.
 * 0 with *ret (a new reference); -EBADMSG with msg ("invalid JSON at byte N: why", "not a
 * JSON object", "NUL byte at byte N"), -E2BIG past AUDIT_LINE_MAX, -ENOMEM.  msg may be
 * NULL (size 0); it is "" on success and on -ENOMEM; *ret is untouched on failure. */
int audit_record_parse(const char *text, size_t len, struct json_object **ret, char *msg,
		       size_t size);

/* Reads a stream of records line by line; set f (and whole_lines), zero the rest. */
struct audit_reader {
	FILE *f;          /* not closed here */
	bool whole_lines; /* a last line without its newline is not read: it is being written */
	size_t line;      /* the number of the line last read, from 1 */
	char *buf;        /* that line */
	size_t cap;
};

/* Read and parse the next line: 1 with *ret (a new reference), 0 at the end; a bad line as
 * audit_record_parse() says (r->line is its number), a read error as its negative errno. */
int audit_reader_next(struct audit_reader *r, struct json_object **ret, char *msg, size_t size);
/* Free the reader's line buffer (f stays open); safe to call twice. */
void audit_reader_done(struct audit_reader *r);
