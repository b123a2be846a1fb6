/* SPDX-License-Identifier: MIT */
/*
 * Attacks on the open emulator (issue 13), each a real program under
 * `open, openat emulate open PREFIX` against a real root daemon:
 * /proc/self is the helper's, not the daemon's; the daemon's capabilities do
 * not leak (/dev/kmsg under dmesg_restrict, a 0600 file of another user); a
 * bind mount of a denied directory is still denied; a FIFO without a writer
 * stalls only its own session; O_PATH and `> /dev/null` work.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
#define _cleanup_closedir_ __attribute__((cleanup(closedirp)))

#define UNSHARE "/usr/bin/unshare"
#define SETPRIV "/usr/bin/setpriv"
#define DMESG_RESTRICT "/proc/sys/kernel/dmesg_restrict"

TestSuite(emulator_attacks, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

static const char *attack(const char *name)
{
	return sg_bin(sg_strf("tests/attack/%s", name));
}

/* Every open and openat goes through the emulator; prefix is what it denies. */
static const char *open_policy(const char *prefix)
{
	return sg_policy("open", sg_strf("version 1\ndefault allow\n"
					 "open, openat emulate open %s\n", prefix));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Where the daemon's executable is mapped: the first line of its maps. */
static unsigned long daemon_base(void)
{
	char *maps = sg_read_file(sg_strf("/proc/%d/maps", (int)sg_daemon_pid()));

	cr_assert_not_null(maps, "cannot read the daemon's maps");
	return strtoul(maps, NULL, 16);
}

Test(emulator_attacks, proc_self_is_the_helper_not_the_daemon)
{
	const char *pol = open_policy(sg_strf("%s/nothing", sg_dir()));
	char want[64];
	struct sg_result *r;

	r = sg_shim(pol, attack("attack_open_procself"), sg_strf("%d", (int)sg_daemon_pid()),
		    sg_strf("%lx", daemon_base()), NULL);
	sg_assert_exit(r, 0);
	snprintf(want, sizeof(want), "status_pid=%d ", (int)sg_daemon_pid());
	cr_expect_null(strstr(r->out, want), "the daemon's own status: %s", r->out);
	cr_expect(strstr(r->out, "elf=0"), "%s", r->out);
	cr_expect_null(strstr(r->out, "status_pid=-1"), "/proc/self/status did not open: %s",
		       r->out);
}

Test(emulator_attacks, proc_self_magic_links_are_refused_not_the_helpers_fds)
{
	const char *pol = open_policy(sg_strf("%s/nothing", sg_dir()));
	const char *in = sg_write_file("in", "mine\n", 0644);
	struct sg_result *r;

	/* /dev/stdin is /proc/self/fd/0: in the helper that is its /dev/null, never the
	 * caller's stdin; an error says so instead of an empty read */
	r = sg_shim(pol, "/bin/sh", "-c", "cat /dev/stdin < \"$0\"", in, NULL);
	sg_assert_exit(r, 1);
	cr_expect(strstr(r->err, "Too many levels of symbolic links"), "%s", r->err);
	cr_expect_str_eq(r->out, "");
}

/* dmesg_restrict=1 for the test (restored by the caller), or skip. */
static const char *restrict_dmesg(void)
{
	char *old = sg_read_file(DMESG_RESTRICT);
	FILE *f;

	if (!old || access("/dev/kmsg", R_OK) < 0)
		sg_skip("no /dev/kmsg or " DMESG_RESTRICT " here");
	if (old[0] == '1')
		return NULL;
	f = fopen(DMESG_RESTRICT, "we");
	if (!f || fputs("1\n", f) < 0 || fclose(f) != 0)
		sg_skip("cannot set " DMESG_RESTRICT " to 1");
	return old;
}

static void restore_dmesg(const char *old)
{
	FILE *f = old ? fopen(DMESG_RESTRICT, "we") : NULL;

	if (f) {
		fputs(old, f);
		fclose(f);
	}
}

Test(emulator_attacks, kmsg_stays_closed_to_an_unprivileged_user)
{
	const struct sg_opts nobody = { .as_nobody = true };
	const char *pol = open_policy(sg_strf("%s/nothing", sg_dir()));
	const char *const plain[] = { attack("attack_open_read"), "/dev/kmsg", NULL };
	struct sg_result *bare, *r;
	const char *old;

	if (geteuid() != 0)
		sg_skip("running the target as nobody needs root");
	old = restrict_dmesg();
	bare = sg_run(plain, &nobody);
	r = sg_run(sg_shim_argv(pol, attack("attack_open_read"), "/dev/kmsg", NULL), &nobody);
	restore_dmesg(old);
	sg_assert_exit(bare, 0);
	cr_assert(strstr(bare->out, "errno=EPERM"), "without sysgate: %s", bare->out);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "errno=EPERM"), "as without sysgate: %s", r->out);
}

