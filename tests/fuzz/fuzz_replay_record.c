/* SPDX-License-Identifier: MIT */
/* Fuzzes what sysgatectl policy replay reads: audit lines checked key by key
 * (replay_record_check), then decided again with a policy and printed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit_record.h"
#include "fuzz.h"
#include "replay.h"

/* Read-only after LLVMFuzzerInitialize: the policy the records are decided with again. */
static struct sg_policy *policy;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] = "version 1\narch x86_64 x86\ndefault deny EPERM\n"
				   "read, write, getppid allow\n"
				   "openat deny EACCES if arg2 & 0x3 == 0x1\n"
				   "ioctl fake 0 if arg1 == 0x5401\n"
				   "mknodat emulate mknod\n"
				   "uname deny ENOSYS audit\n"
				   "kill kill\n";
	struct sg_policy_error e;

	(void)argc;
	(void)argv;
	if (policy_parse(text, strlen(text), "replay-fuzz.policy", &policy, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_reader rd = { 0 };
	char msg[256];

	if (size == 0)
		return 0;
	rd.f = fmemopen((void *)data, size, "r");
	FUZZ_CHECK(rd.f, "fmemopen");
	for (;;) {
		struct json_object *o = NULL;
		struct replay_record rec;
		struct replay_verdict now;
		char old_s[64], now_s[64];
		unsigned line;
		bool def;
		int r = audit_reader_next(&rd, &o, msg, sizeof(msg));

		if (r == 0)
			break;
		if (r < 0)
			continue;
		msg[0] = '\0';
		r = replay_record_check(o, &rec, msg, sizeof(msg));
		FUZZ_CHECK(r == 0 || r == 1 || (r == -EBADMSG && msg[0]), "%d: %s", r, msg);
		if (r == 1) {
			FUZZ_CHECK(rec.syscall && arch_to_name(rec.arch) && rec.nr >= 0, "record");
			replay_decide(policy, &rec, &now, &line, &def);
			replay_verdict_format(&rec.old, old_s, sizeof(old_s));
			replay_verdict_format(&now, now_s, sizeof(now_s));
			FUZZ_CHECK(old_s[0] && now_s[0], "empty verdict");
			FUZZ_CHECK(replay_verdict_differs(&rec.old, &now) ==
					   replay_verdict_differs(&now, &rec.old),
				   "%s / %s", old_s, now_s);
			FUZZ_CHECK(!replay_verdict_differs(&now, &now), "%s", now_s);
		}
		json_object_put(o); /* rec's strings point into it */
	}
	audit_reader_done(&rd);
	fclose(rd.f);
	return 0;
}
