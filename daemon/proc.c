/* SPDX-License-Identifier: MIT */
/*
 * /proc helpers: task status fields, comm, exe, children, fd links.  Reads are
 * bounded (status and children files of any length are parsed in chunks);
 * every function returns a negative errno.  A bare pid may be reused: callers
 * confirm with a pidfd or SECCOMP_IOCTL_NOTIF_ID_VALID after reading.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon.h"
#include "proc.h"
#include "verdict.h"

#define PROC_CHUNK 4096
#define PROC_LINE_MAX 512 /* status lines we parse are shorter; longer ones are skipped */
#define PROC_PF_FORKNOEXEC 0x00000040UL /* forked but didn't exec */

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Read a small /proc file into buf (NUL-terminated, truncated to size - 1). */
ssize_t proc_read(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	size_t n = 0;
	ssize_t k;

	if (!buf || size == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	while (n < size - 1) {
		k = read(fd, buf + n, size - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/* A decimal pid/uid-like number; -EINVAL unless the whole word is one. */
static int parse_ulong(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || v > max)
		return -EINVAL;
	if (*end != '\0' && *end != ' ' && *end != '\t')
		return -EINVAL;
	*ret = v;
	return 0;
}

/* The words of a value: space or tab separated unsigned numbers, at most max. */
static unsigned parse_list(char *s, unsigned long *vals, unsigned max)
{
	unsigned n = 0;

	for (char *tok = strtok(s, " \t"); tok && n < max; tok = strtok(NULL, " \t"))
		if (parse_ulong(tok, INT_MAX, &vals[n]) == 0)
			n++;
		else
			break;
	return n;
}

/* One "Key:\tvalue" line (NUL-terminated, no newline). */
static void parse_status_line(char *line, struct proc_status *st)
{
	unsigned long vals[SG_NSPID_MAX];
	char *colon = strchr(line, ':');
	char *val;
	unsigned n;

	if (!colon)
		return;
	*colon = '\0';
	val = colon + 1;
	n = parse_list(val, vals, ARRAY_SIZE(vals));
	if (n == 0)
		return;
	if (strcmp(line, "Tgid") == 0) {
		st->tgid = (pid_t)vals[0];
		st->have |= PROC_HAVE_TGID;
	} else if (strcmp(line, "PPid") == 0) {
		st->ppid = (pid_t)vals[0];
		st->have |= PROC_HAVE_PPID;
	} else if (strcmp(line, "Uid") == 0) {
		st->ruid = (uid_t)vals[0];
		st->have |= PROC_HAVE_UID;
	} else if (strcmp(line, "Gid") == 0) {
		st->rgid = (gid_t)vals[0];
		st->have |= PROC_HAVE_GID;
	} else if (strcmp(line, "NSpid") == 0) {
		for (unsigned i = 0; i < n; i++)
			st->nspid[i] = (pid_t)vals[i];
		st->n_nspid = n;
		st->have |= PROC_HAVE_NSPID;
	}
}

/* Parse status text (complete lines) into ret, adding to what it already holds. */
void proc_status_parse(const char *text, size_t len, struct proc_status *ret)
{
	char line[PROC_LINE_MAX];

	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t l = nl ? (size_t)(nl - text) : len;

		if (l < sizeof(line)) {
			memcpy(line, text, l);
			line[l] = '\0';
			parse_status_line(line, ret);
		}
		if (!nl)
			break;
		len -= l + 1;
		text = nl + 1;
	}
}

/*
 * Feed a file to fn in chunks that end at a separator, so no line or word is
 * split; a piece longer than a chunk is skipped whole.  Memory stays bounded
 * whatever the file's length (Groups: lines, thousands of children).
 */
static int read_chunked(const char *path, char sep, void (*fn)(const char *, size_t, void *),
			void *userdata)
{
	_cleanup_close_ int fd = -EBADF;
	char buf[PROC_CHUNK];
	size_t have = 0;
	bool skipping = false;
	ssize_t k;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	for (;;) {
		char *last;
		size_t done;

		k = read(fd, buf + have, sizeof(buf) - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		if (k == 0)
			break;
		have += (size_t)k;
		last = memrchr(buf, sep, have);
		if (!last) {
			if (have == sizeof(buf)) { /* one piece longer than the buffer */
				have = 0;
				skipping = true;
			}
			continue;
		}
		done = (size_t)(last - buf) + 1;
		if (skipping) { /* drop the tail of the overlong piece */
			char *first = memchr(buf, sep, have);
			size_t skip = (size_t)(first - buf) + 1;

			fn(buf + skip, done - skip, userdata);
			skipping = false;
		} else
			fn(buf, done, userdata);
		memmove(buf, buf + done, have - done);
		have -= done;
	}
	if (have > 0 && !skipping)
		fn(buf, have, userdata);
	return 0;
}

static void status_chunk(const char *text, size_t len, void *userdata)
{
	proc_status_parse(text, len, userdata);
}

/* Read /proc/PID/status. */
int proc_status_read(pid_t pid, struct proc_status *ret)
{
	char path[64];
	int r;

	if (pid <= 0)
		return -ESRCH;
	memset(ret, 0, sizeof(*ret));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	r = read_chunked(path, '\n', status_chunk, ret);
	if (r == -ENOENT)
		return -ESRCH;
	return r;
}

/* /proc/PID/comm without the newline. */
int proc_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	n = proc_read(path, buf, size);
	if (n < 0)
		return (int)n;
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

/* Whether pid has exec'd a program since it was forked: 1, 0, or a negative errno.  The
 * kernel sets PF_FORKNOEXEC (include/linux/sched.h) in a new process and clears it in
 * execve; /proc/PID/stat shows the flags after the command name, which may hold ')'. */
int proc_execd(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long flags;
	const char *p;
	ssize_t n;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	n = proc_read(path, buf, sizeof(buf));
	if (n == -ENOENT)
		return -ESRCH;
	if (n < 0)
		return (int)n;
	p = strrchr(buf, ')');
	/* state ppid pgrp session tty_nr tpgid flags */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return -EIO;
	return !(flags & PROC_PF_FORKNOEXEC);
}

/* readlink /proc/PID/exe (NUL-terminated; -ENAMETOOLONG when it does not fit). */
int proc_exe(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	if (pid <= 0)
		return -ESRCH;
	if (size == 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, buf, size);
	if (n < 0)
		return negative_errno();
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

/* readlink /proc/self/fd/FD. */
int proc_fd_link(int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	if (fd < 0)
		return -EBADF;
	if (size == 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, size);
	if (n < 0)
		return negative_errno();
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

struct children {
	pid_t *pids;
	size_t max, n;
	bool truncated;
};

static void children_chunk(const char *text, size_t len, void *userdata)
{
	struct children *ch = userdata;
	char word[16];

	while (len > 0) {
		const char *sp = memchr(text, ' ', len);
		size_t l = sp ? (size_t)(sp - text) : len;
		unsigned long v;

		while (l > 0 && (text[l - 1] == '\n'))
			l--;
		if (l > 0 && l < sizeof(word)) {
			memcpy(word, text, l);
			word[l] = '\0';
			if (parse_ulong(word, INT_MAX, &v) == 0 && v > 0) {
				if (ch->n < ch->max)
					ch->pids[ch->n++] = (pid_t)v;
				else
					ch->truncated = true;
			}
		}
		if (!sp)
			break;
		len -= (size_t)(sp - text) + 1;
		text = sp + 1;
	}
}

/* The children of every thread of pid (CONFIG_PROC_CHILDREN), up to max. */
int proc_children(pid_t pid, pid_t *ret_pids, size_t max, size_t *ret_n)
{
	_cleanup_(closedirp) DIR *dir = NULL;
	struct children ch = { ret_pids, max, 0, false };
	char path[128];
	struct dirent *de;
	int r;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : negative_errno();
	while ((errno = 0, de = readdir(dir))) {
		unsigned long tid;

		if (parse_ulong(de->d_name, INT_MAX, &tid) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%lu/children", (int)pid, tid);
		r = read_chunked(path, ' ', children_chunk, &ch);
		if (r == -ENOENT) /* the thread left meanwhile */
			continue;
		if (r < 0)
			return r;
	}
	if (errno != 0)
		return negative_errno();
	*ret_n = ch.n;
	return ch.truncated ? -E2BIG : 0;
}

/* tgid, real uid and gid of a thread through a pidfd: three cheap syscalls where
 * /proc/TID/status formats a page of text. -EOPNOTSUPP: the kernel cannot. */
static int task_ids_pidfd(pid_t tid, struct task_meta *m)
{
	struct sg_pidfd_info info = { .mask = SG_PIDFD_INFO_CREDS };
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, tid, SG_PIDFD_THREAD);

	if (fd < 0)
		return errno == EINVAL ? -EOPNOTSUPP : negative_errno();
	if (ioctl(fd, SG_PIDFD_GET_INFO, &info) < 0)
		return errno == ENOTTY || errno == EINVAL ? -EOPNOTSUPP : negative_errno();
	if (!(info.mask & SG_PIDFD_INFO_CREDS) || info.tgid == 0)
		return -EOPNOTSUPP;
	m->tgid = (pid_t)info.tgid;
	m->uid = info.ruid;
	m->gid = info.rgid;
	return 0;
}

/* Who made a call, from a pidfd or /proc; see daemon.h. */
void task_meta_read(pid_t tid, struct task_meta *m)
{
	static bool no_pidfd_info; /* learnt once: the kernel has no PIDFD_GET_INFO */
	struct proc_status st;
	const unsigned need = PROC_HAVE_TGID | PROC_HAVE_UID | PROC_HAVE_GID;
	int r = -EOPNOTSUPP;

	m->have_status = m->have_comm = m->have_exe = false;
	if (tid <= 0) /* outside the daemon's pid namespace */
		return;
	if (!no_pidfd_info) {
		r = task_ids_pidfd(tid, m);
		no_pidfd_info = r == -EOPNOTSUPP;
	}
	if (r == 0)
		m->have_status = true;
	else if (r == -EOPNOTSUPP && proc_status_read(tid, &st) == 0 && (st.have & need) == need) {
		m->tgid = st.tgid;
		m->uid = st.ruid;
		m->gid = st.rgid;
		m->have_status = true;
	}
	m->have_comm = proc_comm(tid, m->comm, sizeof(m->comm)) >= 0;
	if (m->have_status)
		m->have_exe = proc_exe(m->tgid, m->exe, sizeof(m->exe)) >= 0;
}
