/* SPDX-License-Identifier: MIT */
/*
 * The shipped units pass `systemd-analyze verify` without a single warning; the
 * service's `systemd-analyze security` exposure is 3.1 or better; and none of
 * its hardening takes away what a feature needs: the capabilities are the ones
 * sysgated keeps, every system call of sysgated's own allowlist passes the
 * unit's filter, and the directives the features rely on are there.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

#define UNIT_MAX (64 * 1024)
#define NAMES_MAX 1024

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

static void require_analyze(void)
{
	if (system("command -v systemd-analyze >/dev/null 2>&1") != 0)
		cr_skip_test("systemd-analyze is not installed");
}

/* The generated units (ExecStart naming the build tree's daemon) in a new directory. */
static void units_copy(char *dir)
{
	const char *build = getenv("SG_BUILD_ROOT"), *src = getenv("SG_SOURCE_ROOT");
	char from[4096], to[4096];
	struct stat st;

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
}

static void dir_remove(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* The first line of a file, or "" (buf). */
static const char *first_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)size, f))
			buf[0] = '\0';
		fclose(f);
	}
	return buf;
}

Test(systemd_units, verify_without_warnings)
{
	char dir[] = "/tmp/sysgate-units.XXXXXX", cmd[8192], errf[4200], line[1024];
	int status;

	require_analyze();
	units_copy(dir);
	snprintf(errf, sizeof(errf), "%s/stderr", dir);
	snprintf(cmd, sizeof(cmd),
		 "systemd-analyze verify --man=no %s/sysgated.socket %s/sysgated.service 2>%s",
		 dir, dir, errf);
	status = system(cmd);
	first_line(errf, line, sizeof(line));
	dir_remove(dir);

	cr_expect_str_empty(line, "systemd-analyze warned: %s", line);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "systemd-analyze verify failed: %s",
		  line);
}

Test(systemd_units, security_exposure_is_3_1_or_better)
{
	char dir[] = "/tmp/sysgate-units.XXXXXX", cmd[8192], outf[4200], out[UNIT_MAX];
	const char *overall;
	size_t n = 0;
	int status;
	FILE *f;

	require_analyze();
	if (system("systemd-analyze security --help 2>/dev/null | grep -q -- --offline") != 0)
		cr_skip_test("systemd-analyze security has no --offline (systemd < 250)");
	units_copy(dir);
	snprintf(outf, sizeof(outf), "%s/out", dir);
	/* the exposure is 0..100 inside, shown divided by ten */
	snprintf(cmd, sizeof(cmd),
		 "systemd-analyze security --offline=true --no-pager --threshold=31 "
		 "%s/sysgated.service >%s 2>&1", dir, outf);
	status = system(cmd);
	f = fopen(outf, "re");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	dir_remove(dir);

	overall = strstr(out, "Overall exposure level");
	cr_assert_not_null(overall, "no overall exposure in:\n%s", out);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exposure above 3.1: %.80s\n%s",
		  overall, out);
}

/* The values of every `key=` line of the service's template, space-separated (buf). */
static const char *unit_values(const char *key, char *buf, size_t size)
{
	const char *src = getenv("SG_SOURCE_ROOT");
	char path[4096], line[1024];
	size_t len = strlen(key), n = 0;
	FILE *f;

	cr_assert_not_null(src);
	snprintf(path, sizeof(path), "%s/systemd/sysgated.service.in", src);
	f = fopen(path, "re");
	cr_assert_not_null(f, "%s", path);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, len) == 0 && line[len] == '=') {
			line[strcspn(line, "\n")] = '\0';
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "", line + len + 1);
			cr_assert_lt(n, size);
		}
	fclose(f);
	return buf;
}

/* Whether word is one of the space-separated words of list. */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ' || p[-1] == '~') && (p[len] == ' ' || !p[len]))
			return true;
	return false;
}

static void expect_value(const char *key, const char *want, const char *why)
{
	char buf[1024];

	cr_expect_str_eq(unit_values(key, buf, sizeof(buf)), want, "%s=: %s", key, why);
}

