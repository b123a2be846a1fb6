/* SPDX-License-Identifier: MIT */
/* What /proc says about a task (proc.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "daemon.h"

/* What /proc/PID/status says about a task. */
struct proc_status {
	pid_t tgid, ppid;
	uid_t ruid;
	gid_t rgid;
	pid_t nspid[SG_NSPID_MAX]; /* from the procfs' namespace down to the task's own */
	unsigned n_nspid;
	unsigned have; /* PROC_HAVE_* */
};

enum {
	PROC_HAVE_TGID = 1 << 0,
	PROC_HAVE_PPID = 1 << 1,
	PROC_HAVE_UID = 1 << 2,
	PROC_HAVE_GID = 1 << 3,
	PROC_HAVE_NSPID = 1 << 4,
};

/* PIDFD_GET_INFO (6.13): a task's ids without /proc's text (headers may predate it);
 * the daemon's own filter allows this ioctl too. */
struct sg_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	uint32_t spare0[1];
};
#define SG_PIDFD_GET_INFO _IOWR(0xFF, 11, struct sg_pidfd_info)
#define SG_PIDFD_INFO_CREDS (1UL << 1)
#define SG_PIDFD_THREAD O_EXCL /* 6.9 */

struct task_meta;

/* proc.c */

/* Who made a call, from /proc; fields stay unknown (have_* false) when unreadable. */
void task_meta_read(pid_t tid, struct task_meta *m);

/* Parse the text of /proc/PID/status (whole or in complete lines) into ret. */
void proc_status_parse(const char *text, size_t len, struct proc_status *ret);
/* Read /proc/PID/status (any length, bounded memory). */
int proc_status_read(pid_t pid, struct proc_status *ret);
/* /proc/PID/comm without the newline. */
int proc_comm(pid_t pid, char *buf, size_t size);
/* Whether pid has exec'd a program since it was forked (/proc/PID/stat): 1, 0, or -errno. */
int proc_execd(pid_t pid);
/* readlink /proc/PID/exe. */
int proc_exe(pid_t pid, char *buf, size_t size);
/* The children of every thread of pid, up to max; the number found in *ret_n. */
int proc_children(pid_t pid, pid_t *ret_pids, size_t max, size_t *ret_n);
/* readlink /proc/self/fd/FD. */
int proc_fd_link(int fd, char *buf, size_t size);
/* Read a small /proc file into buf (NUL-terminated, truncated to size - 1); length or -errno. */
ssize_t proc_read(const char *path, char *buf, size_t size);
