/* SPDX-License-Identifier: MIT */
/* Fuzzes the audit record reader: one line (audit_record_parse) and a stream of lines
 * (audit_reader_next), as sysgatectl log and policy replay read them back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit_record.h"
#include "fuzz.h"

/* One result of the parser: an object and no message, or a reason and nothing. */
static void check_result(int r, struct json_object *o, const char *msg)
{
	if (r == 0) {
		FUZZ_CHECK(json_object_is_type(o, json_type_object), "not an object");
		FUZZ_CHECK(msg[0] == '\0', "message on success: %s", msg);
		json_object_put(o);
	} else {
		FUZZ_CHECK(r == -EBADMSG || r == -E2BIG, "%d", r);
		FUZZ_CHECK(msg[0], "no reason for %d", r);
		FUZZ_CHECK(o == NULL, "*ret set on failure");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = NULL;
	struct audit_reader rd = { 0 };
	size_t lines = 1;
	char msg[256];
	int r;

	r = audit_record_parse((const char *)data, size, &o, msg, sizeof(msg));
	check_result(r, o, msg);

	if (size == 0)
		return 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	/* a stream being written (whole lines only) on odd lengths, a finished file on even */
	rd.f = fmemopen((void *)data, size, "r");
	FUZZ_CHECK(rd.f, "fmemopen");
	rd.whole_lines = size & 1;
	for (;;) {
		o = NULL;
		r = audit_reader_next(&rd, &o, msg, sizeof(msg));
		if (r == 0)
			break;
		check_result(r == 1 ? 0 : r, o, msg);
		FUZZ_CHECK(rd.line <= lines, "line %zu of %zu", rd.line, lines);
	}
	audit_reader_done(&rd);
	fclose(rd.f);
	return 0;
}
