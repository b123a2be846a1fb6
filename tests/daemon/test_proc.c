/* SPDX-License-Identifier: MIT */
/* proc.c: status fields, comm, exe, children and fd links, on this test's own processes. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(proc, .fini = th_cleanup, .timeout = 30);

Test(proc, status_of_this_process)
{
	struct proc_status st;

	cr_assert_eq(proc_status_read(getpid(), &st), 0);
	cr_expect_eq(st.have & (PROC_HAVE_TGID | PROC_HAVE_PPID | PROC_HAVE_UID | PROC_HAVE_GID |
				PROC_HAVE_NSPID),
		     PROC_HAVE_TGID | PROC_HAVE_PPID | PROC_HAVE_UID | PROC_HAVE_GID |
			     PROC_HAVE_NSPID);
	cr_expect_eq(st.tgid, getpid());
	cr_expect_eq(st.ppid, getppid());
	cr_expect_eq(st.ruid, getuid());
	cr_expect_eq(st.rgid, getgid());
	cr_assert_geq(st.n_nspid, 1);
	cr_expect_eq(st.nspid[st.n_nspid - 1], getpid(), "the last NSpid is our own view");
}

static void *report_tid(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return NULL;
}

Test(proc, status_of_a_thread_names_its_thread_group)
{
	struct proc_status st;
	pthread_t th;
	pid_t tid = 0;
	int r;

	/* a thread that stays alive while we read it */
	cr_assert_eq(pthread_create(&th, NULL, report_tid, &tid), 0);
	pthread_join(th, NULL);
	cr_assert_gt(tid, 0);
	/* the thread is gone now; our own main thread's tid is the tgid */
	r = proc_status_read(tid, &st);
	cr_expect(r == -ESRCH || (r == 0 && st.tgid == getpid()), "r %d", r);
	cr_assert_eq(proc_status_read((pid_t)syscall(SYS_gettid), &st), 0);
	cr_expect_eq(st.tgid, getpid());
}

Test(proc, parser_reads_the_fields_and_ignores_the_rest)
{
	static const char text[] = "Name:\tsh\n"
				   "Tgid:\t5\n"
				   "Pid:\t6\n"
				   "PPid:\t1\n"
				   "Uid:\t1000\t0\t0\t0\n"
				   "Gid:\t100\t101\t102\t103\n"
				   "Groups:\t1 2 3\n"
				   "NSpid:\t50\t7\t1\n"
				   "Bogus\n"
				   "Tgid:\tnotanumber\n";
	struct proc_status st;

	memset(&st, 0, sizeof(st));
	proc_status_parse(text, sizeof(text) - 1, &st);
	cr_expect_eq(st.tgid, 5);
	cr_expect_eq(st.ppid, 1);
	cr_expect_eq(st.ruid, 1000, "the real uid is the first");
	cr_expect_eq(st.rgid, 100);
	cr_assert_eq(st.n_nspid, 3);
	cr_expect_eq(st.nspid[0], 50);
	cr_expect_eq(st.nspid[2], 1);
	cr_expect_eq(st.have & PROC_HAVE_TGID, PROC_HAVE_TGID);
}

Test(proc, fields_after_a_huge_groups_line_are_read)
{
	static gid_t groups[20000];
	struct proc_status st;
	int p[2];
	pid_t pid;
	char c;

	if (geteuid() != 0)
		cr_skip_test("needs root for setgroups");
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		groups[i] = (gid_t)(100000 + i);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (setgroups(sizeof(groups) / sizeof(groups[0]), groups) < 0)
			_exit(1);
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	th_track_child(pid);
	close(p[1]);
	cr_assert_eq(read(p[0], &c, 1), 1, "setgroups failed in the child");
	/* Groups: is ~140 KiB, longer than the reader's chunk; NSpid comes after it */
	cr_assert_eq(proc_status_read(pid, &st), 0);
	cr_expect_eq(st.tgid, pid);
	cr_expect_eq(st.ppid, getpid());
	cr_assert(st.have & PROC_HAVE_NSPID, "NSpid after Groups was lost");
	cr_expect_eq(st.nspid[st.n_nspid - 1], pid);
}