Test(emulator_attacks, root_without_dac_capabilities_cannot_read_a_0600_file_of_another_user)
{
	const char *f = sg_write_file("private", "secret\n", 0600);
	const char *pol = open_policy(sg_strf("%s/nothing", sg_dir()));
	const char *drop = "--bounding-set=-dac_override,-dac_read_search";
	const char *const plain[] = { SETPRIV, drop, attack("attack_open_read"), f, NULL };
	const char *const under[] = { SETPRIV, drop, sg_run_path(), "-s", sg_sock(), "-p", pol,
				      "--", attack("attack_open_read"), f, NULL };
	struct sg_result *r;

	if (geteuid() != 0 || access(SETPRIV, X_OK) < 0)
		sg_skip("needs root and setpriv");
	cr_assert_eq(chown(f, 4242, 4242), 0);
	r = sg_run(plain, NULL);
	sg_assert_exit(r, 0);
	cr_assert(strstr(r->out, "errno=EACCES"), "without sysgate: %s", r->out);
	r = sg_run(under, NULL);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "errno=EACCES"), "as without sysgate: %s", r->out);
}

Test(emulator_attacks, nobody_cannot_read_a_0600_file_of_another_user)
{
	const struct sg_opts nobody = { .as_nobody = true };
	const char *f = sg_write_file("private", "secret\n", 0600);
	const char *pol = open_policy(sg_strf("%s/nothing", sg_dir()));
	struct sg_result *r;

	if (geteuid() != 0)
		sg_skip("running the target as nobody needs root");
	cr_assert_eq(chmod(sg_dir(), 0711), 0);
	cr_assert_eq(chown(f, 4242, 4242), 0);
	r = sg_run(sg_shim_argv(pol, attack("attack_open_read"), f, NULL), &nobody);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "errno=EACCES"), "%s", r->out);
}

/* The target in its own mount namespace where bound is a bind mount of secret. */
static struct sg_result *through_bind_mount(const char *secret, const char *bound,
					    const char *pol)
{
	const char *const argv[] = { UNSHARE, "-m", "/bin/sh", "-c",
				     "mount --bind \"$0\" \"$1\" && exec \"$2\" -s \"$3\" -p \"$4\" "
				     "-- \"$5\" \"$1/x\"",
				     secret, bound, sg_run_path(), sg_sock(), pol,
				     attack("attack_open_read"), NULL };

	return sg_run(argv, NULL);
}

Test(emulator_attacks, a_bind_mount_of_a_denied_directory_is_still_denied)
{
	const char *secret = sg_strf("%s/secret", sg_dir()), *bound = sg_strf("%s/b", sg_dir());
	struct sg_result *r;

	if (geteuid() != 0 || access(UNSHARE, X_OK) < 0)
		sg_skip("needs root and unshare");
	cr_assert_eq(mkdir(secret, 0755), 0);
	cr_assert_eq(mkdir(bound, 0755), 0);
	sg_write_file("secret/x", "secret\n", 0644);
	/* The bind mount reaches the file when its directory is not the denied one... */
	r = through_bind_mount(secret, bound, open_policy(sg_strf("%s/nothing", sg_dir())));
	sg_assert_exit(r, 1);
	/* ...and not when it is. */
	r = through_bind_mount(secret, bound, open_policy(secret));
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "errno=EACCES"), "%s", r->out);
}

/* Wait (bounded) until one of the daemon's helpers sits in openat2 (437): blocked on a
 * FIFO; fails when none does. */
