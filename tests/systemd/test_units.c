/* SPDX-License-Identifier: MIT */
/* The shipped units pass `systemd-analyze verify` without a single warning. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	int r = 0;
	FILE *in = fopen(from, "re");
	FILE *out = fopen(to, "we");

	if (!in || !out)
		r = -1;
	while (r == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			r = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		r = -1;
	return r;
}

Test(systemd_units, verify_without_warnings)
{
	const char *build = getenv("SG_BUILD_ROOT"), *src = getenv("SG_SOURCE_ROOT");
	char dir[] = "/tmp/sysgate-units.XXXXXX", from[4096], to[4096], cmd[8192], errf[4200];
	struct stat st;
	int status;
	FILE *f;

	if (system("command -v systemd-analyze >/dev/null 2>&1") != 0)
		cr_skip_test("systemd-analyze is not installed");
	cr_assert_not_null(build);
	cr_assert_not_null(src);
	snprintf(from, sizeof(from), "%s/daemon/sysgated", build);
	if (stat(from, &st) < 0)
		cr_skip_test("daemon/sysgated is not built in this tree");
	cr_assert_not_null(mkdtemp(dir));

	snprintf(from, sizeof(from), "%s/systemd/sysgated.service.verify", build);
	snprintf(to, sizeof(to), "%s/sysgated.service", dir);
	cr_assert_eq(copy_file(from, to), 0);
	snprintf(from, sizeof(from), "%s/systemd/sysgated.socket", src);
	snprintf(to, sizeof(to), "%s/sysgated.socket", dir);
	cr_assert_eq(copy_file(from, to), 0);

	snprintf(errf, sizeof(errf), "%s/stderr", dir);
	snprintf(cmd, sizeof(cmd),
		 "systemd-analyze verify --man=no %s/sysgated.socket %s/sysgated.service 2>%s",
		 dir, dir, errf);
	status = system(cmd);

	f = fopen(errf, "re");
	cr_assert_not_null(f);
	char line[1024] = "";
	char *got = fgets(line, sizeof(line), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);

	cr_expect_null(got, "systemd-analyze warned: %s", line);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "systemd-analyze verify failed: %s",
		  line);
}