Test(proc, comm_and_exe_of_this_process)
{
	char comm[SG_COMM_MAX], exe[4096], want[4096];
	ssize_t n;

	/* only the kernel's newline is stripped: one in the name itself stays */
	cr_assert_eq(prctl(PR_SET_NAME, "sg \"odd\"\n"), 0);
	cr_assert_geq(proc_comm(getpid(), comm, sizeof(comm)), 0);
	cr_expect_str_eq(comm, "sg \"odd\"\n");
	cr_assert_gt(proc_exe(getpid(), exe, sizeof(exe)), 0);
	n = readlink("/proc/self/exe", want, sizeof(want) - 1);
	cr_assert_gt(n, 0);
	want[n] = '\0';
	cr_expect_str_eq(exe, want);
	cr_expect_eq(proc_exe(getpid(), exe, 4), -ENAMETOOLONG);
}

Test(proc, missing_processes_give_errors)
{
	char buf[64];
	struct proc_status st;

	cr_expect_eq(proc_status_read(0, &st), -ESRCH);
	cr_expect_eq(proc_status_read(INT32_MAX, &st), -ESRCH);
	cr_expect_lt(proc_comm(INT32_MAX, buf, sizeof(buf)), 0);
	cr_expect_lt(proc_exe(INT32_MAX, buf, sizeof(buf)), 0);
	cr_expect_eq(proc_fd_link(-1, buf, sizeof(buf)), -EBADF);
}

struct forker {
	pid_t pid;
	int hold; /* read end: the thread lives until it can read */
};

static void *fork_a_child(void *arg)
{
	struct forker *f = arg;
	char c;
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	__atomic_store_n(&f->pid, pid, __ATOMIC_RELEASE);
	(void)!read(f->hold, &c, 1);
	return NULL;
}

Test(proc, children_of_every_thread_are_listed)
{
	struct forker f = { 0, -1 };
	pid_t kids[64], a;
	pthread_t th;
	size_t n = 0;
	bool found_a = false, found_b = false;
	int p[2];

	a = fork();
	cr_assert_geq(a, 0);
	if (a == 0) {
		pause();
		_exit(0);
	}
	th_track_child(a);
	/* a child forked by another (live) thread is listed under that thread's task */
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	f.hold = p[0];
	cr_assert_eq(pthread_create(&th, NULL, fork_a_child, &f), 0);
	for (int i = 0; i < 5000 && !__atomic_load_n(&f.pid, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	cr_assert_gt(f.pid, 0);
	th_track_child(f.pid);

	cr_assert_eq(proc_children(getpid(), kids, 64, &n), 0);
	for (size_t i = 0; i < n; i++) {
		found_a |= kids[i] == a;
		found_b |= kids[i] == f.pid;
	}
	(void)!write(p[1], "x", 1);
	pthread_join(th, NULL);
	close(p[0]);
	close(p[1]);
	cr_expect(found_a, "child %d of the main thread not listed", (int)a);
	cr_expect(found_b, "child %d of another thread not listed", (int)f.pid);
	cr_expect_eq(proc_children(getpid(), kids, 0, &n), -E2BIG);
}

static void body_return(int sock)
{
	(void)sock;
}

Test(proc, fd_link_tells_a_listener_from_a_pipe)
{
	static const int route[] = { __NR_getppid };
	struct th_target t;
	char link[64];
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_gt(proc_fd_link(p[0], link, sizeof(link)), 0);
	cr_expect_eq(strncmp(link, "pipe:[", 6), 0, "%s", link);
	cr_expect_not(fd_is_seccomp_listener(p[0]));
	th_target_start(&t, route, 1, body_return);
	cr_expect(fd_is_seccomp_listener(t.listener));
	close(t.listener);
	close(p[0]);
	close(p[1]);
}