static void wait_helper_blocked(void)
{
	for (int64_t end = now_ms() + SG_WAIT_MS; now_ms() < end; usleep(20 * 1000)) {
		_cleanup_closedir_ DIR *proc = opendir("/proc");
		struct dirent *e;

		while (proc && (e = readdir(proc))) {
			char *stat = sg_read_file(sg_strf("/proc/%s/stat", e->d_name)), *sc;
			char *close_paren = stat ? strrchr(stat, ')') : NULL;
			int ppid = -1;

			if (!close_paren || !strstr(stat, "(sysgate-helper)") ||
			    sscanf(close_paren + 2, "%*c %d", &ppid) != 1 || ppid != sg_daemon_pid())
				continue;
			sc = sg_read_file(sg_strf("/proc/%s/syscall", e->d_name));
			if (sc && strncmp(sc, "437 ", 4) == 0)
				return;
		}
	}
	cr_assert_fail("no helper of the daemon blocked in openat2");
}

Test(emulator_attacks, a_fifo_without_a_writer_stalls_only_its_own_session)
{
	const char *fifo = sg_strf("%s/fifo", sg_dir()), *f = sg_write_file("f", "x\n", 0644);
	const char *pol = open_policy(sg_strf("%s/nothing", sg_dir()));
	const struct sg_opts bound = { .timeout_ms = 5000 };
	struct sg_proc *a;
	struct sg_result *r;
	int64_t t0, took;
	int w;

	cr_assert_eq(mkfifo(fifo, 0644), 0);
	a = sg_spawn(sg_shim_argv(pol, sg_target("do_open"), fifo, "O_RDONLY", "ok", NULL), NULL);
	wait_helper_blocked();
	t0 = now_ms();
	r = sg_run(sg_shim_argv(pol, sg_target("do_open"), f, "O_RDONLY", "ok", NULL), &bound);
	took = now_ms() - t0;
	sg_assert_exit(r, 0);
	cr_expect_lt(took, 1000, "another session's emulated open took %lld ms",
		     (long long)took);
	t0 = now_ms();
	sg_assert_exit(sg_ctl("status", NULL), 0);
	cr_expect_lt(now_ms() - t0, 1000, "sysgatectl status waited for the FIFO");
	w = open(fifo, O_WRONLY | O_CLOEXEC); /* the helper is the reader it waits for */
	cr_assert_geq(w, 0, "open the writer: %s", strerror(errno));
	close(w);
	sg_assert_exit(sg_wait(a), 0);
}

/* Whether a reader has the FIFO open or is waiting in open(2) for a writer. */
static bool fifo_has_reader(const char *fifo)
{
	int w = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	if (w < 0)
		return false; /* ENXIO: no reader */
	close(w);
	return true;
}

Test(emulator_attacks, a_caller_that_stops_waiting_gets_its_blocked_helper_killed)
{
	const char *fifo = sg_strf("%s/fifo", sg_dir()), *pidfile = sg_strf("%s/pid", sg_dir());
	const char *pol = open_policy(sg_strf("%s/nothing", sg_dir()));
	struct sg_proc *a;
	int64_t end;
	char *pid;

	cr_assert_eq(mkfifo(fifo, 0644), 0);
	/* the shell stays, so the session does: only the opener goes away */
	a = sg_spawn(sg_shim_argv(pol, "/bin/sh", "-c",
				  "\"$0\" \"$1\" O_RDONLY ok & echo $! > \"$2\"; wait",
				  sg_target("do_open"), fifo, pidfile, NULL), NULL);
	sg_wait_file(pidfile);
	wait_helper_blocked();
	pid = sg_read_file(pidfile);
	cr_assert_eq(kill((pid_t)strtol(pid, NULL, 10), SIGKILL), 0);
	for (end = now_ms() + 2000; now_ms() < end && fifo_has_reader(fifo);)
		usleep(20 * 1000);
	cr_expect(!fifo_has_reader(fifo), "the helper still waits in open(2) for a caller "
		  "that is gone");
	sg_assert_exit(sg_wait(a), 0);
}

/* Records whose result has this outcome. */
static size_t count_outcome(json_object *log, const char *outcome)
{
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(log); i++) {
		json_object *res;

		if (json_object_object_get_ex(json_object_array_get_idx(log, i), "result", &res) &&
		    sg_jstr(res, "outcome") && strcmp(sg_jstr(res, "outcome"), outcome) == 0)
			n++;
	}
	return n;
}

