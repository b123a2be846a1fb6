/*
 * SPDX-License-Identifier: MIT
 *
 * Embedded mode: with no daemon reachable at $SYSGATE_SOCKET or the default
 * socket (or with --embedded) sysgate-run starts a private one for the command,
 * and says so unless asked; it behaves the same, writes the records to --log,
 * and leaves no process or directory behind.  A socket named by --socket is
 * used or sysgate-run fails.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

TestSuite(embedded, .init = sg_setup, .fini = sg_teardown, .timeout = 60);

static const char *deny_policy(void)
{
	return sg_policy("wronly", "version 1\n"
				   "default allow\n"
				   "getppid fake 77\n"
				   "openat deny EACCES if arg2 & 3 == 1\n");
}

/* A private, empty runtime directory for the embedded daemon's socket. */
static const char *runtime_dir(const char *name)
{
	const char *d = sg_strf("%s/%s", sg_dir(), name);

	cr_assert_eq(mkdir(d, 0700), 0);
	return d;
}

static size_t dir_entries(const char *path, char **ret_names)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	*ret_names = sg_strf("%s", "");
	cr_assert_not_null(d, "%s", path);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			*ret_names = sg_strf("%s %s", *ret_names, de->d_name);
			n++;
		}
	closedir(d);
	return n;
}

/* Nothing left: no process, nothing in the runtime or temporary directories. */
static void assert_nothing_left(const char *xdg, const char *tmp)
{
	char *names;

	sg_assert_no_leftovers(2000);
	cr_expect_eq(dir_entries(xdg, &names), 0, "left in $XDG_RUNTIME_DIR:%s", names);
	cr_expect_eq(dir_entries(tmp, &names), 0, "left in $TMPDIR:%s", names);
}

static struct sg_result *run_embedded(const char *xdg, const char *tmp, const char *const *extra,
				      const char *const *cmd)
{
	const char *env[] = { sg_strf("SYSGATE_SOCKET=%s/nosock", sg_dir()),
			      sg_strf("XDG_RUNTIME_DIR=%s", xdg), sg_strf("TMPDIR=%s", tmp), NULL };
	const char *argv[32];
	struct sg_opts o = { .env = env };
	size_t n = 0;

	argv[n++] = sg_run_path();
	for (; extra && *extra; extra++)
		argv[n++] = *extra;
	argv[n++] = "--";
	for (; *cmd && n < 31; cmd++)
		argv[n++] = *cmd;
	argv[n] = NULL;
	return sg_run(argv, &o);
}

/* Standard error split in two (an embedded daemon's default --log is standard error):
 * the JSON record lines (json) or the others, joined in *ret_lines; how many. */
static size_t err_lines(const char *err, bool json, char **ret_lines)
{
	size_t n = 0;

	*ret_lines = sg_strf("%s", "");
	for (const char *p = err, *nl; (nl = strchr(p, '\n')); p = nl + 1)
		if ((*p == '{') == json) {
			*ret_lines = sg_strf("%s%.*s\n", *ret_lines, (int)(nl - p), p);
			n++;
		}
	return n;
}

Test(embedded, missing_socket_runs_under_a_private_daemon)
{
	const char *xdg = runtime_dir("xdg"), *tmp = runtime_dir("tmp");
	const char *log = sg_strf("%s/embedded.log", sg_dir());
	const char *file = sg_write_file("file", "x\n", 0644);
	const char *extra[] = { "-p", deny_policy(), "--log", log, NULL };
	const char *cmd[] = { sg_target("do_open"), file, "O_WRONLY", "EACCES", NULL };
	struct sg_result *r = run_embedded(xdg, tmp, extra, cmd);
	json_object *recs, *rec;
	char *text;

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "open=-1 errno=EACCES\n");
	assert_nothing_left(xdg, tmp);
	text = sg_read_file(log);
	cr_assert_not_null(text, "no audit log at %s", log);
	recs = sg_jsonl_parse(text, log);
	rec = sg_jsonl_find(recs, "event", "syscall", "syscall", "openat", NULL);
	cr_assert_not_null(rec, "no openat record in %s:\n%s", log, text);
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "deny", "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "errno_name"), "EACCES", "%s", sg_jtext(rec));
	cr_expect(sg_rule_is(rec, deny_policy(), 4), "%s", sg_jtext(rec));
	cr_expect_not_null(sg_jsonl_find(recs, "event", "session-start", NULL), "%s", text);
	cr_expect_not_null(sg_jsonl_find(recs, "event", "session-end", NULL), "%s", text);
}

