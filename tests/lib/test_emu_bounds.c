/* SPDX-License-Identifier: MIT */
/* lib/emu_bounds.c: the administrator's emulator bounds, their file and their check. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu_bounds.h"

static int parse(const char *text, struct emu_bounds *b, struct sg_policy_error *e)
{
	return bounds_parse(text, strlen(text), "t.conf", b, e);
}

Test(emu_bounds, the_defaults_are_the_harmless_devices_and_the_whiteout)
{
	static const unsigned yes[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 },
					   { 5, 0 }, { 0, 0 } };
	static const unsigned no[][2] = { { 1, 11 }, { 1, 1 }, { 4, 0 }, { 8, 0 }, { 13, 64 },
					  { 10, 130 }, { 21, 0 } };
	struct emu_bounds b;

	bounds_default(&b);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_expect(bounds_dev_allowed(&b, yes[i][0], yes[i][1]), "%u:%u", yes[i][0], yes[i][1]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_expect(!bounds_dev_allowed(&b, no[i][0], no[i][1]), "%u:%u", no[i][0], no[i][1]);
	cr_expect(b.chown && b.xattr);
}

Test(emu_bounds, directives_replace_the_defaults)
{
	struct sg_policy_error e;
	struct emu_bounds b;

	bounds_default(&b);
	cr_assert_eq(parse("# admin\n\n  mknod-devices 1:3\t10:200 # tun\nchown no\nxattr  no\n",
			   &b, &e), 0, "%u:%u %s", e.line, e.col, e.msg);
	cr_expect_eq(b.n_devs, 2);
	cr_expect(bounds_dev_allowed(&b, 10, 200) && bounds_dev_allowed(&b, 1, 3));
	cr_expect(!bounds_dev_allowed(&b, 1, 5));
	cr_expect(!b.chown && !b.xattr);
	cr_assert_eq(parse("mknod-devices\n", &b, &e), 0);
	cr_expect_eq(b.n_devs, 0, "an empty list allows no device");
	cr_assert_eq(parse("", &b, &e), 0);
	cr_expect_eq(b.n_devs, 0, "an empty text changes nothing");
}

Test(emu_bounds, errors_name_the_place_and_change_nothing)
{
	static const struct {
		const char *text;
		unsigned line, col;
		const char *msg;
	} bad[] = {
		{ "mknod\n", 1, 1, "unknown directive 'mknod' (mknod-devices, chown or xattr)" },
		{ "chown yes\nchown maybe\n", 2, 7, "expected 'yes' or 'no', not 'maybe'" },
		{ "xattr\n", 1, 6, "'xattr' needs 'yes' or 'no'" },
		{ "chown no extra\n", 1, 10, "unexpected 'extra'" },
		{ "mknod-devices 1:3 b:1\n", 1, 19, "expected a character device MAJOR:MINOR, not 'b:1'" },
		{ "mknod-devices 4096:0\n", 1, 15, "expected a character device MAJOR:MINOR, not '4096:0'" },
	};
	struct sg_policy_error e;
	struct emu_bounds b, before;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bounds_default(&b);
		before = b;
		cr_expect_eq(parse(bad[i].text, &b, &e), -EINVAL, "%s", bad[i].text);
		cr_expect_eq(e.line, bad[i].line, "%s: line %u", bad[i].text, e.line);
		cr_expect_eq(e.col, bad[i].col, "%s: col %u", bad[i].text, e.col);
		cr_expect_str_eq(e.msg, bad[i].msg);
		cr_expect_str_eq(e.file, "t.conf");
		cr_expect(memcmp(&b, &before, sizeof(b)) == 0, "%s: changed", bad[i].text);
	}
	bounds_default(&b);
	cr_expect_eq(bounds_parse("chown no\n\0", 10, "t", &b, &e), -EINVAL);
	cr_expect(b.chown);
}

Test(emu_bounds, sixty_four_devices_at_most)
{
	char text[2048] = "mknod-devices";
	struct sg_policy_error e;
	struct emu_bounds b;

	for (int i = 0; i < 65; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), " 1:%d", i);
	bounds_default(&b);
	cr_expect_eq(parse(text, &b, &e), -EINVAL);
	cr_expect(strstr(e.msg, "more than 64 devices, at '1:64'"), "%s", e.msg);
}

Test(emu_bounds, a_missing_file_is_the_defaults_only_when_allowed)
{
	char dir[] = "/tmp/sg-bounds.XXXXXX", path[64];
	struct sg_policy_error e;
	struct emu_bounds b;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.conf", dir);
	cr_expect_eq(bounds_load(path, true, &b, &e), 0);
	cr_expect(bounds_dev_allowed(&b, 1, 3) && b.chown);
	cr_expect_eq(bounds_load(path, false, &b, &e), -ENOENT);
	cr_expect(strstr(e.msg, "cannot open configuration"), "%s", e.msg);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("chown no\n", f);
	fclose(f);
	cr_expect_eq(bounds_load(path, false, &b, &e), 0);
	cr_expect(!b.chown && bounds_dev_allowed(&b, 1, 3));
	unlink(path);
	rmdir(dir);
}

static int check(const char *policy, const char *conf, struct sg_policy_error *e)
{
	struct sg_policy *p = NULL;
	struct emu_bounds b;
	int r;

	bounds_default(&b);
	cr_assert_eq(parse(conf, &b, e), 0);
	cr_assert_eq(policy_parse(policy, strlen(policy), "u.policy", &p, e), 0, "%s", e->msg);
	r = bounds_check_policy(&b, p, e);
	policy_free(p);
	return r;
}

Test(emu_bounds, a_policy_may_only_narrow_the_bounds)
{
	struct sg_policy_error e;

	cr_expect_eq(check("version 1\ndefault allow\nmknodat emulate mknod 1:3 5:0\n", "", &e), 0);
	cr_expect_eq(check("version 1\ndefault allow\nmknodat emulate mknod\n", "", &e), 0);
	cr_expect_eq(check("version 1\ndefault allow\nread allow\n  mknodat emulate mknod-strict "
			   "1:3 1:11\n", "", &e), -EPERM);
	cr_expect_eq(e.line, 4);
	cr_expect_eq(e.col, 3);
	cr_expect_str_eq(e.msg, "mknod of device 1:11: not allowed by the daemon's configuration");
	cr_expect_eq(check("version 1\ndefault allow\nmknodat emulate mknod 1:11\n",
			   "mknod-devices 1:11\n", &e), 0);
	cr_expect_eq(check("version 1\ndefault allow\nfchownat emulate chown\n", "chown no\n", &e),
		     -EPERM);
	cr_expect_str_eq(e.msg, "emulate chown: not allowed by the daemon's configuration");
	cr_expect_eq(check("version 1\ndefault allow\nsetxattr emulate xattr\n", "xattr no\n", &e),
		     -EPERM);
	cr_expect_eq(check("version 1\ndefault allow\nsetxattr emulate xattr\n", "chown no\n", &e),
		     0);
}