Test(emulator_attacks, a_flood_of_emulated_calls_is_bounded_per_session)
{
	const char *fifo = sg_strf("%s/fifo", sg_dir());
	const char *pol = open_policy(sg_strf("%s/nothing", sg_dir()));
	struct sg_proc *a;
	struct sg_result *r;
	int w;

	cr_assert_eq(mkfifo(fifo, 0644), 0);
	a = sg_spawn(sg_shim_argv(pol, attack("attack_open_flood"), fifo, "80", NULL), NULL);
	/* one open in the helper, 63 queued, 16 refused: then a writer lets them through */
	for (int64_t end = now_ms() + SG_WAIT_MS;
	     now_ms() < end && count_outcome(sg_audit(), "queue-full") < 16;)
		usleep(20 * 1000);
	w = open(fifo, O_WRONLY | O_CLOEXEC);
	cr_assert_geq(w, 0, "open the writer: %s", strerror(errno));
	r = sg_wait(a);
	close(w);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "ok=64 eagain=16 other=0\n");
	cr_assert_not_null(sg_audit_wait("event", "session-end", NULL));
	cr_expect_eq(count_outcome(sg_audit(), "queue-full"), 16, "each refusal is recorded");
}

Test(emulator_attacks, o_path_opens_work_under_the_emulator)
{
	const char *d = sg_strf("%s/d", sg_dir()), *f;
	const char *pol = open_policy(sg_strf("%s/secret", sg_dir()));
	struct sg_result *r;

	cr_assert_eq(mkdir(d, 0755), 0);
	cr_assert_eq(mkdir(sg_strf("%s/secret", sg_dir()), 0755), 0);
	f = sg_write_file("d/f", "x\n", 0644);
	sg_write_file("secret/x", "s\n", 0644);
	r = sg_shim(pol, attack("attack_open_opath"), f, d, NULL);
	sg_assert_exit(r, 0);
	/* O_PATH (010000000) of a file under the denied prefix is still refused */
	r = sg_shim(pol, sg_target("do_open"), sg_strf("%s/secret/x", sg_dir()), "010000000",
		    "EACCES", NULL);
	sg_assert_exit(r, 0);
}

Test(emulator_attacks, shell_redirection_to_dev_null_works)
{
	const char *pol = open_policy(sg_strf("%s/nothing", sg_dir()));
	struct sg_result *r = sg_shim(pol, "/bin/sh", "-c", "echo x > /dev/null && echo done", NULL);

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "done\n");
}

Test(emulator_attacks, mknod_makes_nodes_as_the_caller_would)
{
	const struct sg_opts nobody = { .as_nobody = true };
	const char *pol = sg_policy("mk", "version 1\ndefault allow\nmknod, mknodat emulate mknod\n");
	const char *d = sg_strf("%s/shared", sg_dir());
	struct sg_result *r;
	struct stat st;

	if (geteuid() != 0)
		sg_skip("running the target as nobody needs root");
	cr_assert_eq(chmod(sg_dir(), 0711), 0);
	cr_assert_eq(mkdir(d, 0755), 0);
	cr_assert_eq(chown(d, 0, 4242), 0);
	cr_assert_eq(chmod(d, 02777), 0); /* new entries take the directory's group */
	r = sg_run(sg_shim_argv(pol, "/bin/sh", "-c", "mkfifo \"$0/fifo\" && mknod \"$0/null\" c 1 3",
				d, NULL), &nobody);
	sg_assert_exit(r, 0);
	cr_assert_eq(lstat(sg_strf("%s/fifo", d), &st), 0);
	cr_expect(S_ISFIFO(st.st_mode) && st.st_uid == SG_NOBODY && st.st_gid == 4242,
		  "fifo: mode 0%o uid %u gid %u", st.st_mode, st.st_uid, st.st_gid);
	cr_assert_eq(lstat(sg_strf("%s/null", d), &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_uid == SG_NOBODY && st.st_gid == 4242,
		  "null: mode 0%o uid %u gid %u", st.st_mode, st.st_uid, st.st_gid);
}
