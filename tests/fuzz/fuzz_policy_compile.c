/* SPDX-License-Identifier: MIT */
/* Fuzzes what turns a parsed policy into a filter (policy_compile with the flags of a notify,
 * trace or trap session, policy_export_bpf) and the load checks the daemon and sysgate-run
 * make (policy_check_loadable, policy_check_no_emulate, bounds_check_policy). */
#include <errno.h>
#include <string.h>

#include "emu_bounds.h"
#include "fuzz.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;
	struct emu_bounds b;
	struct sock_fprog prog = { 0 };
	scmp_filter_ctx ctx = NULL;
	unsigned flags;
	int r;

	if (policy_parse((const char *)data, size, "fuzz.policy", &p, &e) < 0)
		return 0;
	/* the session's mechanism and routing from the text's hash: every input gets one */
	flags = policy_session_flags(p, p->hash % 3 == 1, p->hash % 3 == 2, (p->hash >> 2) & 1);
	r = policy_check_loadable(p, &e);
	FUZZ_CHECK(r == 0 || (r == -EINVAL && e.msg[0]), "%d", r);
	r = policy_check_no_emulate(p, "trace", &e);
	FUZZ_CHECK(r == 0 || (r == -EOPNOTSUPP && e.msg[0]), "%d", r);
	bounds_default(&b);
	r = bounds_check_policy(&b, p, &e);
	FUZZ_CHECK(r == 0 || (r == -EPERM && e.msg[0]), "%d", r);
	r = policy_compile(p, flags, &ctx, &e);
	if (r == 0) {
		r = policy_export_bpf(ctx, &prog);
		FUZZ_CHECK(r < 0 || (prog.len > 0 && prog.filter), "empty program");
		free(prog.filter);
		seccomp_release(ctx);
	} else {
		FUZZ_CHECK(e.msg[0], "compile failed without a reason: %d", r);
		FUZZ_CHECK(ctx == NULL, "a filter on failure");
	}
	policy_free(p);
	return 0;
}
