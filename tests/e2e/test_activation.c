/*
 * SPDX-License-Identifier: MIT
 *
 * systemd socket activation: sysgated serves a SOCK_SEQPACKET socket handed over
 * through LISTEN_PID/LISTEN_FDS (systemd-socket-activate plays systemd's part),
 * and stops cleanly on SIGTERM.
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

TestSuite(activation, .init = sg_setup, .fini = sg_teardown, .timeout = 60);

Test(activation, serves_a_socket_passed_by_systemd)
{
	const char *activate = "/usr/bin/systemd-socket-activate";
	const char *sock = sg_strf("%s/act.sock", sg_dir());
	const char *log = sg_strf("%s/act.jsonl", sg_dir());
	const char *policy = sg_policy("act", "version 1\ndefault allow\ngetppid fake 7\n");
	struct sg_proc *daemon;
	struct sg_result *r;
	json_object *rec = NULL;

	if (access(activate, X_OK) < 0)
		sg_skip("systemd-socket-activate is not installed");
	{
		const char *argv[] = { activate, "--seqpacket", "-l", sock, sg_daemon_path(),
				       "--foreground", "--log", log, NULL };
		daemon = sg_spawn(argv, NULL);
	}
	sg_wait_file(sock);

	{
		const char *argv[] = { sg_run_path(), "-s", sock, "-p", policy, "--",
				       sg_target("threads"), "1", "10", "7", NULL };
		r = sg_run(argv, NULL);
	}
	sg_assert_exit(r, 0);

	/* The records went to the activated daemon's log. */
	for (int i = 0; i < 50 && !rec; i++) {
		char *text = sg_read_file(log);

		if (text)
			rec = sg_jsonl_find(sg_jsonl_parse(text, log), "syscall", "getppid",
					    "verdict", "fake", NULL);
		if (!rec)
			usleep(100 * 1000);
	}
	cr_assert_not_null(rec, "no fake record for getppid in %s", log);

	cr_assert_eq(kill(daemon->pid, SIGTERM), 0);
	r = sg_wait(daemon);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->err, "socket passed by systemd"),
		  "the daemon did not say it used the passed socket:\n%s", r->err);
}