Test(systemd_units, the_capabilities_are_those_sysgated_keeps)
{
	char caps[1024], *save = NULL;
	const char *name;
	size_t kept = 0, n = 0;

	unit_values("CapabilityBoundingSet", caps, sizeof(caps));
	for (; (name = sandbox_cap_kept_name(kept)); kept++)
		cr_expect(has_word(caps, name), "sysgated keeps %s, the unit does not: %s", name, caps);
	for (char *w = strtok_r(caps, " ", &save); w; w = strtok_r(NULL, " ", &save))
		n++;
	cr_expect_eq(n, kept, "the unit keeps %zu capabilities, sysgated %zu", n, kept);
}

Test(systemd_units, the_directives_features_rely_on_are_there)
{
	char v[1024];

	expect_value("DevicePolicy", "closed",
		     "closed lets the mknod emulator make null, zero, full, random, urandom, tty");
	expect_value("PrivateDevices", "", "it would take CAP_MKNOD away");
	expect_value("PrivateUsers", "", "the daemon needs its capabilities over other users");
	expect_value("LogsDirectory", "sysgate", "the audit log's directory, writable");
	expect_value("RestrictAddressFamilies", "AF_UNIX", "the control socket and syslog");
	unit_values("RestrictNamespaces", v, sizeof(v));
	cr_expect(v[0] == '~' && !has_word(v, "user") && !has_word(v, "mnt") &&
			  !has_word(v, "pid"),
		  "helpers setns() into a target's user, mount and pid namespaces: '%s'", v);
	unit_values("ExecStart", v, sizeof(v));
	cr_expect(has_word(v, "--foreground") && !strstr(v, "--no-sandbox"), "%s", v);
	unit_values("SystemCallFilter", v, sizeof(v));
	for (const char *w = "ptrace\0process_vm_readv\0chroot\0setns\0seccomp\0"; *w;
	     w += strlen(w) + 1)
		cr_expect(has_word(v, w), "SystemCallFilter= lacks %s: %s", w, v);
}

/* Add the system calls of a systemd filter item (a name or an @group, recursively). */
static void filter_expand(const char *item, char names[][64], size_t *n)
{
	char cmd[256], line[256];
	FILE *p;

	if (item[0] != '@') {
		cr_assert_lt(*n, NAMES_MAX);
		snprintf(names[(*n)++], 64, "%s", item);
		return;
	}
	snprintf(cmd, sizeof(cmd), "systemd-analyze syscall-filter --no-pager %s", item);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(line, sizeof(line), p), "%s: no output", cmd); /* the group */
	while (fgets(line, sizeof(line), p)) {
		char *w = line + strspn(line, " ");

		w[strcspn(w, " \n")] = '\0';
		if (w[0] && w[0] != '#')
			filter_expand(w, names, n);
	}
	cr_assert_eq(pclose(p), 0, "%s failed", cmd);
}

/* The unit's SystemCallFilter= lines: allowed (no ~) or denied (~) names, expanded. */
static size_t filter_names(bool denied, char names[][64])
{
	char v[1024], *save = NULL;
	size_t n = 0;

	unit_values("SystemCallFilter", v, sizeof(v));
	for (char *w = strtok_r(v, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if ((w[0] == '~') == denied)
			filter_expand(w + (w[0] == '~'), names, &n);
	return n;
}

static bool in_names(char names[][64], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

Test(systemd_units, every_call_sysgated_allows_itself_passes_the_unit_filter)
{
	static char allowed[NAMES_MAX][64], denied[NAMES_MAX][64];
	size_t n_allowed, n_denied;
	const char *name;
	char v[1024];

	require_analyze();
	unit_values("SystemCallFilter", v, sizeof(v));
	cr_assert(v[0] != '~', "an allowlist was expected first: %s", v);
	n_allowed = filter_names(false, allowed);
	n_denied = filter_names(true, denied);
	cr_assert_gt(n_allowed, 100);
	for (size_t i = 0; (name = sandbox_allowed(i)); i++)
		cr_expect(in_names(allowed, n_allowed, name) && !in_names(denied, n_denied, name),
			  "sysgated calls %s, which the unit's SystemCallFilter= refuses", name);
}
