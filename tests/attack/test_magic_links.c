/*
 * SPDX-License-Identifier: MIT
 *
 * /proc magic links against `emulate open PREFIX` (issue 13): a target names
 * DIR/secret/x through /proc/self/fd/N/secret/x (N an fd of DIR it may open),
 * /proc/thread-self/fd, /proc/self/cwd, /proc/self/root and /proc/PID/root, and
 * through another process chrooted into DIR/secret holding x open
 * (/proc/PID/root/x, /proc/PID/cwd/x, /proc/PID/fd/M).  Without sysgate each of
 * them reads the file; under the rule each is refused (EACCES, or ELOOP: the
 * daemon resolves without magic links) and the file is never read.  Emulation is
 * notify's: under trace and trap these skip.
 */
#include <stdbool.h>
#include <string.h>

#include "harness.h"

#define N_WAYS 8

TestSuite(magic_links, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

/* open_via hold: a process (not supervised) chrooted into DIR/secret with x open; the
 * arguments "PID FD" for open_via magic, as two strings in ret[]. */
static void start_holder(const char *ret[2])
{
	const char *argv[] = { sg_bin("tests/attack/open_via"), "hold",
			       sg_strf("%s/secret", sg_dir()), sg_dir(), NULL };
	const char *ready = sg_strf("%s/holder", sg_dir());
	char *s, *sp;

	sg_spawn(argv, NULL);
	sg_wait_file(ready);
	s = sg_read_file(ready);
	cr_assert(s && (sp = strchr(s, ' ')), "holder wrote '%s'", s ? s : "(nothing)");
	*sp = '\0';
	sp[strcspn(sp + 1, "\n") + 1] = '\0';
	ret[0] = s;
	ret[1] = sp + 1;
}

/* Whether a way's line says the file was read; refused (EACCES or ELOOP). */
static bool read_secret(const char *line)
{
	const char *e = strchr(line, '=');

	return e && strcmp(e, "=ok secret") == 0;
}

static bool refused(const char *line)
{
	const char *e = strstr(line, "=-1 errno=");

	return e && (strcmp(e, "=-1 errno=EACCES") == 0 || strcmp(e, "=-1 errno=ELOOP") == 0);
}

/* open_via magic (under policy, or alone when NULL): each of its N_WAYS lines passes want. */
static void each_way(const char *policy, bool (*want)(const char *line), const char *what)
{
	const char *holder[2], *prog = sg_bin("tests/attack/open_via");
	char *text, *save = NULL;
	struct sg_result *r;
	size_t n = 0;

	start_holder(holder);
	if (policy)
		r = sg_shim(policy, prog, "magic", sg_dir(), holder[0], holder[1], NULL);
	else
		r = sg_run((const char *[]){ prog, "magic", sg_dir(), holder[0], holder[1], NULL },
			   NULL);
	sg_assert_exit(r, 0);
	text = sg_strf("%s", r->out);
	for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save), n++)
		cr_expect(want(t), "%s: %s", what, t);
	cr_expect_eq(n, N_WAYS, "%zu ways tried, not %d:\n%s", n, N_WAYS, r->out);
}

Test(magic_links, every_way_reads_the_file_without_sysgate)
{
	sg_require_mechanism("notify", "no sysgate involved: runs once");
	sg_open_rule_policy();
	each_way(NULL, read_secret, "this way does not reach the file");
}

Test(magic_links, proc_magic_links_do_not_get_around_an_open_rule)
{
	sg_require_mechanism("notify", "emulation is notify's: trace and trap sessions refuse "
				       "emulate rules (tests/e2e/test_emulate.c)");
	each_way(sg_open_rule_policy(), refused, "not refused");
}