Test(embedded, embedded_flag_propagates_exit_statuses)
{
	const char *xdg = runtime_dir("xdg"), *tmp = runtime_dir("tmp");
	const char *log = sg_strf("%s/embedded.log", sg_dir());
	const char *extra[] = { "--embedded", "-p", deny_policy(), "--log", log, NULL };
	const char *exit3[] = { sg_target("exit_with"), "3", NULL };
	const char *term[] = { sg_target("kill_self"), "15", NULL };
	const char *threads[] = { sg_target("threads"), "4", "500", "77", NULL };
	struct sg_result *r;

	r = run_embedded(xdg, tmp, extra, exit3);
	sg_assert_exit(r, 3);
	assert_nothing_left(xdg, tmp);
	r = run_embedded(xdg, tmp, extra, term);
	sg_assert_exit(r, 128 + 15);
	assert_nothing_left(xdg, tmp);
	r = run_embedded(xdg, tmp, extra, threads);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "threads: 4 x 500 calls, 0 wrong\n");
	assert_nothing_left(xdg, tmp);
}

Test(embedded, default_log_is_standard_error)
{
	const char *xdg = runtime_dir("xdg"), *tmp = runtime_dir("tmp");
	const char *file = sg_write_file("file", "x\n", 0644);
	const char *extra[] = { "--embedded", "-p", deny_policy(), NULL };
	const char *cmd[] = { sg_target("do_open"), file, "O_WRONLY", "EACCES", NULL };
	struct sg_result *r = run_embedded(xdg, tmp, extra, cmd);
	char *lines;

	sg_assert_exit(r, 0);
	assert_nothing_left(xdg, tmp);
	/* the records are the JSON lines of its standard error */
	err_lines(r->err, true, &lines);
	cr_expect_not_null(sg_jsonl_find(sg_jsonl_parse(lines, "stderr"), "event", "syscall",
					 "syscall", "openat", "verdict", "deny", NULL),
			   "no deny record on standard error:\n%s", r->err);
}

Test(embedded, embedded_flag_ignores_a_running_daemon, .init = sg_setup_daemon)
{
	const char *xdg = runtime_dir("xdg"), *tmp = runtime_dir("tmp");
	const char *log = sg_strf("%s/embedded.log", sg_dir());
	const char *file = sg_write_file("file", "x\n", 0644);
	const char *env[] = { sg_strf("XDG_RUNTIME_DIR=%s", xdg), sg_strf("TMPDIR=%s", tmp),
			      NULL };
	const char *argv[] = { sg_run_path(), "--embedded", "-s", sg_sock(), "-p", deny_policy(),
			       "--log", log, "--", sg_target("do_open"), file, "O_WRONLY",
			       "EACCES", NULL };
	struct sg_opts o = { .env = env };
	struct sg_result *r = sg_run(argv, &o);
	char *text;

	sg_assert_exit(r, 0);
	text = sg_read_file(log);
	cr_assert_not_null(text, "no audit log at %s", log);
	cr_expect_not_null(sg_jsonl_find(sg_jsonl_parse(text, log), "event", "syscall", "syscall",
					 "openat", NULL),
			   "%s", text);
	/* the shared daemon never saw the session */
	cr_expect_eq(sg_audit_count("event", "session-start", NULL), 0, "%s",
		     sg_jtext(sg_audit()));
	cr_expect_eq(json_object_array_length(sg_audit()), 0, "%s", sg_jtext(sg_audit()));
	sg_assert_no_leftovers(2000);
}

Test(embedded, private_directory_in_tmp_is_removed)
{
	const char *log = sg_strf("%s/embedded.log", sg_dir());
	/* no $XDG_RUNTIME_DIR: the private socket goes to /tmp */
	const char *env[] = { sg_strf("SYSGATE_SOCKET=%s/nosock", sg_dir()), "XDG_RUNTIME_DIR",
			      NULL };
	const char *argv[] = { sg_run_path(), "-v", "-p", deny_policy(), "--log", log, "--",
			       sg_target("exit_with"), "0", NULL };
	struct sg_opts o = { .env = env };
	struct sg_result *r = sg_run(argv, &o);
	const char *at, *end;
	char *sock, *slash;
	struct stat st;

	sg_assert_exit(r, 0);
	sg_assert_no_leftovers(2000);
	/* where it listened is only known from its -v message */
	at = strstr(r->err, "embedded daemon (pid ");
	at = at ? strstr(at, " at '") : NULL;
	end = at ? strchr(at + 5, '\'') : NULL;
	cr_assert(at && end, "no 'using an embedded daemon ... at' message with -v:\n%s", r->err);
	sock = sg_strf("%.*s", (int)(end - at - 5), at + 5);
	slash = strrchr(sock, '/');
	cr_assert_not_null(slash, "%s", sock);
	*slash = '\0';
	cr_expect(lstat(sock, &st) < 0, "the private directory %s is left behind", sock);
}

