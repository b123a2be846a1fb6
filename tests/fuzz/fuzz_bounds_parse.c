/* SPDX-License-Identifier: MIT */
/* Fuzzes the administrator's emulator bounds (bounds_parse), then checks policies against what
 * parsed: each emulator is refused exactly when the bounds say so. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "emu_bounds.h"
#include "fuzz.h"

/* Read-only after LLVMFuzzerInitialize: one policy per emulator the bounds limit. */
static struct sg_policy *mknod_policy, *chown_policy, *xattr_policy;
static const unsigned mknod_devs[][2] = { { 1, 3 }, { 5, 1 }, { 10, 200 } };

static struct sg_policy *parse(const char *text)
{
	struct sg_policy *p = NULL;
	struct sg_policy_error e;

	if (policy_parse(text, strlen(text), "bounds-fuzz.policy", &p, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mknod_policy = parse("version 1\ndefault allow\nmknodat emulate mknod 1:3 5:1 10:200\n");
	chown_policy = parse("version 1\ndefault allow\nfchownat emulate chown\n");
	xattr_policy = parse("version 1\ndefault allow\nsetxattr emulate xattr\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emu_bounds b, before;
	struct sg_policy_error e;
	char buf[1024];
	bool all = true;
	int r;

	bounds_default(&b);
	before = b;
	r = bounds_parse((const char *)data, size, "fuzz.conf", &b, &e);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL, "bounds_parse: %d", r);
		FUZZ_CHECK(e.msg[0], "no reason");
		FUZZ_CHECK(memcmp(&b, &before, sizeof(b)) == 0, "bounds changed on failure");
		policy_error_format(&e, buf, sizeof(buf));
		return 0;
	}
	FUZZ_CHECK(b.n_devs <= SG_BOUNDS_DEVS_MAX, "%zu devices", b.n_devs);
	for (size_t i = 0; i < b.n_devs; i++)
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(b.devs[i].major != b.devs[k].major ||
					   b.devs[i].minor != b.devs[k].minor,
				   "%u:%u twice", b.devs[i].major, b.devs[i].minor);
	for (size_t i = 0; i < sizeof(mknod_devs) / sizeof(mknod_devs[0]); i++)
		all &= bounds_dev_allowed(&b, mknod_devs[i][0], mknod_devs[i][1]);
	FUZZ_CHECK((bounds_check_policy(&b, mknod_policy, &e) == 0) == all, "mknod: %s", e.msg);
	FUZZ_CHECK((bounds_check_policy(&b, chown_policy, &e) == 0) == b.chown, "chown: %s", e.msg);
	FUZZ_CHECK((bounds_check_policy(&b, xattr_policy, &e) == 0) == b.xattr, "xattr: %s", e.msg);
	return 0;
}