/* Besides any records, standard error holds one line: the fallback's, naming sock and
 * saying what. */
static void expect_fallback_line(const struct sg_result *r, const char *sock, const char *what)
{
	char *lines;

	cr_expect_eq(err_lines(r->err, false, &lines), 1, "not one line:\n%s", r->err);
	cr_expect(strstr(lines, sg_strf("sysgate-run: no daemon at '%s' ", sock)) == lines &&
		  strstr(lines, what), "%s", lines);
}

Test(embedded, fallback_from_the_environment_socket_says_so_in_one_line)
{
	const char *xdg = runtime_dir("xdg"), *tmp = runtime_dir("tmp");
	const char *nosock = sg_strf("%s/nosock", sg_dir());
	const char *log = sg_strf("%s/embedded.log", sg_dir());
	const char *with_log[] = { "-p", deny_policy(), "--log", log, NULL };
	const char *no_log[] = { "-p", deny_policy(), NULL };
	const char *cmd[] = { sg_target("exit_with"), "0", NULL };
	struct sg_result *r;

	r = run_embedded(xdg, tmp, with_log, cmd);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->err, sg_strf("sysgate-run: no daemon at '%s' (No such file or "
					 "directory): using an embedded one, audit records in "
					 "'%s'\n", nosock, log));
	assert_nothing_left(xdg, tmp);

	/* the records on standard error (the default --log): said too, one line besides them */
	r = run_embedded(xdg, tmp, no_log, cmd);
	sg_assert_exit(r, 0);
	expect_fallback_line(r, nosock, "audit records on standard error");
	assert_nothing_left(xdg, tmp);
}

Test(embedded, fallback_from_the_default_socket_says_so_in_one_line)
{
	const char *sock = "/run/sysgate/sysgate.sock"; /* SG_DEFAULT_SOCKET */
	const char *xdg = runtime_dir("xdg"), *tmp = runtime_dir("tmp");
	const char *env[] = { sg_strf("XDG_RUNTIME_DIR=%s", xdg), sg_strf("TMPDIR=%s", tmp), NULL };
	const char *argv[] = { sg_run_path(), "-p", deny_policy(), "--log",
			       sg_strf("%s/embedded.log", sg_dir()), "--", sg_target("exit_with"),
			       "0", NULL };
	struct sg_opts o = { .env = env };
	struct sg_result *r;

	if (access(sock, F_OK) == 0)
		sg_skip("a daemon may be listening on the default socket");
	r = sg_run(argv, &o); /* the harness unsets $SYSGATE_SOCKET */
	sg_assert_exit(r, 0);
	expect_fallback_line(r, sock, "using an embedded one");
	assert_nothing_left(xdg, tmp);
}

/* A missing --socket: refused with the reason, no embedded daemon in its place. */
Test(embedded, socket_option_is_used_or_sysgate_run_fails)
{
	const char *xdg = runtime_dir("xdg"), *tmp = runtime_dir("tmp");
	const char *nosock = sg_strf("%s/nosock", sg_dir());
	const char *env[] = { sg_strf("XDG_RUNTIME_DIR=%s", xdg), sg_strf("TMPDIR=%s", tmp), NULL };
	const char *argv[] = { sg_run_path(), "-s", nosock, "-p", deny_policy(), "--",
			       sg_target("exit_with"), "0", NULL };
	struct sg_opts o = { .env = env };
	struct sg_result *r = sg_run(argv, &o);

	sg_assert_exit(r, 125);
	cr_expect_str_eq(r->err, sg_strf("sysgate-run: cannot connect to the daemon at '%s' "
					 "(--socket): No such file or directory\n", nosock));
	assert_nothing_left(xdg, tmp);
}

/* A --socket the user may not connect to: its audit records must not end up on the
 * command's standard error instead of that daemon's log. */
Test(embedded, socket_option_the_user_may_not_use_fails)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = sg_strf("%s/rootonly", sg_dir());
	const char *argv[] = { sg_run_path(), "-s", sock, "-p", deny_policy(), "--",
			       sg_target("exit_with"), "0", NULL };
	struct sg_opts o = { .as_nobody = true };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sg_result *r;

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s", sock);
	cr_assert_eq(listen(fd, 4), 0);
	cr_assert_eq(chmod(sock, 0600), 0);
	r = sg_run(argv, &o);
	close(fd);
	sg_assert_exit(r, 125);
	cr_expect_str_eq(r->err, sg_strf("sysgate-run: cannot connect to the daemon at '%s' "
					 "(--socket): Permission denied\n", sock));
	sg_assert_no_leftovers(2000);
}
